"""Long work in small steps, so the page keeps answering while a large dataset is read or written.

A browser page has one main thread: a task that runs for long (parsing a 40 MB dataset file takes
~0.4 s in Pyodide) freezes scrolling, buttons and the video for that long. Such work is written here
as a generator that `yield`s between steps of a few milliseconds; `sliced` runs it and gives the
browser a turn (a new task) whenever SLICE_S has passed, `run` runs it in one go (tests, small data).

`json_document` is one such step-wise job: the standard library's JSON scanner (its C string and
number parsers do the work), walking the outer containers one member at a time so that no single
step parses more than one member of them.

Example:
    def count_to(n):
        for i in range(n):
            yield                       # a step boundary
        return n

    run(count_to(3))                   # 3
    await sliced(count_to(10**6))      # the same, in slices of SLICE_S
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import codecs
import json
import re
import time
from collections.abc import Generator
from json.decoder import scanstring

SLICE_S = 0.015         # a slice of work between two turns of the browser (a long task is >= 50 ms)
TEXT_CHUNK = 1 << 21    # bytes of UTF-8 decoded per step
WALK_DEPTH = 4          # JSON containers nested less deep than this are walked member by member
STRING_STEP = 1 << 20   # characters of a long string scanned per step (a class's examples)
BASE64_STEP = 1 << 20   # base64 characters decoded per step (a multiple of 4)

Steps = Generator[None, None, object]


def run(steps: Steps):
    """Runs `steps` to the end at once; returns its value."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


async def sliced(steps: Steps, slice_s: float = SLICE_S):
    """Runs `steps` to the end, giving the browser a turn first and after every `slice_s` of work.

    The first turn is for what ran before in the same task: restoring a 40 MB dataset joins the
    slices read from IndexedDB (28 ms), and with the first slice of parsing that was a 70-110 ms
    task on a busy machine (tests/e2e/test_large_dataset.py allows 200 ms)."""
    await asyncio.sleep(0)
    started = time.perf_counter()
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value
        if time.perf_counter() - started >= slice_s:
            await asyncio.sleep(0)  # Pyodide's event loop schedules this as a new browser task
            started = time.perf_counter()


def base64_bytes(text: str) -> Steps:
    """What base64.b64decode(text, validate=True) returns, BASE64_STEP characters a step (a class's
    examples: 8.5 MB of text, 41 ms at once in CPython); raises ValueError where it does."""
    body = len(text.rstrip("="))  # the last step takes the padding with what it pads
    parts = []
    for start in range(0, max(body, 1), BASE64_STEP):
        last = start + BASE64_STEP >= body
        chunk = text[start:] if last else text[start:start + BASE64_STEP]
        if not last and "=" in chunk:
            raise binascii.Error("padding before the end")
        parts.append(base64.b64decode(chunk, validate=True))
        yield
    return b"".join(parts)


def utf8_text(data: bytes | str) -> Steps:
    """`data` (UTF-8 bytes) as text, TEXT_CHUNK bytes a step; text is returned as it is.
    Raises UnicodeDecodeError for bytes that are not UTF-8."""
    if isinstance(data, str):
        return data
    decoder, parts, view = codecs.getincrementaldecoder("utf-8")(), [], memoryview(data)
    for start in range(0, len(view), TEXT_CHUNK):
        parts.append(decoder.decode(view[start:start + TEXT_CHUNK]))
        yield
    parts.append(decoder.decode(b"", final=True))
    return "".join(parts)


_decoder = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')  # a string's characters up to its end, an escape or a control character


def json_document(text: str) -> Steps:
    """What json.loads(text) returns, a member of an outer container per step. Raises what
    json.loads raises (json.JSONDecodeError, ValueError, RecursionError)."""
    value, end = yield from _value(text, _skip(text, 0), 0)
    end = _skip(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip(text: str, pos: int) -> int:
    return _WHITESPACE.match(text, pos).end()


def _value(text: str, pos: int, depth: int):
    opening = text[pos:pos + 1]
    if depth < WALK_DEPTH and opening == '"':
        return (yield from _string(text, pos))
    if depth >= WALK_DEPTH or opening not in ("{", "["):
        return _decoder.raw_decode(text, pos)
    if opening == "{":
        return (yield from _object(text, pos + 1, depth + 1))
    return (yield from _array(text, pos + 1, depth + 1))


def _string(text: str, pos: int):
    """What raw_decode gives for the string at `pos`, STRING_STEP characters scanned a step: a class's
    examples are one string of 8.5 MB of base64, 29-49 ms in one scan in Pyodide on a busy machine.
    A string with an escape or a control character is left to raw_decode, from its start."""
    start = end = pos + 1
    while True:
        end = _PLAIN.match(text, end, end + STRING_STEP).end()
        if end >= len(text):
            return _decoder.raw_decode(text, pos)  # not closed: raw_decode's error
        if text[end] == '"':
            return text[start:end], end + 1
        if text[end] == "\\" or text[end] < " ":
            return _decoder.raw_decode(text, pos)
        yield  # the step ended inside the string


def _object(text: str, pos: int, depth: int):
    members: dict = {}
    pos = _skip(text, pos)
    if text[pos:pos + 1] == "}":
        return members, pos + 1
    while True:
        if text[pos:pos + 1] != '"':
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
        key, pos = scanstring(text, pos + 1)
        pos = _skip(text, pos)
        if text[pos:pos + 1] != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
        members[key], pos = yield from _value(text, _skip(text, pos + 1), depth)
        yield
        closed, pos = _after_member(text, pos, "}")
        if closed:
            return members, pos


def _array(text: str, pos: int, depth: int):
    items: list = []
    pos = _skip(text, pos)
    if text[pos:pos + 1] == "]":
        return items, pos + 1
    while True:
        item, pos = yield from _value(text, pos, depth)
        items.append(item)
        yield
        closed, pos = _after_member(text, pos, "]")
        if closed:
            return items, pos


def _after_member(text: str, pos: int, closing: str) -> tuple[bool, int]:
    """After a member of a container: (True, past the `closing` bracket) or (False, the next member)."""
    pos = _skip(text, pos)
    if text[pos:pos + 1] == closing:
        return True, pos + 1
    if text[pos:pos + 1] != ",":
        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
    return False, _skip(text, pos + 1)
