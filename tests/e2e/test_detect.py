"""The Detect page in real Chromium: real TF.js, the real COCO-trained detectors (COCO-SSD, the
default, and CenterNet with `?detector=centernet`), a fake camera.

Costs here: webgl is SwiftShader (a CPU emulation): seconds a frame, so the webgl tests process one or
two frames each; the long loops run on wasm. Every test asserts which backend ran, so an unexpected
fallback fails instead of passing quietly. COCO-SSD's own answers are checked against the official
package in test_coco_ssd.py.

What is drawn is checked against what the detector returned: the page lists each drawn box (data-*
attributes, CSS px of the overlay) and, with the debug panel open, the detector's raw candidates. The
test applies threshold, class filter and non-maximum suppression itself, maps the boxes with its own
`object-fit: contain` + mirror arithmetic, and reads the overlay canvas's pixels on every box edge.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from skimage import data as photos
from skimage import io

from support.site_copy import flip_byte, linked_site, weight_shard, write_index

SITE = Path(__file__).resolve().parents[2] / "site"
DETECT = "detect.html"
# Each detector's IoU of non-maximum suppression, as its upstream package has it (models/detector.py):
# @vladmandic/human's config.object.iouThreshold; @tensorflow-models/coco-ssd passes minScore 0.5.
IOU = {"centernet": 0.4, "coco-ssd": 0.5}
# Points on the subject, as fractions of the photo (and of the 320x240 camera frames made from it).
ASTRONAUT_FACE = (0.45, 0.22)
MOTORCYCLE_ENGINE = (0.48, 0.62)

SNAPSHOT_JS = """() => {
  const overlay = document.getElementById('overlay');
  const rect = overlay.getBoundingClientRect();
  const wrap = document.getElementById('video-wrap');
  const showing = wrap.dataset.showing;
  const source = document.getElementById(showing === 'camera' ? 'video' : 'still');
  const frame = showing === 'camera' ? [source.videoWidth, source.videoHeight] : [source.width, source.height];
  const ctx = overlay.getContext('2d');
  const ratio = overlay.width / rect.width;
  const clampX = (x) => Math.min(Math.max(x, 0.5), rect.width - 0.5);
  const clampY = (y) => Math.min(Math.max(y, 0.5), rect.height - 0.5);
  const pixel = (x, y) => Array.from(ctx.getImageData(Math.floor(clampX(x) * ratio), Math.floor(clampY(y) * ratio), 1, 1).data);
  const items = [...document.querySelectorAll('#detections li')].map((li) => {
    const d = li.dataset;
    const box = {label: d.label, score: +d.score, x: +d.x, y: +d.y, w: +d.w, h: +d.h, text: li.textContent,
                 track: d.track ? +d.track : null, colour: d.colour};
    const {x, y, w, h} = box;
    // Half a pixel inside each edge: a whole pixel there lies under the 3 px stroke centred on the edge.
    const [l, r, t, b] = [x + 0.5, x + w - 0.5, y + 0.5, y + h - 0.5];
    box.edges = [[l, y + h / 3], [l, y + 2 * h / 3], [r, y + h / 3], [r, y + 2 * h / 3],
                 [x + w / 3, t], [x + 2 * w / 3, t], [x + w / 3, b], [x + 2 * w / 3, b]]
      .map(([px, py]) => ({at: [clampX(px), clampY(py)], rgba: pixel(px, py)}));
    const tabW = ctx.measureText(box.text).width + 8;  // the label's filled tab, placed as bridge.draw_boxes does
    box.tab = [Math.max(0, Math.min(x, rect.width - tabW)), y >= 20 ? y - 20 : y, tabW, 20];
    return box;
  });
  const list = document.getElementById('detections').dataset;
  const raw = document.getElementById('debug-candidates').textContent;
  return {items, rect: [rect.width, rect.height], canvas: [overlay.width, overlay.height], frame, showing,
          mirror: wrap.dataset.mirror === 'true', threshold: +document.getElementById('threshold').value,
          max: +document.getElementById('max-detections').value,
          classes: [...document.querySelectorAll('#class-options input:checked')].map((i) => i.value),
          count: +list.count, source: list.source, raw: raw ? JSON.parse(raw) : null};
}"""


# ---------------------------------------------------------------- helpers


def open_detect(open_page, video=None, backend: str | None = None, detector: str | None = None, **options):
    """The Detect page, ready, on `backend` with `detector` (None: the default); `options` go to
    open_page (camera, base, device, ...)."""
    query = "&".join(f"{key}={value}" for key, value in (("backend", backend), ("detector", detector)) if value)
    opened = open_page(DETECT + (f"?{query}" if query else ""), video=video, **options)
    opened.wait_ready()
    ran = opened.backend()
    assert ran == (backend or "webgl"), f"expected the {backend or 'webgl'} backend, {ran} ran"
    assert opened.page.get_attribute("body", "data-detector") == (detector or "coco-ssd")
    assert opened.page.get_attribute("body", "data-backend") == ran
    opened.page.click("#debug-toggle")  # the debug panel also lists the detector's raw candidates
    return opened


def enable_webcam(opened) -> None:
    opened.page.click("#camera-start")
    opened.page.wait_for_selector("#camera-start", state="hidden")
    assert opened.page.get_attribute("#video-wrap", "data-showing") == "camera"


def snapshot(opened) -> dict:
    """Everything drawn and what the detector returned, read in one go (one render's worth)."""
    state = opened.page.evaluate(SNAPSHOT_JS)
    assert state["raw"] is not None, "the debug panel shows no detector output"
    return state


def overlap(a, b) -> float:
    w, h = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h)


def expected_boxes(state: dict, iou_limit: float) -> list[tuple]:
    """The test's own post-processing of the raw candidates: (label, x, y, w, h) in overlay CSS px."""
    wanted = sorted((c for c in state["raw"]["candidates"]
                     if c["score"] >= state["threshold"] / 100 and c["label"] in state["classes"]),
                    key=lambda c: -c["score"])
    kept = []
    for c in wanted:
        if len(kept) < state["max"] and all(overlap(c["box"], k["box"]) < iou_limit for k in kept):
            kept.append(c)
    (width, height), (fw, fh) = state["rect"], state["frame"]
    scale = min(width / fw, height / fh)
    left, top = (width - fw * scale) / 2, (height - fh * scale) / 2
    out = []
    for c in kept:
        x1, y1, x2, y2 = c["box"]
        a, b = left + x1 * fw * scale, left + x2 * fw * scale
        if state["mirror"] and state["showing"] == "camera":
            a, b = width - b, width - a
        out.append((c["label"], round(c["score"] * 100), a, top + y1 * fh * scale, b - a, (y2 - y1) * fh * scale))
    return out


def assert_drawn_matches_detector(state: dict) -> None:
    expected = expected_boxes(state, IOU[state["raw"]["detector"]])
    drawn = [(b["label"], b["x"], b["y"], b["w"], b["h"]) for b in state["items"]]
    assert len(drawn) == len(expected) == state["count"], (drawn, expected)
    checked = 0  # edge points whose colour was checked, over all boxes
    for box, (label, percent, x, y, w, h) in zip(state["items"], expected):
        assert box["label"] == label
        if box["track"] is None:  # not in the frame the tracker last saw
            assert box["text"] == f"{label} {percent}%"
        else:  # the track's id and its label, voted over its recent frames
            assert re.fullmatch(rf"#{box['track']} [a-z ]+ {percent}%", box["text"]), box["text"]
        assert (box["x"], box["y"], box["w"], box["h"]) == pytest.approx((x, y, w, h), abs=0.1)
        checked += assert_stroke_on_edges(box, state["items"])
    assert checked or not drawn, "no edge of any box could be checked"
    ratio = state["canvas"][0] / state["rect"][0]
    assert state["canvas"][1] == pytest.approx(state["rect"][1] * ratio, abs=1)  # overlay covers the frame


def assert_stroke_on_edges(box: dict, boxes: list[dict]) -> int:
    """The overlay canvas has the box's colour (one per tracked object) on the box's edges. Points
    under a label tab (text on a filled background; a box at the top has its own inside it) or near
    another box's stroke (another colour, and blends of it on anti-aliased edges) are not checked.
    Returns how many points were checked."""
    def covered(x, y) -> bool:
        for other in boxes:
            if other is box:
                continue
            tx, ty, tw, th = other["tab"]
            ox, oy, ow, oh = other["x"], other["y"], other["w"], other["h"]
            on_vertical = min(abs(x - ox), abs(x - ox - ow)) <= 3 and oy - 3 <= y <= oy + oh + 3
            on_horizontal = min(abs(y - oy), abs(y - oy - oh)) <= 3 and ox - 3 <= x <= ox + ow + 3
            if (tx - 2 <= x <= tx + tw + 2 and ty - 2 <= y <= ty + th + 2) or on_vertical or on_horizontal:
                return True
        return False

    def near(rgba, colour: str) -> bool:
        return all(abs(c - e) < 40 for c, e in zip(rgba, bytes.fromhex(colour.lstrip("#"))))

    tx, ty, tw, th = box["tab"]

    def in_own_tab(x, y) -> bool:
        return ty == box["y"] and tx - 2 <= x <= tx + tw + 2 and ty - 2 <= y <= ty + th + 2

    checked = [e for e in box["edges"] if not covered(*e["at"]) and not in_own_tab(*e["at"])]
    for edge in checked:
        assert edge["rgba"][3] > 200 and near(edge["rgba"], box["colour"]), (box["label"], box["edges"])
    return len(checked)


def displayed_point(state: dict, point: tuple[float, float]) -> tuple[float, float]:
    (width, height), (fw, fh) = state["rect"], state["frame"]
    scale = min(width / fw, height / fh)
    x = (width - fw * scale) / 2 + point[0] * fw * scale
    if state["mirror"] and state["showing"] == "camera":
        x = width - x
    return x, (height - fh * scale) / 2 + point[1] * fh * scale


def boxes_over(state: dict, label: str, point: tuple[float, float]) -> list[dict]:
    x, y = displayed_point(state, point)
    return [b for b in state["items"] if b["label"] == label and b["x"] <= x <= b["x"] + b["w"]
            and b["y"] <= y <= b["y"] + b["h"]]


def tensors_per_frame(opened, frames: int) -> list[int]:
    """tf.memory().numTensors after each of the next `frames` frames (read between frames)."""
    page = opened.page
    page.evaluate("""() => {
      window.tensorLog = [];
      new MutationObserver(() => window.tensorLog.push(tf.memory().numTensors))
        .observe(document.body, {attributes: true, attributeFilter: ['data-frames']});
    }""")
    opened.wait_frames(frames, timeout=300_000)
    return page.evaluate("window.tensorLog")


@pytest.fixture(scope="module")
def photo_files(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("detect-photos")
    files = {"astronaut": folder / "astronaut.png", "motorcycle": folder / "motorcycle.png"}
    io.imsave(files["astronaut"], photos.astronaut(), check_contrast=False)
    io.imsave(files["motorcycle"], photos.stereo_motorcycle()[0], check_contrast=False)
    return {name: str(path) for name, path in files.items()}


# ---------------------------------------------------------------- webgl: the default backend


def test_boots_self_hosted_on_webgl_and_boxes_the_astronaut(open_page, astronaut_video):
    opened = open_detect(open_page, astronaut_video)  # COCO-SSD, the default
    page = opened.page
    assert page.text_content("#status-model") == "SSDLite MobileNet v2 (COCO) · pretrained weights"
    assert (page.input_value("#threshold"), page.input_value("#max-detections")) == ("50", "20")  # the package's
    # CenterNet stays a choice.
    assert page.is_visible("#detector-choice")
    assert page.eval_on_selector_all("#detector option", "o => o.map((x) => x.value)") == ["centernet", "coco-ssd"]
    enable_webcam(opened)
    opened.wait_frames(2)
    state = snapshot(opened)
    assert state["source"] == "camera" and state["mirror"]
    assert_drawn_matches_detector(state)
    over = boxes_over(state, "person", ASTRONAUT_FACE)
    assert over and over[0]["score"] > 0.5, state["items"]
    assert over[0]["w"] > 0.5 * state["rect"][0]
    assert int(page.text_content("#debug-frames")) >= 2
    assert page.text_content("#debug-backend") == "webgl"
    assert opened.off_origin() == []
    assert opened.errors == []


def test_motorcycle_video_gets_a_motorcycle_box_on_webgl(open_page, motorcycle_video):
    opened = open_detect(open_page, motorcycle_video)
    enable_webcam(opened)
    opened.wait_frames(1)
    state = snapshot(opened)
    assert_drawn_matches_detector(state)
    assert boxes_over(state, "motorcycle", MOTORCYCLE_ENGINE), state["items"]
    assert opened.off_origin() == []


# ---------------------------------------------------------------- wasm: the long and the fiddly


def test_drawn_boxes_follow_detector_threshold_filter_resize_and_mirror(open_page, motorcycle_video):
    opened = open_detect(open_page, motorcycle_video, backend="wasm", detector="centernet")
    page = opened.page
    enable_webcam(opened)
    frame_s = opened.frame_seconds(3)
    page.click("#pause")  # freeze the last answer: every change below redraws it without the model
    page.wait_for_selector("body[data-paused=true]", state="attached")
    opened.settle(frame_s)  # a frame that was already running when paused has drawn by now
    state = snapshot(opened)
    assert_drawn_matches_detector(state)
    assert [b["label"] for b in state["items"]][:1] == ["motorcycle"]

    # The candidates shown are the model's own output for this frame (an independent TF.js run).
    rows = page.evaluate("""async () => {
      const model = await tf.loadGraphModel('models/centernet/model.json');
      const out = tf.tidy(() => model.execute(tf.expandDims(tf.image.resizeBilinear(
          tf.cast(tf.browser.fromPixels(document.getElementById('video')), 'float32'), [512, 512]), 0),
          ['tower_0/detections']));
      const rows = (await out.array())[0];
      out.dispose(); model.dispose();
      return rows;
    }""")
    labels = json.loads((SITE / "models" / "centernet" / "labels.json").read_text())
    candidates = state["raw"]["candidates"][:5]
    assert candidates and len(rows) >= len(candidates), "nothing to compare"
    for row, candidate in zip(rows, candidates):
        assert candidate["label"] == labels[int(row[5])]
        assert candidate["score"] == pytest.approx(row[4], abs=2e-3)
        assert candidate["box"] == pytest.approx([min(max(v / 512, 0), 1) for v in row[:4]], abs=2e-3)

    # Threshold: above the motorcycle's score nothing is drawn; lower, more boxes than at the default.
    default_count = state["count"]
    page.fill("#threshold", "60")
    state = snapshot(opened)
    assert state["count"] == 0 and page.text_content("#threshold-value") == "60%"
    assert_drawn_matches_detector(state)
    page.fill("#threshold", "10")
    page.fill("#max-detections", "100")
    state = snapshot(opened)
    assert state["count"] > default_count
    assert_drawn_matches_detector(state)

    # Class filter: none, then only motorcycles.
    page.click("#class-summary")
    page.click("#classes-none")
    state = snapshot(opened)
    assert state["count"] == 0 and page.text_content("#class-summary") == "Classes: no classes"
    page.check("#class-options input[value=motorcycle]")
    state = snapshot(opened)
    assert state["count"] >= 1 and {b["label"] for b in state["items"]} == {"motorcycle"}
    assert_drawn_matches_detector(state)

    # Resized window (one column layout): the overlay follows the video.
    before = state["rect"]
    page.set_viewport_size({"width": 640, "height": 900})
    page.wait_for_function("(w) => document.getElementById('overlay').getBoundingClientRect().width !== w", arg=before[0])
    page.wait_for_function("() => { const o = document.getElementById('overlay');"
                           " return o.width === Math.round(o.getBoundingClientRect().width * devicePixelRatio); }")
    state = snapshot(opened)
    assert state["rect"] != before
    assert_drawn_matches_detector(state)

    # Unmirrored: the boxes flip back with the video.
    mirrored = state["items"][0]["x"]
    page.uncheck("#mirror")
    state = snapshot(opened)
    assert not state["mirror"]
    assert state["items"][0]["x"] == pytest.approx(state["rect"][0] - mirrored - state["items"][0]["w"], abs=0.2)
    assert_drawn_matches_detector(state)
    assert opened.errors == []


def test_num_tensors_flat_over_100_frames_pause_and_hidden_tab(open_page, astronaut_video):
    opened = open_detect(open_page, astronaut_video, backend="wasm")
    enable_webcam(opened)
    opened.wait_frames(3)  # warm
    log = tensors_per_frame(opened, 100)
    assert len(log) >= 100
    assert len(set(log)) == 1, f"numTensors changed over the frames: {sorted(set(log))}"
    assert opened.backend() == "wasm"
    page = opened.page
    assert int(page.text_content("#debug-tensors")) == log[-1]
    assert float(page.text_content("#debug-fps")) > 0

    frame_s = opened.frame_seconds()
    page.click("#pause")
    assert opened.frames_stopped(frame_s)
    assert page.text_content("#pause") == "Resume"
    page.click("#pause")
    opened.wait_frames(3)

    # A hidden tab stops the loop (headless Chromium never hides a tab: the event is simulated).
    set_visibility = """(state) => {
      Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
      document.dispatchEvent(new Event('visibilitychange'));
    }"""
    assert page.get_attribute("body", "data-wake") == "on"  # detecting: the screen stays on
    page.evaluate(set_visibility, "hidden")
    assert opened.frames_stopped(frame_s)
    assert page.get_attribute("body", "data-wake") == "off"
    page.evaluate(set_visibility, "visible")
    opened.wait_frames(3)
    page.wait_for_selector("body[data-wake=on]", state="attached")
    assert opened.errors == []


def counts(opened) -> dict:
    return json.loads(opened.page.get_attribute("#counts", "data-counts"))


def test_the_person_keeps_one_track_id_through_frames_and_a_miss_and_is_counted_once(open_page, astronaut_video):
    opened = open_detect(open_page, astronaut_video, backend="wasm")
    page = opened.page
    enable_webcam(opened)
    opened.wait_frames(2)
    page.evaluate("""() => {
      window.personTracks = [];  // after each frame: the track ids of the boxed people
      new MutationObserver(() => personTracks.push(
        [...document.querySelectorAll('#detections li[data-label=person]')].map((li) => li.dataset.track || null)))
        .observe(document.body, {attributes: true, attributeFilter: ['data-frames']});
    }""")
    opened.wait_frames(6)
    per_frame = page.evaluate("personTracks")
    assert len(per_frame) >= 6 and all(ids == ["1"] for ids in per_frame), per_frame
    assert counts(opened)["person"] == [1, 1]

    # Missed for two frames (the threshold above every score): the same object keeps its id. Done in
    # the page, so that no round trip to the test lets more frames pass than the tracker's memory.
    missed = page.evaluate("""async () => {
      const set = (percent) => {
        const slider = document.getElementById('threshold');
        slider.value = String(percent);
        slider.dispatchEvent(new Event('input', {bubbles: true}));
      };
      const frames = () => Number(document.body.dataset.frames);
      const before = document.getElementById('threshold').value;
      set(100);
      const start = frames();
      await new Promise((resolve) => {
        const watch = new MutationObserver(() => { if (frames() >= start + 2) { watch.disconnect(); resolve(); } });
        watch.observe(document.body, {attributes: true, attributeFilter: ['data-frames']});
      });
      const seen = {boxes: document.querySelectorAll('#detections li').length,
                    counts: JSON.parse(document.getElementById('counts').dataset.counts)};
      set(before);
      return seen;
    }""")
    assert missed == {"boxes": 0, "counts": {"person": [0, 1]}}
    opened.wait_frames(2)
    state = snapshot(opened)
    over = boxes_over(state, "person", ASTRONAUT_FACE)
    assert over and over[0]["track"] == 1 and over[0]["text"].startswith("#1 person "), state["items"]
    assert_drawn_matches_detector(state)
    assert counts(opened)["person"] == [1, 1]

    frame_s = opened.frame_seconds()
    page.click("#pause")  # no frame between the reset and what the test reads
    page.wait_for_selector("body[data-paused=true]", state="attached")
    opened.settle(frame_s)  # a frame that was already running when paused has finished
    page.click("#counts-reset")
    assert counts(opened) == {} and page.text_content("#counts") == "Nothing counted yet."
    page.click("#pause")
    opened.wait_frames(2)
    assert counts(opened)["person"] == [1, 1]
    assert boxes_over(snapshot(opened), "person", ASTRONAUT_FACE)[0]["track"] == 1  # ids start again
    assert opened.errors == []


def test_camera_denied_explains_and_an_uploaded_photo_is_detected_under_the_pages_csp(open_page, astronaut_video,
                                                                                       photo_files):
    opened = open_detect(open_page, astronaut_video, backend="wasm", camera=False, bypass_csp=False)
    page = opened.page
    page.click("#camera-start")
    page.wait_for_selector("#message:not([hidden])")
    assert "Camera access was refused" in opened.message() and "“Enable webcam”" in opened.message()
    assert page.is_visible("#camera-start")

    page.set_input_files("#image-file", photo_files["astronaut"])
    page.wait_for_selector("#detections[data-source='astronaut.png']", state="attached", timeout=60_000)
    state = snapshot(opened)
    assert state["showing"] == "still" and state["frame"] == [512, 512]
    assert_drawn_matches_detector(state)  # a square photo: pillarboxed, never mirrored
    assert boxes_over(state, "person", ASTRONAUT_FACE), state["items"]

    page.set_input_files("#image-file", photo_files["motorcycle"])
    page.wait_for_selector("#detections[data-source='motorcycle.png']", state="attached", timeout=60_000)
    state = snapshot(opened)
    assert_drawn_matches_detector(state)
    assert boxes_over(state, "motorcycle", MOTORCYCLE_ENGINE), state["items"]

    # The other detector, chosen in the page: the photo is detected again with CenterNet's defaults.
    page.select_option("#detector", "centernet")
    page.wait_for_selector("body[data-detector=centernet]", state="attached", timeout=120_000)
    page.wait_for_function("() => JSON.parse(document.getElementById('debug-candidates').textContent)"
                           ".detector === 'centernet'", timeout=120_000)
    assert page.input_value("#threshold") == "20"
    state = snapshot(opened)
    assert_drawn_matches_detector(state)
    assert boxes_over(state, "motorcycle", MOTORCYCLE_ENGINE), state["items"]
    assert opened.off_origin() == []


# ---------------------------------------------------------------- a broken model and a second detector


@pytest.fixture(scope="module")
def site_with_broken_coco_ssd(tmp_path_factory, static_server) -> str:
    """The built site, but COCO-SSD's first weight shard altered (same size)."""
    root = tmp_path_factory.mktemp("broken-site")
    models = linked_site(root)
    for name in ("centernet", "coco-ssd"):
        shutil.copytree(SITE / "models" / name, models / name)
    flip_byte(models / "coco-ssd" / weight_shard(models / "coco-ssd"))
    write_index(models)
    return static_server(root)


def test_corrupt_model_file_is_named_and_the_other_detector_runs(open_page, motorcycle_video, site_with_broken_coco_ssd):
    opened = open_page(f"{DETECT}?backend=wasm", video=motorcycle_video, base=site_with_broken_coco_ssd)
    opened.wait_ready()
    page = opened.page
    broken = f"models/coco-ssd/{weight_shard(SITE / 'models' / 'coco-ssd')} is corrupt"
    message = opened.message()
    assert broken in message, message
    assert "Using CenterNet MobileNetV3-large (COCO) (pretrained weights) instead." in message
    assert page.get_attribute("body", "data-detector") == "centernet"
    assert page.input_value("#threshold") == "20"  # CenterNet's package default
    page.click("#debug-toggle")

    enable_webcam(opened)
    opened.wait_frames(2)
    state = snapshot(opened)
    assert state["raw"]["detector"] == "centernet"
    assert_drawn_matches_detector(state)
    assert boxes_over(state, "motorcycle", MOTORCYCLE_ENGINE), state["items"]

    # Switching to the broken detector names the file again and keeps the running one.
    page.select_option("#detector", "coco-ssd")
    page.wait_for_function("() => !document.getElementById('detector').disabled"
                           " && document.getElementById('message').textContent.includes('Still using')")
    assert broken in opened.message()
    assert page.get_attribute("body", "data-detector") == "centernet"
    assert page.input_value("#detector") == "centernet"
    opened.wait_frames(2)
    assert opened.off_origin() == []
