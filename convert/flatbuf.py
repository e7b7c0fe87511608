"""A minimal, bounds-checked reader of FlatBuffers tables (what a .tflite file is), with struct and numpy.

Only reading is needed, and only a handful of TF Lite's tables, so this replaces a generated schema
module (and its dependency) with ~80 lines. Every read is checked against the buffer's end: a truncated
or damaged file raises `FlatbufferError` instead of reading garbage (or, with a negative offset, reading
from the end of the buffer, which is what `struct.unpack_from` would silently do).

Layout reminder: the file starts with a uoffset to the root table; a table starts with an soffset to its
vtable (table position minus soffset); the vtable holds its own byte size, the table's size, then one
uint16 per field id: the field's offset inside the table, 0 when the field is absent (= its default).
References (tables, vectors, strings) are uoffsets relative to where they are stored; a vector is a
uint32 length followed by its elements.

Example:
    >>> root = Table.root(data)                 # data: the bytes of a .tflite file
    >>> root.scalar(0, "I")                      # TF Lite Model.version
    3
"""

from __future__ import annotations

import struct

import numpy as np


class FlatbufferError(ValueError):
    """The buffer ends, or points, where a valid FlatBuffer cannot."""


class Table:
    def __init__(self, buf: memoryview, pos: int):
        self.buf, self.pos = buf, pos
        self._vtable = pos - _read(buf, "<i", pos)
        self._vtable_size = _read(buf, "<H", self._vtable)

    @classmethod
    def root(cls, data: bytes | memoryview) -> "Table":
        buf = memoryview(data)
        return cls(buf, _read(buf, "<I", 0))

    def _field(self, field_id: int) -> int | None:
        slot = 4 + 2 * field_id
        if slot + 2 > self._vtable_size:
            return None  # written by an older schema: the field did not exist yet
        offset = _read(self.buf, "<H", self._vtable + slot)
        return self.pos + offset if offset else None

    def _ref(self, field_id: int) -> int | None:
        at = self._field(field_id)
        return None if at is None else at + _read(self.buf, "<I", at)

    def scalar(self, field_id: int, fmt: str, default=0):
        """A scalar field: `fmt` is a struct code ("b", "B", "i", "I", "q", "f", "?")."""
        at = self._field(field_id)
        return default if at is None else _read(self.buf, "<" + fmt, at)

    def table(self, field_id: int) -> "Table | None":
        at = self._ref(field_id)
        return None if at is None else Table(self.buf, at)

    def string(self, field_id: int) -> str | None:
        raw = self.bytes(field_id)
        return None if raw is None else bytes(raw).decode("utf-8", errors="replace")

    def bytes(self, field_id: int) -> memoryview | None:
        """A [ubyte] vector (or a string's bytes) without copying."""
        start, length = self._vector(field_id, 1)
        return None if start is None else self.buf[start:start + length]

    def array(self, field_id: int, dtype: str) -> np.ndarray:
        """A vector of scalars as a numpy array (empty when the field is absent)."""
        dt = np.dtype(dtype)
        start, length = self._vector(field_id, dt.itemsize)
        if start is None:
            return np.zeros(0, dt)
        return np.frombuffer(self.buf, dt, count=length, offset=start)

    def tables(self, field_id: int) -> list["Table"]:
        start, length = self._vector(field_id, 4)
        if start is None:
            return []
        return [Table(self.buf, p + _read(self.buf, "<I", p)) for p in range(start, start + 4 * length, 4)]

    def _vector(self, field_id: int, item_size: int) -> tuple[int | None, int]:
        at = self._ref(field_id)
        if at is None:
            return None, 0
        length = _read(self.buf, "<I", at)
        start = at + 4
        if start + length * item_size > len(self.buf):
            raise FlatbufferError(f"a vector of {length} items at byte {start} runs past the end ({len(self.buf)} bytes)")
        return start, length


def _read(buf: memoryview, fmt: str, pos: int):
    size = struct.calcsize(fmt)
    if pos < 0 or pos + size > len(buf):
        raise FlatbufferError(f"offset {pos} is outside the buffer ({len(buf)} bytes)")
    return struct.unpack_from(fmt, buf, pos)[0]
