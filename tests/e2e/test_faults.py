"""Faults, each tried in Chromium: a clear message, and nothing the visitor made is lost.

Long loops run on wasm (webgl here is SwiftShader, seconds per frame); every test checks which
backend ran, so an unexpected fallback fails instead of passing silently.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from classifier import dataset as dataset_format

from support.datasets import load_into_teach, make_dataset
from support.site_copy import copy_site, flip_byte, replace, weight_shard

PAGES = {"teach": "index.html", "detect": "detect.html"}
MODELS = {"teach": "mobilenet", "detect": "coco-ssd"}  # the model each page loads first


def teach_with_examples(open_page, examples, backend: str = "wasm", frames: int = 3):
    opened = open_page(f"index.html?backend={backend}")
    opened.wait_ready()
    assert opened.backend() == backend, f"expected {backend}; {opened.backend()} ran"
    load_into_teach(opened, examples, [3, 3])
    opened.wait_frames(frames, timeout=180_000)
    return opened


# ------------------------------------------------------------------ model files

def wrong_sha256(model):
    name = weight_shard(model)
    flip_byte(model / name)
    return name, "corrupt"


def missing_shard(model):
    name = weight_shard(model)
    (model / name).unlink()
    return name, "HTTP 404"


def model_json_not_json(model):
    """model.json replaced by an HTML error page, with the manifest updated to match it, so the
    damage is found by parsing (not by the checksum)."""
    bad = b"<!doctype html><title>502 Bad Gateway</title>"
    replace(model / "model.json", bad)
    manifest_path = model / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = next(f for f in manifest["files"] if f["path"] == "model.json")
    entry.update(bytes=len(bad), sha256=hashlib.sha256(bad).hexdigest())
    replace(manifest_path, json.dumps(manifest).encode())
    return "model.json", "not valid JSON"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("damage", [wrong_sha256, missing_shard, model_json_not_json])
def test_damaged_model_file_is_named(open_page, static_server, tmp_path, page, damage):
    site = copy_site(tmp_path / "site")
    name, reason = damage(site / "models" / MODELS[page])
    opened = open_page(f"{PAGES[page]}?backend=wasm", base=static_server(site))
    opened.wait_state("ready", "error", timeout=120_000)
    opened.page.wait_for_selector("#message:not([hidden])", state="attached", timeout=60_000)
    message = opened.message()
    assert name in message and reason in message, message
    assert opened.page.is_visible("nav a[href='./detect.html']")  # the rest of the site is reachable
    assert opened.errors == [], opened.errors


# ------------------------------------------------------------------ dataset files

def bad_datasets(folder):
    good = dataset_format.dumps(make_dataset({"A": 2, "B": 2}, seed=5))
    doc = json.loads(good)
    doc["classes"][0]["count"] = 3  # says 3 examples, carries 2
    files = {
        "other-model.json": (dataset_format.dumps(make_dataset({"A": 2}, model="centernet", size=720)),
                             "embedding model 'centernet'"),
        "truncated.json": (good[: len(good) // 2], "not valid JSON"),
        "short-examples.json": (json.dumps(doc), "truncated or damaged"),
        "photo.json": ("\x89PNG\r\n\x1a\n not a dataset", "not valid JSON"),
    }
    out = []
    for name, (text, reason) in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        out.append((folder / name, reason))
    return out


def test_bad_dataset_files_leave_the_dataset_untouched(open_page, examples, tmp_path):
    opened = teach_with_examples(open_page, examples)
    for path, reason in bad_datasets(tmp_path):
        opened.page.set_input_files("#dataset-load", str(path))
        opened.page.wait_for_function("name => document.getElementById('message').textContent.startsWith(name)",
                                      arg=path.name, timeout=30_000)
        message = opened.message()
        assert reason in message and "unchanged" in message, message
        assert opened.class_counts() == [3, 3], "the current dataset changed"
        opened.wait_frames(2)  # still predicting
        assert opened.page.get_attribute("#prediction", "data-label") in ("A", "B")


# ------------------------------------------------------------------ camera

def end_camera(opened) -> None:
    """What an unplugged camera does: the track ends and says so (track.stop() alone fires no event)."""
    opened.page.evaluate("""() => {
        const track = document.getElementById("video").srcObject.getVideoTracks()[0];
        track.stop();
        track.dispatchEvent(new Event("ended"));
    }""")


def test_teach_camera_unplugged_during_the_loop(open_page, examples):
    opened = teach_with_examples(open_page, examples)
    frame_s = opened.frame_seconds()
    end_camera(opened)
    opened.page.wait_for_selector("#message:not([hidden])", state="attached", timeout=10_000)
    assert "camera stopped" in opened.message(), opened.message()
    assert opened.page.is_visible("#video-empty")
    assert opened.frames_stopped(frame_s), "frames counted with no camera"
    assert opened.class_counts() == [3, 3]
    opened.page.click("#camera-start")
    opened.wait_frames(3)


def test_detect_camera_unplugged_during_the_loop(open_page):
    opened = open_page("detect.html?backend=wasm")
    opened.wait_ready()
    assert opened.backend() == "wasm"
    opened.page.click("#camera-start")
    opened.wait_frames(1)
    frame_s = opened.frame_seconds()
    end_camera(opened)
    opened.page.wait_for_selector("#message:not([hidden])", state="attached", timeout=10_000)
    assert "camera stopped" in opened.message(), opened.message()
    assert opened.frames_stopped(frame_s), "frames counted with no camera"
    assert opened.page.is_visible("#camera-start")
    opened.page.click("#camera-start")
    opened.wait_frames(2)


# ------------------------------------------------------------------ soak and WebGL context loss

def test_teach_500_frames_flat_tensors(open_page, examples):
    opened = teach_with_examples(open_page, examples, frames=20)  # warm-up
    before = opened.num_tensors()
    opened.wait_frames(500, timeout=600_000)
    assert opened.num_tensors() == before
    assert opened.backend() == "wasm"


def test_teach_survives_webgl_context_loss(open_page, examples):
    opened = teach_with_examples(open_page, examples, backend="webgl", frames=1)
    lost = opened.page.evaluate("""() => {
        const gl = tf.backend().gpgpu.gl;
        const ext = gl.getExtension("WEBGL_lose_context");
        if (!ext) return false;
        ext.loseContext();
        return true;
    }""")
    assert lost, "WEBGL_lose_context is not available"
    opened.wait_frames(3, timeout=300_000)  # it keeps predicting
    assert opened.class_counts() == [3, 3], "the dataset was lost"
    assert opened.page.get_attribute("#prediction", "data-label") in ("A", "B")
    backend = opened.page.get_attribute("body", "data-backend")
    assert backend in ("webgl", "wasm", "cpu") and backend == opened.backend(), backend
    assert opened.message(), "the visitor should be told what happened"


LOSE_WEBGL = """() => {
    const ext = tf.backend().gpgpu.gl.getExtension("WEBGL_lose_context");
    if (!ext) return false;
    ext.loseContext();
    return true;
}"""


def test_detect_survives_webgl_context_loss(open_page, astronaut_video):
    """Detect carries on on another backend with the same detector, settings and counts."""
    from test_detect import enable_webcam, open_detect
    opened = open_detect(open_page, astronaut_video)  # webgl
    page = opened.page
    enable_webcam(opened)
    page.locator("#threshold").fill("25")
    page.wait_for_selector("#detections li[data-label=person]", state="attached", timeout=300_000)
    counted = json.loads(page.get_attribute("#counts", "data-counts"))
    detector = page.get_attribute("body", "data-detector")
    assert page.evaluate(LOSE_WEBGL), "WEBGL_lose_context is not available"
    page.wait_for_function("() => document.getElementById('message').textContent.includes('now running on')",
                           timeout=300_000)
    backend = page.get_attribute("body", "data-backend")
    assert backend in ("wasm", "cpu") and backend == opened.backend(), backend
    opened.wait_frames(2, timeout=300_000)  # it keeps detecting
    assert page.get_attribute("body", "data-detector") == detector
    assert page.input_value("#threshold") == "25"
    after = json.loads(page.get_attribute("#counts", "data-counts"))
    assert after["person"][1] == counted["person"][1], (counted, after)  # the same person, counted once
    assert page.query_selector("#detections li[data-label=person]") is not None
    assert "Your settings and counts are kept" in opened.message()
    assert opened.errors == [], opened.errors
