"""The browser side shared by every part: Chromium with the fake camera, a browser context per
measurement (with the state-change marks, and on request the heap-layout hook), opening a page and
bringing it to its frame loop, timing a window of frames, and recording why a measurement failed."""

from __future__ import annotations

import contextlib
import json
import os
import platform
from pathlib import Path

from support.datasets import write_dataset

from bench import SITE

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BACKENDS = ("webgl", "wasm", "cpu")
EXAMPLES_PER_CLASS = 3

# "What MobileNet sees" switched off before the page loads (python/teach/what_it_sees.py SEES_KEY);
# about:blank has no localStorage.
SEES_OFF = "try { localStorage.setItem('what-it-sees', 'false'); } catch (error) {}"
# Timestamps of state changes, taken in the page from the first byte (performance.now()).
MARKS = """
window.__marks = {};
new MutationObserver(() => {
  const b = document.body;
  if (!b) return;
  if (b.dataset.state && !(b.dataset.state in window.__marks)) window.__marks[b.dataset.state] = performance.now();
  if (b.dataset.frames && !("frame" in window.__marks)) window.__marks.frame = performance.now();
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-state", "data-frames"]});
"""
# Where TF.js's wasm allocator puts a steady frame's tensors: a hash of (size, address) of every
# allocation made while the 4th frame is processed (data-frames "3"). The two pages of a pair must
# agree (bench/pages/baseline.js says why); the hook is taken off after that frame, before measuring.
HEAP_LAYOUT = """
window.__layout = null;
Object.defineProperty(window, "tf", {configurable: true, set(tf) {
  Object.defineProperty(window, "tf", {value: tf, writable: true, configurable: true});
  queueMicrotask(() => {  // tf.min.js has filled in `tf` by now
    const setBackend = tf.setBackend;
    tf.setBackend = async (name) => {
      const ok = await setBackend.call(tf, name);
      const wasm = tf.backend().wasm;
      if (wasm && wasm.asm && !wasm.__layoutHook) hook(wasm);  // no hook: reported as not the same
      return ok;
    };
  });
}});
function hook(wasm) {
  const malloc = wasm.asm.malloc;
  let hash = 2166136261, count = 0;
  wasm.__layoutHook = true;
  wasm._malloc = (size) => {
    const address = malloc(size);
    const frame = Number(document.body.dataset.frames || 0);
    if (frame === 3) {
      hash = Math.imul(Math.imul(hash ^ size, 16777619) ^ address, 16777619);
      count++;
    } else if (frame > 3) {
      wasm._malloc = malloc;
      window.__layout = `${count} allocations, hash ${(hash >>> 0).toString(16)}`;
    }
    return address;
  };
}
"""
# Frame timestamps over one window: resolves after `n` more frames or `timeoutMs`. Each sample is
# [ms, frames, the TF.js kernels' ms so far where they are timed (bench.loop.KERNEL_TIMER), else null].
WINDOW = """([n, timeoutMs]) => new Promise((resolve) => {
  const sample = (frames) => [performance.now(), frames, window.__kernelMs ?? null];
  const samples = [sample(Number(document.body.dataset.frames || 0))];
  const target = samples[0][1] + n;
  const observer = new MutationObserver(() => {
    const frames = Number(document.body.dataset.frames || 0);
    if (frames !== samples[samples.length - 1][1]) samples.push(sample(frames));
    if (frames >= target) finish();
  });
  const timer = setTimeout(finish, timeoutMs);
  function finish() { observer.disconnect(); clearTimeout(timer); resolve(samples); }
  observer.observe(document.body, {attributes: true, attributeFilter: ["data-frames"]});
})"""
BOOTED = "body[data-state=ready], body[data-state=error]"

URLS = {
    ("teach", "python"): "index.html?backend={backend}",
    ("teach", "js"): "bench/teach.html?backend={backend}&examples={examples}",
    ("detect", "python"): "detect.html?backend={backend}",
    ("detect", "js"): "bench/detect.html?backend={backend}",
}
# The query parameter that names each page's model, on the Python and the plain-JS page alike.
MODEL_PARAM = {"teach": "model", "detect": "detector"}
# The naming part's frame is measured with CenterNet (five boxes at >= 50%; its crops are embedded by
# CenterNet's own backbone), on both pages; the loop part measures each page's default model.
SAME_DETECTOR = "&detector=centernet"


def site_models() -> dict:
    """The built site's models/index.json: "defaults" (the model each page runs when no `?model=` /
    `?detector=` names one) and each model's embedding size."""
    index = json.loads((SITE / "models" / "index.json").read_text(encoding="utf-8"))
    return {"defaults": index.get("defaults", {}), "title": {m["name"]: m.get("title") for m in index["models"]},
            "embedding_size": {m["name"]: m.get("embedding_size") for m in index["models"]}}


def launch(playwright, video: Path):
    """Chromium with `video` as its camera."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}",
        "--autoplay-policy=no-user-gesture-required", "--enable-precise-memory-info"])


class Bench:
    """One browser, the server's base URL, the site's default models, and the Teach dataset files the
    Python pages load (one per embedding model: a page refuses a dataset of another model's embeddings)."""

    def __init__(self, browser, base: str, work: Path):
        self.browser = browser
        self.base = base
        self.work = work
        models = site_models()
        self.defaults = models["defaults"]
        self.embedding_size = models["embedding_size"]
        self.title = models["title"]
        self.datasets: dict[str, Path] = {}
        self.dataset = self.dataset_for("centernet")  # Detect's naming embeds its boxes with CenterNet

    def dataset_for(self, model: str) -> Path:
        """A dataset file of EXAMPLES_PER_CLASS random examples in classes A and B, for `model`."""
        if model not in self.datasets:
            self.datasets[model] = write_dataset(self.work / f"dataset-{model}.json",
                                                 {"A": EXAMPLES_PER_CLASS, "B": EXAMPLES_PER_CLASS},
                                                 model=model, size=self.embedding_size[model])
        return self.datasets[model]

    def model(self, demo: str, model: str | None = None) -> str:
        """`model`, or the model `demo`'s page runs by default."""
        return model or self.defaults.get(demo) or "centernet"

    def context(self, heap_layout: bool = False, sees: bool = True):
        """`sees` False: the Python Teach page starts with "What MobileNet sees" switched off, as a
        visitor who unticked it (python/teach/what_it_sees.py SEES_KEY)."""
        context = self.browser.new_context(permissions=["camera"])
        context.add_init_script(MARKS)
        if not sees:
            context.add_init_script(SEES_OFF)
        if heap_layout:  # only where it is compared: the other parts measure the pages as they are
            context.add_init_script(HEAP_LAYOUT)
        return context

    def open(self, context, demo: str, impl: str, backend: str, boot_s: float, model: str | None = None,
             sees: bool = True):
        """Open one page running `model` (None: the page's default) and bring it to its loop; returns
        the page (raises TimeoutError when too slow). The plain-JS page is told the model by name; the
        Python page only when it is not its default, so a default is measured as a visitor gets it.
        `sees` False: the plain-JS Teach page leaves out "What MobileNet sees" (`&sees=0`); the
        Python page's context must say so too (`context(sees=False)`)."""
        page = context.new_page()
        model = self.model(demo, model)
        query = f"&{MODEL_PARAM[demo]}={model}" if impl == "js" or model != self.model(demo) else ""
        if impl == "js" and demo == "teach" and not sees:
            query += "&sees=0"
        page.goto(self.base + URLS[demo, impl].format(backend=backend, examples=EXAMPLES_PER_CLASS) + query)
        wait_ready(page, f"{demo}/{impl}", boot_s)
        ran = page.evaluate("tf.getBackend()")
        if ran != backend:
            raise RuntimeError(f"{demo}/{impl}: asked for {backend}, {ran} ran")
        # The Python page shows its model's title, the plain-JS page names it on <body>.
        shown = page.text_content("#status-model") if impl == "python" else page.get_attribute("body", "data-model")
        expected = (self.title.get(model) or model) if impl == "python" else model
        if not (shown or "").startswith(expected):
            raise RuntimeError(f"{demo}/{impl}: asked for {model}, it runs {shown!r}")
        if impl == "python" and demo == "teach" and not page.query_selector(
                f".class-card .count[data-count='{EXAMPLES_PER_CLASS}']"):
            page.set_input_files("#dataset-load", str(self.dataset_for(model)))
        if impl == "python" and demo == "detect":
            page.click("#camera-start")
        wait_first_frame(page, boot_s)
        return page


def wait_ready(page, what: str, boot_s: float) -> None:
    """Wait until the page has booted; raise with the page's message when it booted into its error."""
    page.wait_for_selector(BOOTED, state="attached", timeout=boot_s * 1000)
    if page.get_attribute("body", "data-state") == "error":
        raise RuntimeError(f"{what} failed: {page.text_content('#message')}")


def wait_first_frame(page, boot_s: float) -> None:
    page.wait_for_selector("body[data-frames]", state="attached", timeout=boot_s * 1000)


def frame_window(page, frames: int, timeout_s: float) -> dict:
    """Frames counted and ms taken over the next `frames` frames (fewer when `timeout_s` runs out)."""
    samples = page.evaluate(WINDOW, [frames, timeout_s * 1000])
    if len(samples) < 2:
        return {"frames": 0, "ms": None}
    (t0, f0, _), (t1, f1, _) = samples[0], samples[-1]
    return {"frames": f1 - f0, "ms": t1 - t0}


def failure(error: Exception) -> str:
    """Why a measurement was skipped, in one line."""
    return f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"


@contextlib.contextmanager
def recorded(row: dict, *contexts):
    """One measurement in its own browser context(s): a failure (or a boot past its time limit) is
    written into row["skipped"] with its reason, never passed over silently."""
    try:
        yield
    except Exception as error:
        row["skipped"] = failure(error)
    finally:
        for context in contexts:
            context.close()


def environment(bench: Bench) -> dict:
    """What the figures ran on: WebGL renderer, TF.js version, browser, cores, Python, machine."""
    context = bench.context()
    page = context.new_page()
    page.goto(bench.base + "bench/teach.html?backend=cpu")
    page.wait_for_selector(BOOTED, state="attached", timeout=120_000)
    info = page.evaluate("""() => {
        const gl = document.createElement("canvas").getContext("webgl2");
        const ext = gl && gl.getExtension("WEBGL_debug_renderer_info");
        return {webgl_renderer: gl ? gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : "none",
                tfjs: tf.version.tfjs, user_agent: navigator.userAgent, cores: navigator.hardwareConcurrency};
    }""")
    context.close()
    info.update(browser=bench.browser.version, python=platform.python_version(), machine=platform.machine())
    return info
