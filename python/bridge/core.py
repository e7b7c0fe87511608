"""Values, callbacks and timing: what every other bridge module builds on.

Example:
    proxy = keep(lambda event: print(event.type))   # lives as long as the page
    options = js_value({"cache": "no-cache"})       # a plain JS object, not a Map
"""

from __future__ import annotations

import asyncio
from functools import lru_cache, partial

import js
from pyodide.ffi import create_proxy, to_js
from pyodide.webloop import PyodideFuture, WebLoop

__all__ = ["Members", "js_value", "js_array", "py_value", "keep", "release", "listen", "log", "query_param",
           "now_ms", "mark"]

_kept_proxies: list = []


class Members:
    """A JS namespace whose members (functions, nested namespaces) are looked up once. Every
    attribute lookup on a JS object makes a new proxy, and a frame calls a dozen TF.js functions."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str):
        member = getattr(self._namespace, name)
        if not callable(member):
            member = Members(member)  # tf.image, tf.browser, tf.io, tf.wasm
        setattr(self, name, member)
        return member


def js_value(value):
    """Python dict/list/number -> plain JS object/array (dicts become Objects, not Maps)."""
    return to_js(value, dict_converter=js.Object.fromEntries)


@lru_cache(maxsize=64)
def js_array(values: tuple):
    """A JS array that never changes (a shape, output node names), converted once instead of on
    every call: the frame path would otherwise pay a to_js per call."""
    return to_js(list(values))


def py_value(value):
    """JS object/array -> Python (no-op for numbers and strings)."""
    return value.to_py() if hasattr(value, "to_py") else value


def keep(fn):
    """A JS-callable proxy of `fn` that lives as long as the page."""
    proxy = create_proxy(fn)
    _kept_proxies.append(proxy)
    return proxy


def release(proxy) -> None:
    """Destroy a kept proxy whose owner is gone (e.g. a detector the visitor switched away from)."""
    if proxy in _kept_proxies:
        _kept_proxies.remove(proxy)
        proxy.destroy()


def listen(target, event: str, handler) -> None:
    target.addEventListener(event, keep(handler))


def log(*args) -> None:
    js.console.log(*[str(a) for a in args])


def query_param(name: str) -> str | None:
    return js.URLSearchParams.new(js.location.search).get(name)


_performance = js.performance


def now_ms() -> float:
    return _performance.now()


def mark(phase: str) -> None:
    """A start-up phase reached: a performance mark "tyb:<phase>" that the benchmark reads."""
    _performance.mark(f"tyb:{phase}")


def resolve_futures_in_one_task(loop) -> None:
    """Pyodide's event loop gives every future it makes (each `await` of a JS promise makes one) a
    second done callback, which counts the work in progress for a handler that a page never sets;
    the loop runs each callback as a task of its own, so each resolved promise cost two tasks, each
    a trip from JS into Python (on Detect, six a frame instead of three). The loop's futures are made
    without that count."""
    if isinstance(loop, WebLoop):
        loop.create_future = partial(PyodideFuture, loop=loop)


mark("python-start")  # the bridge is the first app package the entry point imports
resolve_futures_in_one_task(asyncio.get_event_loop())
