"""Accessible: axe-core finds nothing serious on either page in any of its states, the keyboard reaches
every control with a visible focus ring, and a screen reader hears what changed, not every frame.

axe-core is the npm devDependency (package.json), read from node_modules and evaluated in the page
by the test (the site never ships it). A boot costs seconds, so each page is opened once and walked
through its states: loading (the app's zip held back), ready, working (taught / detecting), an
error shown; the keyboard is tried when it is ready. The live regions are watched for LIVE_S
seconds of a steady scene in tests of their own, at full speed and with the CPU 4x slower: what a
listener hears must not depend on how fast the device is.

Runs on the wasm backend (webgl here is SwiftShader: seconds per frame); the backend is checked.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from skimage import data as photos

from web.spoken import GAP_S

from support.datasets import load_into_teach
from support.y4m import fit, write_y4m

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
LIVE_S = 10        # seconds the live regions are watched in a steady scene
LIVE_MIN_FRAMES = 6  # ...and frames at least (the per-frame list must be seen to change)

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                         targets: v.nodes.map((n) => n.target.join(" "))}));
}"""

# What has keyboard focus, and the ring it shows: on the control itself, or, for a file input kept
# out of sight (.visually-hidden), on the label.button that stands for it.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const ring = el.classList.contains("visually-hidden") ? el.closest("label") : el;
  const style = getComputedStyle(ring);
  const rect = ring.getBoundingClientRect();
  const what = el.id ? "#" + el.id : el.tagName.toLowerCase() + (el.dataset.action ? `[data-action=${el.dataset.action}]` : "");
  const key = [...document.querySelectorAll("*")].indexOf(el);  // its place in the page: one per element
  return {what, key, type: el.type || "", focusVisible: el.matches(":focus-visible"),
          outline: style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth), shadow: style.boxShadow,
          size: [rect.width, rect.height]};
}"""

# Every live region of the page (aria-live, and the roles that are live without it), and what
# changes every frame (`busy`): each change is counted, with the region's text after it.
WATCH_LIVE = """(busy) => {
  window.__spoken = [];
  window.__busyChanges = 0;
  window.__watchStart = performance.now();
  window.__framesAtStart = Number(document.body.dataset.frames || 0);
  const regions = [...document.querySelectorAll("[aria-live], [role=alert], [role=status], [role=log]")];
  const options = {childList: true, subtree: true, characterData: true};
  for (const region of regions) {
    new MutationObserver(() => window.__spoken.push([region.id, region.textContent, performance.now() / 1000]))
      .observe(region, options);
  }
  new MutationObserver(() => { window.__busyChanges += 1; })
    .observe(document.querySelector(busy), {...options, attributes: true});
  return regions.map((region) => region.id);
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `npm ci` (it is a devDependency in package.json)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def steady_scene(tmp_path_factory) -> str:
    """The astronaut, not moving, with a little sensor noise in each frame: what is seen stays the
    same, the detector's scores and boxes move a little every frame (as with a real camera)."""
    rng = np.random.default_rng(7)
    still = fit(photos.astronaut(), 320, 240).astype(np.float32)
    frames = [np.clip(still + rng.normal(0, 4, still.shape), 0, 255).astype(np.uint8) for _ in range(8)]
    return str(write_y4m(tmp_path_factory.mktemp("videos") / "steady-astronaut.y4m", frames, fps=10))


class Audit:
    """axe's violations per page state; `check` fails naming every serious or critical one."""

    def __init__(self, page, axe_source: str):
        self.page = page
        self.axe_source = axe_source
        self.found: dict[str, list[dict]] = {}

    def run(self, state: str) -> None:
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe_source)  # a page evaluation: the page's CSP does not apply
        self.found[state] = self.page.evaluate(RUN_AXE)

    def check(self) -> None:
        lines = [f"[{state}] {v['id']} ({v['impact']}): {v['help']} -> {', '.join(v['targets'])}"
                 for state, violations in self.found.items() for v in violations if v["impact"] in FAILING_IMPACTS]
        assert not lines, "axe-core violations:\n" + "\n".join(lines)


def open_held(open_page, path: str, video=None):
    """Open `path` with the app's Python (py/app.zip) held back: the page stays in its loading view
    until the returned `release()` lets the request through."""
    opened = open_page("style.css", video=video)  # a small file, not a page that boots
    held = []
    opened.page.route("**/py/app.zip", lambda route: held.append(route))
    opened.page.goto(opened.base + path)

    def release():
        deadline = time.monotonic() + 60
        while not held:  # Playwright hands the request over while the test waits on the page
            assert time.monotonic() < deadline, "the page never asked for py/app.zip"
            opened.page.wait_for_timeout(100)
        for route in held:
            route.continue_()
        opened.page.unroute("**/py/app.zip")

    return opened, release


def tab_through(page, presses: int = 80) -> list[dict]:
    """Press Tab until focus comes back to where it started; what was focused, in order."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue  # past the last control: focus is on the browser's own UI
        if seen and focused["key"] == seen[0]["key"]:
            break
        seen.append(focused)
    return seen


def check_focus_rings(focused: list[dict], must_reach: list[str]) -> None:
    reached = [f["what"] for f in focused]
    missing = [what for what in must_reach if what not in reached]
    assert not missing, f"the keyboard never reaches {missing}; it reaches {reached}"
    for f in focused:
        assert f["focusVisible"], f"{f['what']} has focus but not :focus-visible"
        assert f["outline"] >= 2 or f["shadow"] != "none", f"{f['what']} shows no clear focus ring: {f}"
        assert min(f["size"]) > 1, f"{f['what']}'s focus ring is on an invisible box: {f}"


def check_file_picker_opens(page, input_id: str) -> None:
    """The out-of-sight file input still opens the file chooser: clicked through its label, and
    from the keyboard (Space on the focused input)."""
    for open_it in (lambda: page.click(f"label.button:has(#{input_id})"),
                    lambda: (page.focus(f"#{input_id}"), page.keyboard.press("Space"))):
        with page.expect_file_chooser(timeout=10_000) as chooser:
            open_it()
        assert chooser.value.element.get_attribute("id") == input_id
        chooser.value.set_files([])  # closes the chooser (Chromium opens one at a time); the page ignores no files


# Pixels from a checkbox's right edge to the start of its label's words: a label in a grid of
# columns once put them a column apart on a desktop screen.
CHECKBOX_TO_TEXT = """(id) => {
  const box = document.getElementById(id);
  const words = [...box.closest("label").childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  const first = words.textContent.search(/\\S/);  // the first letter: collapsed spaces have odd boxes
  const range = document.createRange();
  range.setStart(words, first);
  range.setEnd(words, first + 1);
  const drawn = box.getBoundingClientRect();  // a grid may stretch the box; the square is drawn in its middle
  return range.getBoundingClientRect().left - (drawn.left + drawn.width / 2 + drawn.height / 2);
}"""


WATCHED_ENOUGH = """([seconds, frames]) => performance.now() - window.__watchStart >= seconds * 1000
  && Number(document.body.dataset.frames || 0) - window.__framesAtStart >= frames"""


def watch_live_regions(opened, busy: str) -> dict:
    """Over LIVE_S seconds (and LIVE_MIN_FRAMES frames): what the live regions said and when, and
    how often `busy` changed."""
    page = opened.page
    regions = page.evaluate(WATCH_LIVE, busy)
    page.wait_for_function(WATCHED_ENOUGH, arg=[LIVE_S, LIVE_MIN_FRAMES], timeout=300_000)
    watched = page.evaluate("""() => ({spoken: window.__spoken, busy: window.__busyChanges,
      frames: Number(document.body.dataset.frames) - window.__framesAtStart,
      seconds: (performance.now() - window.__watchStart) / 1000})""")
    return {"regions": regions, **watched}


def said(watched: dict) -> str:
    rate = watched["frames"] / watched["seconds"]
    return f"{watched['frames']} frames in {watched['seconds']:.1f} s ({rate:.1f} frames/s), said: {watched['spoken']}"


def check_few_announcements(watched: dict, region: str) -> None:
    """A steady scene: at most one change said per GAP_S (and few in all), each of new words."""
    assert region in watched["regions"] and "message" in watched["regions"], watched["regions"]
    said = watched["spoken"]
    assert len(said) <= 2, f"{len(said)} live-region changes in {watched['seconds']:.1f} s of a steady scene: {said}"
    last: dict[str, tuple[str, float]] = {}
    for region_id, text, when in said:  # each change tells something new, and not soon after the last
        if region_id in last:
            assert last[region_id][0] != text, f"#{region_id} rewritten with the same text {text!r}"
            assert when - last[region_id][1] >= GAP_S - 0.1, f"#{region_id} spoke twice within {GAP_S} s: {said}"
        last[region_id] = (text, when)


def wait_spoken(page, region: str, expected: str) -> str:
    """The live region's text once it says `expected` (a change is said once it has held a while)."""
    page.wait_for_function("([id, text]) => document.getElementById(id).textContent.includes(text)",
                           arg=[region, expected], timeout=120_000)
    return page.text_content(f"#{region}")


def test_teach_page_states(open_page, axe_source, steady_scene, examples, tmp_path):
    opened, release = open_held(open_page, "index.html?backend=wasm", video=steady_scene)
    page = opened.page
    audit = Audit(page, axe_source)
    assert page.get_attribute("body", "data-state") == "loading"
    audit.run("loading")
    release()
    opened.wait_ready()
    assert opened.backend() == "wasm", "expected the wasm backend (?backend=wasm); another one ran"
    audit.run("ready")
    page.wait_for_selector("#camera-start", state="hidden")  # the camera runs: nothing to enable
    check_focus_rings(tab_through(page), ["#mirror", "#classify-file", "#k", "#record-0",
                                          "input[data-action=upload]", "#class-add", "#dataset-save",
                                          "#dataset-load", "#debug-toggle"])
    check_file_picker_opens(page, "dataset-load")

    load_into_teach(opened, examples, [3, 3])
    spoken = wait_spoken(page, "prediction-spoken", "Prediction: ")
    assert spoken in ("Prediction: A", "Prediction: B", "Prediction: not sure"), spoken
    assert page.query_selector("[aria-live] #bars, [aria-live] #predicted") is None, "the per-frame bars are live"
    page.click("#debug-toggle")
    audit.run("taught, debug panel open")

    bad = tmp_path / "broken.json"
    bad.write_text("{ not a dataset", encoding="utf-8")
    page.set_input_files("#dataset-load", str(bad))
    page.wait_for_function("() => document.getElementById('message').textContent.startsWith('broken.json')")
    audit.run("error shown")
    audit.check()
    assert opened.errors == [], opened.errors


def test_detect_page_states(open_page, axe_source, steady_scene, tmp_path):
    opened, release = open_held(open_page, "detect.html?backend=wasm", video=steady_scene)
    page = opened.page
    audit = Audit(page, axe_source)
    audit.run("loading")
    release()
    opened.wait_ready()
    assert opened.backend() == "wasm", "expected the wasm backend (?backend=wasm); another one ran"
    audit.run("ready")
    check_focus_rings(tab_through(page), ["#camera-start", "#image-file", "#mirror", "#pause", "#threshold",
                                          "#max-detections", "#class-summary", "#debug-toggle"])
    check_file_picker_opens(page, "image-file")
    gap = page.evaluate(CHECKBOX_TO_TEXT, "naming-on")
    assert 0 <= gap <= 16, f"the naming checkbox is {gap:.0f} px from its own words"

    page.click("#camera-start")
    page.wait_for_selector("#detections li[data-label=person]", state="attached", timeout=60_000)
    assert "1 person" in wait_spoken(page, "detections-spoken", "1 person").split(", ")
    assert page.query_selector("[aria-live] #detections, #detections[aria-live]") is None, "the per-frame list is live"
    page.click("#debug-toggle")
    page.click("#class-summary")  # the class filter open
    audit.run("detecting, debug panel and class filter open")

    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("just some text", encoding="utf-8")
    page.set_input_files("#image-file", str(not_an_image))
    page.wait_for_selector("#message:not([hidden])", state="attached", timeout=30_000)
    assert "not an image" in opened.message()
    audit.run("error shown")
    audit.check()
    assert opened.errors == [], opened.errors


def test_teach_speaks_a_steady_scene_once(open_page, steady_scene, examples, slowdown, measured):
    opened = open_page("index.html?backend=wasm", video=steady_scene)
    opened.wait_ready()
    assert opened.backend() == "wasm"
    load_into_teach(opened, examples, [3, 3])
    wait_spoken(opened.page, "prediction-spoken", "Prediction: ")
    opened.slow_down(slowdown)
    watched = watch_live_regions(opened, "#prediction")
    measured(said(watched))
    check_few_announcements(watched, "prediction-spoken")
    assert opened.errors == [], opened.errors


def test_detect_speaks_a_steady_scene_once(open_page, steady_scene, slowdown, measured):
    """The detector's boxes and scores move a little every frame (the list changes), a weak box may
    come and go: the live region says what holds, and never more often than every GAP_S."""
    opened = open_page("detect.html?backend=wasm", video=steady_scene)
    opened.wait_ready()
    assert opened.backend() == "wasm"
    page = opened.page
    page.click("#camera-start")
    wait_spoken(page, "detections-spoken", "1 person")
    opened.slow_down(slowdown)
    watched = watch_live_regions(opened, "#detections")
    measured(said(watched))
    check_few_announcements(watched, "detections-spoken")
    # The list did change frame after frame: had it been live, every frame would have been read.
    assert watched["busy"] >= watched["frames"] // 2, f"the list changed {watched['busy']} times: not a moving test"
    assert opened.errors == [], opened.errors
