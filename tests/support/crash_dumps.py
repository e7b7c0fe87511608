"""Chromium's own record of a crashed renderer: the minidump its crash handler (crashpad) writes to
`<config>/chromium/Crash Reports/pending/`. Chromium's log says nothing when a renderer crashes
(checked with a renderer killed by SIGSEGV), so a test whose page crashed prints each new dump's
signature: the signal, the instruction, the faulting address and where the stack pointer was
(docs/testing.md: what the crashes seen so far had in common).

Example:
    since = time.time()
    ...                                   # a page crashes
    for dump in new_dumps(since):
        print(signature(dump))            # SIGSEGV at chromium+0x9c714bd, fault 0x20bf8d89f000 ...
"""

from __future__ import annotations

import os
import signal
import struct
from pathlib import Path

THREAD_LIST, MODULE_LIST, EXCEPTION = 3, 4, 6
MODULE_SIZE = 108  # MINIDUMP_MODULE
THREAD_SIZE = 48   # MINIDUMP_THREAD
RSP_AT, RIP_AT = 152, 248  # in an x86-64 thread context (MDRawContextAMD64)


def dump_folder() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "chromium" / "Crash Reports" / "pending"


def new_dumps(since: float, folder: Path | None = None) -> list[Path]:
    """The minidumps written at or after `since` (a time.time()), oldest first."""
    folder = folder or dump_folder()
    if not folder.is_dir():
        return []
    dumps = [path for path in folder.glob("*.dmp") if path.stat().st_mtime >= since]
    return sorted(dumps, key=lambda path: path.stat().st_mtime)


def signature(path: Path) -> str:
    """One line: the signal, the instruction as module+offset, the faulting address, and the stack
    pointer with the fault's distance above it; or why the dump could not be read."""
    try:
        return _signature(path.read_bytes())
    except (OSError, ValueError, struct.error) as error:
        return f"{path.name}: unreadable ({error})"


def _signature(data: bytes) -> str:
    streams = _streams(data)
    if EXCEPTION not in streams:
        raise ValueError("no exception stream")
    at = streams[EXCEPTION]
    thread_id, code = struct.unpack_from("<I4xI", data, at)
    fault = struct.unpack_from("<Q", data, at + 24)[0]
    context_at = struct.unpack_from("<I", data, at + 4 + 4 + 152 + 4)[0]  # after the exception record
    rsp, rip = (struct.unpack_from("<Q", data, context_at + offset)[0] for offset in (RSP_AT, RIP_AT))
    name = signal.Signals(code).name if code in signal.Signals.__members__.values() else f"signal {code}"
    main = " (the main thread)" if thread_id == _first_thread(data, streams) else ""
    near = f" ({fault - rsp:,} bytes above it)" if 0 < fault - rsp < 1 << 20 else ""
    return (f"{name} at {_where(data, streams, rip)}, fault address {fault:#x}, stack pointer {rsp:#x}"
            f"{near}, thread {thread_id}{main}")


def _streams(data: bytes) -> dict[int, int]:
    """Stream type -> offset of its data."""
    magic, _version, count, directory = struct.unpack_from("<4sIII", data, 0)
    if magic != b"MDMP":
        raise ValueError("not a minidump")
    entries = (struct.unpack_from("<III", data, directory + 12 * i) for i in range(count))
    return {kind: offset for kind, _size, offset in entries}


def _first_thread(data: bytes, streams: dict[int, int]) -> int | None:
    """The thread list's first thread: a process's main thread, as crashpad lists them."""
    if THREAD_LIST not in streams:
        return None
    count = struct.unpack_from("<I", data, streams[THREAD_LIST])[0]
    return struct.unpack_from("<I", data, streams[THREAD_LIST] + 4)[0] if count else None


def _where(data: bytes, streams: dict[int, int], address: int) -> str:
    """`address` as module+offset, or the bare address outside every module (JIT or wasm code)."""
    if MODULE_LIST in streams:
        at = streams[MODULE_LIST]
        for i in range(struct.unpack_from("<I", data, at)[0]):
            base, size, _checksum, _stamp, name_at = struct.unpack_from("<QIIII", data, at + 4 + MODULE_SIZE * i)
            if base <= address < base + size:
                length = struct.unpack_from("<I", data, name_at)[0]
                name = data[name_at + 4:name_at + 4 + length].decode("utf-16-le", "replace")
                return f"{Path(name).name}+{address - base:#x}"
    return f"{address:#x} (in no module)"
