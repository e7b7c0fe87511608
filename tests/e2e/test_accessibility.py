"""Accessible: axe-core finds nothing serious on either page in any of its states, the keyboard reaches
every control with a visible focus ring, and a screen reader hears what changed, not every frame.

axe-core is the npm devDependency (package.json), read from node_modules and evaluated in the page
by the test (the site never ships it). A boot costs seconds, so each page is opened once and walked
through its states: loading (the app's zip held back), ready, working (taught / detecting), an
error shown; the keyboard is tried when it is ready, the live regions while it works.

Runs on the wasm backend (webgl here is SwiftShader: seconds per frame); the backend is checked.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from skimage import data as photos

from support.datasets import load_into_teach
from support.y4m import fit, write_y4m

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
LIVE_FRAMES = 20

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
  const regions = [...document.querySelectorAll("[aria-live], [role=alert], [role=status], [role=log]")];
  const options = {childList: true, subtree: true, characterData: true};
  for (const region of regions) {
    new MutationObserver(() => window.__spoken.push([region.id, region.textContent])).observe(region, options);
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


def watch_live_regions(opened, busy: str) -> dict:
    """Over LIVE_FRAMES frames: what the live regions said, and how often `busy` changed."""
    regions = opened.page.evaluate(WATCH_LIVE, busy)
    before = opened.frames()
    opened.wait_frames(LIVE_FRAMES, timeout=120_000)
    spoken, busy_changes = opened.page.evaluate("[window.__spoken, window.__busyChanges]")
    return {"regions": regions, "frames": opened.frames() - before, "spoken": spoken, "busy": busy_changes}


def check_few_announcements(watched: dict, region: str) -> None:
    assert region in watched["regions"] and "message" in watched["regions"], watched["regions"]
    assert watched["frames"] >= LIVE_FRAMES
    said = watched["spoken"]
    assert len(said) <= 2, f"{len(said)} live-region changes in {watched['frames']} frames of a steady scene: {said}"
    last: dict[str, str] = {}
    for region_id, text in said:  # each change tells something new: no rewrite of the same words
        assert last.get(region_id) != text, f"#{region_id} rewritten with the same text {text!r}"
        last[region_id] = text


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
    opened.wait_frames(3, timeout=60_000)
    assert page.get_attribute("#prediction", "data-label") in ("A", "B")
    assert page.text_content("#prediction-spoken") == f"Prediction: {page.get_attribute('#prediction', 'data-label')}"
    assert page.query_selector("[aria-live] #bars, [aria-live] #predicted") is None, "the per-frame bars are live"
    check_few_announcements(watch_live_regions(opened, "#prediction"), "prediction-spoken")
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

    page.click("#camera-start")
    page.wait_for_selector("#detections li[data-label=person]", state="attached", timeout=60_000)
    opened.wait_frames(2, timeout=60_000)
    labels = page.eval_on_selector_all("#detections li", "items => items.map((li) => li.dataset.label)")
    assert "1 person" in page.text_content("#detections-spoken").split(", "), labels
    assert page.query_selector("[aria-live] #detections, #detections[aria-live]") is None, "the per-frame list is live"
    watched = watch_live_regions(opened, "#detections")
    check_few_announcements(watched, "detections-spoken")
    # The list did change frame after frame: had it been live, every frame would have been read.
    assert watched["busy"] >= LIVE_FRAMES // 2, f"the list changed only {watched['busy']} times: not a moving test"
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
