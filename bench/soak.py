"""The soak part: tf.memory().numTensors and the JS heap (after a garbage collection) over 10,000
frames of the Python Teach page on the fastest backend; growth from the warmed-up start to the end."""

from __future__ import annotations

import time

from bench.browser import Bench, frame_window, recorded


def gc_and_measure(page) -> dict:
    """Tensors, TF.js bytes, JS heap, frames and time, right after a forced garbage collection."""
    session = page.context.new_cdp_session(page)
    session.send("HeapProfiler.collectGarbage")
    session.detach()
    return page.evaluate("""() => ({numTensors: tf.memory().numTensors, tfBytes: tf.memory().numBytes,
        jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
        frames: Number(document.body.dataset.frames || 0), t: performance.now()})""")


def part_soak(bench: Bench, backend: str, frames: int, max_s: float) -> dict:
    context = bench.context()
    out = {"backend": backend, "target_frames": frames, "samples": []}
    with recorded(out, context):
        page = bench.open(context, "teach", "python", backend, 240)
        frame_window(page, 50, 120)  # warm-up
        start = gc_and_measure(page)
        out["samples"].append(start)
        deadline = time.monotonic() + max_s
        step = max(1, frames // 10)
        while out["samples"][-1]["frames"] - start["frames"] < frames and time.monotonic() < deadline:
            left = frames - (out["samples"][-1]["frames"] - start["frames"])
            frame_window(page, min(step, left), min(600, max(1, deadline - time.monotonic())))
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
