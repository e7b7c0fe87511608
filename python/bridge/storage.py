"""What the page keeps in this browser: IndexedDB (datasets), localStorage (small settings such as the
camera's facing) and the service worker (offline cache).

Example:
    await idb_put("dataset:centernet", data)    # bytes (kept as a Blob) or text
    data = await idb_get("dataset:centernet")   # bytes or text as put; None when nothing is stored
"""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy

from .core import js_value, keep, log, py_value
from .dom import blob_from_bytes, read_file_bytes

__all__ = ["idb_get", "idb_keys", "idb_put", "announce_saved", "on_saved_elsewhere", "local_get", "local_set",
           "register_service_worker"]

_SAVES = "train-your-browser/saved"  # BroadcastChannel: which IndexedDB entry another tab just wrote
_channel = None


def _saves_channel():
    global _channel
    if _channel is None:
        _channel = js.BroadcastChannel.new(_SAVES)
    return _channel


def announce_saved(key: str) -> None:
    """Tell this site's other tabs that `key` was written (a tab never hears its own message)."""
    _saves_channel().postMessage(key)


def on_saved_elsewhere(handler) -> None:
    """`handler(key)` whenever another tab of this site writes an IndexedDB entry."""
    _saves_channel().addEventListener("message", keep(lambda event: handler(str(event.data))))


def _request_result(request) -> asyncio.Future:
    """An IDBRequest as a Future; its two handlers are one-shot (the request dies after)."""
    future = asyncio.get_event_loop().create_future()
    ok, fail = create_proxy(lambda _e: None), create_proxy(lambda _e: None)

    def settle(success: bool):
        def handler(_event):
            if not future.done():
                if success:
                    future.set_result(request.result)
                else:
                    future.set_exception(RuntimeError(str(request.error)))
            ok.destroy()
            fail.destroy()
        return handler

    ok = create_proxy(settle(True))
    fail = create_proxy(settle(False))
    request.onsuccess = ok
    request.onerror = fail
    return future


_IDB_NAME, _IDB_STORE = "train-your-browser", "kv"


async def _idb_store(mode: str):
    opening = js.indexedDB.open(_IDB_NAME, 1)
    upgrade = create_proxy(lambda _e: opening.result.createObjectStore(_IDB_STORE))
    opening.onupgradeneeded = upgrade
    try:
        db = await _request_result(opening)
    finally:
        upgrade.destroy()
    return db, db.transaction(_IDB_STORE, mode).objectStore(_IDB_STORE)


async def idb_get(key: str):
    db, store = await _idb_store("readonly")
    try:
        value = await _request_result(store.get(key))
    finally:
        db.close()
    if js.Object.prototype.toString.call(value) == "[object Blob]":
        return await read_file_bytes(value)
    return py_value(value)


async def idb_keys() -> list[str]:
    """Every key stored (not the values, which may be large)."""
    db, store = await _idb_store("readonly")
    try:
        return [str(key) for key in py_value(await _request_result(store.getAllKeys()))]
    finally:
        db.close()


async def idb_put(key: str, value) -> None:
    """`value`: bytes, kept as a Blob (the browser writes it out of the page's way: a 40 MB dataset
    would otherwise be copied in one task), or a JSON-like value."""
    value = await blob_from_bytes(value) if isinstance(value, bytes) else js_value(value)
    db, store = await _idb_store("readwrite")
    try:
        await _request_result(store.put(value, key))
    finally:
        db.close()


def local_get(key: str) -> str | None:
    """A small setting kept in this browser (localStorage); None when unset or storage is blocked."""
    try:
        return js.localStorage.getItem(key)
    except Exception:  # storage disabled (some private modes): the page just forgets the setting
        return None


def local_set(key: str, value: str) -> None:
    try:
        js.localStorage.setItem(key, value)
    except Exception:
        pass


def register_service_worker(script: str = "sw.js") -> None:
    """Start the offline cache (site/sw.js) in the background; without it the site just needs the network."""
    container = getattr(js.navigator, "serviceWorker", None)
    if container is None:  # not a secure context, or a browser without service workers
        return

    async def register():
        try:
            await container.register(script, js_value({"scope": "./", "updateViaCache": "none"}))
        except Exception as error:  # e.g. blocked by the browser's settings: the site still works online
            log(f"offline cache not installed: {error}")

    asyncio.ensure_future(register())
