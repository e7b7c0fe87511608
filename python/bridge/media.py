"""The camera, canvases and the screen: streams into <video>, snapshots, drawn boxes, the wake lock.

Example:
    stream = await open_camera(video, None)          # raises RuntimeError("NotAllowedError"), ...
    thumb = snapshot(video, 64, 48, mirror=True)     # a <canvas>
"""

from __future__ import annotations

import js
from pyodide.ffi import create_once_callable, to_js

from .core import js_value, listen, py_value
from .dom import make

__all__ = ["secure_context", "open_camera", "stream_facing", "stop_stream", "on_stream_ended", "video_devices",
           "video_ready", "video_size", "image_from_file", "image_from_bytes", "canvas_bytes", "snapshot", "canvas_context", "source_size", "show_image",
           "draw_boxes", "wake_lock_supported", "request_wake_lock", "release_wake_lock"]


def secure_context() -> bool:
    return bool(js.isSecureContext) and hasattr(js.navigator, "mediaDevices") and js.navigator.mediaDevices is not None


async def open_camera(video, device_id: str | None, facing: str = "user"):
    """Start the stream into `video` from the camera `device_id`, else the one facing `facing` ("user",
    "environment"); raises the DOMException's name as a RuntimeError."""
    # "ideal", not "exact": a laptop's one webcam still starts when the back camera is asked for.
    video_constraints = {"deviceId": {"exact": device_id}} if device_id else {"facingMode": {"ideal": facing}}
    constraints = {"audio": False, "video": video_constraints}
    try:
        stream = await js.navigator.mediaDevices.getUserMedia(js_value(constraints))
    except Exception as error:  # JsException carrying a DOMException
        raise RuntimeError(getattr(getattr(error, "js_error", None), "name", None) or type(error).__name__) from None
    video.srcObject = stream
    await video.play()
    return stream


def stream_facing(stream) -> str:
    """The way the stream's camera faces ("user", "environment"), or "" when the browser does not say."""
    settings = stream.getVideoTracks()[0].getSettings()
    return getattr(settings, "facingMode", None) or ""


def stop_stream(stream) -> None:
    if stream is not None:
        for track in stream.getTracks():
            track.stop()


def on_stream_ended(stream, handler) -> None:
    for track in stream.getVideoTracks():
        listen(track, "ended", lambda _e: handler())


def _facing_modes(device) -> tuple[str, ...]:
    """The ways a camera can face, where the browser tells (InputDeviceInfo.getCapabilities)."""
    if not hasattr(device, "getCapabilities"):
        return ()
    modes = getattr(device.getCapabilities(), "facingMode", None)
    return tuple(py_value(modes)) if modes is not None else ()


async def video_devices() -> list[tuple[str, str, tuple[str, ...]]]:
    """(device id, label, facing modes) per camera."""
    devices = [d for d in await js.navigator.mediaDevices.enumerateDevices() if d.kind == "videoinput"]
    return [(d.deviceId, d.label or f"Camera {i + 1}", _facing_modes(d)) for i, d in enumerate(devices)]


def video_ready(video) -> bool:
    return video.readyState >= 2 and video.videoWidth > 0


def video_size(video) -> tuple[int, int]:
    return video.videoWidth, video.videoHeight


async def image_from_file(file):
    """Decode an uploaded image without moving its pixels through Python."""
    return await js.createImageBitmap(file)


async def image_from_bytes(data: bytes, mime: str):
    """Decode encoded image bytes (a saved thumbnail) into an ImageBitmap."""
    blob = js.Blob.new(js.Array.of(to_js(memoryview(data))), js_value({"type": mime}))
    return await js.createImageBitmap(blob)


async def canvas_bytes(canvas, mime: str = "image/jpeg", quality: float = 0.85) -> bytes:
    """The canvas encoded as an image file (a thumbnail to save with the dataset). Through an
    OffscreenCanvas, whose convertToBlob is a promise: toBlob would need a callback proxy per call."""
    copy = js.OffscreenCanvas.new(canvas.width, canvas.height)
    copy.getContext("2d").drawImage(canvas, 0, 0)
    blob = await copy.convertToBlob(js_value({"type": mime, "quality": quality}))
    return (await blob.arrayBuffer()).to_bytes()


def snapshot(source, width: int, height: int, mirror: bool = False, region: tuple | None = None):
    """A canvas with `source` drawn (stretched) at width x height: thumbnails, fixed-size model inputs.

    `region`: only that part of the source, (x1, y1, x2, y2) as fractions of it (an object's box)."""
    canvas = make("canvas")
    canvas.width, canvas.height = width, height
    ctx = canvas.getContext("2d")
    if mirror:
        ctx.translate(width, 0)
        ctx.scale(-1, 1)
    if region is None:
        ctx.drawImage(source, 0, 0, width, height)
    else:
        source_width, source_height = source_size(source)
        x1, y1, x2, y2 = region
        ctx.drawImage(source, x1 * source_width, y1 * source_height, (x2 - x1) * source_width,
                      (y2 - y1) * source_height, 0, 0, width, height)
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


_window = js.window
# Label widths by (font, text): a frame's labels are mostly last frame's ("person 87%"), and each
# measureText is two calls into JS. Emptied when it grows, so a long run keeps it small.
_text_widths: dict[tuple[str, str], float] = {}


def _text_width(ctx, font: str, text: str) -> float:
    width = _text_widths.get((font, text))
    if width is None:
        if len(_text_widths) >= 1000:
            _text_widths.clear()
        width = _text_widths[font, text] = ctx.measureText(text).width
    return width


def draw_boxes(canvas, size: tuple[float, float], boxes: list, style: dict) -> None:
    """Clear `canvas`, sized to `size` CSS px at the screen's pixel density, and draw each
    (x, y, w, h, text, colour) box in CSS px with its text on a filled tab above it (inside it when
    the box touches the top; moved left when it would stick out on the right)."""
    ratio = _window.devicePixelRatio or 1
    ctx = canvas_context(canvas, round(size[0] * ratio), round(size[1] * ratio))
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    ctx.clearRect(0, 0, size[0], size[1])
    font = style["font"]
    ctx.lineWidth = style["line_width"]
    ctx.font = font
    ctx.textBaseline = "top"
    for x, y, w, h, text, colour in boxes:
        ctx.strokeStyle = ctx.fillStyle = colour
        ctx.strokeRect(x, y, w, h)
        tab_w, tab_h = _text_width(ctx, font, text) + 8, style["tab_height"]
        tab_x, tab_y = max(0, min(x, size[0] - tab_w)), (y - tab_h if y >= tab_h else y)
        ctx.fillRect(tab_x, tab_y, tab_w, tab_h)
        ctx.fillStyle = style["text_color"]
        ctx.fillText(text, tab_x + 4, tab_y + 3)


# ---------------------------------------------------------------- screen wake lock

def wake_lock_supported() -> bool:
    return hasattr(js.navigator, "wakeLock") and js.navigator.wakeLock is not None


async def request_wake_lock(on_release):
    """Keep the screen on; returns the lock, or None when the browser refuses (battery saver, no
    permission). `on_release()` runs once when the lock goes, also when the browser drops it (hidden tab)."""
    try:
        lock = await js.navigator.wakeLock.request("screen")
    except Exception:
        return None
    lock.addEventListener("release", create_once_callable(lambda _event: on_release()))
    return lock


async def release_wake_lock(lock) -> None:
    await lock.release()
