"""Detect's default detector, COCO-SSD, in real Chromium on real photos (scikit-image's), on wasm.

The page's boxes, classes and scores are compared with the official `@tensorflow-models/coco-ssd`
package's own `detect()` (a devDependency, never part of the site), injected into the same page and
loaded from the very same `models/coco-ssd/model.json` (uint8 weights): one model, one TF.js, one
backend and the same canvas, so the comparison checks the page's input, decoding, threshold,
non-maximum suppression and box placement, not quantisation. Hence the small tolerances: the page
lists scores with 4 decimals and boxes with 0.1 CSS px (converted back to the photo's pixels). The page
keeps a box inside the picture, so the package's box is clipped to it before the comparison.

Then the reason COCO-SSD is the default: on the same photos it names what is photographed (a cat, a
cup, a motorcycle, a person; nothing on the rocket) at least as often as CenterNet (`?detector=centernet`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from skimage import data as photos
from skimage import io
from test_detect import DETECT

REFERENCE = Path(__file__).resolve().parents[2] / "node_modules" / "@tensorflow-models" / "coco-ssd" / "dist" / "coco-ssd.min.js"
# The photographed object: its COCO label (None: the page should box nothing at its default threshold).
PHOTOS = {
    "chelsea": (photos.chelsea, "cat"),
    "coffee": (photos.coffee, "cup"),
    "motorcycle": (lambda: photos.stereo_motorcycle()[0], "motorcycle"),
    "astronaut": (photos.astronaut, "person"),
    "rocket": (photos.rocket, None),
}
SCORE_TOLERANCE = 1e-4  # data-score has 4 decimals
CSS_PX_TOLERANCE = 0.1  # data-x/y/w/h have one (0.05 px rounding, plus float slack)

PAGE_BOXES_JS = """() => {
  const rect = document.getElementById('overlay').getBoundingClientRect();
  const still = document.getElementById('still');
  const scale = Math.min(rect.width / still.width, rect.height / still.height);
  const left = (rect.width - still.width * scale) / 2, top = (rect.height - still.height * scale) / 2;
  const boxes = [...document.querySelectorAll('#detections li')].map((li) => {
    const d = li.dataset;
    return {class: d.label, score: +d.score, bbox: [(d.x - left) / scale, (d.y - top) / scale, d.w / scale, d.h / scale]};
  });
  return {boxes, scale, size: [still.width, still.height]};
}"""
REFERENCE_JS = """async () => {
  window.reference = window.reference || await cocoSsd.load({modelUrl: 'models/coco-ssd/model.json'});
  return await window.reference.detect(document.getElementById('still'));  // maxNumBoxes 20, minScore 0.5
}"""


def clipped(bbox: list[float], size: list[int]) -> list[float]:
    """[x, y, w, h] in pixels, cut to the picture's edges."""
    x1, y1 = max(bbox[0], 0), max(bbox[1], 0)
    x2, y2 = min(bbox[0] + bbox[2], size[0]), min(bbox[1] + bbox[3], size[1])
    return [x1, y1, x2 - x1, y2 - y1]


def named(boxes: list[dict], label: str | None) -> bool:
    """The photo's best box is of its object (None: no box at all)."""
    best = max(boxes, key=lambda b: b["score"], default=None)
    return (best and best["class"]) == label


@pytest.fixture(scope="module")
def photo_files(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("coco-ssd-photos")
    files = {}
    for name, (make, _label) in PHOTOS.items():
        files[name] = str(folder / f"{name}.png")
        io.imsave(files[name], make(), check_contrast=False)
    return files


def open_on_photos(open_page, query: str = ""):
    opened = open_page(f"{DETECT}?backend=wasm{query}", camera=False)
    opened.wait_ready()
    assert opened.backend() == "wasm"
    return opened


def detect_photo(opened, path: str) -> dict:
    """Upload `path` and wait until the page has listed the boxes of it."""
    name = Path(path).name
    opened.page.set_input_files("#image-file", path)
    opened.page.wait_for_selector(f"#detections[data-source='{name}']", state="attached", timeout=120_000)
    return opened.page.evaluate(PAGE_BOXES_JS)


def test_the_pages_boxes_classes_and_scores_are_the_official_packages(open_page, photo_files):
    assert REFERENCE.is_file(), "run `npm ci`: @tensorflow-models/coco-ssd is the reference"
    opened = open_on_photos(open_page)
    page = opened.page
    assert page.get_attribute("body", "data-detector") == "coco-ssd"  # the default
    assert page.get_attribute("body", "data-weights") == "pretrained"
    # The package's detect() defaults: maxNumBoxes 20, minScore 0.5.
    assert (page.input_value("#threshold"), page.input_value("#max-detections")) == ("50", "20")
    page.add_script_tag(path=str(REFERENCE))
    compared = 0
    for name, (_make, label) in PHOTOS.items():
        ours = detect_photo(opened, photo_files[name])
        theirs = page.evaluate(REFERENCE_JS)
        assert [b["class"] for b in ours["boxes"]] == [b["class"] for b in theirs], (name, ours, theirs)
        for mine, official in zip(ours["boxes"], theirs):
            assert mine["score"] == pytest.approx(official["score"], abs=SCORE_TOLERANCE), (name, mine, official)
            assert mine["bbox"] == pytest.approx(clipped(official["bbox"], ours["size"]),
                                                 abs=CSS_PX_TOLERANCE / ours["scale"]), (name, mine, official)
            compared += 1
        assert named(theirs, label), (name, theirs)
    assert compared >= 4
    assert opened.off_origin() == [] and opened.errors == []


def test_coco_ssd_names_the_photographed_objects_at_least_as_well_as_centernet(open_page, photo_files):
    right = {}
    for detector in ("coco-ssd", "centernet"):
        opened = open_on_photos(open_page, f"&detector={detector}")
        assert opened.page.get_attribute("body", "data-detector") == detector
        answers = {name: detect_photo(opened, photo_files[name])["boxes"] for name in PHOTOS}
        right[detector] = {name for name, (_make, label) in PHOTOS.items() if named(answers[name], label)}
        print(detector, {name: [(b["class"], round(b["score"], 2)) for b in boxes][:3] for name, boxes in answers.items()})
    assert right["coco-ssd"] == set(PHOTOS), right
    assert len(right["coco-ssd"]) >= len(right["centernet"]), right
