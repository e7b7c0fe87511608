"""A fake of the bridge module for the Detect page's CPython tests: records what crosses it.

Tensors are plain objects with a `disposed` flag, DOM elements are attribute bags, so a test can
check that every frame frees what it makes and that the page shows what it should.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from types import SimpleNamespace

from fake_bridge import FakeDevice, FakeFrames, FakeModelFiles, FakeReads


class FakeTensor:
    def __init__(self, name: str, values: list[float] | None = None):
        self.name = name
        self.values = values or []
        self.disposed = False

    def dispose(self) -> None:
        assert not self.disposed, f"{self.name} disposed twice"
        self.disposed = True


class FakeModel:
    def __init__(self):
        self.disposed = False
        self.calls: list[tuple] = []

    def dispose(self) -> None:
        self.disposed = True


class FakeElement(SimpleNamespace):
    def __init__(self, element_id: str = ""):
        super().__init__(id=element_id, dataset=SimpleNamespace(), textContent="", innerHTML="", value="",
                         hidden=False, disabled=False, checked=False, width=0, height=0, children=[])

    def appendChild(self, child):  # noqa: N802 - DOM name
        self.children.append(child)
        return child

    def replaceChildren(self, *children) -> None:  # noqa: N802 - DOM name
        self.children = list(children)

    def removeAttribute(self, name: str) -> None:  # noqa: N802 - DOM name
        setattr(self, name, None)

    def querySelectorAll(self, selector: str):  # noqa: N802 - DOM name
        checked_only = selector.endswith(":checked")
        return [c for c in self.children if c.checked or not checked_only]


class FakeBridge(FakeModelFiles, FakeDevice, FakeFrames, FakeReads):
    def __init__(self, outputs: dict[str, list[float]] | None = None, files: dict[str, bytes] | None = None,
                 element_size=(640.0, 480.0), source_size=(320, 240)):
        self.outputs = outputs or {}  # node name -> values the model "computes"
        self.files = files or {}      # URL -> bytes served
        self.elements: dict[str, FakeElement] = {}
        self.tensors: list[FakeTensor] = []
        self.kept: list = []
        self.released: list = []
        self.listeners: dict[tuple[str, str], object] = {}
        self.drawn: list = []
        self.draw_history: list[list] = []
        self.tidy_depth = 0
        self.reads = 0
        self.size = element_size
        self.frame = source_size
        self.camera_error = None  # e.g. "NotAllowedError": getUserMedia refuses
        self.read_gate: asyncio.Event | None = None
        self.time = 0.0  # performance.now(), ms: moved on by every look (now_ms)
        self.backends = {"wasm"}  # the TF.js backends that start here (add "webgl" for a GPU)
        self.backend = ""
        self.webgl_lost_handlers: list = []

    # values and callbacks
    def on_saved_elsewhere(self, handler):
        vars(self).setdefault("saved_elsewhere", []).append(handler)

    def announce_saved(self, key):
        vars(self).setdefault("announced", []).append(key)

    def keep(self, fn):
        self.kept.append(fn)
        return fn

    def release(self, proxy) -> None:
        self.kept.remove(proxy)
        self.released.append(proxy)

    def listen(self, target, event, handler) -> None:
        self.listeners[(target.id, event)] = handler

    def query_param(self, name):
        return None

    # DOM
    def el(self, element_id: str) -> FakeElement:
        return self.elements.setdefault(element_id, FakeElement(element_id))

    def make(self, tag: str, class_name: str = "", text: str = "") -> FakeElement:
        element = FakeElement()
        element.textContent = text
        return element

    def set_text(self, element_id, text) -> None:
        self.el(element_id).textContent = text

    def register_service_worker(self) -> None:
        self.service_worker_registered = True

    def set_hidden(self, element_id, hidden) -> None:
        self.el(element_id).hidden = hidden

    def set_data(self, element_id, key, value) -> None:
        setattr(self.el(element_id).dataset, key, value)

    def on_visibility_change(self, handler) -> None:
        vars(self).setdefault("visibility_handlers", []).append(handler)

    def set_visible(self, visible: bool) -> None:
        """The tab hidden or shown: every visibilitychange listener hears it."""
        self.visible = visible
        for handler in vars(self).get("visibility_handlers", []):
            handler(visible)

    def on_resize(self, element, handler) -> None:
        self.listeners[(element.id, "resize")] = handler

    # tensors
    def _tensor(self, name, values=None) -> FakeTensor:
        tensor = FakeTensor(name, values)
        self.tensors.append(tensor)
        return tensor

    def tidy(self, fn):
        """Like tf.tidy: everything made inside except the result is disposed on return."""
        start = len(self.tensors)
        self.tidy_depth += 1
        try:
            result = fn()
        finally:
            self.tidy_depth -= 1
        for tensor in self.tensors[start:]:
            if tensor is not result and not tensor.disposed:
                tensor.dispose()
        return result

    def pixels(self, source):
        return self._tensor(f"pixels of {source}")

    def prepare_input(self, frame, size, low, high, dtype="float32"):
        self.prepared = (list(size), low, high, dtype)
        return self._tensor("input")

    def execute(self, model, inputs, nodes):
        assert self.tidy_depth, "execute outside tidy"
        model.calls.append(("execute", list(nodes)))
        return [self._tensor(node, self.outputs[node]) for node in nodes]

    async def execute_async(self, model, inputs, nodes):
        assert not self.tidy_depth, "executeAsync cannot run inside tidy"
        model.calls.append(("executeAsync", list(nodes)))
        return [self._tensor(node, self.outputs[node]) for node in nodes]

    def best_class_per_box(self, scores, boxes, k):
        return self._tensor("packed", scores.values)  # tests put packed rows under the scores node

    def dispose(self, tensor) -> None:
        if tensor is not None:  # as bridge.dispose
            tensor.dispose()

    def dispose_all(self, tensors) -> None:
        for tensor in tensors:
            tensor.dispose()

    async def read_floats(self, tensor):
        self.reads += 1
        values = list(tensor.values)  # what the model computed when the frame was taken
        if self.read_gate is not None:  # a test holds the read back, as a slow GPU would
            await self.read_gate.wait()
        return values

    def live_tensors(self) -> list[str]:
        return [t.name for t in self.tensors if not t.disposed]

    # model files
    async def load_graph_model(self, model_json, specs, weights):
        return FakeModel()

    # backend, camera, frames
    async def set_backend(self, name):
        if name not in self.backends:
            return False
        self.backend = name
        return True

    def backend_name(self):
        return self.backend

    def on_webgl_lost(self, handler):
        if self.backend != "webgl":
            return False
        self.webgl_lost_handlers.append(handler)
        return True

    def num_tensors(self):
        return len(self.live_tensors())

    def now_ms(self):
        self.time += 100.0  # each look at the clock is a tenth of a second later: a 10 frames/s camera, or faster
        return self.time

    def secure_context(self):
        return True

    async def open_camera(self, video, device_id, facing="user"):
        self.opened.append((device_id, facing))
        if self.camera_error:
            raise RuntimeError(self.camera_error)
        return SimpleNamespace(name="stream")

    def on_stream_ended(self, stream, handler):
        self.end_stream = handler

    def stop_stream(self, stream):
        pass

    def video_ready(self, video):
        return True

    def take_files(self, input_element):
        files = list(input_element.files)
        input_element.value = ""
        return files

    async def image_from_file(self, file):
        if not file.name.endswith(".png"):
            raise ValueError("not an image")
        return SimpleNamespace(width=512, height=512, close=lambda: None)

    def show_image(self, canvas, source):
        canvas.width, canvas.height = source.width, source.height

    # canvas and sources
    def source_size(self, source):
        return self.frame

    def element_size(self, element):
        return self.size

    def draw_boxes(self, canvas, size, boxes, style) -> None:
        self.drawn = list(boxes)
        self.draw_history.append(self.drawn)


def model_dir(base: str, manifest: dict, labels: list, files: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Served files of one model directory with a manifest whose sizes and sha256 match."""
    files = {"model.json": json.dumps({"modelTopology": {}, "weightsManifest": [{"paths": ["w.bin"], "weights": []}]}).encode(),
             "w.bin": b"\0" * 8, "labels.json": json.dumps(labels).encode(), **(files or {})}
    listed = [{"path": p, "bytes": len(b), "sha256": hashlib.sha256(b).hexdigest()} for p, b in files.items()]
    doc = {"format": "train-your-browser/model@1", "files": listed, **manifest}
    return {f"{base}/{p}": b for p, b in {**files, "manifest.json": json.dumps(doc).encode()}.items()}


def detection_manifest(name: str, decoder: str, outputs: dict, size: int, dtype: str = "float32",
                       execution: str = "sync", weights: str = "pretrained") -> dict:
    return {"name": name, "title": name.upper(), "task": "detection", "decoder": decoder, "weights": weights,
            "execution": execution, "outputs": outputs,
            "input": {"name": "images", "shape": [1, size, size, 3], "dtype": dtype, "range": [0, 255]}}
