"""End-to-end helpers: open a page of the built site in Chromium and read its state as a visitor would."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np
import pytest
from skimage import data as photos

from support import browser_log, crash_dumps
from support.datasets import write_dataset
from support.y4m import fit, write_y4m

BOOT_TIMEOUT_MS = 180_000


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class OpenedPage:
    page: object
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def off_origin(self) -> list[str]:
        """Requests to any other origin (data:/blob: URLs never leave the page)."""
        origin = _origin(self.base)
        return [u for u in self.requests if not u.startswith(("data:", "blob:")) and _origin(u) != origin]

    def wait_state(self, *states: str, timeout: int = BOOT_TIMEOUT_MS) -> str:
        selector = ", ".join(f"body[data-state={s}]" for s in states)
        self.page.wait_for_selector(selector, state="attached", timeout=timeout)
        return self.page.get_attribute("body", "data-state")

    def wait_ready(self) -> None:
        state = self.wait_state("ready", "error")
        assert state == "ready", f"page failed to start: {self.page.text_content('#message')}"

    def frames(self) -> int:
        return int(self.page.get_attribute("body", "data-frames") or 0)

    def wait_frames(self, count: int, timeout: int = 120_000) -> int:
        """Wait until `count` more frames have been processed; returns the new total."""
        target = self.frames() + count
        self.page.wait_for_function(f"Number(document.body.dataset.frames || 0) >= {target}", timeout=timeout)
        return self.frames()

    def frame_seconds(self, frames: int = 2) -> float:
        """Seconds per frame at which the page runs now, measured over its next `frames` frames: what
        a wait for "a frame that was already running" is scaled by, on a fast machine or a slow one."""
        return self.page.evaluate(FRAME_SECONDS, frames)

    def settle(self, frame_s: float) -> None:
        """After the loop was told to stop (Pause, a hidden tab, the camera gone): wait until a frame
        that was already running has surely finished (two frame times, a second at least)."""
        self.page.wait_for_timeout(1000 * max(1.0, 2 * frame_s))

    def frames_stopped(self, frame_s: float) -> bool:
        """After the loop was told to stop: over three frame times (1.5 s at least), at most the
        frame that was running finished."""
        before = self.frames()
        self.page.wait_for_timeout(1000 * max(1.5, 3 * frame_s))
        return self.frames() <= before + 1

    def class_counts(self) -> list[int]:
        """Examples per class, as the Teach page's class cards show them."""
        return [int(c) for c in self.page.eval_on_selector_all(".class-card .count", "els => els.map(e => e.dataset.count)")]

    def num_tensors(self) -> int:
        """tf.memory().numTensors as the page recorded it at the end of its last frame."""
        return int(self.page.get_attribute("body", "data-tensors"))

    def backend(self) -> str:
        return self.page.evaluate("tf.getBackend()")

    def message(self) -> str:
        return "" if self.page.is_hidden("#message") else self.page.text_content("#message")

    def slow_down(self, rate: float) -> None:
        """Run the page's CPU `rate` times slower (DevTools' CPU throttling; 1: full speed): a fast
        machine checks what a slow phone gets."""
        if rate != 1:
            self.page.context.new_cdp_session(self.page).send("Emulation.setCPUThrottlingRate", {"rate": rate})


# The page's speeds the timing-sensitive tests run at: the machine's own, and its CPU 4x slower
# (a fast laptop's behaviour checked against an old phone's, or a slow machine's against a slower one).
SPEEDS = [1, 4]


@pytest.fixture
def measured(record_property):
    """measured(text): a figure the test saw (a frame rate, a lag), listed at the end of the run."""
    return lambda text: record_property("measured", text)


@pytest.fixture(params=SPEEDS, ids=lambda rate: "full-speed" if rate == 1 else f"cpu-{rate}x-slower")
def slowdown(request) -> float:
    """A timing-sensitive test's CPU slowdown (OpenedPage.slow_down); it runs once at each of SPEEDS."""
    return request.param


FRAME_SECONDS = """(frames) => new Promise((resolve) => {
  const times = [];
  const watch = new MutationObserver(() => {
    times.push(performance.now());
    if (times.length > frames) {
      watch.disconnect();
      resolve((times[times.length - 1] - times[0]) / frames / 1000);
    }
  });
  watch.observe(document.body, {attributes: true, attributeFilter: ['data-frames']});
})"""


@pytest.fixture
def examples(tmp_path):
    """A dataset file with 3 examples in each of classes A and B: Teach predicts only once a class has examples."""
    return write_dataset(tmp_path / "examples.json", {"A": 3, "B": 3})


@pytest.fixture
def open_page(chromium, site_url):
    """open_page(path, video=None, camera=True, base=site_url, ...) -> OpenedPage, closed after the test.

    `device`: more browser-context options (a phone: support.devices.PHONE); `cameras`: how many fake cameras;
    `init_script`: JavaScript run in the page before any of its own."""
    contexts, crashes = [], []
    started = time.time()

    def crashed(opened: OpenedPage) -> None:
        opened.errors.append(f"renderer crashed at {time.strftime('%H:%M:%S')}")
        crashes.append(opened)

    def open_(path: str = "", video=None, camera: bool = True, base: str | None = None,
              bypass_csp: bool = True, device: dict | None = None, cameras: int = 1,
              init_script: str | None = None) -> OpenedPage:
        base = base or site_url
        # Playwright refuses every permission it is not given; browsers grant the wake lock unasked.
        permissions = (["camera"] if camera else []) + ["screen-wake-lock"]
        context = chromium(video, cameras).new_context(
            permissions=permissions, bypass_csp=bypass_csp, accept_downloads=True, **(device or {}))
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        opened = OpenedPage(page, base)
        context.on("request", lambda request: opened.requests.append(request.url))
        page.on("pageerror", lambda error: opened.errors.append(str(error)))
        page.on("crash", lambda _page: crashed(opened))
        page.goto(base + path)
        return opened

    yield open_
    browsers = {context.browser for context in contexts}
    if crashes:  # the browser's own words on it and the crash handler's dumps, printed with this test's output
        time.sleep(1)  # the browser writes its log and the dump a moment after the crash event
        for browser in browsers:
            print("\nthe browser's log on the crash:\n" + "\n".join(browser_log.crash_lines(browser)), file=sys.stderr)
        for dump in crash_dumps.new_dumps(started):
            print(f"crash dump {dump.name}: {crash_dumps.signature(dump)}", file=sys.stderr)
    for context in contexts:
        context.close()
    for browser in browsers:
        drained_s = wait_until_browser_draws(browser)
        if drained_s > 1:
            print(f"\nthe browser drew its next frame {drained_s:.1f} s after the test's pages closed", file=sys.stderr)


NEXT_FRAMES = "() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))"


def wait_until_browser_draws(browser, timeout_ms: int = 180_000) -> float:
    """Seconds until a fresh page of `browser` gets two animation frames.

    One browser serves many tests (per fake-camera video), and its GPU process is shared by all its
    pages. WebGL here is SwiftShader, a CPU emulation: a CenterNet frame is seconds of GPU-process
    work, which goes on after its page has closed, and until it is done no page of that browser gets
    an animation frame, so the next test's page would stall (its frame loop, and Playwright's
    "stable" checks that wait for frames) for reasons of its own predecessor."""
    started = time.monotonic()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.evaluate(NEXT_FRAMES)  # about:blank: nothing of the site runs
        page.wait_for_function("true", timeout=timeout_ms)
    finally:
        context.close()
    return time.monotonic() - started


def photo_video(tmp_path_factory, name: str, image: np.ndarray) -> str:
    path = tmp_path_factory.mktemp("videos") / f"{name}.y4m"
    return str(write_y4m(path, [fit(image, 320, 240)], fps=10, repeat=5))


@pytest.fixture(scope="session")
def astronaut_video(tmp_path_factory) -> str:
    return photo_video(tmp_path_factory, "astronaut", photos.astronaut())


@pytest.fixture(scope="session")
def motorcycle_video(tmp_path_factory) -> str:
    return photo_video(tmp_path_factory, "motorcycle", photos.stereo_motorcycle()[0])
