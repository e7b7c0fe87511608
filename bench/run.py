"""Benchmark the built site against the plain-JS baseline pages in bench/pages/, side by side.

    python bench/run.py                     # everything (about 30-40 min on 2 cores)
    python bench/run.py --parts loop,bytes  # some parts; --quick for a short smoke run

Writes JSON (default bench/results/latest.json) and prints a short table. Every figure names the
TF.js backend it ran on, and the JSON records the WebGL renderer (here: SwiftShader, a CPU emulation).
Parts:
  loop   frames per second, Python page vs plain-JS page, Teach and Detect, each backend; in each
         round both pages are loaded afresh and measured back to back, one at a time (order
         alternating), and ratio/overhead are medians of the per-round pairs. On wasm also the CPU
         time per frame outside the TF.js kernels, from a V8 CPU profile, and whether TF.js's wasm
         heap was laid out the same way in both pages of every pair.
  cold   navigation -> ready and -> first frame, Python vs plain JS: empty cache (first visit), warm
         cache (second visit, once the service worker has the site) and returning (third visit); and
         the runtime alone (bench/pages/runtime.html: the loader and Pyodide, no TF.js, no PyScript).
  bytes  bytes of the first visit by kind (runtime, libraries, models, app), raw, gzip, brotli.
  knn    nearest-examples predict time with 10..10,000 stored examples vs one embedding inference.
  soak   numTensors and JS heap over 10,000 frames of the Python Teach page on the fastest backend.
  naming Detect's frame with 0, 1 and 5 boxes named by the visitor's classes, Python vs plain JS (wasm).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.server
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
PAGES = Path(__file__).resolve().parent / "pages"
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "python")]

from playwright.sync_api import sync_playwright  # noqa: E402

from support.datasets import write_dataset  # noqa: E402
from support.photos import PHOTOS  # noqa: E402
from support.service_worker import SERVICE_WORKER_READY  # noqa: E402
from support.y4m import fit, write_y4m  # noqa: E402
from skimage import data as photos  # noqa: E402

try:
    import brotli
except ImportError:  # pip install brotli
    brotli = None

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BACKENDS = ("webgl", "wasm", "cpu")
EXAMPLES_PER_CLASS = 3
# Per page and backend: (frames per window, rounds, seconds allowed to boot). A frame costs ~60 ms
# (Teach) / ~110 ms (Detect) on wasm here, ~1.5 s / ~8 s on SwiftShader webgl, and more on cpu. Each
# round loads both pages afresh: the wasm kernels' time differs by a few ms per frame between page
# loads, more than the loop overhead being measured, so wasm gets many rounds.
LOOP_PLAN = {
    ("teach", "wasm"): (40, 8, 180), ("teach", "webgl"): (3, 2, 240), ("teach", "cpu"): (1, 1, 150),
    ("detect", "wasm"): (20, 8, 180), ("detect", "webgl"): (2, 1, 300), ("detect", "cpu"): (1, 1, 150),
}
# Frames run before a window is measured. On wasm a page's frames keep getting faster for a while
# after the first one, in both pages (Teach, measured: 57-63 ms per frame over frames 5-15, 53-56 ms
# by frame 100), and a window that starts in that phase measures how far along each page is.
SETTLE_FRAMES = {"wasm": 30, "webgl": 1, "cpu": 1}
KNN_SIZES = (10, 100, 1000, 10_000)

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
# Frame timestamps over one window: resolves after `n` more frames or `timeoutMs`.
WINDOW = """([n, timeoutMs]) => new Promise((resolve) => {
  const samples = [[performance.now(), Number(document.body.dataset.frames || 0)]];
  const target = samples[0][1] + n;
  const observer = new MutationObserver(() => {
    const frames = Number(document.body.dataset.frames || 0);
    if (frames !== samples[samples.length - 1][1]) samples.push([performance.now(), frames]);
    if (frames >= target) finish();
  });
  const timer = setTimeout(finish, timeoutMs);
  function finish() { observer.disconnect(); clearTimeout(timer); resolve(samples); }
  observer.observe(document.body, {attributes: true, attributeFilter: ["data-frames"]});
})"""


# ------------------------------------------------------------------ serving

class _Handler(http.server.SimpleHTTPRequestHandler):
    """site/ at /, bench/pages/ at /bench/; no caching headers beyond what http.server sends."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json"}

    def translate_path(self, path: str) -> str:
        clean = unquote(urlsplit(path).path)
        if clean.startswith("/bench/"):
            return str(PAGES / clean[len("/bench/"):])
        return str(SITE / clean.lstrip("/")) if clean != "/" else str(SITE)

    def log_message(self, *args) -> None:
        pass


def serve() -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def local_file(url: str) -> Path | None:
    path = urlsplit(url).path
    if path.startswith("/bench/"):
        return PAGES / path[len("/bench/"):]
    file = SITE / (path.lstrip("/") or "index.html")
    return file if file.is_file() else None


# ------------------------------------------------------------------ pages

URLS = {
    ("teach", "python"): "index.html?backend={backend}",
    ("teach", "js"): "bench/teach.html?backend={backend}&examples={examples}",
    ("detect", "python"): "detect.html?backend={backend}",
    ("detect", "js"): "bench/detect.html?backend={backend}",
}


class Bench:
    def __init__(self, browser, base: str, work: Path):
        self.browser = browser
        self.base = base
        self.dataset = write_dataset(work / "dataset.json", {"A": EXAMPLES_PER_CLASS, "B": EXAMPLES_PER_CLASS})

    def context(self, heap_layout: bool = False):
        context = self.browser.new_context(permissions=["camera"])
        context.add_init_script(MARKS)
        if heap_layout:  # only where it is compared: the other parts measure the pages as they are
            context.add_init_script(HEAP_LAYOUT)
        return context

    def open(self, context, demo: str, impl: str, backend: str, boot_s: float):
        """Open one page and bring it to its loop; returns the page (raises TimeoutError when too slow)."""
        page = context.new_page()
        page.goto(self.base + URLS[demo, impl].format(backend=backend, examples=EXAMPLES_PER_CLASS))
        page.wait_for_selector("body[data-state=ready], body[data-state=error]", state="attached",
                               timeout=boot_s * 1000)
        if page.get_attribute("body", "data-state") == "error":
            raise RuntimeError(f"{demo}/{impl} failed: {page.text_content('#message')}")
        ran = page.evaluate("tf.getBackend()")
        if ran != backend:
            raise RuntimeError(f"{demo}/{impl}: asked for {backend}, {ran} ran")
        if impl == "python" and demo == "teach" and not page.query_selector(
                f".class-card .count[data-count='{EXAMPLES_PER_CLASS}']"):
            page.set_input_files("#dataset-load", str(self.dataset))
        if impl == "python" and demo == "detect":
            page.click("#camera-start")
        page.wait_for_selector("body[data-frames]", state="attached", timeout=boot_s * 1000)
        return page

    @staticmethod
    def window(page, frames: int, timeout_s: float) -> dict:
        samples = page.evaluate(WINDOW, [frames, timeout_s * 1000])
        if len(samples) < 2:
            return {"frames": 0, "ms": None}
        (t0, f0), (t1, f1) = samples[0], samples[-1]
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


# ------------------------------------------------------------------ parts

def part_loop(bench: Bench, backends: list[str], quick: bool) -> list[dict]:
    rows = []
    for demo in ("teach", "detect"):
        for backend in backends:
            frames, rounds, boot_s = LOOP_PLAN[demo, backend]
            if quick:
                frames, rounds = max(1, frames // 4), 1
            row = {"demo": demo, "backend": backend, "frames_per_window": frames, "rounds": rounds}
            started = time.monotonic()
            timeout_s = {"wasm": 5, "webgl": 60, "cpu": 300}[backend] * (4 if demo == "detect" else 1) * frames + 10

            def measure(impl: str, context) -> dict:
                page = bench.open(context, demo, impl, backend, boot_s)
                bench.window(page, SETTLE_FRAMES[backend], boot_s)
                return measured_window(page, frames, timeout_s, backend == "wasm")
            paired_rounds(row, rounds, lambda: bench.context(heap_layout=backend == "wasm"), measure)
            row["seconds"] = round(time.monotonic() - started, 1)
            print(f"  loop {demo:6s} {backend:5s} {summary_loop(row)}", flush=True)
            rows.append(row)
    return rows


def paired_rounds(row: dict, rounds: int, new_context, measure) -> None:
    """`measure(impl, context)` -> a window, for the Python and the JS page in turn, `rounds` times,
    each in a fresh context; the paired figures (loop_figures) go into `row`, or why it was skipped."""
    windows: dict[str, list[dict]] = {"python": [], "js": []}
    for round_ in range(rounds):
        # Alternate which page goes first, so a drift in machine load does not favour one.
        for impl in ("python", "js") if round_ % 2 == 0 else ("js", "python"):
            context = new_context()
            with recorded(row, context):
                windows[impl].append(measure(impl, context))
            if "skipped" in row:
                return
    row.update(loop_figures(windows))


def measured_window(page, frames: int, timeout_s: float, profile: bool) -> dict:
    """ms per frame over `frames` frames; with `profile`, also the main thread's CPU time per frame
    outside the TF.js wasm kernels (a V8 CPU profile): the loop's own cost, Python or JS, without
    the kernel time that dominates a frame and differs by a few ms between page loads; and the
    page's heap-layout record (HEAP_LAYOUT)."""
    if profile:
        session = page.context.new_cdp_session(page)
        session.send("Profiler.enable")
        session.send("Profiler.setSamplingInterval", {"interval": 1000})
        session.send("Profiler.start")
        Bench.window(page, 2, timeout_s)  # starting the profiler costs the page time: not measured
    result = Bench.window(page, frames, timeout_s)
    if not result["ms"]:
        raise TimeoutError(f"no frame within {timeout_s:.0f}s")
    out = {"ms_per_frame": result["ms"] / result["frames"]}
    if profile:
        split = cpu_split(session.send("Profiler.stop")["profile"], last_ms=result["ms"])
        out.update({f"cpu_{part}_ms": ms / result["frames"] for part, ms in split.items()})
        session.detach()
        out["heap_layout"] = page.evaluate("window.__layout")
    return out


def cpu_split(profile: dict, last_ms: float) -> dict[str, float]:
    """Sampled main-thread ms in the profile's last `last_ms`: in TF.js's wasm kernel module, and
    outside it (the loop's own JS or Python, TF.js's op dispatch, the browser); idle not counted."""
    frames = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    since_us = profile["endTime"] - last_ms * 1000
    t, split = profile["startTime"], {"kernels": 0.0, "outside_kernels": 0.0}
    for node_id, delta_us in zip(profile["samples"], profile["timeDeltas"]):
        t += delta_us
        frame = frames[node_id]
        if t < since_us or frame["functionName"] == "(idle)":
            continue
        kernel = "tfjs-backend-wasm" in frame["url"] and frame["url"].endswith(".wasm")
        split["kernels" if kernel else "outside_kernels"] += delta_us / 1000
    return split


def loop_figures(windows: dict[str, list[dict]]) -> dict:
    """Medians over rounds; ratio and overhead are paired per round (the two pages measured back to back)."""
    out = {}
    for impl, runs in windows.items():
        ms = statistics.median(run["ms_per_frame"] for run in runs)
        out[impl] = {"ms_per_frame": ms, "fps": 1000 / ms, "rounds_ms": [round(run["ms_per_frame"], 2) for run in runs]}
        for key in ("cpu_kernels_ms", "cpu_outside_kernels_ms"):
            if all(key in run for run in runs):
                out[impl][key] = statistics.median(run[key] for run in runs)
    pairs = list(zip(windows["python"], windows["js"]))
    ratios = [js["ms_per_frame"] / py["ms_per_frame"] for py, js in pairs]  # fps(python) / fps(js)
    extra = [py["ms_per_frame"] - js["ms_per_frame"] for py, js in pairs]
    out.update(ratio=statistics.median(ratios), ratio_range=[min(ratios), max(ratios)],
               overhead_ms_per_frame=statistics.median(extra), overhead_range=[min(extra), max(extra)])
    if "cpu_outside_kernels_ms" in out["python"]:
        out["cpu_overhead_ms_per_frame"] = out["python"]["cpu_outside_kernels_ms"] - out["js"]["cpu_outside_kernels_ms"]
    if all("heap_layout" in run for run in windows["python"] + windows["js"]):
        out["same_heap_layout"] = all(py["heap_layout"] is not None and py["heap_layout"] == js["heap_layout"]
                                      for py, js in pairs)
    return out


# Start-up of the Python pages, from the performance marks "tyb:<name>" that site/pyodide-loader.mjs
# and the app write. The runtime boots while the page and PyScript load, so the marks are given in
# the order they came, each with the time since the one before it:
#   runtime-start   the loader starts Pyodide (wasm, stdlib, interpreter; or the snapshot's restore)
#   pyscript-asks   PyScript, loaded, asks for the interpreter
#   runtime-ready   the interpreter is up
#   python-start    PyScript's own set-up and the app's files done; the entry point's first import
#   app-start       the app's modules imported (already imported in a snapshot)
#   backend-ready   TF.js's backend up (site/boot.js started it)
#   model-files     the model's files fetched and checked (site/boot.js started that too)
#   model-loaded    TF.js built the graph model
#   ready           first inference (warm-up), dataset restore, DOM
START_MARKS = ("runtime-start", "pyscript-asks", "runtime-ready", "python-start", "app-start", "backend-ready",
               "model-files", "model-loaded", "ready")
MARKS_JS = """Object.fromEntries(performance.getEntriesByType("mark")
  .filter((m) => m.name.startsWith("tyb:")).map((m) => [m.name.slice(4), m.startTime]))"""


def phases(marks: dict) -> dict[str, dict] | None:
    """Each mark's time from navigation and since the mark before it (ms), in the order they came;
    None when a mark is missing (the plain-JS pages write none)."""
    if any(mark not in marks for mark in START_MARKS):
        return None
    out, previous = {}, 0.0
    for mark in sorted(START_MARKS, key=lambda m: marks[m]):
        out[mark] = {"at": round(marks[mark], 1), "after_previous": round(marks[mark] - previous, 1)}
        previous = marks[mark]
    return out


def summarise(values: list[float]) -> dict:
    return {"median": round(statistics.median(values)), "range": [round(min(values)), round(max(values))]}


def cold_visit(bench: Bench, context, demo: str, impl: str, backend: str) -> tuple[dict, object]:
    """One visit: its figures, and the page (still open)."""
    page = bench.open(context, demo, impl, backend, 240)
    marks = page.evaluate("window.__marks")
    visit = {"ready_ms": round(marks.get("ready", 0)), "first_frame_ms": round(marks.get("frame", 0))}
    if impl == "python":
        visit["boot"] = page.get_attribute("body", "data-boot")
        visit["phases_ms"] = phases(page.evaluate(MARKS_JS))
    return visit, page


def cold_summary(visits: list[dict]) -> dict:
    """Medians over runs of one page's visits of one kind (empty or warm cache): ready and first
    frame, the range of ready, how the Python page booted, and its start-up marks in median order."""
    ready = summarise([v["ready_ms"] for v in visits])
    out = {"ready_ms": ready["median"], "first_frame_ms": summarise([v["first_frame_ms"] for v in visits])["median"],
           "ready_ms_range": ready["range"]}
    if "boot" in visits[0]:
        out["boot"] = sorted({v["boot"] for v in visits})
    split = [v["phases_ms"] for v in visits if v.get("phases_ms")]
    if split:
        at = {m: summarise([s[m]["at"] for s in split]) for m in START_MARKS}
        since = {m: summarise([s[m]["after_previous"] for s in split]) for m in START_MARKS}
        out["phases_ms"] = {m: {"at": at[m], "after_previous": since[m]}
                            for m in sorted(START_MARKS, key=lambda m: at[m]["median"])}
    return out


COLD_VISITS = ("empty_cache", "warm_cache", "returning")  # the first, second and third visit
RUNTIME_ALONE = "bench/runtime.html"  # the loader and Pyodide only, nothing else on the page


def runtime_visit(bench: Bench, context) -> dict:
    """The Python runtime alone (bench/pages/runtime.js), ready ms from navigation and how it booted:
    the floor under any Python page's start-up on this machine. A failure is {"skipped": why}."""
    page = context.new_page()
    try:
        page.goto(bench.base + RUNTIME_ALONE)
        page.wait_for_selector("body[data-state=ready]", state="attached", timeout=120_000)
        return {"ready_ms": round(page.evaluate("window.__marks.ready")), "boot": page.get_attribute("body", "data-boot")}
    except Exception as error:
        return {"skipped": failure(error)}
    finally:
        page.close()


def runtime_summary(visits: list[dict]) -> dict:
    done = [v for v in visits if "skipped" not in v]
    if not done:
        return {"skipped": visits[0]["skipped"]}
    ready = summarise([v["ready_ms"] for v in done])
    return {"ready_ms": ready["median"], "ready_ms_range": ready["range"], "boot": sorted({v["boot"] for v in done}),
            "skipped_runs": len(visits) - len(done)}


def part_cold(bench: Bench, backend: str, runs: int) -> tuple[list[dict], dict]:
    """Per run, each page in a new browser context: an empty cache, then a second visit in the same
    context (HTTP cache, service worker with its precache, IndexedDB). Runs alternate the four pages,
    so a change in machine load reaches all of them; figures are medians over runs, with their range."""
    visits: dict[tuple, list[dict]] = {}
    runtime_alone: dict[str, list[dict]] = {"empty_cache": [], "returning": []}
    skipped, loaded = {}, {}
    for run in range(runs):
        context = bench.context()
        runtime_alone["empty_cache"].append(runtime_visit(bench, context))
        context.close()
        for demo in ("teach", "detect"):
            for impl in ("python", "js"):
                context = bench.context()
                urls = []

                def fetched(response, urls=urls):  # not the service worker's own precache downloads
                    if response.request.service_worker is None:
                        urls.append(response.url)
                context.on("response", fetched)
                row: dict = {}
                with recorded(row, context):
                    empty, page = cold_visit(bench, context, demo, impl, backend)
                    loaded[demo, impl] = sorted(set(urls))
                    if impl == "python":  # the second visit comes once the offline cache is filled
                        empty["service_worker_ready"] = page.evaluate(SERVICE_WORKER_READY)
                    page.close()
                    warm, page = cold_visit(bench, context, demo, impl, backend)
                    page.close()
                    # A third visit: Chromium compiles a script it has run twice and keeps that code
                    # beside the cached file (HTTP cache or the service worker's), so from the third
                    # visit on neither page compiles its JavaScript again.
                    returning, page = cold_visit(bench, context, demo, impl, backend)
                    page.close()
                    visits.setdefault((demo, impl), []).append(
                        {"empty_cache": empty, "warm_cache": warm, "returning": returning})
                    if (demo, impl) == ("teach", "python"):  # with the site's files cached as a returning visitor has them
                        runtime_alone["returning"].append(runtime_visit(bench, context))
                if "skipped" in row:
                    skipped[demo, impl] = row["skipped"]
                print(f"  cold run {run + 1}/{runs} {demo:6s} {impl:6s} "
                      f"{row.get('skipped') or visits[demo, impl][-1]}", flush=True)
    rows = []
    for demo in ("teach", "detect"):
        for impl in ("python", "js"):
            row = {"demo": demo, "impl": impl, "backend": backend, "runs": visits.get((demo, impl), [])}
            if skipped.get((demo, impl)):
                row["skipped"] = skipped[demo, impl]
            for cache in COLD_VISITS if row["runs"] else ():
                row[cache] = cold_summary([r[cache] for r in row["runs"]])
            rows.append(row)
    if runtime_alone["returning"]:
        rows.append({"demo": "runtime", "impl": "alone", "backend": "-", "runs": runtime_alone,
                     **{cache: runtime_summary(alone) for cache, alone in runtime_alone.items()}})
    for row in rows:
        if row["impl"] == "python" and "empty_cache" in row:
            js = next(r for r in rows if r["demo"] == row["demo"] and r["impl"] == "js")
            if "empty_cache" in js:
                row["ratio_to_js"] = {cache: round(row[cache]["ready_ms"] / js[cache]["ready_ms"], 2)
                                      for cache in COLD_VISITS}
    return rows, loaded


def kind_of(url: str) -> str:
    path = urlsplit(url).path
    if path.startswith(("/vendor/pyodide/", "/vendor/pyscript/")) or path in (
            "/pyscript.toml", "/pyscript-csp.js", "/pyodide-loader.mjs"):
        return "runtime"
    if path.startswith("/vendor/"):
        return "libraries"
    if path.startswith("/models/"):
        return "models"
    return "app"


def compressed(data: bytes) -> tuple[int, int | None]:
    return len(gzip.compress(data, compresslevel=6)), (len(brotli.compress(data, quality=11)) if brotli else None)


def part_bytes(loaded: dict) -> dict:
    out = {"levels": {"gzip": 6, "brotli": 11 if brotli else "not measured: pip install brotli"}}
    for (demo, impl), urls in sorted(loaded.items()):
        kinds: dict[str, dict] = {}
        for url in urls:
            file = local_file(url)
            if file is None or not file.is_file():
                continue
            data = file.read_bytes()
            gz, br = compressed(data)
            entry = kinds.setdefault(kind_of(url), {"files": 0, "raw": 0, "gzip": 0, "brotli": 0 if brotli else None})
            entry["files"] += 1
            entry["raw"] += len(data)
            entry["gzip"] += gz
            if brotli:
                entry["brotli"] += br
        total = {key: sum(k[key] for k in kinds.values()) if key != "brotli" or brotli else None
                 for key in ("files", "raw", "gzip", "brotli")}
        out[f"{demo}/{impl}"] = {"by_kind": kinds, "total": total}
    precache = SITE / "sw-precache.js"
    if precache.is_file():
        text = precache.read_text()
        files = json.loads(text[text.index("{"): text.rindex("}") + 1])["files"]
        raw = sum((SITE / p).stat().st_size for p in files if p != "./" and (SITE / p).is_file())
        out["service_worker_precache"] = {"files": len(files), "raw": raw}
    return out


def part_knn(bench: Bench, backends: list[str], quick: bool) -> list[dict]:
    rows = []
    for backend in backends:
        context = bench.context()
        row = {"backend": backend}
        with recorded(row, context):
            page = bench.open(context, "teach", "js", backend, 240)
            runs = 3 if backend != "wasm" else 9
            row["embedding_inference_ms"] = page.evaluate("n => benchEmbed(n)", 1 if quick else runs)
            for n in KNN_SIZES:
                row[f"knn_predict_ms_{n}"] = page.evaluate("([n, r]) => benchKnn(n, r)", [n, 3 if quick else 15])
        print(f"  knn  {backend:5s} {row}", flush=True)
        rows.append(row)
    return rows


def gc_and_measure(page) -> dict:
    session = page.context.new_cdp_session(page)
    session.send("HeapProfiler.collectGarbage")
    session.detach()
    return page.evaluate("""() => ({numTensors: tf.memory().numTensors, tfBytes: tf.memory().numBytes,
        jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
        frames: Number(document.body.dataset.frames || 0), t: performance.now()})""")


# A frame of six photos (3 x 2) in which CenterNet finds five objects scoring >= 0.5 (two people, two
# motorcycles, a cat; measured): "one" names the cat only, "five" every box, "none" switches naming off.
NAMING_THRESHOLD = 50
NAMING_CASES = {"none": None, "one": "cat", "five": "all"}
NAMING_SETTLE_FRAMES = 5  # a frame here costs ~1 s: the loop part's 30 would cost minutes per page


def naming_frame():
    import numpy as np
    from skimage.transform import resize

    def square(image, side: int = 256):
        return (resize(image[..., :3], (side, side), anti_aliasing=True) * 255).astype(np.uint8)

    astronaut, motorcycle = PHOTOS["astronaut"](), PHOTOS["motorcycle"]()[:, 100:600]
    coffee, cat = photos.coffee()[:, 100:500], photos.chelsea()[:, 75:375]
    top = [square(astronaut), square(motorcycle), square(coffee)]
    bottom = [square(cat), square(astronaut[:, ::-1]), square(motorcycle[:, ::-1])]
    return np.concatenate([np.concatenate(top, 1), np.concatenate(bottom, 1)], 0)


def open_naming(bench: Bench, context, impl: str, target: str | None, boot_s: float):
    """The Detect page with its threshold at NAMING_THRESHOLD and naming `target` ("all", one COCO
    label, None: off), on its loop; the Python page names with the benchmark's dataset file."""
    page = context.new_page()
    if impl == "js":
        name = f"&name={target}" if target else ""
        page.goto(bench.base + f"bench/detect.html?backend=wasm&threshold={NAMING_THRESHOLD / 100}"
                  f"&examples={EXAMPLES_PER_CLASS}{name}")
    else:
        page.goto(bench.base + "detect.html?backend=wasm")
    page.wait_for_selector("body[data-state=ready], body[data-state=error]", state="attached", timeout=boot_s * 1000)
    if page.get_attribute("body", "data-state") == "error":
        raise RuntimeError(f"detect/{impl} failed: {page.text_content('#message')}")
    if impl == "python":
        page.locator("#threshold").fill(str(NAMING_THRESHOLD))
        if target:
            page.set_input_files("#naming-load", str(bench.dataset))
            page.wait_for_selector("#naming[data-on=true]", state="attached", timeout=30_000)
            if target != "all":
                page.select_option("#naming-only", target)
        page.click("#camera-start")
    page.wait_for_selector("body[data-frames]", state="attached", timeout=boot_s * 1000)
    return page


def boxes_shown(page) -> int:
    return int(page.get_attribute("#detections", "data-count") or 0)


def part_naming(bench: Bench, quick: bool) -> list[dict]:
    """ms per Detect frame with 0, 1 and 5 boxes named, Python and plain JS back to back per round
    (5 rounds: a page load's heap layout moves a frame's kernels by tens of ms, either way)."""
    frames, rounds, boot_s = (5, 1, 120) if quick else (20, 5, 120)
    rows = []
    for case, target in NAMING_CASES.items():
        row = {"case": case, "names": target, "backend": "wasm", "frames_per_window": frames, "rounds": rounds}

        def measure(impl: str, context) -> dict:
            page = open_naming(bench, context, impl, target, boot_s)
            bench.window(page, NAMING_SETTLE_FRAMES, boot_s)
            window = measured_window(page, frames, 5 * 4 * frames + 10, profile=True)
            row[f"{impl}_boxes"] = boxes_shown(page)
            return window
        paired_rounds(row, rounds, lambda: bench.context(heap_layout=True), measure)
        print(f"  naming {case:5s} {summary_loop(row)}", flush=True)
        rows.append(row)
    base = next((r for r in rows if r["case"] == "none" and "python" in r), None)
    for row in rows:
        if base and "python" in row:
            row["python_vs_none"] = round(row["python"]["ms_per_frame"] / base["python"]["ms_per_frame"], 2)
            row["js_vs_none"] = round(row["js"]["ms_per_frame"] / base["js"]["ms_per_frame"], 2)
    return rows


def part_soak(bench: Bench, backend: str, frames: int, max_s: float) -> dict:
    context = bench.context()
    out = {"backend": backend, "target_frames": frames, "samples": []}
    with recorded(out, context):
        page = bench.open(context, "teach", "python", backend, 240)
        bench.window(page, 50, 120)  # warm-up
        start = gc_and_measure(page)
        out["samples"].append(start)
        deadline = time.monotonic() + max_s
        step = max(1, frames // 10)
        while out["samples"][-1]["frames"] - start["frames"] < frames and time.monotonic() < deadline:
            left = frames - (out["samples"][-1]["frames"] - start["frames"])
            bench.window(page, min(step, left), min(600, max(1, deadline - time.monotonic())))
            out["samples"].append(gc_and_measure(page))
            print(f"  soak {out['samples'][-1]['frames'] - start['frames']} frames, "
                  f"tensors {out['samples'][-1]['numTensors']}", flush=True)
        end = out["samples"][-1]
        out.update(frames=end["frames"] - start["frames"], seconds=round((end["t"] - start["t"]) / 1000, 1),
                   tensor_growth=end["numTensors"] - start["numTensors"],
                   js_heap_growth_bytes=(end["jsHeapBytes"] - start["jsHeapBytes"]) if start["jsHeapBytes"] else None)
        if out["frames"] < frames:
            out["note"] = f"stopped at the {max_s:.0f}s time limit"
    return out


def environment(bench: Bench) -> dict:
    context = bench.context()
    page = context.new_page()
    page.goto(bench.base + "bench/teach.html?backend=cpu")
    page.wait_for_selector("body[data-state=ready], body[data-state=error]", state="attached", timeout=120_000)
    info = page.evaluate("""() => {
        const gl = document.createElement("canvas").getContext("webgl2");
        const ext = gl && gl.getExtension("WEBGL_debug_renderer_info");
        return {webgl_renderer: gl ? gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : "none",
                tfjs: tf.version.tfjs, user_agent: navigator.userAgent, cores: navigator.hardwareConcurrency};
    }""")
    context.close()
    info.update(browser=bench.browser.version, python=platform.python_version(), machine=platform.machine())
    return info


# ------------------------------------------------------------------ output

def fmt(value, digits=1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def megabytes(sizes: dict) -> str:
    """raw/gzip/brotli in MB."""
    return f"{sizes['raw'] / 1e6:.2f}/{sizes['gzip'] / 1e6:.2f}/{fmt(sizes['brotli'] and sizes['brotli'] / 1e6, 2)}"


def summary_loop(row: dict) -> str:
    if "skipped" in row:
        return f"skipped ({row['skipped']})"
    py, js = row["python"], row["js"]
    low, high = row["overhead_range"]
    details = ""
    if "cpu_overhead_ms_per_frame" in row:
        details += (f"; CPU in kernels {fmt(py['cpu_kernels_ms'], 2)} vs {fmt(js['cpu_kernels_ms'], 2)} ms, outside "
                    f"{fmt(py['cpu_outside_kernels_ms'], 2)} vs {fmt(js['cpu_outside_kernels_ms'], 2)} ms")
    if "same_heap_layout" in row:
        details += "; same TF.js heap layout in both pages" if row["same_heap_layout"] else "; TF.js HEAP LAYOUT DIFFERS"
    return (f"python {fmt(py['fps'], 2)} fps, js {fmt(js['fps'], 2)} fps, ratio {fmt(row['ratio'], 3)}, "
            f"overhead {fmt(row['overhead_ms_per_frame'], 2)} ms/frame (rounds: {fmt(low, 2)} to {fmt(high, 2)}){details}")


def print_table(result: dict) -> None:
    print("\n== Train Your Browser benchmark ==")
    env = result.get("environment", {})
    print(f"WebGL renderer: {env.get('webgl_renderer')}; TF.js {env.get('tfjs')}; {env.get('browser')}; "
          f"{env.get('cores')} cores")
    if "loop" in result:
        print("\nFrame loop (Python page vs plain-JS page, same model, same backend)")
        print(f"{'demo':7s} {'backend':7s} {'py fps':>8s} {'js fps':>8s} {'ratio':>6s} {'overhead ms':>11s} "
              f"{'CPU overhead ms':>15s} {'same heap':>9s}")
        for r in result["loop"]:
            if "skipped" in r:
                print(f"{r['demo']:7s} {r['backend']:7s} skipped: {r['skipped']}")
            else:
                print(f"{r['demo']:7s} {r['backend']:7s} {fmt(r['python']['fps'], 2):>8s} {fmt(r['js']['fps'], 2):>8s} "
                      f"{fmt(r['ratio'], 3):>6s} {fmt(r['overhead_ms_per_frame'], 2):>11s} "
                      f"{fmt(r.get('cpu_overhead_ms_per_frame'), 2):>15s} "
                      f"{ {True: 'yes', False: 'NO'}.get(r.get('same_heap_layout'), '–'):>9s}")
        print("(ratio = fps(Python) / fps(JS), overhead = extra ms per frame: medians of per-round pairs; CPU "
              "overhead = main-thread CPU per frame outside the TF.js wasm kernels, Python minus JS; same heap = "
              "TF.js's wasm allocator placed a frame's tensors at the same addresses in both pages of every pair)")
    if "cold" in result:
        print("\nCold start, ms from navigation (ready / first frame), medians over runs; ratio = Python / JS ready")
        for r in result["cold"]:
            if "skipped" in r:
                print(f"{r['demo']:7s} {r['impl']:7s} skipped: {r['skipped']}")
            if r["demo"] == "runtime":
                print("runtime alone (Pyodide through the site's loader): " + "   ".join(
                    f"{label} skipped: {r[cache]['skipped']}" if "skipped" in r[cache] else
                    f"{label} {r[cache]['ready_ms']:>6d} {r[cache]['ready_ms_range']} boot {r[cache]['boot']}"
                    for label, cache in (("empty", "empty_cache"), ("returning", "returning"))))
                continue
            if "empty_cache" not in r:
                continue
            ratio = r.get("ratio_to_js", {})
            print(f"{r['demo']:7s} {r['impl']:7s} {r['backend']:5s} " + "   ".join(
                f"{label} {r[cache]['ready_ms']:>6d} / {r[cache]['first_frame_ms']:>6d} {r[cache]['ready_ms_range']} "
                f"{fmt(ratio.get(cache), 2):>5s}x" for label, cache in zip(("empty", "warm", "returning"), COLD_VISITS)
                if cache in r) + (f"  boot {[r[c]['boot'] for c in COLD_VISITS if c in r]}" if "boot" in r["empty_cache"] else ""))
        for r in result["cold"]:
            for cache in COLD_VISITS:
                split = r.get(cache, {}).get("phases_ms")
                if split:
                    print(f"  {r['demo']} {cache}: " + ", ".join(
                        f"{m} {v['at']['median']} (+{v['after_previous']['median']})" for m, v in split.items()))
    if "bytes" in result:
        print("\nFirst-visit bytes (raw / gzip / brotli, MB)")
        for key, value in result["bytes"].items():
            if not isinstance(value, dict) or "by_kind" not in value:
                continue
            parts = ", ".join(f"{kind} {megabytes(k)}" for kind, k in sorted(value["by_kind"].items()))
            print(f"{key:15s} total {megabytes(value['total'])}: {parts}")
    if "knn" in result:
        print("\nKNN predict (ms, median) vs one embedding inference")
        for r in result["knn"]:
            if "skipped" in r:
                print(f"{r['backend']:7s} skipped: {r['skipped']}")
                continue
            sizes = "  ".join(f"{n}: {fmt(r[f'knn_predict_ms_{n}'], 2)}" for n in KNN_SIZES)
            print(f"{r['backend']:7s} inference {fmt(r['embedding_inference_ms'], 1)}   knn {sizes}")
    if "naming" in result:
        print("\nDetect frame with boxes named (wasm; ms per frame, median; ratio = fps Python / fps JS)")
        for r in result["naming"]:
            if "skipped" in r:
                print(f"{r['case']:5s} skipped: {r['skipped']}")
                continue
            print(f"{r['case']:5s} python {fmt(r['python']['ms_per_frame'], 1)} ({r.get('python_vs_none', '–')}x none)  "
                  f"js {fmt(r['js']['ms_per_frame'], 1)} ({r.get('js_vs_none', '–')}x none)  ratio {fmt(r['ratio'], 3)} "
                  f"[{fmt(r['ratio_range'][0], 3)}..{fmt(r['ratio_range'][1], 3)}]  extra CPU outside kernels "
                  f"{fmt(r.get('cpu_overhead_ms_per_frame'), 1)} ms  boxes {r.get('python_boxes')}/{r.get('js_boxes')}")
    if "soak" in result:
        s = result["soak"]
        if "skipped" in s:
            print(f"\nSoak skipped: {s['skipped']}")
        else:
            print(f"\nSoak ({s['backend']}): {s['frames']} frames in {s['seconds']} s; numTensors growth "
                  f"{s['tensor_growth']}; JS heap growth {fmt(s['js_heap_growth_bytes'] and s['js_heap_growth_bytes'] / 1e6, 2)} MB"
                  + (f" ({s['note']})" if s.get("note") else ""))


def launch(playwright, video: Path):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}",
        "--autoplay-policy=no-user-gesture-required", "--enable-precise-memory-info"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="loop,cold,bytes,knn,soak")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="loop part only; e.g. wasm, the cheapest pair here")
    parser.add_argument("--quick", action="store_true", help="few frames per figure: a smoke run, not a measurement")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold part: runs per page (medians over them)")
    parser.add_argument("--soak-frames", type=int, default=10_000)
    parser.add_argument("--soak-max-s", type=float, default=1500)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if not (SITE / "vendor").is_dir() or not (SITE / "models" / "index.json").is_file():
        sys.exit("site/ is not built: run `python scripts/build_site.py` first")

    started = time.monotonic()
    result: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "quick": args.quick}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        work = Path(tmp)
        video = write_y4m(work / "astronaut.y4m", [fit(PHOTOS["astronaut"](), 320, 240)], fps=10, repeat=5)
        browser = launch(playwright, video)
        bench = Bench(browser, serve(), work)
        result["environment"] = environment(bench)
        print(f"renderer: {result['environment']['webgl_renderer']}", flush=True)
        if "loop" in parts:
            result["loop"] = part_loop(bench, args.backends.split(","), args.quick)
        fastest = "wasm"
        if result.get("loop"):
            teach = [r for r in result["loop"] if r["demo"] == "teach" and r.get("python", {}).get("fps")]
            if teach:
                fastest = max(teach, key=lambda r: r["python"]["fps"])["backend"]
        result["fastest_backend"] = fastest
        if parts & {"cold", "bytes"}:
            cold, loaded = part_cold(bench, fastest, 1 if args.quick else args.cold_runs)
            if "cold" in parts:
                result["cold"] = cold
            if "bytes" in parts:
                result["bytes"] = part_bytes(loaded)
        if "knn" in parts:
            result["knn"] = part_knn(bench, ["wasm", "webgl"], args.quick)
        if "soak" in parts:
            frames = 200 if args.quick else args.soak_frames
            result["soak"] = part_soak(bench, fastest, frames, args.soak_max_s)
        browser.close()
        if "naming" in parts:
            video = write_y4m(work / "six-photos.y4m", [naming_frame()], fps=10, repeat=5)
            browser = launch(playwright, video)
            result["naming"] = part_naming(Bench(browser, bench.base, work), args.quick)
            browser.close()
    result["seconds"] = round(time.monotonic() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print_table(result)
    print(f"\n{result['seconds']} s; JSON written to {args.out}")


if __name__ == "__main__":
    main()
