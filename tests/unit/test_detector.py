"""Detector with a fake bridge: one tidy and one read per frame, nothing left alive, files checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.detector import CANDIDATES, CenterNetDetector, Detector, SsdDetector
from models.model_files import ModelError

from aio import run
from detect_fakes import FakeBridge, detection_manifest, model_dir

LABELS80 = ["person", "bicycle", "car", "motorcycle"] + [f"c{i}" for i in range(4, 80)]
LABELS90 = ["person", "bicycle", "car", "motorcycle"] + [None] * 86
CENTERNET_ROWS = [10, 20, 266, 276, 0.7, 0,  256, 0, 512, 512, 0.4, 3]
SSD_ROWS = [0.1, 0.2, 0.5, 0.6, 0.9, 2]


def centernet_files():
    manifest = detection_manifest("centernet", "centernet", {"detections": "det", "embedding": "emb"}, 512)
    return model_dir("models/centernet", manifest, LABELS80)


def ssd_files(execution: str):
    manifest = detection_manifest("coco-ssd", "ssd", {"scores": "scores", "boxes": "boxes"}, 300, "int32", execution)
    return model_dir("models/coco-ssd", manifest, LABELS90)


def test_centernet_frame_is_one_tidy_and_one_read_and_frees_everything():
    bridge = FakeBridge(outputs={"det": CENTERNET_ROWS}, files=centernet_files())
    detector = run(Detector.load(bridge, "models/centernet"))
    assert isinstance(detector, CenterNetDetector)
    found = run(detector.detect("video")).all()
    assert [(d.label, d.score) for d in found] == [("person", 0.7), ("motorcycle", 0.4)]
    assert found[0].box == pytest.approx((10 / 512, 20 / 512, 266 / 512, 276 / 512))
    assert bridge.prepared == ([512, 512], 0, 255, "float32")
    assert detector.model.calls == [("execute", ["det"])]
    assert bridge.reads == 1
    assert bridge.live_tensors() == []


@pytest.mark.parametrize("execution", ["sync", "async"])
def test_ssd_runs_sync_or_async_as_its_manifest_says_and_frees_everything(execution):
    bridge = FakeBridge(outputs={"scores": SSD_ROWS, "boxes": []}, files=ssd_files(execution))
    detector = run(Detector.load(bridge, "models/coco-ssd"))
    assert isinstance(detector, SsdDetector)
    found = run(detector.detect("video")).all()
    assert [(d.label, d.box) for d in found] == [("car", (0.2, 0.1, 0.6, 0.5))]
    assert bridge.prepared == ([300, 300], 0, 255, "int32")
    expected_call = "executeAsync" if execution == "async" else "execute"
    assert detector.model.calls == [(expected_call, ["scores", "boxes"])]
    assert bridge.reads == 1
    assert bridge.live_tensors() == []


def test_dispose_frees_the_model_and_the_detectors_proxies():
    bridge = FakeBridge(outputs={"det": CENTERNET_ROWS}, files=centernet_files())
    detector = run(Detector.load(bridge, "models/centernet"))
    kept = list(bridge.kept)
    assert len(kept) == 3
    detector.dispose()
    assert detector.model.disposed
    assert bridge.kept == [] and bridge.released == kept


def test_a_classification_model_is_refused_with_a_message():
    manifest = {**detection_manifest("mobilenet", "", {"logits": "l"}, 224), "task": "classification", "decoder": None}
    bridge = FakeBridge(files=model_dir("models/mobilenet", manifest, ["a"]))
    with pytest.raises(ModelError, match="classification model"):
        run(Detector.load(bridge, "models/mobilenet"))


def test_a_corrupt_shard_is_named():
    files = centernet_files()
    files["models/centernet/w.bin"] = b"\1" * 8
    bridge = FakeBridge(files=files)
    with pytest.raises(ModelError, match=r"models/centernet/w\.bin is corrupt"):
        run(Detector.load(bridge, "models/centernet"))


def test_the_max_boxes_control_stops_at_the_candidates_a_frame_reads_back():
    page = (Path(__file__).resolve().parents[2] / "site" / "detect.html").read_text()
    assert f'id="max-detections" min="1" max="{CANDIDATES}"' in page
