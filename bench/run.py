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
  models centernet, coco-ssd and mobilenet, built for the run, with plain TF.js on wasm: load time, ms
         per frame, bytes; detectors' labels found/missed/wrong on labelled photos; 1-NN accuracy of
         embeddings on augmented views (not in the default parts).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a script (python bench/run.py): import the package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from playwright.sync_api import sync_playwright  # noqa: E402

from bench import ROOT, SITE  # noqa: E402
from bench.browser import BACKENDS, Bench, environment, launch  # noqa: E402
from bench.cold import part_cold  # noqa: E402
from bench.first_visit_bytes import part_bytes  # noqa: E402
from bench.knn import part_knn  # noqa: E402
from bench.loop import part_loop  # noqa: E402
from bench.models import part_models  # noqa: E402
from bench.naming import naming_frame, part_naming  # noqa: E402
from bench.server import serve  # noqa: E402
from bench.soak import part_soak  # noqa: E402
from bench.table import print_table  # noqa: E402
from support.photos import PHOTOS  # noqa: E402
from support.y4m import fit, write_y4m  # noqa: E402


def fastest_backend(loop_rows: list[dict] | None) -> str:
    """The backend on which the Python Teach page ran the most frames per second; wasm when unmeasured."""
    teach = [r for r in loop_rows or () if r["demo"] == "teach" and r.get("python", {}).get("fps")]
    return max(teach, key=lambda r: r["python"]["fps"])["backend"] if teach else "wasm"


def main(prog: str | None = None) -> None:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="loop,cold,bytes,knn,soak")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="loop part only; e.g. wasm, the cheapest pair here")
    parser.add_argument("--loop-models", default="", help="loop part: e.g. teach=centernet,detect=centernet "
                        "(default: each page's default model, site/models/index.json)")
    parser.add_argument("--loop-rounds", type=int, default=0, help="loop part: rounds per demo and backend "
                        "(default: the plan's, 8 on wasm)")
    parser.add_argument("--loop-demos", default="teach,detect", help="loop part: teach, detect or both")
    parser.add_argument("--loop-sees", choices=("on", "off"), default="on", help="loop part, Teach: \"What MobileNet "
                        "sees\" on both pages (the Python page's default) or off on both")
    parser.add_argument("--quick", action="store_true", help="few frames per figure: a smoke run, not a measurement")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold part: runs per page (medians over them)")
    parser.add_argument("--model-runs", type=int, default=5, help="models part: timed runs per model (medians over them)")
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
        bench = Bench(browser, serve(work), work)
        result["environment"] = environment(bench)
        print(f"renderer: {result['environment']['webgl_renderer']}", flush=True)
        if "loop" in parts:
            loop_models = dict(pair.split("=", 1) for pair in args.loop_models.split(",") if pair)
            result["loop"] = part_loop(bench, args.backends.split(","), args.quick, loop_models, args.loop_rounds or None,
                                       tuple(args.loop_demos.split(",")), args.loop_sees == "on")
        fastest = result["fastest_backend"] = fastest_backend(result.get("loop"))
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
        if "models" in parts:
            result["models"] = part_models(bench, work, 1 if args.quick else args.model_runs, args.quick)
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
