"""Same-origin fetches and the ArrayBuffers they return (bytes stay in JS until Python needs them).

Example:
    status, buffer = await fetch_bytes("models/index.json")
    text = buffer_text(buffer) if buffer is not None else ""
"""

from __future__ import annotations

import js

from .core import js_value

__all__ = ["fetch_bytes", "byte_length", "buffer_text", "sha256_hex", "concat_buffers"]

_preload = js.TYB_PRELOAD  # site/boot.js: the fetches and the backend it started before Python ran


async def fetch_bytes(url: str, revalidate: bool = True):
    """Fetch `url` (same origin); returns (status, ArrayBuffer or None).

    `revalidate` asks the server even when the HTTP cache has the file; files whose names carry their
    content hash never change, so they are taken from the cache as it is. A file site/boot.js
    already fetched (the page's default model) is taken from there, once."""
    preloaded = _preload.take(url)
    if preloaded is not None:
        result = await preloaded
        return result.status, result.buffer
    try:
        response = await js.fetch(url, js_value({"cache": "no-cache" if revalidate else "default"}))
    except Exception:  # network error: fetch rejects
        return 0, None
    if not response.ok:
        return response.status, None
    return response.status, await response.arrayBuffer()


def byte_length(buffer) -> int:
    return buffer.byteLength


def buffer_text(buffer) -> str:
    return js.TextDecoder.new().decode(buffer)


async def sha256_hex(buffer) -> str:
    """site/boot.js's digest of a file it preloaded is already under way; others start here."""
    digest = await _preload.sha256(buffer)
    return bytes(js.Uint8Array.new(digest).to_py()).hex()


def concat_buffers(buffers: list):
    total = sum(b.byteLength for b in buffers)
    out = js.Uint8Array.new(total)
    offset = 0
    for buffer in buffers:
        out.set(js.Uint8Array.new(buffer), offset)
        offset += buffer.byteLength
    return out.buffer
