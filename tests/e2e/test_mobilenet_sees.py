"""Teach's "What MobileNet sees" in real Chromium: real MobileNet, real photos, no class taught.

The camera shows skimage's `chelsea` (a tabby cat): the page's ImageNet top 3 names a cat before any
class is taught, with numTensors flat from frame to frame; an image file (`coffee`) gets its own top 3;
the switch hides the list, the loop then idles (nothing taught, nothing to see), and the choice
survives a reload.
"""

from __future__ import annotations

import pytest
from conftest import photo_video
from skimage import data as photos
from skimage import io
from test_detect import tensors_per_frame

CATS = {"tabby", "tiger cat", "Egyptian cat", "Persian cat", "Siamese cat"}
COFFEE = {"espresso", "cup", "coffee mug", "eggnog"}


@pytest.fixture(scope="module")
def chelsea_video(tmp_path_factory) -> str:
    return photo_video(tmp_path_factory, "chelsea", photos.chelsea())


def seen(page) -> list[str]:
    """The names in the list, best first ("tabby 62%" -> "tabby")."""
    texts = page.eval_on_selector_all("#sees-list li:not([hidden])", "items => items.map(i => i.textContent)")
    return [text.rsplit(" ", 1)[0] for text in texts]


def test_mobilenet_names_the_cat_and_the_coffee_before_any_class_is_taught(open_page, chelsea_video, tmp_path, measured):
    opened = open_page("?model=mobilenet", video=chelsea_video)
    opened.wait_ready()
    page = opened.page
    assert opened.class_counts() == [0] * len(opened.class_counts())  # nothing taught
    assert page.text_content("#sees-title") == "What MobileNet sees"
    assert page.is_checked("#sees-on")

    # The camera: the loop runs although no class is taught, and the top 3 names a cat.
    page.wait_for_selector("#sees[data-source=camera] #sees-1:not([hidden])", timeout=120_000)
    log = tensors_per_frame(opened, 6)
    assert len(set(log)) == 1, f"numTensors changed over the frames: {sorted(set(log))}"
    names = seen(page)
    measured(f"camera (chelsea) top 3 on {opened.backend()}: {page.eval_on_selector_all('#sees-list li', 'l => l.map(i => i.textContent)')}")
    assert len(names) == 3 and CATS & set(names), names
    assert page.get_attribute("#sees", "data-top") in CATS
    assert page.text_content("#predicted") == "add examples to start"
    assert page.query_selector("#sees[aria-live], #sees [aria-live]") is None, "the list is not a live region"

    # An image file: its own top 3, at once.
    coffee = tmp_path / "coffee.png"
    io.imsave(coffee, photos.coffee(), check_contrast=False)
    page.set_input_files("#classify-file", str(coffee))
    page.wait_for_selector("#prediction[data-source='coffee.png']", state="attached", timeout=60_000)
    page.wait_for_selector("#sees[data-source=file]", state="attached", timeout=60_000)
    measured(f"coffee.png top 3: {page.eval_on_selector_all('#sees-list li', 'l => l.map(i => i.textContent)')}")
    assert COFFEE & set(seen(page)), seen(page)
    page.click("#camera-resume")
    page.wait_for_selector("#sees[data-source=camera]", state="attached", timeout=60_000)

    # The switch: the list goes, and with nothing taught the loop has nothing left to do.
    frame_s = opened.frame_seconds(2)
    page.uncheck("#sees-on")
    assert page.is_hidden("#sees-list") and page.is_visible("#sees-on")
    assert opened.frames_stopped(frame_s), "frames still run with the list hidden and nothing taught"

    page.reload()
    opened.wait_ready()
    assert not page.is_checked("#sees-on") and page.is_hidden("#sees-list")
    assert opened.errors == []
    assert opened.off_origin() == []
