"""Converter benchmark: bytes per model for none / float16 / uint8, conversion time, top-1 agreement.

    python bench/convert_bench.py [--out bench/results/convert.json] [--models centernet,mobilenet,coco-ssd]
                                  [--source-mobilenet offline|pretrained] [--eval-inputs N]

Not part of the test run. Each model is loaded once from its source (timed), then written with every
quantisation (timed) and measured against float32 with TF.js (node, wasm backend) on the fixed input set.
"Wire" bytes are the gzip -6 size of all files, what a compressing static host (Netlify) sends.
Offline models need `pip install -e '.[convert]'`; the pretrained ones need their upstream reachable.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from convert.errors import ConvertError  # noqa: E402
from convert.evaluate import measure  # noqa: E402
from convert.output import render, write_model_dir  # noqa: E402
from convert.quantize import QUANTIZATIONS  # noqa: E402
from convert.sources import Context, load  # noqa: E402

TARGET = {"mobilenet": {"max_wire_bytes": 4_500_000, "min_top1_agreement": 0.99}}


def bench_model(name: str, source: str, ctx: Context) -> dict:
    t0 = time.monotonic()
    loaded = load(name, source, ctx)
    load_s = time.monotonic() - t0
    row = {"model": name, "source": source, "weights": loaded.meta.weights, "load_seconds": round(load_s, 2),
           "quantizations": {}}
    for q in QUANTIZATIONS:
        t1 = time.monotonic()
        files = render(loaded.model, loaded.meta, q, None)
        with tempfile.TemporaryDirectory() as tmp:
            write_model_dir(Path(tmp) / name, files)
        write_s = time.monotonic() - t1
        t2 = time.monotonic()
        try:
            err = measure(loaded.model, loaded.meta, q, ctx, loaded.model.needs_async())
        except ConvertError as exc:
            err = {"measured": False, "reason": str(exc)}
        measure_s = time.monotonic() - t2
        weights = sum(len(v) for k, v in files.items() if k.endswith(".bin"))
        total = sum(len(v) for k, v in files.items() if k != "manifest.json")
        wire = sum(len(gzip.compress(v, 6, mtime=0)) for k, v in files.items() if k != "manifest.json")
        entry = {"weight_bytes": weights, "total_bytes": total, "wire_bytes_gzip": wire,
                 "shards": sum(k.endswith(".bin") for k in files),
                 "write_seconds": round(write_s, 2), "conversion_seconds": round(load_s + write_s, 2),
                 "measure_seconds": round(measure_s, 2),
                 "top1_agreement": err.get("top1_agreement"), "max_abs_diff": err.get("max_abs_diff"),
                 "eval_inputs": err.get("inputs")}
        row["quantizations"][q] = entry
        print(f"{name:10s} {q:8s} {weights / 1e6:6.2f} MB weights, {wire / 1e6:6.2f} MB gzip, "
              f"top-1 {entry['top1_agreement']}, {entry['conversion_seconds']} s", file=sys.stderr)
    target = TARGET.get(name)
    if target:
        best = row["quantizations"]["uint8"]
        row["target"] = {**target, "uint8_wire_bytes": best["wire_bytes_gzip"],
                         "uint8_top1_agreement": best["top1_agreement"],
                         "met": bool(best["wire_bytes_gzip"] <= target["max_wire_bytes"]
                                     and (best["top1_agreement"] or 0) >= target["min_top1_agreement"])}
    return row


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "convert.json")
    p.add_argument("--models", default="centernet,mobilenet,coco-ssd")
    p.add_argument("--source-mobilenet", default="offline")
    p.add_argument("--source-coco-ssd", default="offline")
    p.add_argument("--eval-inputs", type=int, default=None, help="fixed inputs per measurement (default per model)")
    args = p.parse_args()
    ctx = Context(progress=False, eval_inputs=args.eval_inputs)
    sources = {"centernet": "npm", "mobilenet": args.source_mobilenet, "coco-ssd": args.source_coco_ssd}
    rows = []
    for name in args.models.split(","):
        try:
            rows.append(bench_model(name, sources[name], ctx))
        except ConvertError as exc:
            rows.append({"model": name, "source": sources[name], "error": str(exc)})
            print(f"{name}: {exc}", file=sys.stderr)
    result = {"benchmark": "convert", "python": platform.python_version(), "machine": platform.machine(),
              "cpus": os.cpu_count(), "models": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
