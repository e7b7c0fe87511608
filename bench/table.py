"""The printed summary: one line per loop or naming row as it is measured, and the table of a whole
run, a section per part measured."""

from __future__ import annotations

from bench.cold import COLD_VISITS
from bench.knn import KNN_SIZES


def fmt(value, digits=1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def megabytes(sizes: dict) -> str:
    """raw/gzip/brotli in MB."""
    return f"{sizes['raw'] / 1e6:.2f}/{sizes['gzip'] / 1e6:.2f}/{fmt(sizes['brotli'] and sizes['brotli'] / 1e6, 2)}"


def summary_loop(row: dict) -> str:
    """A loop (or naming) row in one line: fps, ratio, overhead, CPU outside the kernels, heap layout."""
    if "skipped" in row:
        return f"skipped ({row['skipped']})"
    py, js = row["python"], row["js"]
    low, high = row["overhead_range"]
    details = ""
    if "cpu_overhead_ms_per_frame" in row:
        details += (f"; CPU in kernels {fmt(py['cpu_kernels_ms'], 2)} vs {fmt(js['cpu_kernels_ms'], 2)} ms, outside "
                    f"{fmt(py['cpu_outside_kernels_ms'], 2)} vs {fmt(js['cpu_outside_kernels_ms'], 2)} ms")
    if "timed_overhead_ms_per_frame" in row:
        details += (f"; timed outside kernels {fmt(py['timed_outside_kernels_ms'], 2)} vs "
                    f"{fmt(js['timed_outside_kernels_ms'], 2)} ms")
    if "same_heap_layout" in row:
        details += "; same TF.js heap layout in both pages" if row["same_heap_layout"] else "; TF.js HEAP LAYOUT DIFFERS"
    return (f"python {fmt(py['fps'], 2)} fps, js {fmt(js['fps'], 2)} fps, ratio {fmt(row['ratio'], 3)}, "
            f"overhead {fmt(row['overhead_ms_per_frame'], 2)} ms/frame (rounds: {fmt(low, 2)} to {fmt(high, 2)}){details}")


def print_loop(rows: list[dict]) -> None:
    print("\nFrame loop (Python page vs plain-JS page, same model, same backend)")
    print(f"{'demo':7s} {'backend':7s} {'model':10s} {'py fps':>8s} {'js fps':>8s} {'ratio':>6s} {'overhead ms':>11s} "
          f"{'CPU overhead ms':>15s} {'timed ms':>8s} {'same heap':>9s}")
    for r in rows:
        model = r.get("model", "–")
        if "skipped" in r:
            print(f"{r['demo']:7s} {r['backend']:7s} {model:10s} skipped: {r['skipped']}")
        else:
            print(f"{r['demo']:7s} {r['backend']:7s} {model:10s} {fmt(r['python']['fps'], 2):>8s} {fmt(r['js']['fps'], 2):>8s} "
                  f"{fmt(r['ratio'], 3):>6s} {fmt(r['overhead_ms_per_frame'], 2):>11s} "
                  f"{fmt(r.get('cpu_overhead_ms_per_frame'), 2):>15s} {fmt(r.get('timed_overhead_ms_per_frame'), 2):>8s} "
                  f"{ {True: 'yes', False: 'NO'}.get(r.get('same_heap_layout'), '–'):>9s}")
    print("(ratio = fps(Python) / fps(JS), overhead = extra ms per frame: medians of per-round pairs; CPU "
          "overhead = main-thread CPU per frame outside the TF.js wasm kernels, Python minus JS (sampled by a V8 "
          "profile); timed = the same from the kernels timed in the page, no profiler running; same heap = "
          "TF.js's wasm allocator placed a frame's tensors at the same addresses in both pages of every pair)")


def print_cold(rows: list[dict]) -> None:
    print("\nCold start, ms from navigation (ready / first frame), medians over runs; ratio = Python / JS ready")
    for r in rows:
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
    for r in rows:
        for cache in COLD_VISITS:
            split = r.get(cache, {}).get("phases_ms")
            if split:
                print(f"  {r['demo']} {cache}: " + ", ".join(
                    f"{m} {v['at']['median']} (+{v['after_previous']['median']})" for m, v in split.items()))


def print_bytes(sizes: dict) -> None:
    print("\nFirst-visit bytes (raw / gzip / brotli, MB)")
    for key, value in sizes.items():
        if not isinstance(value, dict) or "by_kind" not in value:
            continue
        parts = ", ".join(f"{kind} {megabytes(k)}" for kind, k in sorted(value["by_kind"].items()))
        print(f"{key:15s} total {megabytes(value['total'])}: {parts}")


def print_knn(rows: list[dict]) -> None:
    print("\nKNN predict (ms, median) vs one embedding inference")
    for r in rows:
        if "skipped" in r:
            print(f"{r['backend']:7s} skipped: {r['skipped']}")
            continue
        sizes = "  ".join(f"{n}: {fmt(r[f'knn_predict_ms_{n}'], 2)}" for n in KNN_SIZES)
        print(f"{r['backend']:7s} inference {fmt(r['embedding_inference_ms'], 1)}   knn {sizes}")


def print_naming(rows: list[dict]) -> None:
    print("\nDetect frame with boxes named (wasm; ms per frame, median; ratio = fps Python / fps JS)")
    for r in rows:
        if "skipped" in r:
            print(f"{r['case']:5s} skipped: {r['skipped']}")
            continue
        print(f"{r['case']:5s} python {fmt(r['python']['ms_per_frame'], 1)} ({r.get('python_vs_none', '–')}x none)  "
              f"js {fmt(r['js']['ms_per_frame'], 1)} ({r.get('js_vs_none', '–')}x none)  ratio {fmt(r['ratio'], 3)} "
              f"[{fmt(r['ratio_range'][0], 3)}..{fmt(r['ratio_range'][1], 3)}]  extra CPU outside kernels "
              f"{fmt(r.get('cpu_overhead_ms_per_frame'), 1)} ms  boxes {r.get('python_boxes')}/{r.get('js_boxes')}")


def print_soak(s: dict) -> None:
    if "skipped" in s:
        print(f"\nSoak skipped: {s['skipped']}")
    else:
        print(f"\nSoak ({s['backend']}): {s['frames']} frames in {s['seconds']} s; numTensors growth "
              f"{s['tensor_growth']}; JS heap growth {fmt(s['js_heap_growth_bytes'] and s['js_heap_growth_bytes'] / 1e6, 2)} MB"
              + (f" ({s['note']})" if s.get("note") else ""))


def print_models(rows: list[dict]) -> None:
    print("\nModels with plain TF.js on wasm (ms: median [min..max] over runs; MB raw/gzip of model.json + "
          "shards; labels on 5 photos at the upstream default threshold; 1-NN leave-one-out accuracy and separation)")
    for r in rows:
        if "skipped" in r:
            print(f"{r['model']:10s} skipped: {r['skipped']}")
            continue
        timing = "  ".join(f"{label} {r[key]['median']:.0f} [{r[key]['range'][0]:.0f}..{r[key]['range'][1]:.0f}]"
                           for label, key in (("load", "load_ms"), ("first", "first_frame_ms"), ("frame", "ms_per_frame")))
        quality = ""
        if "labels" in r:
            s = r["labels"]
            quality += f"  labels >= {s['threshold']}: found {s['found']}/{s['required']} missed {s['missed']} wrong {s['wrong']}"
        for role, nn in r.get("nearest_neighbour", {}).items():
            quality += (f"  1-NN {role} ({nn['dims']}-d) {nn['correct']}/{nn['of']}, separation "
                        f"{nn['separation']['median']:.2f} (min {nn['separation']['range'][0]:.2f})")
        print(f"{r['model']:10s} {r['input'][0]}px {r['frame']:10s} {timing}  "
              f"{r['bytes']['raw'] / 1e6:.2f}/{r['bytes']['gzip'] / 1e6:.2f} MB{quality}  "
              f"(1-min load average {r['load_average']['median']})")


SECTIONS = {"loop": print_loop, "cold": print_cold, "bytes": print_bytes, "knn": print_knn,
            "naming": print_naming, "soak": print_soak,
            "models": print_models}


def print_table(result: dict) -> None:
    print("\n== Train Your Browser benchmark ==")
    env = result.get("environment", {})
    print(f"WebGL renderer: {env.get('webgl_renderer')}; TF.js {env.get('tfjs')}; {env.get('browser')}; "
          f"{env.get('cores')} cores")
    for part, print_section in SECTIONS.items():
        if part in result:
            print_section(result[part])
