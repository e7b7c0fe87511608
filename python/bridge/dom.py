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
           "blob_from_bytes", "download_file", "read_file_bytes", "take_files", "dropped_files", "request_animation_frame", "after_due_timers", "element_size", "on_resize"]

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
_timer_waiters: list[asyncio.Future] = []


def _resolve(waiters: list[asyncio.Future], value) -> None:
    pending = list(waiters)
    waiters.clear()
    for waiter in pending:
        if not waiter.done():
            waiter.set_result(value)


def _waiter(waiters: list[asyncio.Future]) -> asyncio.Future:
    waiter = asyncio.get_event_loop().create_future()
    waiters.append(waiter)
    return waiter


# Both looked up once: every attribute lookup on a JS object makes a new proxy, and this runs every frame.
_set_timeout, _request_animation_frame = js.setTimeout, js.requestAnimationFrame
_frame_resolve_proxy = create_proxy(lambda timestamp: _resolve(_frame_waiters, timestamp))
# The animation frame's callback: setTimeout bound to (resolve, 0), so that the frame's timestamp
# goes on to a timer task without a trip into Python at the frame (one fewer every frame).
_frame_proxy = js.Reflect.apply(js.Function.prototype.bind, _set_timeout, to_js([js.globalThis, _frame_resolve_proxy, 0]))
_timer_proxy = create_proxy(lambda: _resolve(_timer_waiters, None))


def request_animation_frame() -> asyncio.Future:
    """Ask for the next animation frame now; the future gets its timestamp from a timer task queued
    at that frame (after_due_timers says why). A hidden tab gets no animation frames, which pauses a
    loop that waits for them.

    A loop asks before its frame's work, as a loop inside requestAnimationFrame does: asked only
    after the work, once the browser has drawn the frame with no next one asked for, the next frame
    waits for another display interval (measured on Teach: frames 50 ms apart instead of 33).

    Example:
        frame = request_animation_frame()
        ...  # this frame's work
        if frame.done():  # it came during the work: the timers due since then go first
            await after_due_timers()
        timestamp = await frame
    """
    waiter = _waiter(_frame_waiters)
    _request_animation_frame(_frame_proxy)
    return waiter


async def after_due_timers() -> None:
    """Resume from a timer task queued now, behind the page's timers already due.

    Pyodide resumes a coroutine from a MessageChannel task, and a chain of those, each holding a
    slow device's whole inference (a CenterNet frame on wasm: ~300 ms), kept the page's own timers
    and DevTools waiting for up to 20 frames, seconds (tests/e2e/test_responsive.py)."""
    waiter = _waiter(_timer_waiters)
    _set_timeout(_timer_proxy, 0)
    await waiter
