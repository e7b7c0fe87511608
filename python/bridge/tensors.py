"""TF.js: backends, graph models, and the tensor operations the pages use (nearest examples too).

Every function that makes intermediate tensors is meant to run inside `tidy`; pixels never leave
TF.js, and only small results come back (`read_floats`, `tensor_bytes`).

Example:
    if await set_backend("wasm"):
        model = await load_graph_model(model_json, weight_specs, weights)
"""

from __future__ import annotations

import js
from pyodide.ffi import create_once_callable, to_js

from .core import Members, js_array, js_value
from .dom import document

__all__ = ["tf", "set_backend", "backend_name", "num_tensors", "webgl_canvas", "on_webgl_lost", "webgl_renderer",
           "load_graph_model", "tidy", "dispose", "read_floats", "take_floats", "take_frame_floats", "pixels", "prepare_input", "execute",
           "execute_async", "dispose_all", "best_class_per_box", "flatten", "mirrored", "tensor_from_floats", "unit_rows",
           "tensor_bytes", "unit", "append_rows", "example_rows", "rows_at", "join_rows", "similarities", "computed", "nearest", "crop_boxes",
           "pair", "tidy_pair", "softmax", "top_k"]

tf = Members(js.tf)  # only functions and namespaces are read from it: nothing that changes


async def set_backend(name: str) -> bool:
    """Start TF.js's `name` backend; site/boot.js set the wasm files' location and may have started
    this one already (TF.js then waits for that start instead of beginning another)."""
    try:
        ok = await tf.setBackend(name)
        await tf.ready()
    except Exception:
        return False
    return bool(ok) and tf.getBackend() == name


def backend_name() -> str:
    return tf.getBackend()


def num_tensors() -> int:
    return tf.memory().numTensors


def webgl_canvas():
    """The canvas of TF.js's WebGL context, to hear `webglcontextlost` on (TF.js only logs it)."""
    try:
        return tf.backend().gpgpu.gl.canvas
    except Exception:
        return None


def on_webgl_lost(handler) -> bool:
    """Call `handler()` once if the current WebGL backend loses its context; False when not on WebGL."""
    canvas = webgl_canvas() if backend_name() == "webgl" else None
    if canvas is None:
        return False
    canvas.addEventListener("webglcontextlost", create_once_callable(lambda _event: handler()))
    return True


def webgl_renderer() -> str:
    canvas = document.createElement("canvas")
    gl = canvas.getContext("webgl2") or canvas.getContext("webgl")
    if gl is None:
        return "none"
    info = gl.getExtension("WEBGL_debug_renderer_info")
    return gl.getParameter(info.UNMASKED_RENDERER_WEBGL) if info else gl.getParameter(gl.RENDERER)


async def load_graph_model(model_json: dict, weight_specs: list, weight_data):
    artifacts = js_value({
        "modelTopology": model_json["modelTopology"],
        "weightSpecs": weight_specs,
        "format": model_json.get("format", "graph-model"),
        "generatedBy": model_json.get("generatedBy", ""),
        "convertedBy": model_json.get("convertedBy", ""),
    })
    artifacts.weightData = weight_data
    return await tf.loadGraphModel(tf.io.fromMemory(artifacts))


def tidy(fn):
    """Run `fn` (a kept proxy) inside tf.tidy: every intermediate tensor is freed on return."""
    return tf.tidy(fn)


def pair(first, second):
    """Two tensors as one JS array: what a function run by `tidy_pair` returns."""
    return js_value([first, second])


def tidy_pair(fn) -> tuple:
    """Run `fn` (a kept proxy returning `pair(a, b)`) inside tf.tidy: a and b outlive it (the caller
    disposes both), every other tensor made on the way is freed."""
    both = tf.tidy(fn)
    return both[0], both[1]


def dispose(tensor) -> None:
    if tensor is not None:
        tensor.dispose()


async def read_floats(tensor) -> list[float]:
    """Read a (small) tensor back to Python: the one await per read. The await also gives the browser
    a turn, which long work may count on (see `take_frame_floats` for the frame's read)."""
    data = await tensor.data()
    return data.to_py().tolist()


async def take_floats(tensor) -> list[float]:
    """`read_floats` of a tensor made for that one read, disposed after it (also when the read fails)."""
    try:
        return await read_floats(tensor)
    finally:
        dispose(tensor)


async def take_frame_floats(tensor) -> list[float]:
    """`take_floats` for the read that ends a frame's model work, after which the frame loop gives
    the browser its turn anyway. On wasm and the CPU the values exist already (see `computed`): read
    at once, sparing the task hop an await costs every frame (Detect: 0.39 -> 0.11 ms a frame). On
    WebGL they are computed on the GPU: awaited, so the page is not held meanwhile."""
    if backend_name() == "webgl":
        return await take_floats(tensor)
    try:
        return tensor.dataSync().to_py().tolist()
    finally:
        dispose(tensor)


def pixels(source):
    """int32 [H, W, 3] tensor of a video, image, canvas or ImageBitmap."""
    return tf.browser.fromPixels(source)


def prepare_input(frame, size: list[int], low: float, high: float, dtype: str = "float32"):
    """Pixels 0..255 -> float32 [1, H, W, 3] resized to `size`, in [low, high]; call inside tidy().

    dtype "int32" is a TF Object Detection graph's image_tensor (COCO-SSD): it takes the frame's own
    pixels at any size and resizes them itself, so they go in untouched, as @tensorflow-models/coco-ssd
    feeds them (resizing here first would round the resized pixels to integers on the way in).
    """
    if dtype == "int32":
        return tf.expandDims(frame, 0)
    resized = tf.image.resizeBilinear(frame, js_array(tuple(size)))
    scaled = tf.add(tf.mul(tf.cast(resized, "float32"), (high - low) / 255.0), low)
    return tf.expandDims(scaled, 0)


def execute(model, inputs, outputs: list[str]):
    result = model.execute(inputs, js_array(tuple(outputs)))
    return result if len(outputs) > 1 else [result]


async def execute_async(model, inputs, outputs: list[str]):
    result = await model.executeAsync(inputs, js_array(tuple(outputs)))
    return result if len(outputs) > 1 else [result]


def dispose_all(tensors) -> None:
    for tensor in tensors:
        tensor.dispose()


def best_class_per_box(scores, boxes, k: int):
    """scores [1, N, C] and boxes [1, N, 1, 4] -> [min(k, N), 6] rows: the box's 4 values as given,
    its best class score, that class's index; the k boxes with the highest such score. Inside tidy()."""
    per_box = tf.reshape(scores, js_array((scores.shape[1], scores.shape[2])))
    best = tf.max(per_box, 1)
    top = tf.topk(best, min(k, best.shape[0]))
    classes = tf.cast(tf.gather(tf.argMax(per_box, 1), top.indices), "float32")
    picked = tf.gather(tf.reshape(boxes, js_array((-1, 4))), top.indices)
    return tf.concat(js_value([picked, tf.expandDims(top.values, 1), tf.expandDims(classes, 1)]), 1)


def flatten(tensor):
    return tf.reshape(tensor, js_array((-1,)))


def mirrored(images, width_axis: int):
    """Images flipped left to right (`width_axis`: 1 for [H, W, 3], 2 for [n, H, W, 3])."""
    return tf.reverse(images, width_axis)


def tensor_from_floats(values: bytes, shape: list[int]):
    array = js.Float32Array.new(to_js(memoryview(values)).buffer)
    return tf.tensor(array, js_value(shape), "float32")


def unit_rows(values: bytes, shape: list[int]):
    """`values` as `shape` [N, D] rows scaled to unit length (see `similarities`); inside tidy()."""
    return unit(tensor_from_floats(values, shape))


async def tensor_bytes(tensor) -> bytes:
    data = await tensor.data()
    return bytes(js.Uint8Array.new(data.buffer, data.byteOffset, data.byteLength).to_py())


# ---------------------------------------------------------------- nearest examples (inside tidy)

def unit(rows):
    """Rows scaled to unit length (an all-zero row stays zero)."""
    return tf.div(rows, tf.maximum(tf.norm(rows, "euclidean", 1, True), 1e-12))


def append_rows(matrix, rows, size: int):
    """`matrix` [N, size] of unit example rows (None: empty) and the unit-length `rows` ([size] or
    [n, size]) below them."""
    added = unit(tf.reshape(rows, js_array((-1, size))))
    return added if matrix is None else tf.concat(js_value([matrix, added]), 0)


def example_rows(matrix, start: int, count: int):
    """Examples `start` .. `start + count` of a [N, D] matrix of example rows."""
    return tf.slice(matrix, js_array((start, 0)), js_array((count, -1)))


def rows_at(matrix, indices):
    """The examples at `indices` (a JS array of ints) of a [N, D] matrix of example rows."""
    return tf.gather(matrix, tf.tensor1d(indices, "int32"), 0)


def join_rows(matrices: list):
    """[N1, D], [N2, D], ... one below the other: [N1 + N2 + ..., D]."""
    return tf.concat(js_value(matrices), 0)


def similarities(examples, queries):
    """Cosine similarity of each query ([D] or [B, D]) to each example (`examples` [N, D], unit rows):
    [B, N], as examples x queries^T, transposed. This order on TF.js's wasm backend, measured at
    N = 5,000, D = 720: XNNPACK packs a matMul's second operand on its first use, ~80-100 ms for the
    examples as [D, N] (again after every example added) but nothing to speak of for the queries;
    3.5-4.5 ms a frame after that (1.6-2.2 ms for packed examples), and a transposed operand (the
    matMul flag) runs ~40x slower. Inside tidy()."""
    rows = unit(tf.reshape(queries, js_array((-1, examples.shape[1]))))
    return tf.transpose(tf.matMul(examples, tf.transpose(rows)))


async def computed(tensor) -> None:
    """Wait, without blocking the page, until `tensor`'s values exist. TF.js's WebGL topk reads its
    input back synchronously (it hands small inputs to the CPU), which would hold the main thread for
    all the GPU work queued before it (seconds per frame on SwiftShader); after this it reads the
    values already fetched. The values stay in JS.

    Only WebGL computes after an op returns: on wasm and the CPU the values exist already, and a wait
    would cost a copy and a task hop every frame for nothing."""
    if backend_name() == "webgl":
        await tensor.data()


def nearest(similarity, k: int):
    """The k best of each row of `similarity` ([B, N]) for one read: [B, 2k] float32 rows of k
    similarities (best first), then those examples' indices (exact as float32 below 2**24)."""
    top = tf.topk(similarity, k)
    return tf.concat(js_value([top.values, tf.cast(top.indices, "float32")]), 1)


def softmax(logits):
    """Probabilities from logits (along the last axis); inside tidy()."""
    return tf.softmax(logits)


def top_k(scores, k: int):
    """The k highest of `scores` (any shape, read as one row) for one read: [2k] float32, k values
    (best first), then their indices. Inside tidy(), after `computed(scores)` on WebGL (see there)."""
    top = tf.topk(flatten(scores), k)
    return tf.concat(js_value([top.values, tf.cast(top.indices, "float32")]), 0)


def crop_boxes(frame, boxes: list[tuple], size: int, low: float, high: float):
    """Pixels [H, W, 3] -> float32 [n, size, size, 3] in [low, high]: each box (x1, y1, x2, y2 as
    fractions of the frame) cropped and resized bilinearly, all in one op; inside tidy()."""
    image = tf.expandDims(tf.cast(frame, "float32"), 0)
    corners = js_value([[y1, x1, y2, x2] for x1, y1, x2, y2 in boxes])
    crops = tf.image.cropAndResize(image, corners, js_value([0] * len(boxes)), js_array((size, size)))
    return tf.add(tf.mul(crops, (high - low) / 255.0), low)
