"""Measure what quantisation costs: the quantised model against its float32 self on a fixed input set.

Both models run with TF.js itself (node, wasm backend or else cpu, via run_tfjs.js), so the numbers describe what the
page computes. The fixed inputs are smooth pseudo-random images from a seeded generator (no data set
needed), or with `--eval-set photos` views of scikit-image's photos (convert/photos.py). Reported: top-1 agreement (classification: argmax of the logits; ssd: class of the best-scoring
box; centernet: class of the top detection) and the max abs difference of every output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from convert.errors import ConvertError
from convert.output import ModelMeta
from convert.photos import model_inputs, photo_views
from convert.sources import Context
from convert.tfjs import GraphModel, encode

DEFAULT_INPUTS = {"classification": 100, "ssd": 16, "centernet": 16}
PHOTO_VIEWS = 20  # 5 photos x (whole, flipped, two crops)
RUNNER = Path(__file__).resolve().parent / "run_tfjs.js"


def fixed_inputs(meta: ModelMeta, count: int, seed: int = 0) -> np.ndarray:
    """`count` smooth images of the model's input shape (batch 1 each), mapped into its pixel range."""
    shape = list(meta.input["shape"])
    if len(shape) != 4 or min(shape[1:]) < 1:
        raise ConvertError(f"{meta.name}: cannot make test images for input shape {meta.input['shape']}")
    _, h, w, c = shape
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, size=(count, 8, 8, c))
    ys = np.linspace(0, 7, h)
    xs = np.linspace(0, 7, w)
    y0 = np.floor(ys).astype(int).clip(0, 6)
    x0 = np.floor(xs).astype(int).clip(0, 6)
    fy = (ys - y0)[None, :, None, None]
    fx = (xs - x0)[None, None, :, None]
    a = coarse[:, y0][:, :, x0]
    b = coarse[:, y0][:, :, x0 + 1]
    cc = coarse[:, y0 + 1][:, :, x0]
    d = coarse[:, y0 + 1][:, :, x0 + 1]
    img = (a * (1 - fx) + b * fx) * (1 - fy) + (cc * (1 - fx) + d * fx) * fy
    img = np.clip(img + rng.normal(0, 8, size=img.shape), 0, 255)
    lo, hi = meta.input.get("range", [0, 255])
    if meta.input["dtype"] == "int32":
        return np.round(img).astype(np.int32)
    return (img / 255.0 * (hi - lo) + lo).astype(np.float32)


def run_tfjs(model_dirs: list[Path], inputs: np.ndarray, input_dtype: str, outputs: list[str], ctx: Context,
             use_async: bool = False) -> tuple[list[list[np.ndarray]], dict]:
    """Run each model on every input; returns per model a list (per output) of arrays [count, ...]."""
    node = shutil.which("node")
    if node is None:
        raise ConvertError("node is not installed: cannot run TF.js to measure quantisation error")
    tfjs = ctx.modules_dir() / "@tensorflow" / "tfjs"
    if not tfjs.is_dir():
        raise ConvertError("npm package @tensorflow/tfjs is not installed: run `npm ci`")
    with tempfile.TemporaryDirectory(prefix="tyb-eval-") as tmp:
        tmp = Path(tmp)
        (tmp / "inputs.bin").write_bytes(inputs.astype("<i4" if input_dtype == "int32" else "<f4").tobytes())
        wasm = ctx.modules_dir() / "@tensorflow" / "tfjs-backend-wasm"
        job = {
            "tfjs": str(tfjs), "wasm": str(wasm) if wasm.is_dir() else None, "models": [str(d) for d in model_dirs], "outputs": outputs, "out_dir": str(tmp),
            "async": use_async,
            "input": {"path": str(tmp / "inputs.bin"), "shape": [1, *inputs.shape[1:]], "dtype": input_dtype,
                      "count": int(inputs.shape[0])},
        }
        proc = subprocess.run([node, str(RUNNER)], input=json.dumps(job), capture_output=True, text=True)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
            raise ConvertError(f"TF.js could not run the model: {last}")
        report = json.loads(proc.stdout)
        results = []
        for m, shapes in enumerate(report["shapes"]):
            per_model = []
            for k, shape in enumerate(shapes):
                arr = np.frombuffer((tmp / f"{m}.{k}.bin").read_bytes(), "<f4")
                per_model.append(arr.reshape([inputs.shape[0], *shape[1:]]))
            results.append(per_model)
    return results, report


def _top1(meta: ModelMeta, outs: dict[str, np.ndarray]) -> np.ndarray:
    if meta.task == "classification":
        return outs["logits"].reshape(outs["logits"].shape[0], -1).argmax(axis=1)
    if meta.decoder == "ssd":
        s = outs["scores"]
        return s.reshape(s.shape[0], -1).argmax(axis=1) % s.shape[-1]
    if meta.decoder == "centernet":
        return outs["detections"][:, 0, 5].astype(np.int64)
    raise ConvertError(f"{meta.name}: no top-1 rule for task {meta.task}")


def weights_identical(model: GraphModel, quantization: str) -> bool:
    """True when quantising gives back exactly the source weights (e.g. float16 weights kept float16)."""
    from convert.quantize import roundtrip

    return all(np.array_equal(roundtrip(w.data, quantization, w.exact_uint8, w.no_uint8), w.data) for w in model.weights)


def measure(model: GraphModel, meta: ModelMeta, quantization: str, ctx: Context, use_async: bool) -> dict:
    """Quantisation error record for manifest.json."""
    kind = meta.decoder if meta.task == "detection" else "classification"
    photos = ctx.eval_set == "photos"
    count = ctx.eval_inputs or (PHOTO_VIEWS if photos else DEFAULT_INPUTS.get(kind, 8))
    input_set = (f"{count} views of scikit-image photos (whole, flipped, cropped)" if photos
                 else f"{count} smooth pseudo-random images, numpy seed {ctx.seed}")
    base = {"reference": "the same model with float32 weights", "inputs": count, "input_set": input_set}
    if quantization == "none" or weights_identical(model, quantization):
        return {**base, "top1_agreement": 1.0, "max_abs_diff": {role: 0.0 for role in meta.outputs},
                "method": "exact: the quantised weights equal the float32 reference bit for bit"}
    roles = list(meta.outputs)
    names = [meta.outputs[r] for r in roles]
    views = photo_views(count) if photos else None
    inputs = (model_inputs(views, meta.input["shape"], meta.input["dtype"], meta.input.get("range", [0, 255]),
                           square=meta.task == "classification") if photos else fixed_inputs(meta, count, ctx.seed))
    with tempfile.TemporaryDirectory(prefix="tyb-q-") as tmp:
        dirs = []
        for q in ("none", quantization):
            d = Path(tmp) / q
            d.mkdir()
            model_json, shards = encode(model, q)
            (d / "model.json").write_bytes(model_json)
            for fname, data in shards:
                (d / fname).write_bytes(data)
            dirs.append(d)
        (ref, cand), report = run_tfjs(dirs, inputs, meta.input["dtype"], names, ctx, use_async)
    ref_outs, cand_outs = dict(zip(roles, ref)), dict(zip(roles, cand))
    agree = float(np.mean(_top1(meta, ref_outs) == _top1(meta, cand_outs)))
    diffs = {r: float(np.max(np.abs(ref_outs[r] - cand_outs[r]))) for r in roles}
    record = {**base, "top1_agreement": round(agree, 4), "max_abs_diff": {r: round(v, 6) for r, v in diffs.items()},
              "method": f"measured with TF.js {report['version']} ({report['backend']} backend, node)"}
    if photos and meta.decoder == "ssd":
        record["photo_scores"] = ssd_photo_scores(meta, views, ref_outs["scores"], cand_outs["scores"])
    return record


def ssd_photo_scores(meta: ModelMeta, views, ref_scores: np.ndarray, cand_scores: np.ndarray) -> list[dict]:
    """Per whole photo: the best box score of the class it shows (for a photo of nothing, of any class),
    with float32 weights and quantised: what decides whether the page still draws the box."""
    out = []
    for i, view in enumerate(views):
        if view.variant != "whole":
            continue
        if view.label is None:
            pick = lambda s: float(s[i].max())  # noqa: E731
        else:
            slot = meta.labels.index(view.label)
            pick = lambda s: float(s[i][..., slot].max())  # noqa: E731
        out.append({"photo": view.photo, "label": view.label or "nothing (best of any class)",
                    "reference": round(pick(ref_scores), 4), "quantized": round(pick(cand_scores), 4)})
    return out
