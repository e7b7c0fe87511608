"""The Teach page in real Chromium: real TF.js on WebGL, the real CenterNet backbone, a fake camera."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.photos import write_views
from support.site_copy import linked_site, write_index

SITE = Path(__file__).resolve().parents[2] / "site"

CLASS_A, CLASS_B = 0, 1


def upload(opened, selector: str, paths: list[str]) -> None:
    opened.page.set_input_files(selector, paths)


def wait_counts(opened, expected: list[int], timeout: int = 120_000) -> None:
    try:
        opened.page.wait_for_function(
            "expected => JSON.stringify([...document.querySelectorAll('.class-card .count')]"
            ".map(e => Number(e.dataset.count))) === expected", arg=json.dumps(expected, separators=(",", ":")),
            timeout=timeout)
    except Exception:
        raise AssertionError(f"counts {opened.class_counts()} != {expected}; message: {opened.message()!r}; "
                             f"page errors: {opened.errors}") from None


def save_dataset(page, path) -> dict:
    """Press “Save dataset”, keep the download at `path`; returns its JSON."""
    with page.expect_download() as download:
        page.click("#dataset-save")
    download.value.save_as(path)
    return json.loads(path.read_text())


def classify(opened, path: str) -> str:
    """Classify one image file; returns the predicted class name."""
    name = path.rsplit("/", 1)[-1]
    upload(opened, "#classify-file", [path])
    opened.page.wait_for_selector(f"#prediction[data-source='{name}']", state="attached", timeout=60_000)
    return opened.page.get_attribute("#prediction", "data-label")


@pytest.fixture(scope="module")
def photo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    return {
        "train": {name: write_views(folder, name, 4, seed=1) for name in ("astronaut", "motorcycle")},
        "held_out": {name: write_views(folder, name, 2, seed=2) for name in ("astronaut", "motorcycle")},
    }


def test_boots_self_hosted_on_webgl(open_page, astronaut_video):
    opened = open_page("", video=astronaut_video)
    opened.wait_ready()
    assert opened.backend() == "webgl"
    assert opened.page.get_attribute("body", "data-backend") == "webgl"
    assert "MobileNet" in opened.page.text_content("#status-model")
    assert opened.page.get_attribute("body", "data-weights") == "pretrained"
    assert opened.off_origin() == []
    assert opened.errors == []


def test_teach_two_classes_save_reload_and_reject_bad_file(open_page, astronaut_video, photo_files, tmp_path):
    opened = open_page("", video=astronaut_video)
    opened.wait_ready()
    page = opened.page
    upload(opened, f".class-card:nth-child({CLASS_A + 1}) input[data-action=upload]", photo_files["train"]["astronaut"])
    wait_counts(opened, [4, 0, 0, 0])
    upload(opened, f".class-card:nth-child({CLASS_B + 1}) input[data-action=upload]", photo_files["train"]["motorcycle"])
    wait_counts(opened, [4, 4, 0, 0])

    # Held-out views of each scene are named correctly.
    for path in photo_files["held_out"]["astronaut"]:
        assert classify(opened, path) == "A"
    for path in photo_files["held_out"]["motorcycle"]:
        assert classify(opened, path) == "B"
    # And so is the live camera, which shows the astronaut.
    page.click("#camera-resume")
    opened.wait_frames(2)
    assert page.get_attribute("#prediction", "data-source") == "camera"
    assert page.get_attribute("#prediction", "data-label") == "A"
    assert page.text_content("#predicted").startswith("A (")

    # The button adds the current camera frame to a class.
    page.click("#record-2", timeout=60_000)
    wait_counts(opened, [4, 4, 1, 0])

    # Save to a file.
    saved = tmp_path / "dataset.json"
    doc = save_dataset(page, saved)
    assert doc["embedding"] == {"model": "mobilenet", "size": 1280}
    assert [c["count"] for c in doc["classes"]] == [4, 4, 1, 0]

    # A bad file is refused with a message and changes nothing.
    bad = tmp_path / "bad.json"
    bad.write_text(saved.read_text()[:200])
    upload(opened, "#dataset-load", [str(bad)])
    page.wait_for_selector("#message:not([hidden])", timeout=30_000)
    assert "not valid JSON" in opened.message() or "not a dataset" in opened.message()
    assert opened.class_counts() == [4, 4, 1, 0]

    # Reload: the dataset comes back from IndexedDB and still predicts.
    page.wait_for_selector("body[data-saved='9']", state="attached", timeout=30_000)
    page.reload()
    opened.wait_ready()
    assert opened.class_counts() == [4, 4, 1, 0]
    assert classify(opened, photo_files["held_out"]["motorcycle"][0]) == "B"
    assert opened.off_origin() == []


def test_camera_denied_upload_still_teaches(open_page, photo_files):
    opened = open_page("", camera=False)
    opened.wait_ready()
    opened.page.wait_for_selector("#message:not([hidden])", timeout=30_000)
    assert "refused" in opened.message()
    upload(opened, ".class-card:nth-child(1) input[data-action=upload]", photo_files["train"]["astronaut"][:2])
    wait_counts(opened, [2, 0, 0, 0])
    assert classify(opened, photo_files["held_out"]["astronaut"][0]) == "A"


def test_tensor_count_flat_over_100_frames(open_page, astronaut_video, photo_files):
    """After warm-up not one tensor may be added per frame (wasm: the fast backend here)."""
    opened = open_page("?backend=wasm", video=astronaut_video)
    opened.wait_ready()
    assert opened.backend() == "wasm"
    upload(opened, ".class-card:nth-child(1) input[data-action=upload]", photo_files["train"]["astronaut"][:2])
    upload(opened, ".class-card:nth-child(2) input[data-action=upload]", photo_files["train"]["motorcycle"][:2])
    wait_counts(opened, [2, 2, 0, 0])
    # Saved, so recalibrated: the calibration's own tensors (alive across its awaits, between frames)
    # are gone before the count is taken.
    opened.page.wait_for_selector("body[data-saved='4']", state="attached", timeout=60_000)
    opened.wait_frames(3)
    before = opened.num_tensors()
    opened.wait_frames(100, timeout=600_000)
    assert opened.num_tensors() == before
    assert opened.page.get_attribute("#prediction", "data-label") == "A"


def test_hold_to_record_and_remove_a_middle_class(open_page, astronaut_video, photo_files):
    """Holding a button records frame after frame; removing class B keeps ids dense and predictions right."""
    opened = open_page("?backend=wasm", video=astronaut_video)
    opened.wait_ready()
    assert opened.backend() == "wasm"
    page = opened.page
    upload(opened, ".class-card:nth-child(3) input[data-action=upload]", photo_files["train"]["motorcycle"][:2])
    wait_counts(opened, [0, 0, 2, 0])
    page.hover("#record-0")
    page.mouse.down()
    page.wait_for_function("Number(document.querySelector('.class-card .count').dataset.count) >= 5", timeout=60_000)
    page.mouse.up()
    opened.wait_frames(1)  # a frame taken while the button was still held may still be adding its example
    recorded = opened.class_counts()[0]
    opened.wait_frames(3)
    assert opened.class_counts()[0] == recorded  # released: recording stopped
    assert page.get_attribute("#record-0", "data-recording") == "false"

    page.click(".class-card:nth-child(2) [data-action=remove]")
    wait_counts(opened, [recorded, 2, 0])
    assert [n.strip() for n in page.eval_on_selector_all(".class-card input.name", "els => els.map(e => e.value)")] == ["A", "C", "D"]
    opened.wait_frames(3)
    assert page.get_attribute("#prediction", "data-label") == "A"
    assert classify(opened, photo_files["held_out"]["motorcycle"][0]) == "C"


@pytest.fixture(scope="module")
def site_with_offline_mobilenet(tmp_path_factory, static_server) -> str:
    """The built site plus an untrained MobileNet from the converter's offline source (needs TensorFlow)."""
    from convert import cli

    models = linked_site(tmp_path_factory.mktemp("mobilenet-site"))
    (models / "centernet").symlink_to(SITE / "models" / "centernet")
    assert cli.main(["mobilenet", "--source", "offline", "--out", str(models / "mobilenet"),
                     "--eval-inputs", "2", "--no-progress"]) == 0
    manifest = json.loads((models / "mobilenet" / "manifest.json").read_text())
    write_index(models, {"name": "mobilenet", "task": "classification", "weights": manifest["weights"],
                         "title": manifest["title"]})
    return static_server(models.parent)


def test_untrained_mobilenet_is_said_and_ranks_below_centernet(open_page, astronaut_video, photo_files,
                                                               site_with_offline_mobilenet):
    """The converter's offline MobileNet (untrained weights) runs when asked, and the page says its
    weights are untrained; without ?model= the real CenterNet runs instead."""
    opened = open_page("?model=mobilenet&backend=wasm", video=astronaut_video, base=site_with_offline_mobilenet)
    opened.wait_ready()
    page = opened.page
    assert page.get_attribute("body", "data-weights") == "untrained"
    assert "UNTRAINED" in page.text_content("#status-model")
    upload(opened, ".class-card:nth-child(1) input[data-action=upload]", photo_files["train"]["astronaut"][:2])
    wait_counts(opened, [2, 0, 0, 0])
    opened.wait_frames(2)
    assert page.get_attribute("#prediction", "data-label") == "A"

    default = open_page("?backend=wasm", camera=False, base=site_with_offline_mobilenet)  # a new browser
    default.wait_ready()
    assert default.page.get_attribute("body", "data-weights") == "pretrained"
    assert "CenterNet" in default.page.text_content("#status-model")


def test_a_dataset_taught_with_centernet_still_opens(open_page, photo_files, tmp_path):
    """Examples taught with CenterNet (Teach's default before MobileNet) are not lost: with them in
    IndexedDB and none for MobileNet, Teach runs CenterNet and says how to start anew with MobileNet;
    a CenterNet dataset file on the MobileNet page is refused with how to open it, changing nothing."""
    opened = open_page("index.html?model=centernet&backend=wasm", camera=False)
    opened.wait_ready()
    page = opened.page
    upload(opened, ".class-card:nth-child(1) input[data-action=upload]", photo_files["train"]["astronaut"][:2])
    wait_counts(opened, [2, 0, 0, 0])
    page.wait_for_selector("body[data-saved='2']", state="attached", timeout=60_000)
    saved = tmp_path / "centernet-dataset.json"
    assert save_dataset(page, saved)["embedding"] == {"model": "centernet", "size": 720}

    page.goto(opened.base + "index.html?backend=wasm")  # the same browser, the default model
    opened.wait_ready()
    assert "CenterNet" in page.text_content("#status-model")
    assert opened.class_counts()[0] == 2
    assert "CenterNet" in page.text_content("#embedding-why") and page.is_visible("#embedding-default")

    page.click("#embedding-default")  # "Teach a new set with MobileNet", keeping the backend
    page.wait_for_url("**/index.html?model=mobilenet&backend=wasm")
    opened.wait_ready()
    assert page.is_hidden("#embedding-older")
    assert "MobileNet" in page.text_content("#status-model") and opened.class_counts()[0] == 0
    upload(opened, "#dataset-load", [str(saved)])
    page.wait_for_selector("#message:has-text('centernet-dataset.json')", timeout=30_000)
    assert "?model=centernet" in opened.message() and "'mobilenet'" in opened.message()
    assert opened.class_counts()[0] == 0
    assert opened.errors == []
