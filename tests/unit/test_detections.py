"""Post-processing of the Detect page against recorded CenterNet outputs on real photos.

tests/unit/data/centernet_outputs.json holds the model's raw [100, 6] rows for skimage's astronaut and
stereo_motorcycle photos (as files and as the 320x240 frames the e2e fake camera plays), and which rows
tf.image.nonMaxSuppressionAsync kept for a few settings, recorded in Chromium with TF.js.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from convert.models import coco80, coco90_slots
from models.detections import (
    Candidates,
    Detection,
    Settings,
    centernet_rows,
    class_names,
    contain,
    filter_summary,
    iou,
    label_text,
    place,
    select,
    ssd_rows,
)
from models.detector import CenterNetDetector, SsdDetector

RECORDED = json.loads((Path(__file__).parent / "data" / "centernet_outputs.json").read_text())["photos"]
INPUT = (512, 512)
CENTERNET = CenterNetDetector.defaults


def flat(rows) -> list[float]:
    return [math.nan if v is None else float(v) for row in rows for v in row]


def decoded(photo: str) -> list[Detection]:
    return centernet_rows(flat(RECORDED[photo]["rows"]), INPUT, coco80())


def candidates(photo: str, decodes: list | None = None) -> Candidates:
    """The photo's rows as a detector answers them; `decodes` records the min_score of each decode."""
    rows = flat(RECORDED[photo]["rows"])

    def decode(min_score: float) -> list[Detection]:
        if decodes is not None:
            decodes.append(min_score)
        return centernet_rows(rows, INPUT, coco80(), min_score)
    return Candidates(decode)


# ---------------------------------------------------------------- decoding


def test_centernet_rows_are_fractions_of_the_frame_with_coco_names():
    rows = RECORDED["astronaut"]["rows"]
    found = decoded("astronaut")
    assert len(found) == 100
    first = found[0]
    x1, y1, x2, y2, score, cls = rows[0]
    assert first.label == "person" and cls == 0
    assert first.score == pytest.approx(score)
    assert first.box == pytest.approx((x1 / 512, y1 / 512, min(x2 / 512, 1), min(y2 / 512, 1)))


def test_centernet_rows_drop_rows_without_a_class_or_area_and_clamp_to_the_frame():
    labels = ["person", "bicycle"]
    values = [
        -10, 0, 256, 600, 0.9, 0,        # sticks out of the input: clamped
        0, 0, 10, 10, 0.8, math.nan,     # no class
        0, 0, 10, 10, 0.7, 5,            # class out of range
        30, 30, 20, 40, 0.6, 1,          # x2 < x1: no area
        0, 0, 10, 10, math.nan, 1,       # no score
        0, 0, 256, 512, 0.5, 1,
    ]
    found = centernet_rows(values, (512, 512), labels)
    assert found == [Detection("person", 0.9, (0.0, 0.0, 0.5, 1.0)), Detection("bicycle", 0.5, (0.0, 0.0, 0.5, 1.0))]


def test_ssd_rows_reorder_boxes_and_map_score_slots_to_coco_ids():
    slots = coco90_slots()
    assert slots[0] == "person" and slots[11] is None  # COCO id 12 was never used
    values = [
        0.1, 0.2, 0.5, 0.6, 0.9, 0,     # ymin, xmin, ymax, xmax, score, slot 0 -> id 1 person
        0.0, 0.0, 1.0, 1.0, 0.8, 11,    # unused id: dropped
        0.2, 0.3, 0.4, 0.5, 0.7, 2,     # slot 2 -> id 3 car
    ]
    found = ssd_rows(values, slots)
    assert found == [Detection("person", 0.9, (0.2, 0.1, 0.6, 0.5)), Detection("car", 0.7, (0.3, 0.2, 0.5, 0.4))]


# ---------------------------------------------------------------- the photos at the default threshold


def test_centernet_default_threshold_is_the_upstream_one_and_finds_both_test_photos():
    # @vladmandic/human config.object: minConfidence 0.2, iouThreshold 0.4, maxDetected 10.
    assert (CENTERNET.threshold, CENTERNET.iou, CENTERNET.max_detections) == (0.2, 0.4, 10)
    astronaut = select(decoded("astronaut"), CENTERNET)
    assert [(d.label, round(d.score, 2)) for d in astronaut] == [("person", 0.61)]
    box = astronaut[0].box  # the astronaut fills the left 3/4 of the photo, top to bottom
    assert box[0] < 0.1 and 0.65 < box[2] < 0.8 and box[1] < 0.1 and box[3] > 0.95
    motorcycle = select(decoded("motorcycle"), CENTERNET)
    assert motorcycle[0].label == "motorcycle" and motorcycle[0].score == pytest.approx(0.49, abs=0.01)


@pytest.mark.parametrize("photo, label", [("astronaut_320x240", "person"), ("motorcycle_320x240", "motorcycle")])
def test_camera_frames_of_the_photos_are_found_at_the_default_threshold(photo, label):
    best = select(decoded(photo), CENTERNET)[0]
    assert best.label == label and best.score > CENTERNET.threshold + 0.1


def test_ssd_defaults_are_coco_ssd_packages():
    assert (SsdDetector.defaults.threshold, SsdDetector.defaults.max_detections) == (0.5, 20)


# ---------------------------------------------------------------- selection


@pytest.mark.parametrize("photo", sorted(RECORDED))
@pytest.mark.parametrize("key", ["0.4,0.2,10", "0.4,0.1,100", "0.5,0.3,5"])
def test_selection_keeps_the_rows_tfjs_non_max_suppression_keeps(photo, key):
    overlap, min_score, most = (float(v) for v in key.split(","))
    rows = RECORDED[photo]["rows"]
    expected = [(coco80()[int(rows[i][5])], rows[i][4]) for i in RECORDED[photo]["nms"][key]]
    settings = Settings(threshold=min_score, max_detections=int(most), iou=overlap)
    chosen = select(decoded(photo), settings)
    assert [(d.label, round(d.score, 5)) for d in chosen] == [(label, round(score, 5)) for label, score in expected]
    assert candidates(photo).select(settings) == chosen  # a frame decodes only the rows above its threshold


def test_candidates_decode_the_rows_a_threshold_shows_and_more_only_when_it_is_lowered():
    decodes = []
    answer = candidates("motorcycle", decodes)
    assert answer.above(0.5) == [d for d in decoded("motorcycle") if d.score >= 0.5] and decodes == [0.5]
    assert answer.above(0.7) == [d for d in decoded("motorcycle") if d.score >= 0.7] and decodes == [0.5]
    assert answer.above(0.2) == [d for d in decoded("motorcycle") if d.score >= 0.2] and decodes == [0.5, 0.2]
    assert answer.all() == decoded("motorcycle") and len(decodes) == 3
    assert answer.above(0.5) == [d for d in decoded("motorcycle") if d.score >= 0.5] and len(decodes) == 3


def test_threshold_and_max_detections_limit_what_is_kept():
    everything = decoded("motorcycle")
    loose = select(everything, Settings(threshold=0.1, max_detections=100, iou=0.4))
    assert len(loose) > len(select(everything, CENTERNET)) > 0
    assert all(d.score >= 0.1 for d in loose)
    assert select(everything, Settings(threshold=0.1, max_detections=2, iou=0.4)) == loose[:2]
    assert select(everything, Settings(threshold=0.7, max_detections=100, iou=0.4)) == []


def test_a_score_equal_to_the_threshold_is_kept():
    box = (0.1, 0.1, 0.2, 0.2)
    assert select([Detection("cat", 0.5, box)], Settings(0.5, 10, 0.5)) == [Detection("cat", 0.5, box)]


def test_class_filter_applies_before_suppression():
    person = Detection("person", 0.9, (0.0, 0.0, 0.5, 1.0))
    dog = Detection("dog", 0.6, (0.0, 0.1, 0.5, 1.0))  # mostly under the person
    settings = Settings(threshold=0.2, max_detections=10, iou=0.4)
    assert select([person, dog], settings) == [person]
    assert select([person, dog], Settings(0.2, 10, 0.4, classes=frozenset({"dog"}))) == [dog]
    assert select([person, dog], Settings(0.2, 10, 0.4, classes=frozenset())) == []


def test_iou():
    assert iou((0, 0, 1, 1), (0, 0, 1, 1)) == 1
    assert iou((0, 0, 1, 1), (1, 0, 2, 1)) == 0
    assert iou((0, 0, 2, 1), (1, 0, 3, 1)) == pytest.approx(1 / 3)


# ---------------------------------------------------------------- display geometry


def test_contain_letterboxes_like_object_fit():
    assert contain((320, 240), (640, 480)) == (2.0, 0.0, 0.0)
    assert contain((512, 512), (640, 480)) == (480 / 512, 80.0, 0.0)  # pillarbox
    assert contain((640, 240), (640, 480)) == (1.0, 0.0, 120.0)  # letterbox


def test_place_scales_offsets_and_mirrors_about_the_element_centre():
    d = Detection("person", 0.61, (0.25, 0.5, 0.75, 1.0))
    (p,) = place([d], (512, 512), (640, 480), mirror=False)
    assert (p.x, p.y, p.w, p.h) == pytest.approx((80 + 120, 240, 240, 240))
    (m,) = place([d], (512, 512), (640, 480), mirror=True)
    assert (m.x, m.y, m.w, m.h) == pytest.approx((640 - 80 - 360, 240, 240, 240))
    left = Detection("cup", 0.5, (0.0, 0.0, 0.1, 0.1))
    (ml,) = place([left], (320, 240), (640, 480), mirror=True)
    assert ml.x + ml.w == pytest.approx(640)  # the frame's left edge is shown on the right


def test_labels_read_class_and_percent():
    assert label_text("person", 0.6163) == "person 62%"
    assert place([Detection("motorcycle", 0.486, (0, 0, 1, 1))], (1, 1), (1, 1), False)[0].text == "motorcycle 49%"


def test_class_names_and_filter_summary():
    names = class_names(coco90_slots())
    assert names == coco80()
    assert filter_summary(None, names) == "all 80 classes"
    assert filter_summary(frozenset(names), names) == "all 80 classes"
    assert filter_summary(frozenset(), names) == "no classes"
    assert filter_summary(frozenset({"dog", "person"}), names) == "2 of 80: person, dog"
    assert filter_summary(frozenset(names[:6]), names).endswith("…")
