"""The crash dump reader the end-to-end tests print a crashed renderer's signature with
(tests/support/crash_dumps.py), on a minidump laid out as crashpad writes one."""

from __future__ import annotations

import os
import struct

from support.crash_dumps import new_dumps, signature

CHROMIUM_BASE = 0x5653ECBEA000


def minidump(signal_number: int, rip: int, rsp: int, fault: int, thread: int = 23214) -> bytes:
    """Header, a directory of three streams (threads, modules, exception), an x86-64 context and a
    module's name, at the offsets the format gives them."""
    directory_at, threads_at, modules_at, exception_at = 32, 68, 120, 232
    context_at, name_at = 400, 1632
    data = bytearray(1700)
    struct.pack_into("<4sIII", data, 0, b"MDMP", 0xA793, 3, directory_at)
    for i, (kind, size, offset) in enumerate(((3, 52, threads_at), (4, 112, modules_at), (6, 168, exception_at))):
        struct.pack_into("<III", data, directory_at + 12 * i, kind, size, offset)
    struct.pack_into("<II", data, threads_at, 1, thread)  # one thread: the main thread
    struct.pack_into("<IQIIII", data, modules_at, 1, CHROMIUM_BASE, 0x11DCBFA0, 0, 0, name_at)
    name = "/usr/lib/chromium/chromium".encode("utf-16-le")
    struct.pack_into(f"<I{len(name)}s", data, name_at, len(name), name)
    struct.pack_into("<I4xIIQQ", data, exception_at, thread, signal_number, 0, 0, fault)
    struct.pack_into("<II", data, exception_at + 160, 1232, context_at)
    struct.pack_into("<Q", data, context_at + 152, rsp)
    struct.pack_into("<Q", data, context_at + 248, rip)
    return bytes(data)


def test_a_segfault_past_the_top_of_a_stack(tmp_path):
    dump = tmp_path / "a.dmp"
    dump.write_bytes(minidump(11, CHROMIUM_BASE + 0x9C714BD, rsp=0x20BF8D89B040, fault=0x20BF8D89F000))
    assert signature(dump) == ("SIGSEGV at chromium+0x9c714bd, fault address 0x20bf8d89f000, stack pointer "
                               "0x20bf8d89b040 (16,320 bytes above it), thread 23214 (the main thread)")


def test_a_trap_in_code_outside_every_module(tmp_path):
    dump = tmp_path / "b.dmp"
    dump.write_bytes(minidump(5, 0x3F00DEAD0000, rsp=0x7FFC20AD0A40, fault=0))
    assert signature(dump) == ("SIGTRAP at 0x3f00dead0000 (in no module), fault address 0x0, stack pointer "
                               "0x7ffc20ad0a40, thread 23214 (the main thread)")


def test_only_the_dumps_written_since_a_time_and_a_damaged_one_says_so(tmp_path):
    old, new = tmp_path / "old.dmp", tmp_path / "new.dmp"
    old.write_bytes(minidump(11, 0, 0, 0))
    new.write_bytes(b"MDMP" + b"\0" * 4)
    os.utime(old, (1000, 1000))
    assert new_dumps(2000, tmp_path) == [new]
    assert signature(new).startswith("new.dmp: unreadable (")
    assert new_dumps(0, tmp_path / "absent") == []
