"""The loop part: frames per second, Python page vs plain-JS page, Teach and Detect, each backend,
both pages running the same model: by default the model each Python page runs by default (the site's
models/index.json "defaults"; Teach MobileNet, Detect COCO-SSD), or the one `models` names per demo.

In each round both pages are loaded afresh and measured back to back, one at a time (order
alternating); ratio and overhead are medians of the per-round pairs. On wasm also the CPU time per
frame outside the TF.js kernels (a V8 CPU profile), and whether TF.js's wasm heap was laid out the
same way in both pages of every pair. paired_rounds and measured_window serve the naming part too.
"""

from __future__ import annotations

import statistics
import time

from bench.browser import WINDOW, Bench, frame_window, recorded
from bench.table import summary_loop

# Per page and backend: (frames per window, rounds, seconds allowed to boot). On wasm here a frame costs
# ~60 ms on Teach and ~110 ms on Detect (CenterNet, 2026-11; MobileNet and COCO-SSD cost about as much),
# ~1.5 s / ~8 s on SwiftShader webgl, and more on cpu. Each
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


def part_loop(bench: Bench, backends: list[str], quick: bool, models: dict[str, str] | None = None,
              rounds_override: int | None = None, demos: tuple[str, ...] = ("teach", "detect"),
              sees: bool = True) -> list[dict]:
    """`models`: the model per demo ("teach", "detect"; default: each page's default); `rounds_override`:
    rounds per demo and backend instead of LOOP_PLAN's; `sees` False: Teach's "What MobileNet sees"
    (on by default on the Python page) switched off on both pages."""
    rows = []
    for demo in demos:
        model = bench.model(demo, (models or {}).get(demo))
        for backend in backends:
            frames, rounds, boot_s = LOOP_PLAN[demo, backend]
            if quick:
                frames, rounds = max(1, frames // 4), 1
            if rounds_override:
                rounds = rounds_override
            row = {"demo": demo, "backend": backend, "model": model, "default_model": model == bench.model(demo),
                   "frames_per_window": frames, "rounds": rounds}
            if demo == "teach":
                row["sees"] = sees
            started = time.monotonic()
            timeout_s = {"wasm": 5, "webgl": 60, "cpu": 300}[backend] * (4 if demo == "detect" else 1) * frames + 10

            def measure(impl: str, context) -> dict:
                page = bench.open(context, demo, impl, backend, boot_s, model, sees)
                frame_window(page, SETTLE_FRAMES[backend], boot_s)
                return measured_window(page, frames, timeout_s, backend == "wasm")
            paired_rounds(row, rounds, lambda: bench.context(heap_layout=backend == "wasm", sees=sees), measure)
            row["seconds"] = round(time.monotonic() - started, 1)
            print(f"  loop {demo:6s} {backend:5s} {model} {summary_loop(row)}", flush=True)
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
    """ms per frame over `frames` frames; with `profile`, also the main thread's time per frame
    outside the TF.js wasm kernels, two ways, each over a window of its own: timed (the kernels timed
    in the page, no profiler running: `timed_window`) and sampled (a V8 CPU profile); and the page's
    heap-layout record (bench.browser.HEAP_LAYOUT). Outside the kernels is the loop's own cost,
    Python or JS, without the kernel time that dominates a frame and differs by a few ms between
    page loads."""
    out = {}
    if profile:
        out.update(timed_window(page, frames, timeout_s))
        session = page.context.new_cdp_session(page)
        session.send("Profiler.enable")
        session.send("Profiler.setSamplingInterval", {"interval": 1000})
        session.send("Profiler.start")
        frame_window(page, 2, timeout_s)  # starting the profiler costs the page time: not measured
    result = frame_window(page, frames, timeout_s)
    if not result["ms"]:
        raise TimeoutError(f"no frame within {timeout_s:.0f}s")
    out["ms_per_frame"] = result["ms"] / result["frames"]
    if profile:
        split = cpu_split(session.send("Profiler.stop")["profile"], last_ms=result["ms"])
        out.update({f"cpu_{part}_ms": ms / result["frames"] for part, ms in split.items()})
        session.detach()
        out["heap_layout"] = page.evaluate("window.__layout")
    return out


# `on`: every kernel registered for the page's TF.js backend is wrapped so that its time, the
# outermost call only (a kernel may run others), adds up in window.__kernelMs; off: unwrapped. A
# kernel is its wasm call and a few lines of TF.js glue, the same code in both pages.
KERNEL_TIMER = """(on) => {
  const kernels = tf.getKernelsForBackend(tf.getBackend());
  if (!on) {
    for (const k of kernels) if (k.untimed) { k.kernelFunc = k.untimed; delete k.untimed; }
    return;
  }
  window.__kernelMs = 0;
  let depth = 0;
  for (const k of kernels) {
    const run = k.untimed = k.untimed || k.kernelFunc;
    k.kernelFunc = function (...args) {
      if (depth++ > 0) { try { return run.apply(this, args); } finally { depth--; } }
      const start = performance.now();
      try { return run.apply(this, args); } finally { depth--; window.__kernelMs += performance.now() - start; }
    };
  }
}"""


def timed_window(page, frames: int, timeout_s: float) -> dict:
    """ms per frame over `frames` frames, and of those the ms in TF.js kernels, timed in the page
    (KERNEL_TIMER) with no profiler running; the rest, `timed_outside_kernels_ms`, is all else the
    main thread did or waited for in those frames."""
    page.evaluate(KERNEL_TIMER, True)
    try:  # from the end of the window's first frame, so that both ends fall on a frame's end
        samples = page.evaluate(WINDOW, [frames + 1, timeout_s * 1000])
    finally:
        page.evaluate(KERNEL_TIMER, False)
    if len(samples) < 3:
        raise TimeoutError(f"no {frames} frames within {timeout_s:.0f}s")
    return kernel_split(samples[1], samples[-1])


def kernel_split(first: list[float], last: list[float]) -> dict[str, float]:
    """Per frame between two [ms, frames, kernel ms] records: in kernels and outside them."""
    count = last[1] - first[1]
    kernels, total = (last[2] - first[2]) / count, (last[0] - first[0]) / count
    return {"timed_kernels_ms": kernels, "timed_outside_kernels_ms": total - kernels}


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
        for key in ("cpu_kernels_ms", "cpu_outside_kernels_ms", "timed_kernels_ms", "timed_outside_kernels_ms"):
            if all(key in run for run in runs):
                out[impl][key] = statistics.median(run[key] for run in runs)
    pairs = list(zip(windows["python"], windows["js"]))
    ratios = [js["ms_per_frame"] / py["ms_per_frame"] for py, js in pairs]  # fps(python) / fps(js)
    extra = [py["ms_per_frame"] - js["ms_per_frame"] for py, js in pairs]
    out.update(ratio=statistics.median(ratios), ratio_range=[min(ratios), max(ratios)],
               overhead_ms_per_frame=statistics.median(extra), overhead_range=[min(extra), max(extra)])
    if "cpu_outside_kernels_ms" in out["python"]:
        out["cpu_overhead_ms_per_frame"] = out["python"]["cpu_outside_kernels_ms"] - out["js"]["cpu_outside_kernels_ms"]
        cpu = [py["cpu_outside_kernels_ms"] - js["cpu_outside_kernels_ms"] for py, js in pairs]
        out["cpu_overhead_range"] = [min(cpu), max(cpu)]  # per round's pair (the figure: median per page)
    if "timed_outside_kernels_ms" in out["python"]:
        out["timed_overhead_ms_per_frame"] = (out["python"]["timed_outside_kernels_ms"]
                                              - out["js"]["timed_outside_kernels_ms"])
        timed = [py["timed_outside_kernels_ms"] - js["timed_outside_kernels_ms"] for py, js in pairs]
        out["timed_overhead_range"] = [min(timed), max(timed)]
    if all("heap_layout" in run for run in windows["python"] + windows["js"]):
        out["same_heap_layout"] = all(py["heap_layout"] is not None and py["heap_layout"] == js["heap_layout"]
                                      for py, js in pairs)
    return out
