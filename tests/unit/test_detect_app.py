"""The Detect page's logic with a fake bridge: choice of detector, fallback, controls, what is drawn."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from detect.app import DetectApp
from detect.box_list import list_html
from models.choice import detector_order
from models.detections import Placed
from web.camera import MESSAGES
from web.page import Page

from aio import run
from detect_fakes import FakeBridge, detection_manifest, model_dir

LABELS = ["person", "bicycle", "car", "motorcycle"] + [f"c{i}" for i in range(4, 80)]
# x1, y1, x2, y2 in 512-px input coordinates, score, class: a person, a weaker motorcycle, a faint car.
ROWS = [0, 0, 256, 512, 0.7, 0,   256, 256, 512, 512, 0.4, 3,   300, 0, 400, 100, 0.1, 2]


def index(*models) -> dict[str, bytes]:
    return {"models/index.json": json.dumps({"models": list(models)}).encode()}


def site(broken_ssd: bool = False) -> dict[str, bytes]:
    centernet = detection_manifest("centernet", "centernet", {"detections": "det"}, 512)
    ssd = detection_manifest("coco-ssd", "ssd", {"scores": "s", "boxes": "b"}, 300, "int32")
    files = {**model_dir("models/centernet", centernet, LABELS), **model_dir("models/coco-ssd", ssd, LABELS)}
    if broken_ssd:
        files["models/coco-ssd/w.bin"] = b"\1" * 8  # same size, other bytes
    return {**files, **index({"name": "coco-ssd", "task": "detection", "weights": "pretrained", "title": "SSD"},
                             {"name": "centernet", "task": "detection", "weights": "pretrained", "title": "CenterNet"},
                             {"name": "mobilenet", "task": "classification", "weights": "pretrained"})}


def both_detectors(**sizes) -> FakeBridge:
    """CenterNet answers ROWS; the SSD (untrained) finds nothing."""
    bridge = FakeBridge(outputs={"det": ROWS}, files=site(), **sizes)
    bridge.outputs["s"], bridge.outputs["b"] = [], []
    return bridge


def started(bridge: FakeBridge) -> DetectApp:
    app = DetectApp(bridge, Page(bridge))

    async def start():
        await app.start()
        await app.start_camera()
        await app.step()

    run(start())
    return app


def drawn(bridge: FakeBridge) -> list[str]:
    return [text for *_box, text, _colour in bridge.drawn]


# ---------------------------------------------------------------- pure helpers


def test_detector_order_prefers_a_pretrained_coco_ssd_then_centernet():
    models = [{"name": "centernet", "task": "detection", "weights": "pretrained"},
              {"name": "coco-ssd", "task": "detection", "weights": "pretrained"},
              {"name": "mobilenet", "task": "classification", "weights": "pretrained"}]
    assert detector_order(models, None) == ["coco-ssd", "centernet"]
    models[1]["weights"] = "untrained"
    assert detector_order(models, None) == ["centernet", "coco-ssd"]
    assert detector_order(models, "coco-ssd") == ["coco-ssd", "centernet"]
    assert detector_order(models, "mobilenet") == ["centernet", "coco-ssd"]


def test_camera_messages_name_the_pages_button():
    assert "“Enable webcam”" in MESSAGES["NotAllowedError"]
    assert all("Start camera" not in text for text in MESSAGES.values())


def test_list_items_carry_what_was_drawn_and_escape_labels():
    item = list_html([Placed("a<b", 0.61234, 1.25, 2, 3, 4)])
    assert item == ('<li data-label="a&lt;b" data-title="a&lt;b" data-score="0.6123" data-x="1.2" data-y="2.0" data-w="3.0" '
                    'data-h="4.0" data-colour="#00e676">a&lt;b 61%</li>')
    tracked = list_html([Placed("cup", 0.5, 0, 0, 1, 1, track=2, name="cup · my mug")])
    assert tracked == ('<li data-label="cup" data-title="cup · my mug" data-score="0.5000" data-x="0.0" data-y="0.0" data-w="1.0" '
                       'data-h="1.0" data-colour="#ffd600" data-track="2">#2 cup · my mug 50%</li>')


# ---------------------------------------------------------------- the page


def test_start_falls_back_past_a_broken_detector_and_says_which_file():
    bridge = FakeBridge(outputs={"det": ROWS}, files=site(broken_ssd=True))
    app = started(bridge)
    assert app.detector.name == "centernet"
    message = bridge.el("message").textContent
    assert "models/coco-ssd/w.bin is corrupt" in message and "Using CENTERNET" in message
    assert bridge.el("page").dataset.detector == "centernet"
    assert bridge.el("status-model").textContent == "CENTERNET · pretrained weights"
    assert bridge.el("threshold-value").textContent == "20%"  # CenterNet's upstream default
    assert bridge.el("page").dataset.state == "ready"


def test_a_frame_draws_mirrored_boxes_and_lists_them():
    bridge = both_detectors(element_size=(640, 480), source_size=(320, 240))
    app = started(bridge)
    assert app.detector.name == "coco-ssd"  # pretrained SSD is the default; threshold 50%
    run(app.switch_detector("centernet"))
    assert app.detector.name == "centernet"
    assert bridge.el("camera-start").hidden is True
    run(app.step())
    assert drawn(bridge) == ["#1 person 70%", "#2 motorcycle 40%"]
    (x, y, w, h, _, colour), _ = bridge.drawn
    assert (x, y, w, h) == pytest.approx((320, 0, 320, 480))  # left half of the frame, shown mirrored
    assert bridge.el("detections").dataset.count == "2"
    assert 'data-label="person"' in bridge.el("detections").innerHTML


def test_the_overlay_is_measured_once_per_layout_change_not_every_frame():
    bridge = both_detectors(element_size=(640, 480), source_size=(320, 240))
    app = started(bridge)
    run(app.switch_detector("centernet"))
    run(app.step())
    bridge.size = (320, 240)  # laid out anew, its ResizeObserver not yet heard: the frame keeps the size known
    run(app.step())
    assert bridge.drawn[0][:4] == pytest.approx((320, 0, 320, 480))
    bridge.listeners[("overlay", "resize")]()
    assert bridge.drawn[0][:4] == pytest.approx((160, 0, 160, 240))  # redrawn at once at the new size
    run(app.step())
    assert bridge.drawn[0][:4] == pytest.approx((160, 0, 160, 240))


def test_controls_redraw_the_last_answer_without_running_the_model_again():
    bridge = both_detectors()
    app = started(bridge)
    run(app.switch_detector("centernet"))
    run(app.step())
    reads = bridge.reads
    app.filters.change("threshold", 50)
    assert drawn(bridge) == ["#1 person 70%"]
    app.filters.change("threshold", 5)
    app.filters.change("max-detections", 2)
    assert drawn(bridge) == ["#1 person 70%", "#2 motorcycle 40%"]
    app.filters.change("max-detections", 10)
    # the car was below the threshold when the frame was tracked: no id until the next frame
    assert drawn(bridge) == ["#1 person 70%", "#2 motorcycle 40%", "car 10%"]
    options = bridge.el("class-options")
    options.children = [SimpleNamespace(value=name, checked=name == "car") for name in LABELS]
    app.filters.classes_changed()
    assert drawn(bridge) == ["car 10%"]
    assert bridge.el("class-summary").textContent == "Classes: 1 of 80: car"
    app.filters.check_all(True)
    assert len(drawn(bridge)) == 3 and bridge.el("class-summary").textContent == "Classes: all 80 classes"
    app.camera_controls._choose_mirror(False)
    assert bridge.drawn[0][0] == 0
    assert bridge.reads == reads


def test_tracked_boxes_keep_their_ids_over_frames_and_the_counts_reset():
    bridge = both_detectors()
    app = started(bridge)
    run(app.switch_detector("centernet"))
    for _ in range(3):
        run(app.step())
    assert drawn(bridge) == ["#1 person 70%", "#2 motorcycle 40%"]
    colours = [colour for *_box, colour in bridge.drawn]
    assert len(set(colours)) == 2  # one colour per object
    counts = json.loads(bridge.el("counts").dataset.counts)
    assert counts == {"motorcycle": [1, 1], "person": [1, 1]}
    assert bridge.el("counts").textContent == "In view: 1 motorcycle, 1 person · seen since the start: 1 motorcycle, 1 person"
    app.reset_counts()
    assert json.loads(bridge.el("counts").dataset.counts) == {}
    run(app.step())
    assert drawn(bridge) == ["#1 person 70%", "#2 motorcycle 40%"]  # ids start again


def test_a_lost_webgl_context_carries_on_on_wasm_with_the_same_detector_settings_and_counts():
    bridge = both_detectors()
    bridge.backends.add("webgl")
    app = started(bridge)
    run(app.switch_detector("centernet"))
    for _ in range(2):
        run(app.step())
    assert app.backend_name == "webgl" and len(bridge.webgl_lost_handlers) == 1
    app.filters.change("max-detections", 1)
    old_model = app.detector.model
    run(app._recover_from_lost_webgl())  # what the handler spawns
    assert app.backend_name == "wasm" and bridge.el("page").dataset.state == "ready"
    assert app.detector.name == "centernet" and app.detector.model is not old_model
    assert "now running on wasm" in bridge.el("message").textContent
    assert app.filters.settings.max_detections == 1
    run(app.step())
    assert drawn(bridge) == ["#1 person 70%"]  # the same object, the same id, the same settings
    assert json.loads(bridge.el("counts").dataset.counts) == {"motorcycle": [0, 1], "person": [1, 1]}


def test_a_failed_switch_keeps_the_running_detector():
    bridge = both_detectors()
    app = started(bridge)
    del bridge.files["models/centernet/model.json"]
    run(app.switch_detector("centernet"))
    assert app.detector.name == "coco-ssd" and not app.detector.model.disposed
    assert "models/centernet/model.json answered HTTP 404" in bridge.el("message").textContent
    assert bridge.el("detector").value == "coco-ssd" and bridge.el("detector").disabled is False


def test_camera_refused_explains_and_an_image_file_is_detected():
    bridge = both_detectors()
    bridge.camera_error = "NotAllowedError"
    app = started(bridge)
    assert "Camera access was refused" in bridge.el("message").textContent
    assert "“Enable webcam”" in bridge.el("message").textContent
    assert bridge.el("camera-start").hidden is False
    run(app.switch_detector("centernet"))
    upload = SimpleNamespace(files=[SimpleNamespace(name="photo.png")], value="C:\\fakepath\\photo.png")
    run(app.detect_file(upload))
    assert upload.value == ""
    assert bridge.el("detections").dataset.source == "photo.png"
    assert drawn(bridge) == ["#1 person 70%", "#2 motorcycle 40%"]
    assert bridge.drawn[0][0] == 0  # a still image is never mirrored
    run(app.detect_file(SimpleNamespace(files=[SimpleNamespace(name="notes.txt")], value="x")))
    assert bridge.el("message").textContent == "notes.txt is not an image this browser can read."


def test_pause_button_pauses_the_loop_and_lets_the_screen_dim():
    bridge = both_detectors()
    app = started(bridge)
    assert bridge.wake_log == ["request"] and bridge.el("page").dataset.wake == "on"

    async def toggle():
        app._toggle_pause()
        await asyncio.sleep(0)

    run(toggle())
    assert app.loop.paused and bridge.el("pause").textContent == "Resume"
    assert bridge.el("page").dataset.paused == "true"
    assert bridge.wake_log == ["request", "release"] and bridge.el("page").dataset.wake == "off"
    run(toggle())
    assert not app.loop.paused and bridge.el("pause").textContent == "Pause"
    assert bridge.wake_log == ["request", "release", "request"]


def test_an_answer_for_a_picture_no_longer_shown_is_not_drawn():
    bridge = both_detectors()
    app = started(bridge)
    run(app.switch_detector("centernet"))

    async def two_uploads():
        bridge.read_gate = asyncio.Event()
        first = asyncio.ensure_future(app.detect_file(SimpleNamespace(files=[SimpleNamespace(name="a.png")], value="")))
        await asyncio.sleep(0)  # a.png's frame is in the model
        bridge.outputs["det"] = ROWS[6:]  # b.png shows only the motorcycle and the car
        second = asyncio.ensure_future(app.detect_file(SimpleNamespace(files=[SimpleNamespace(name="b.png")], value="")))
        await asyncio.sleep(0)
        shown_b = len(bridge.draw_history)
        bridge.read_gate.set()
        await first
        await second
        return shown_b

    shown_b = run(two_uploads())
    assert bridge.el("detections").dataset.source == "b.png"
    after = [[text for *_box, text, _colour in boxes] for boxes in bridge.draw_history[shown_b:]]
    assert after == [["#1 motorcycle 40%"]]  # a.png's answer (with the person) never drawn over b.png


def spoken_writes(bridge: FakeBridge) -> list[str]:
    """Every text written to the live region, in order."""
    return [text for element_id, text in bridge.texts if element_id == "detections-spoken"]


def recording_texts(bridge: FakeBridge) -> FakeBridge:
    bridge.texts = []
    set_text = bridge.set_text

    def record(element_id, text):
        bridge.texts.append((element_id, text))
        set_text(element_id, text)

    bridge.set_text = record
    return bridge


def test_the_live_region_says_what_is_boxed_only_when_it_changes():
    bridge = recording_texts(both_detectors())
    app = started(bridge)
    run(app.switch_detector("centernet"))
    for _frame in range(6):  # the same scene: the list is drawn every frame, the summary said once
        run(app.step())
    assert spoken_writes(bridge).count("1 motorcycle, 1 person") == 1
    assert bridge.el("detections-spoken").textContent == "1 motorcycle, 1 person"
    app.filters.change("threshold", 50)  # the visitor's own change is said at once: the motorcycle (40%) goes
    assert spoken_writes(bridge)[-1] == "1 person"
    app.filters.change("threshold", 90)
    assert spoken_writes(bridge)[-1] == "nothing detected"
    app.filters.change("threshold", 50)
    run(app.detect_file(SimpleNamespace(files=[SimpleNamespace(name="photo.png")], value="")))
    assert spoken_writes(bridge)[-2:] == ["", "photo.png: 1 person"]  # a new picture is told anew
    app._show("camera")
    assert spoken_writes(bridge)[-1] == ""  # nothing to say until the detector has seen the camera


def test_a_box_flickering_at_the_threshold_is_not_read_out():
    bridge = recording_texts(both_detectors())
    app = started(bridge)
    run(app.switch_detector("centernet"))
    app.filters.change("threshold", 40)  # the motorcycle scores 40%: in at 0.40, out at 0.39
    for _frame in range(3):
        run(app.step())
    before = list(spoken_writes(bridge))
    for score in [0.39, 0.40] * 5:
        bridge.outputs["det"] = ROWS[:10] + [score] + ROWS[11:]
        run(app.step())
    assert len(bridge.draw_history[-10:]) == 10 and {len(boxes) for boxes in bridge.draw_history[-10:]} == {1, 2}
    assert spoken_writes(bridge) == before
