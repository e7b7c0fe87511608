"""A stand-in for python/bridge/ in CPython: records what the app asks of the browser.

Only the functions the modules under test call are here; tensors are plain Python lists.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import struct


class FakeModelFiles:
    """The bridge's network and buffer functions over `self.files` (name or URL -> bytes)."""
    files: dict[str, bytes]

    def mark(self, phase):
        """Start-up phases reached, in order (the real bridge writes performance marks)."""
        vars(self).setdefault("marks", []).append(phase)

    async def fetch_bytes(self, url, revalidate=True):
        for name, data in self.files.items():
            if url.endswith("/" + name) or url == name:
                return 200, data
        return 404, None

    def byte_length(self, buffer):
        return len(buffer)

    def buffer_text(self, buffer):
        return buffer.decode("utf-8")

    async def sha256_hex(self, buffer):
        return hashlib.sha256(buffer).hexdigest()

    def concat_buffers(self, buffers):
        return b"".join(buffers)


class FakeReads:
    """The bridge's `take_floats` and `take_frame_floats` over a fake's own `read_floats` and `dispose`."""

    async def take_floats(self, tensor):
        try:
            return await self.read_floats(tensor)
        finally:
            self.dispose(tensor)

    take_frame_floats = take_floats  # as on WebGL: awaited (a test may hold the read back)


class FakeFrames:
    """The bridge's frame timing: an animation frame comes on the event loop's next turn, stamped
    with the fake's clock."""

    def request_animation_frame(self):
        loop = asyncio.get_event_loop()
        frame = loop.create_future()
        loop.call_soon(lambda: frame.done() or frame.set_result(self.time))
        return frame

    async def after_due_timers(self):
        await asyncio.sleep(0)


class FakeDevice:
    """The bridge's device and storage functions: localStorage, the pointer, cameras, the wake lock.

    Class attributes are defaults a test overrides on its instance; what a page stored or asked for
    is kept per instance."""
    coarse = False
    visible = True
    cameras: tuple = (("cam-0", "Camera 1", ()),)
    reported_facing = ""      # what the stream's settings say ("" like most desktop webcams)
    wake_supported = True
    wake_refused = False

    @property
    def stored(self) -> dict:
        return vars(self).setdefault("_stored", {})

    @property
    def opened(self) -> list:
        """(device_id, facing) of every camera start the page asked for."""
        return vars(self).setdefault("_opened", [])

    @property
    def wake_log(self) -> list:
        return vars(self).setdefault("_wake_log", [])

    def local_get(self, key):
        return self.stored.get(key)

    async def idb_keys(self):
        """IndexedDB's keys: the datasets a test put in `saved` (its `idb_get` serves their bytes)."""
        return [f"dataset:{name}" for name in vars(self).get("saved", ())]

    def local_set(self, key, value):
        self.stored[key] = value

    def coarse_pointer(self):
        return self.coarse

    def page_visible(self):
        return self.visible

    async def video_devices(self):
        return list(self.cameras)

    def stream_facing(self, stream):
        return self.reported_facing

    def wake_lock_supported(self):
        return self.wake_supported

    async def request_wake_lock(self, on_release):
        self.wake_log.append("request")
        if self.wake_refused:
            return None
        self.drop_wake_lock = on_release  # the browser dropping it (hidden tab)
        return "lock"

    async def release_wake_lock(self, lock):
        self.wake_log.append("release")
        self.drop_wake_lock()


class FakeBridge(FakeModelFiles, FakeDevice, FakeFrames, FakeReads):
    def __init__(self, files: dict[str, bytes] | None = None, backends=("webgl", "wasm", "cpu")):
        self.files = dict(files or {})
        self.working_backends = set(backends)
        self.backend = None
        self.log: list = []
        self.tensors = 0
        self.time = 0.0
        self.visibility_handler = None

    # values
    def on_saved_elsewhere(self, handler):
        vars(self).setdefault("saved_elsewhere", []).append(handler)

    def announce_saved(self, key):
        vars(self).setdefault("announced", []).append(key)

    def keep(self, fn):
        return fn

    def listen(self, target, event, handler):
        self.log.append(("listen", event))

    def on_visibility_change(self, handler):
        self.visibility_handler = handler

    def now_ms(self):
        self.time += 100.0
        return self.time

    def num_tensors(self):
        return self.tensors

    def backend_name(self):
        return self.backend

    async def set_backend(self, name):
        self.log.append(("set_backend", name))
        if name in self.working_backends:
            self.backend = name
            return True
        return False

    # network
    async def load_graph_model(self, model_json, specs, weight_data):
        self.log.append(("load_graph_model", [s["name"] for s in specs], weight_data))
        return "model"

    # tensors: a matrix is a list of rows, a vector a list; tidy runs the function as it is
    def js_value(self, value):
        return value

    def tidy(self, fn):
        return fn()

    def dispose(self, tensor):
        if tensor is not None:
            self.log.append(("dispose", len(tensor)))

    async def read_floats(self, tensor):
        self.log.append(("read", len(tensor)))
        return list(tensor)

    async def tensor_bytes(self, tensor):
        return struct.pack(f"<{len(tensor)}f", *tensor)

    def unit_rows(self, values, shape):
        flat = struct.unpack(f"<{shape[0] * shape[1]}f", values)
        return [_unit(flat[i:i + shape[1]]) for i in range(0, len(flat), shape[1])]

    def append_rows(self, matrix, rows, size):
        added = [_unit(row) for row in (rows if isinstance(rows[0], list) else [rows])]
        return added if matrix is None else matrix + added

    def example_rows(self, matrix, start, count):
        return matrix[start:start + count]

    def rows_at(self, matrix, indices):
        return [matrix[i] for i in indices]

    def join_rows(self, matrices):
        self.log.append(("join_rows", len(matrices)))
        return [row for matrix in matrices for row in matrix]

    def similarities(self, examples, queries):
        return [[sum(a * b for a, b in zip(_unit(query), row)) for row in examples]
                for query in (queries if isinstance(queries[0], list) else [queries])]

    async def computed(self, tensor):
        self.log.append(("computed", len(tensor)))

    def nearest(self, similarity, k):
        self.log.append(("nearest", k))
        out = []
        for row in similarity:
            ranked = sorted(((s, i) for i, s in enumerate(row)), key=lambda pair: (-pair[0], pair[1]))[:k]
            out += [s for s, _ in ranked] + [float(i) for _, i in ranked]
        return out


def _unit(row) -> list[float]:
    norm = math.sqrt(sum(x * x for x in row))
    return [x / norm if norm else 0.0 for x in row]


def floats(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)
