"""Elements, visibility, animation frames and the files a visitor picks or saves.

Example:
    set_text("predicted", "A")
    set_data("page", "state", "ready")   # <body data-state="ready">, for CSS and the tests
"""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy, to_js

from .core import js_value, keep, listen

__all__ = ["document", "el", "make", "set_text", "set_hidden", "set_data", "page_visible", "on_visibility_change", "coarse_pointer",
           "blob_from_bytes", "download_file", "read_file_bytes", "take_files", "dropped_files", "next_animation_frame", "element_size", "on_resize"]

document = js.document


def el(element_id: str):
    element = document.getElementById(element_id)
    if element is None:
        raise KeyError(f"no element #{element_id}")
    return element


def make(tag: str, class_name: str = "", text: str = ""):
    element = document.createElement(tag)
    if class_name:
        element.className = class_name
    if text:
        element.textContent = text
    return element


def set_text(element_id: str, text: str) -> None:
    el(element_id).textContent = text


def set_hidden(element_id: str, hidden: bool) -> None:
    el(element_id).hidden = hidden


def set_data(element_id: str, key: str, value: str) -> None:
    """data-* attributes carry state that CSS and the tests read."""
    setattr(el(element_id).dataset, key, value)


def page_visible() -> bool:
    return document.visibilityState == "visible"


def on_visibility_change(handler) -> None:
    listen(document, "visibilitychange", lambda _event: handler(page_visible()))


def coarse_pointer() -> bool:
    """True on a touch screen as the main pointer (phones, tablets): what CSS's `pointer: coarse` says."""
    return bool(js.matchMedia("(pointer: coarse)").matches)


FILE_SLICE = 4 << 20  # bytes copied between Python and JS per step (~4 ms): a 40 MB dataset never blocks the page


async def blob_from_bytes(data: bytes, mime: str = "application/json"):
    """A Blob of `data`, copied to JS FILE_SLICE bytes at a time with a turn for the page between."""
    view, parts = memoryview(data), []
    for start in range(0, len(view), FILE_SLICE):
        parts.append(to_js(view[start:start + FILE_SLICE]))
        await asyncio.sleep(0)
    return js.Blob.new(js_value(parts), js_value({"type": mime}))


async def read_file_bytes(file) -> bytes:
    """The bytes of a chosen file or a Blob, FILE_SLICE at a time (not its text: a large file's text
    crosses to Python ~30x slower than its bytes)."""
    parts = []
    for start in range(0, int(file.size), FILE_SLICE):
        parts.append((await file.slice(start, start + FILE_SLICE).arrayBuffer()).to_bytes())
    return b"".join(parts)


async def download_file(filename: str, data: bytes, mime: str = "application/json") -> None:
    url = js.URL.createObjectURL(await blob_from_bytes(data, mime))
    link = make("a")
    link.href = url
    link.download = filename
    link.click()
    js.URL.revokeObjectURL(url)


def take_files(input_element) -> list:
    """The files chosen in an <input type=file>, which is then reset so the same file can be chosen again."""
    files = [input_element.files.item(i) for i in range(input_element.files.length)]
    input_element.value = ""
    return files


def dropped_files(event) -> list:
    """The files dropped in a drop event (none when text or a link was dropped)."""
    files = event.dataTransfer.files if event.dataTransfer else None
    return [files.item(i) for i in range(files.length)] if files else []


def element_size(element) -> tuple[float, float]:
    """CSS pixel size of the box an element is laid out in."""
    rect = element.getBoundingClientRect()
    return rect.width, rect.height


def on_resize(element, handler) -> None:
    """`handler()` whenever the element's laid-out size changes (window resize, layout change)."""
    js.ResizeObserver.new(keep(lambda _entries, _observer: handler())).observe(element)


# ---------------------------------------------------------------- frames

_frame_waiters: list[asyncio.Future] = []


def _resolve_frame(timestamp) -> None:
    waiters = list(_frame_waiters)
    _frame_waiters.clear()
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(timestamp)


_resolve_proxy = create_proxy(_resolve_frame)
# The frame's work starts from a timer task, not from the animation frame itself: Pyodide resumes a
# coroutine from a MessageChannel task, and a chain of those, each holding a slow device's whole
# inference (a CenterNet frame on wasm: ~300 ms), kept the page's own timers and DevTools waiting
# for up to 20 frames, seconds (tests/e2e/test_responsive.py). A timer queued behind the ones
# already due lets them run first.
# Both looked up once: every attribute lookup on a JS object makes a new proxy, and this runs every frame.
_set_timeout, _request_animation_frame = js.setTimeout, js.requestAnimationFrame
_frame_proxy = create_proxy(lambda timestamp: _set_timeout(_resolve_proxy, 0, timestamp))


async def next_animation_frame() -> float:
    """Wait for requestAnimationFrame, then for the tasks already due; a hidden tab gets no animation
    frames, which pauses the loop."""
    waiter = asyncio.get_event_loop().create_future()
    _frame_waiters.append(waiter)
    _request_animation_frame(_frame_proxy)
    return await waiter
