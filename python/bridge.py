"""The one module that touches the browser: DOM, TF.js, media, fetch, IndexedDB.

Everything else in python/ is plain Python that receives this module (or a fake of it in CPython
tests) and calls the functions below. Rules kept here so the rest need not know them:
- a JS callback is a proxy made once and kept (`listen`, `_frame_proxy`), never one per frame;
- TF.js functions are looked up once (`tf`), not on every call;
- Python values handed to JS are converted (`js_value`), never passed as borrowed PyProxies;
- pixels stay in JS: only small typed arrays are read back (`read_floats`).
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

import js
from pyodide.ffi import create_once_callable, create_proxy, to_js


class _Members:
    """A JS namespace whose members (functions, nested namespaces) are looked up once. Every
    attribute lookup on a JS object makes a new proxy, and a frame calls a dozen TF.js functions."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str):
        member = getattr(self._namespace, name)
        if not callable(member):
            member = _Members(member)  # tf.image, tf.browser, tf.io, tf.wasm
        setattr(self, name, member)
        return member


tf = _Members(js.tf)  # only functions and namespaces are read from it: nothing that changes
document = js.document
_preload = js.TYB_PRELOAD  # site/boot.js: the fetches and the backend it started before Python ran
_kept_proxies: list = []


# ---------------------------------------------------------------- values and callbacks

def js_value(value):
    """Python dict/list/number -> plain JS object/array (dicts become Objects, not Maps)."""
    return to_js(value, dict_converter=js.Object.fromEntries)


@lru_cache(maxsize=64)
def _js_array(values: tuple):
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


mark("python-start")  # the first app module the entry point imports


# ---------------------------------------------------------------- DOM

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


def download_text(filename: str, text: str, mime: str = "application/json") -> None:
    blob = js.Blob.new(js_value([text]), js_value({"type": mime}))
    url = js.URL.createObjectURL(blob)
    link = make("a")
    link.href = url
    link.download = filename
    link.click()
    js.URL.revokeObjectURL(url)


async def read_file_text(file) -> str:
    return await file.text()


def take_files(input_element) -> list:
    """The files chosen in an <input type=file>, which is then reset so the same file can be chosen again."""
    files = [input_element.files.item(i) for i in range(input_element.files.length)]
    input_element.value = ""
    return files


# ---------------------------------------------------------------- frames

_frame_waiters: list[asyncio.Future] = []


def _resolve_frame(timestamp) -> None:
    waiters = list(_frame_waiters)
    _frame_waiters.clear()
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(timestamp)


_frame_proxy = create_proxy(_resolve_frame)


async def next_animation_frame() -> float:
    """Wait for requestAnimationFrame; it does not fire in a hidden tab, which pauses the loop."""
    waiter = asyncio.get_event_loop().create_future()
    _frame_waiters.append(waiter)
    js.requestAnimationFrame(_frame_proxy)
    return await waiter


# ---------------------------------------------------------------- network and storage

async def fetch_bytes(url: str, revalidate: bool = True):
    """Fetch `url` (same origin); returns (status, ArrayBuffer or None).

    `revalidate` asks the server even when the HTTP cache has the file; files whose names carry their
    content hash never change, so they are taken from the cache as it is. A file site/boot.js
    already fetched (the page's default model) is taken from there, once."""
    preloaded = _preload.take(url)
    if preloaded is not None:
        result = await preloaded
        return result.status, result.buffer
    try:
        response = await js.fetch(url, js_value({"cache": "no-cache" if revalidate else "default"}))
    except Exception:  # network error: fetch rejects
        return 0, None
    if not response.ok:
        return response.status, None
    return response.status, await response.arrayBuffer()


def byte_length(buffer) -> int:
    return buffer.byteLength


def buffer_text(buffer) -> str:
    return js.TextDecoder.new().decode(buffer)


async def sha256_hex(buffer) -> str:
    """site/boot.js's digest of a file it preloaded is already under way; others start here."""
    digest = await _preload.sha256(buffer)
    return bytes(js.Uint8Array.new(digest).to_py()).hex()


def concat_buffers(buffers: list):
    total = sum(b.byteLength for b in buffers)
    out = js.Uint8Array.new(total)
    offset = 0
    for buffer in buffers:
        out.set(js.Uint8Array.new(buffer), offset)
        offset += buffer.byteLength
    return out.buffer


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
        return py_value(await _request_result(store.get(key)))
    finally:
        db.close()


async def idb_put(key: str, value) -> None:
    db, store = await _idb_store("readwrite")
    try:
        await _request_result(store.put(value, key))
    finally:
        db.close()


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


# ---------------------------------------------------------------- TF.js

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


def dispose(tensor) -> None:
    if tensor is not None:
        tensor.dispose()


async def read_floats(tensor) -> list[float]:
    """Read a (small) tensor back to Python: the one await per read."""
    data = await tensor.data()
    return data.to_py().tolist()


def pixels(source):
    """int32 [H, W, 3] tensor of a video, image, canvas or ImageBitmap."""
    return tf.browser.fromPixels(source)


def prepare_input(frame, size: list[int], low: float, high: float, dtype: str = "float32"):
    """Pixels 0..255 -> float32 [1, H, W, 3] in [low, high]; call inside tidy().

    dtype "int32" (e.g. SSD's image_tensor) keeps the resized pixels as they are.
    """
    resized = tf.image.resizeBilinear(frame, _js_array(tuple(size)))
    if dtype == "int32":
        return tf.expandDims(tf.cast(resized, "int32"), 0)
    scaled = tf.add(tf.mul(tf.cast(resized, "float32"), (high - low) / 255.0), low)
    return tf.expandDims(scaled, 0)


def execute(model, inputs, outputs: list[str]):
    result = model.execute(inputs, _js_array(tuple(outputs)))
    return result if len(outputs) > 1 else [result]


async def execute_async(model, inputs, outputs: list[str]):
    result = await model.executeAsync(inputs, _js_array(tuple(outputs)))
    return result if len(outputs) > 1 else [result]


def dispose_all(tensors) -> None:
    for tensor in tensors:
        tensor.dispose()


def best_class_per_box(scores, boxes, k: int):
    """scores [1, N, C] and boxes [1, N, 1, 4] -> [min(k, N), 6] rows: the box's 4 values as given,
    its best class score, that class's index; the k boxes with the highest such score. Inside tidy()."""
    per_box = tf.reshape(scores, _js_array((scores.shape[1], scores.shape[2])))
    best = tf.max(per_box, 1)
    top = tf.topk(best, min(k, best.shape[0]))
    classes = tf.cast(tf.gather(tf.argMax(per_box, 1), top.indices), "float32")
    picked = tf.gather(tf.reshape(boxes, _js_array((-1, 4))), top.indices)
    return tf.concat(js_value([picked, tf.expandDims(top.values, 1), tf.expandDims(classes, 1)]), 1)


def flatten(tensor):
    return tf.reshape(tensor, _js_array((-1,)))


def tensor_from_floats(values: bytes, shape: list[int]):
    array = js.Float32Array.new(to_js(memoryview(values)).buffer)
    return tf.tensor(array, js_value(shape), "float32")


def unit_rows(values: bytes, shape: list[int]):
    """float32 matrix with unit-length rows, as knn-classifier stores its examples."""
    matrix = tensor_from_floats(values, shape)
    norms = tf.norm(matrix, "euclidean", 1, True)
    unit = tf.div(matrix, norms)
    matrix.dispose()
    norms.dispose()
    return unit


async def tensor_bytes(tensor) -> bytes:
    data = await tensor.data()
    return bytes(js.Uint8Array.new(data.buffer, data.byteOffset, data.byteLength).to_py())


# ---------------------------------------------------------------- KNN classifier

def new_knn():
    return js.knnClassifier.create()


def knn_set_dataset(knn, matrices: dict) -> None:
    dataset = js.Object.new()
    for label, matrix in matrices.items():
        setattr(dataset, str(label), matrix)
    knn.setClassifierDataset(dataset)


async def knn_predict(knn, embedding, k: int) -> tuple[int | None, dict[int, float]]:
    result = await knn.predictClass(embedding, k)
    confidences = {int(label): float(value) for label, value in py_value(result.confidences).items()}
    label = result.label
    return (int(label) if label is not None else None), confidences


# ---------------------------------------------------------------- camera and canvas

def secure_context() -> bool:
    return bool(js.isSecureContext) and hasattr(js.navigator, "mediaDevices") and js.navigator.mediaDevices is not None


async def open_camera(video, device_id: str | None):
    """Start the stream into `video`; raises the DOMException's name as a RuntimeError."""
    constraints = {"audio": False, "video": {"deviceId": {"exact": device_id}} if device_id else {"facingMode": "user"}}
    try:
        stream = await js.navigator.mediaDevices.getUserMedia(js_value(constraints))
    except Exception as error:  # JsException carrying a DOMException
        raise RuntimeError(getattr(getattr(error, "js_error", None), "name", None) or type(error).__name__) from None
    video.srcObject = stream
    await video.play()
    return stream


def stop_stream(stream) -> None:
    if stream is not None:
        for track in stream.getTracks():
            track.stop()


def on_stream_ended(stream, handler) -> None:
    for track in stream.getVideoTracks():
        listen(track, "ended", lambda _e: handler())


async def video_devices() -> list[tuple[str, str]]:
    devices = await js.navigator.mediaDevices.enumerateDevices()
    return [(d.deviceId, d.label or f"Camera {i + 1}") for i, d in enumerate(devices) if d.kind == "videoinput"]


def video_ready(video) -> bool:
    return video.readyState >= 2 and video.videoWidth > 0


def video_size(video) -> tuple[int, int]:
    return video.videoWidth, video.videoHeight


async def image_from_file(file):
    """Decode an uploaded image without moving its pixels through Python."""
    return await js.createImageBitmap(file)


def snapshot(source, width: int, height: int, mirror: bool = False):
    """A canvas with `source` drawn (stretched) at width x height: thumbnails, fixed-size model inputs."""
    canvas = make("canvas")
    canvas.width, canvas.height = width, height
    ctx = canvas.getContext("2d")
    if mirror:
        ctx.translate(width, 0)
        ctx.scale(-1, 1)
    ctx.drawImage(source, 0, 0, width, height)
    return canvas


def canvas_context(canvas, width: int, height: int):
    if canvas.width != width or canvas.height != height:
        canvas.width, canvas.height = width, height
    return canvas.getContext("2d")


def source_size(source) -> tuple[int, int]:
    """Pixel size of a video (its stream), image bitmap or canvas."""
    if hasattr(source, "videoWidth"):
        return video_size(source)
    return source.width, source.height


def show_image(canvas, source) -> None:
    """Draw an image at its own size into `canvas` (CSS scales it like the video)."""
    canvas_context(canvas, source.width, source.height).drawImage(source, 0, 0)


def element_size(element) -> tuple[float, float]:
    """CSS pixel size of the box an element is laid out in."""
    rect = element.getBoundingClientRect()
    return rect.width, rect.height


def on_resize(element, handler) -> None:
    """`handler()` whenever the element's laid-out size changes (window resize, layout change)."""
    js.ResizeObserver.new(keep(lambda _entries, _observer: handler())).observe(element)


def draw_boxes(canvas, size: tuple[float, float], boxes: list, style: dict) -> None:
    """Clear `canvas`, sized to `size` CSS px at the screen's pixel density, and draw each
    (x, y, w, h, text) box in CSS px with its text on a filled tab above it (inside it when the box
    touches the top; moved left when it would stick out on the right)."""
    ratio = js.window.devicePixelRatio or 1
    ctx = canvas_context(canvas, round(size[0] * ratio), round(size[1] * ratio))
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    ctx.clearRect(0, 0, size[0], size[1])
    ctx.lineWidth = style["line_width"]
    ctx.font = style["font"]
    ctx.textBaseline = "top"
    for x, y, w, h, text in boxes:
        ctx.strokeStyle = ctx.fillStyle = style["color"]
        ctx.strokeRect(x, y, w, h)
        tab_w, tab_h = ctx.measureText(text).width + 8, style["tab_height"]
        tab_x, tab_y = max(0, min(x, size[0] - tab_w)), (y - tab_h if y >= tab_h else y)
        ctx.fillRect(tab_x, tab_y, tab_w, tab_h)
        ctx.fillStyle = style["text_color"]
        ctx.fillText(text, tab_x + 4, tab_y + 3)
