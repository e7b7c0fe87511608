"""Phones and tablets, in Chromium's mobile emulation (a 360 px screen, touch as the main pointer):
the layout, recording with a finger and with the keyboard, the front/back camera switch, the screen
kept on while detecting."""

from __future__ import annotations

from test_detect import enable_webcam, open_detect
from test_teach import wait_counts

from support.devices import PHONE

# Every getUserMedia call the page makes, with its constraints, as the page asked.
RECORD_CAMERA_ASKS = """
window.cameraAsks = [];
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (constraints) => {
  window.cameraAsks.push(JSON.parse(JSON.stringify(constraints)));
  return getUserMedia(constraints);
};
// Whether each long-press menu the page saw was cancelled, read after the page's own listeners ran.
window.menus = [];
addEventListener("contextmenu", (event) => setTimeout(() => menus.push(event.defaultPrevented)), true);
"""

IN_VIEW = """(selector) => {
  const r = document.querySelector(selector).getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5;
}"""


def open_phone(open_page, path: str, video, cameras: int = 1):
    opened = open_page(path, video=video, device=PHONE, cameras=cameras, init_script=RECORD_CAMERA_ASKS)
    opened.wait_ready()
    return opened


def camera_running(opened) -> None:
    opened.page.wait_for_function("document.getElementById('video').readyState >= 2", timeout=60_000)


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def asked_facing(page) -> list:
    return [ask["video"].get("facingMode") for ask in page.evaluate("cameraAsks")]


def test_teach_on_a_phone_the_video_stays_in_view_above_every_class_button(open_page, astronaut_video):
    opened = open_phone(open_page, "?backend=wasm", astronaut_video)
    page = opened.page
    camera_running(opened)
    assert no_horizontal_scroll(page)
    assert page.evaluate(IN_VIEW, "#video-wrap") and page.evaluate(IN_VIEW, "#predicted")
    for index in range(4):
        page.locator(f"#record-{index}").scroll_into_view_if_needed()
        assert page.evaluate(IN_VIEW, f"#record-{index}"), index
        assert page.evaluate(IN_VIEW, "#video-wrap"), f"the video left the screen at class {index}"
    assert opened.errors == []


def test_detect_on_a_phone_fits_the_screen(open_page, astronaut_video):
    opened = open_detect(open_page, astronaut_video, backend="wasm", device=PHONE)
    page = opened.page
    enable_webcam(opened)
    opened.wait_frames(1)
    page.wait_for_selector("#detections li", state="attached")
    assert no_horizontal_scroll(page)
    assert page.evaluate(IN_VIEW, "#video-wrap") and page.evaluate(IN_VIEW, "#pause")
    assert page.get_attribute("body", "data-wake") == "on"  # the screen stays on while detecting
    page.click("#pause")
    page.wait_for_selector("body[data-wake=off]", state="attached")
    page.click("#pause")
    page.wait_for_selector("body[data-wake=on]", state="attached")


def touch(cdp, kind: str, point: tuple[float, float] | None = None) -> None:
    points = [{"x": point[0], "y": point[1]}] if point else []
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_a_finger_held_on_a_class_button_records_and_space_or_enter_work_too(open_page, astronaut_video):
    opened = open_phone(open_page, "?backend=wasm", astronaut_video)
    page = opened.page
    camera_running(opened)
    page.locator("#record-0").scroll_into_view_if_needed()
    box = page.locator("#record-0").bounding_box()
    finger = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    cdp = page.context.new_cdp_session(page)

    touch(cdp, "touchStart", finger)
    # A resting finger drifts, here well off the button: the page must not scroll, nor stop recording.
    touch(cdp, "touchMove", (finger[0], finger[1] + 80))
    page.wait_for_function("Number(document.querySelector('.class-card .count').dataset.count) >= 5", timeout=60_000)
    page.wait_for_timeout(800)  # long enough for a long press: its menu must not open
    assert page.get_attribute("#record-0", "data-recording") == "true"
    touch(cdp, "touchEnd")  # lifted off the button
    page.wait_for_selector("#record-0[data-recording=false]", state="attached")
    opened.wait_frames(1)  # a frame taken while the finger was still down may still be adding its example
    recorded = opened.class_counts()[0]
    opened.wait_frames(3)
    assert opened.class_counts()[0] == recorded, "recording went on after the finger was lifted"
    # The page did not scroll under the finger: the button is where the finger went down. (scrollY
    # itself may move: when text above the button grows, scroll anchoring keeps the button in place.)
    after = page.locator("#record-0").bounding_box()
    assert abs(after["y"] - box["y"]) < 1 and abs(after["x"] - box["x"]) < 1
    assert page.evaluate("getSelection().toString()") == ""
    assert all(page.evaluate("menus")), "a long-press menu was not cancelled"

    # The keyboard: Enter adds one example, Space held records until released.
    page.focus("#record-1")
    page.keyboard.press("Enter")
    wait_counts(opened, [recorded, 1, 0, 0])
    opened.wait_frames(3)
    assert opened.class_counts() == [recorded, 1, 0, 0]
    page.keyboard.down(" ")
    page.wait_for_function("Number(document.querySelectorAll('.class-card .count')[1].dataset.count) >= 4",
                           timeout=60_000)
    page.keyboard.up(" ")
    page.wait_for_selector("#record-1[data-recording=false]", state="attached")
    opened.wait_frames(1)  # as for the finger: a frame taken while Space was down may still be adding its example
    held = opened.class_counts()[1]
    opened.wait_frames(3)
    assert opened.class_counts()[1] == held, "Space's release added or kept adding examples"
    assert opened.errors == []


def test_the_front_back_switch_asks_for_the_other_camera_unmirrors_and_is_remembered(open_page):
    opened = open_phone(open_page, "?backend=wasm", None, cameras=2)
    page = opened.page
    camera_running(opened)
    page.wait_for_selector("#camera-facing:visible")
    assert page.is_hidden("#camera-select")  # a phone gets the switch, not the list of cameras
    assert asked_facing(page) == [{"ideal": "user"}]
    assert page.get_attribute("#video-wrap", "data-mirror") == "true" and page.is_checked("#mirror")
    assert page.text_content("#camera-facing") == "Switch to the back camera"

    page.tap("#camera-facing")
    page.wait_for_selector("body[data-facing=environment]", state="attached")
    camera_running(opened)
    assert asked_facing(page)[-1] == {"ideal": "environment"}
    assert page.get_attribute("#video-wrap", "data-mirror") == "false" and not page.is_checked("#mirror")
    assert page.text_content("#camera-facing") == "Switch to the front camera"

    page.reload()  # the choice is remembered, and so is the visitor's own mirroring
    opened.wait_ready()
    camera_running(opened)
    assert asked_facing(page) == [{"ideal": "environment"}]
    assert page.get_attribute("#video-wrap", "data-mirror") == "false"
    page.check("#mirror")
    page.reload()
    opened.wait_ready()
    camera_running(opened)
    assert page.get_attribute("#video-wrap", "data-mirror") == "true" and page.is_checked("#mirror")
    assert opened.errors == []


def test_detect_switches_cameras_and_a_desktop_with_two_gets_the_picker(open_page):
    phone = open_detect(open_page, None, backend="wasm", device=PHONE, cameras=2,
                        init_script=RECORD_CAMERA_ASKS)
    enable_webcam(phone)
    page = phone.page
    page.wait_for_selector("#camera-facing:visible")
    # A tap lands where the button is when it is sent: first let the video take its size (the
    # controls sit below it), or the tap can hit the spot the button has just left.
    phone.wait_frames(2)
    page.tap("#camera-facing")
    page.wait_for_selector("body[data-facing=environment]", state="attached")
    assert asked_facing(page) == [{"ideal": "user"}, {"ideal": "environment"}]
    phone.wait_frames(2)  # still detecting, from the other camera
    assert page.get_attribute("#video-wrap", "data-mirror") == "false"

    desktop = open_detect(open_page, None, backend="wasm", cameras=2)
    enable_webcam(desktop)
    desktop.page.wait_for_selector("#camera-select:visible")
    assert desktop.page.is_hidden("#camera-facing")
    assert desktop.page.eval_on_selector("#camera-select", "s => s.options.length") == 2
