"""The pages without JavaScript Promise Integration. The page's loader takes it from Pyodide in every
browser (site/pyodide-loader.mjs says why), and Safari and Firefox have none: here Chromium also has
`WebAssembly.Suspending` and `WebAssembly.promising` taken away before any page script runs, as in
those engines. Nothing in the app may depend on JSPI."""

from __future__ import annotations

import json

import pytest
from test_boot import boot, probe, revisit
from test_detect import ASTRONAUT_FACE, assert_drawn_matches_detector, boxes_over, open_detect, snapshot
from test_detect import photo_files as detect_photo_files  # noqa: F401 - a fixture, used below
from test_teach import classify, upload, wait_counts

from support.photos import write_views

HIDE_JSPI = """
delete WebAssembly.Suspending;
delete WebAssembly.promising;
"""

JSPI_SEEN = """
import js
import pyodide.ffi
return {"suspending": hasattr(js.WebAssembly, "Suspending"),
        "can_run_sync": getattr(pyodide.ffi, "can_run_sync", lambda: None)()}
"""


def assert_without_jspi(opened) -> None:
    assert opened.page.evaluate("typeof WebAssembly.Suspending") == "undefined"
    seen = probe(opened, JSPI_SEEN)
    assert seen["suspending"] is False and seen["can_run_sync"] in (False, None), seen


def test_chromium_has_jspi_and_python_runs_without_it(open_page):
    opened = open_page("?backend=wasm", camera=False)
    blank = opened.page.context.new_page()
    assert blank.evaluate("typeof WebAssembly.Suspending + ' ' + typeof WebAssembly.promising") == "function function"
    blank.close()
    assert boot(opened) == "normal"
    assert_without_jspi(opened)
    assert opened.errors == []


@pytest.fixture(scope="module")
def teach_photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("no-jspi-photos")
    return {name: write_views(folder, name, 3, seed=4) for name in ("astronaut", "motorcycle")}


def test_teach_without_jspi_camera_examples_prediction_save_load_and_snapshot(open_page, astronaut_video,
                                                                             teach_photos, tmp_path):
    opened = open_page("?backend=wasm", video=astronaut_video, init_script=HIDE_JSPI)
    assert boot(opened) == "normal"
    assert_without_jspi(opened)
    page = opened.page
    upload(opened, ".class-card:nth-child(1) input[data-action=upload]", teach_photos["astronaut"][:2])
    upload(opened, ".class-card:nth-child(2) input[data-action=upload]", teach_photos["motorcycle"][:2])
    wait_counts(opened, [2, 2, 0, 0])
    page.click("#record-2")  # one camera frame to class C, as a click does
    wait_counts(opened, [2, 2, 1, 0])
    opened.wait_frames(2)
    assert page.get_attribute("#prediction", "data-source") == "camera"
    assert page.get_attribute("#prediction", "data-label") in ("A", "C")  # the camera shows the astronaut
    assert classify(opened, teach_photos["motorcycle"][2]) == "B"

    with page.expect_download() as download:
        page.click("#dataset-save")
    saved = tmp_path / "dataset.json"
    download.value.save_as(saved)
    assert [c["count"] for c in json.loads(saved.read_text())["classes"]] == [2, 2, 1, 0]
    page.click(".class-card:nth-child(1) [data-action=clear]")
    wait_counts(opened, [0, 2, 1, 0])
    upload(opened, "#dataset-load", [str(saved)])
    wait_counts(opened, [2, 2, 1, 0])
    assert classify(opened, teach_photos["astronaut"][2]) == "A"

    # The next visit restores the memory snapshot, still without JSPI, and the dataset from IndexedDB.
    page.wait_for_selector("body[data-saved='5']", state="attached", timeout=30_000)
    revisit(opened, "?backend=wasm")
    assert boot(opened) == "snapshot"
    assert_without_jspi(opened)
    assert opened.class_counts() == [2, 2, 1, 0]
    assert classify(opened, teach_photos["motorcycle"][2]) == "B"
    assert opened.errors == [] and opened.off_origin() == []


def test_detect_without_jspi_boxes_a_photo(open_page, astronaut_video, detect_photo_files):  # noqa: F811
    opened = open_detect(open_page, astronaut_video, backend="wasm", init_script=HIDE_JSPI)
    assert_without_jspi(opened)
    opened.page.set_input_files("#image-file", detect_photo_files["astronaut"])
    opened.page.wait_for_selector("#detections[data-source='astronaut.png']", state="attached", timeout=60_000)
    state = snapshot(opened)
    assert_drawn_matches_detector(state)
    assert boxes_over(state, "person", ASTRONAUT_FACE), state["items"]
    assert opened.errors == []
