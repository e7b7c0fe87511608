"""Test data for the converter tests (a module of its own so test files can import it)."""

from __future__ import annotations

import json

import numpy as np

from pathlib import Path

from convert import cli, tfjs
from convert.sources import find_node_modules
from convert.sources import pretrained as pretrained_mod

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = find_node_modules(ROOT)
MAX_SHARD = 4 * 1024 * 1024  # the site's limit on a weight shard


def run_cli(argv, capsys):
    """`python -m convert ARGV` in process: (exit code, stdout, stderr)."""
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def files_of(folder: Path) -> dict[str, bytes]:
    """A folder's files, name -> bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def tiny_mobilenet_files(seed: int = 0) -> dict[str, bytes]:
    """A real, executable TF.js graph model with the upstream MobileNet's input and node names:
    images [-1,224,224,3] -> global mean pool (the embedding node) -> reshape -> matmul -> 1001 logits."""
    rng = np.random.default_rng(seed)
    emb = pretrained_mod.MOBILENET_EMBEDDING
    dt_f = {"type": "DT_FLOAT"}
    nodes = [
        {"name": "images", "op": "Placeholder", "attr": {"dtype": dt_f, "shape": {"shape": {"dim": [
            {"size": "-1"}, {"size": "224"}, {"size": "224"}, {"size": "3"}]}}}},
        {"name": "axes", "op": "Const", "attr": {"dtype": {"type": "DT_INT32"}, "value": {"tensor": {
            "dtype": "DT_INT32", "tensorShape": {"dim": [{"size": "2"}]}}}}},
        {"name": "shape", "op": "Const", "attr": {"dtype": {"type": "DT_INT32"}, "value": {"tensor": {
            "dtype": "DT_INT32", "tensorShape": {"dim": [{"size": "2"}]}}}}},
        {"name": "kernel", "op": "Const", "attr": {"dtype": dt_f, "value": {"tensor": {
            "dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": "3"}, {"size": "1001"}]}}}}},
        {"name": emb, "op": "Mean", "input": ["images", "axes"],
         "attr": {"T": dt_f, "Tidx": {"type": "DT_INT32"}, "keep_dims": {"b": True}}},
        {"name": "flat", "op": "Reshape", "input": [emb, "shape"], "attr": {"T": dt_f, "Tshape": {"type": "DT_INT32"}}},
        {"name": "module_apply_default/MobilenetV1/Logits/SpatialSqueeze", "op": "MatMul", "input": ["flat", "kernel"],
         "attr": {"T": dt_f, "transpose_a": {"b": False}, "transpose_b": {"b": False}}},
    ]
    graph = tfjs.GraphModel(
        {"format": "graph-model", "generatedBy": "fixture", "modelTopology": {"node": nodes, "versions": {}}},
        [tfjs.Weight("axes", np.array([1, 2], np.int32)), tfjs.Weight("shape", np.array([-1, 3], np.int32)),
         tfjs.Weight("kernel", rng.standard_normal((3, 1001)).astype(np.float32))],
    )
    model_json, shards = tfjs.encode(graph, "none", max_shard_bytes=6000)
    obj = json.loads(model_json)
    # upstream names its shards without hashes
    renamed = {}
    for i, (name, data) in enumerate(shards):
        renamed[f"group1-shard{i + 1}of{len(shards)}"] = data
    obj["weightsManifest"][0]["paths"] = list(renamed)
    return {"model.json": json.dumps(obj).encode(), **renamed}
