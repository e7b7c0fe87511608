"""A stand-in for python/bridge/ in CPython: records what the app asks of the browser.

Only the functions the modules under test call are here; tensors are plain Python lists.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct


class FakeKnn:
    def __init__(self, log):
        self.log = log
        self.examples: dict[int, list] = {}
        self.disposed = False

    def addExample(self, tensor, label):  # noqa: N802 - the JS method name
        self.examples.setdefault(label, []).append(tensor)

    def dispose(self):
        self.disposed = True


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


class FakeBridge(FakeModelFiles):
    def __init__(self, files: dict[str, bytes] | None = None, backends=("webgl", "wasm", "cpu")):
        self.files = dict(files or {})
        self.working_backends = set(backends)
        self.backend = None
        self.log: list = []
        self.knns: list[FakeKnn] = []
        self.tensors = 0
        self.time = 0.0
        self.visibility_handler = None
        self.frame_hook = None

    # values
    def keep(self, fn):
        return fn

    def listen(self, target, event, handler):
        self.log.append(("listen", event))

    def on_visibility_change(self, handler):
        self.visibility_handler = handler

    def now_ms(self):
        self.time += 100.0
        return self.time

    async def next_animation_frame(self):
        if self.frame_hook:
            self.frame_hook()
        await asyncio.sleep(0)
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

    # tensors and KNN
    async def tensor_bytes(self, tensor):
        return struct.pack(f"<{len(tensor)}f", *tensor)

    def new_knn(self):
        knn = FakeKnn(self.log)
        self.knns.append(knn)
        return knn

    def unit_rows(self, values, shape):
        return ("matrix", shape, values)

    def knn_set_dataset(self, knn, matrices):
        knn.examples = {label: [m] for label, m in matrices.items()}

    async def knn_predict(self, knn, embedding, k):
        self.log.append(("predict", k))
        return self.prediction


def floats(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)
