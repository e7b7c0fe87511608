"""Teach's examples as a visitor handles them, in Chromium with the real CenterNet (wasm): "not sure"
on a picture unlike every example, thumbnails that survive a reload and a dataset file, one example
removed or moved from its thumbnail."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import OpenedPage
from skimage import data as photos
from skimage import io
from test_teach import classify, save_dataset, upload, wait_counts

from support.photos import write_views


@pytest.fixture(scope="module")
def taught_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    unlike = [folder / "coffee.png", folder / "coffee-again.png"]  # one picture, two names: two answers
    for path in unlike:
        io.imsave(path, photos.coffee(), check_contrast=False)
    return {"astronaut": write_views(folder, "astronaut", 4, seed=1), "motorcycle": write_views(folder, "motorcycle", 4, seed=1),
            "held_out": write_views(folder, "astronaut", 1, seed=2)[0], "unlike": [str(p) for p in unlike]}


def thumbnails(page) -> list[int]:
    """Thumbnails shown per class card."""
    return page.eval_on_selector_all(".class-card", "cards => cards.map(c => c.querySelectorAll('.thumbs canvas').length)")


def wait_thumbnails(page, expected: list[int]) -> None:
    page.wait_for_function(
        "expected => JSON.stringify([...document.querySelectorAll('.class-card')].map("
        "c => c.querySelectorAll('.thumbs canvas').length)) === expected",
        arg=json.dumps(expected, separators=(",", ":")), timeout=30_000)


def open_teach(open_page):
    """Teach on wasm without a camera, once it has said so (that message would replace a later one)."""
    opened = open_page("?backend=wasm", camera=False)
    opened.wait_ready()
    opened.page.wait_for_selector("#message:has-text('Camera access was refused')", timeout=60_000)
    return opened


def teach_two(opened, files) -> None:
    upload(opened, ".class-card:nth-child(1) input[data-action=upload]", files["astronaut"])
    upload(opened, ".class-card:nth-child(2) input[data-action=upload]", files["motorcycle"])
    wait_counts(opened, [4, 4, 0, 0])


def test_not_sure_on_a_picture_unlike_every_example_and_a_class_on_a_taught_one(open_page, taught_files):
    opened = open_teach(open_page)
    page = opened.page
    teach_two(opened, taught_files)
    page.wait_for_selector("body[data-saved='8']", state="attached", timeout=60_000)  # calibrated then saved
    threshold = float(page.get_attribute("#prediction", "data-threshold"))
    assert 0 < threshold < 1

    assert classify(opened, taught_files["held_out"]) == "A"
    assert page.get_attribute("#prediction", "data-sure") == "true"
    assert page.text_content("#predicted").startswith("A (")

    classify(opened, taught_files["unlike"][0])  # a cup of coffee: neither the astronaut nor the motorcycle
    assert page.get_attribute("#prediction", "data-sure") == "false"
    assert page.text_content("#predicted").startswith("not sure (nearest: ")
    distance = float(page.text_content("#nearest").split(" away")[0].rsplit(" ", 1)[-1])
    assert distance > threshold
    assert page.text_content("#prediction-spoken") == "coffee.png: not sure"

    # Looser: the same picture is now near enough to be named.
    page.locator("#strictness").fill("0.5")
    page.wait_for_function(f"Number(document.getElementById('prediction').dataset.threshold) > {threshold * 1.5}",
                           timeout=30_000)
    looser = float(page.get_attribute("#prediction", "data-threshold"))
    classify(opened, taught_files["unlike"][1])
    assert page.get_attribute("#prediction", "data-sure") == ("true" if distance <= looser else "false")
    assert opened.errors == []


def test_thumbnails_survive_a_reload_and_a_file_and_one_example_is_removed_or_moved(open_page, taught_files, tmp_path):
    opened = open_teach(open_page)
    page = opened.page
    teach_two(opened, taught_files)
    assert thumbnails(page) == [4, 4, 0, 0]

    page.click(".class-card:nth-child(1) .thumb[data-example='1']")
    page.click(".class-card:nth-child(1) [data-action=remove-example]")
    wait_counts(opened, [3, 4, 0, 0])
    page.click(".class-card:nth-child(2) .thumb[data-example='3']")
    page.select_option(".class-card:nth-child(2) [data-action=move-example]", "0")  # to class A
    wait_counts(opened, [4, 3, 0, 0])
    wait_thumbnails(page, [4, 3, 0, 0])

    page.wait_for_selector("body[data-saved='7']", state="attached", timeout=60_000)
    page.reload()
    opened.wait_ready()
    assert opened.class_counts() == [4, 3, 0, 0]
    wait_thumbnails(page, [4, 3, 0, 0])

    saved = tmp_path / "dataset.json"
    doc = save_dataset(page, saved)
    assert doc["version"] == 2 and [len(c["thumbnails"]) for c in doc["classes"]] == [4, 3, 0, 0]
    assert doc["settings"]["k"] == 3

    other = open_teach(open_page)  # another browser profile: nothing stored
    upload(other, "#dataset-load", [str(saved)])
    wait_counts(other, [4, 3, 0, 0])
    wait_thumbnails(other.page, [4, 3, 0, 0])
    # The moved example is A's last: a motorcycle, so its thumbnail differs from the astronaut's.
    pixels = other.page.eval_on_selector_all(
        ".class-card:nth-child(1) .thumbs canvas",
        "cs => cs.map(c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data))")
    first, last = np.array(pixels[0], float), np.array(pixels[-1], float)
    assert np.abs(first - last).mean() > 10
    assert opened.errors == [] and other.errors == []


RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  const row = document.getElementById('files-progress-row'), bar = document.getElementById('files-progress');
  new MutationObserver(() => progressSeen.push({shown: !row.hidden, value: bar.value, max: bar.max}))
    .observe(row, {attributes: true, subtree: true, attributeFilter: ['hidden', 'value', 'max']});
}"""

DROP_FILES = """async ([selector, files]) => {
  const transfer = new DataTransfer();
  for (const [name, type, base64] of files) {
    transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, {type}));
  }
  document.querySelector(selector).dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


def test_many_images_at_once_a_folder_and_a_drop_with_progress_and_a_bad_file_named(open_page, tmp_path):
    import base64

    from PIL import Image

    folder = tmp_path / "mixed"
    views = [Image.open(p) for p in write_views(tmp_path / "views", "astronaut", 4, seed=3)]
    paths = []
    for view, kind in zip(views, ("png", "jpeg", "webp", "gif")):
        path = folder / f"astronaut.{kind}"
        folder.mkdir(exist_ok=True)
        view.convert("RGB").save(path, format=kind.upper())
        paths.append(str(path))
    broken = folder / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    opened = open_teach(open_page)
    page = opened.page
    page.evaluate(RECORD_PROGRESS)

    upload(opened, ".class-card:nth-child(3) input[data-action=upload]", paths + [str(broken)])
    wait_counts(opened, [0, 0, 4, 0])  # JPEG, PNG, WebP and GIF; the broken file named, not used
    # The broken file comes last: its message follows the fourth count, once its decoding has failed.
    page.wait_for_selector("#message:has-text('broken.png')", timeout=30_000)
    assert "broken.png" in opened.message() and "The other files were used" in opened.message()
    seen = page.evaluate("progressSeen")
    assert any(s["shown"] and s["max"] == 5 for s in seen), seen
    assert page.is_hidden("#files-progress-row")

    upload(opened, ".class-card:nth-child(4) input[data-action=upload-folder]", str(folder))  # a whole folder
    wait_counts(opened, [0, 0, 4, 4])

    dropped = [[Path(p).name, f"image/{Path(p).suffix[1:]}", base64.b64encode(Path(p).read_bytes()).decode()]
               for p in paths[:2]]
    page.evaluate(DROP_FILES, [".class-card:nth-child(1) .thumbs", dropped])  # onto class A's card
    wait_counts(opened, [2, 0, 4, 4])
    assert opened.errors == []


def test_mirrored_views_add_each_example_flipped_too_and_the_card_says_so(open_page, taught_files):
    opened = open_teach(open_page)
    page = opened.page
    page.check("#flip-examples")
    upload(opened, ".class-card:nth-child(1) input[data-action=upload]", taught_files["astronaut"][:2])
    wait_counts(opened, [4, 0, 0, 0])
    assert "adding mirrored views too" in page.text_content(".class-card:nth-child(1) .count")
    pixels = page.eval_on_selector_all(
        ".class-card:nth-child(1) .thumbs canvas",
        "cs => cs.map(c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data))")
    image, flipped = (np.array(p, float).reshape(48, 64, 4) for p in pixels[:2])
    assert np.abs(image[:, ::-1] - flipped).mean() < 3 < np.abs(image - flipped).mean()
    page.uncheck("#flip-examples")
    upload(opened, ".class-card:nth-child(2) input[data-action=upload]", taught_files["motorcycle"][:1])
    wait_counts(opened, [4, 1, 0, 0])
    assert opened.errors == []


def test_two_teach_tabs_never_overwrite_each_other_unseen(open_page, taught_files):
    first = open_teach(open_page)
    second_page = first.page.context.new_page()  # the same browser profile: the same IndexedDB
    second = OpenedPage(second_page, first.base)
    second_page.on("pageerror", lambda error: second.errors.append(str(error)))
    second_page.goto(first.base + "?backend=wasm")
    second.wait_ready()
    second_page.wait_for_selector("#message:has-text('Camera access was refused')", timeout=60_000)

    upload(first, ".class-card:nth-child(1) input[data-action=upload]", taught_files["astronaut"][:2])
    wait_counts(first, [2, 0, 0, 0])
    wait_counts(second, [2, 0, 0, 0])  # the other tab reloaded what this one saved...
    assert "changed in another tab" in second.message()  # ...and said so
    wait_thumbnails(second_page, [2, 0, 0, 0])

    upload(second, ".class-card:nth-child(2) input[data-action=upload]", taught_files["motorcycle"][:1])
    wait_counts(second, [2, 1, 0, 0])
    wait_counts(first, [2, 1, 0, 0])
    assert "changed in another tab" in first.message()
    assert first.errors == [] and second.errors == []
