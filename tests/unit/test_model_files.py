import hashlib
import json

import pytest

from models.model_files import ModelError, ModelFiles, parse_manifest

from aio import run
from fake_bridge import FakeBridge

MODEL_JSON = json.dumps({"modelTopology": {}, "format": "graph-model", "weightsManifest": [
    {"paths": ["group1-shard1of2.aaa.bin", "group1-shard2of2.bbb.bin"], "weights": [{"name": "w", "shape": [2], "dtype": "float32"}]}]}).encode()
LABELS = json.dumps(["person", "bicycle"]).encode()
SHARDS = {"group1-shard1of2.aaa.bin": b"\x01" * 5, "group1-shard2of2.bbb.bin": b"\x02" * 3}


def entry(path: str, data: bytes) -> dict:
    return {"path": path, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def model_dir(**overrides) -> dict[str, bytes]:
    files = {"model.json": MODEL_JSON, "labels.json": LABELS, **SHARDS}
    manifest = {
        "format": "train-your-browser/model@1", "name": "centernet", "title": "CenterNet", "task": "detection",
        "weights": "pretrained", "decoder": "centernet",
        "input": {"name": "images", "shape": [1, 512, 512, 3], "dtype": "float32", "range": [0, 255]},
        "outputs": {"detections": "det", "embedding": "emb"}, "embedding_size": 720,
        "files": [entry(p, d) for p, d in files.items()],
    }
    files.update(overrides)
    files["manifest.json"] = json.dumps(manifest).encode()
    return files


def load(files):
    bridge = FakeBridge(files)
    progress = []
    loader = ModelFiles(bridge, "models/centernet", progress=lambda done, total: progress.append((done, total)))

    async def main():
        manifest = await loader.manifest()
        return manifest, await loader.load(manifest)
    return bridge, progress, run(main())


def test_verified_files_reach_tfjs_with_shards_in_order_and_progress_in_bytes():
    bridge, progress, (manifest, (model, labels)) = load(model_dir())
    assert manifest.input_size == (512, 512) and manifest.input_range == (0, 255)
    assert manifest.describe() == "CenterNet (pretrained weights)"
    assert labels == ["person", "bicycle"]
    assert bridge.log[-1] == ("load_graph_model", ["w"], b"\x01" * 5 + b"\x02" * 3)
    total = manifest.expected_bytes()
    assert progress[0] == (0, total) and progress[-1] == (total, total)


def test_corrupt_shard_is_named():
    with pytest.raises(ModelError, match=r"group1-shard2of2\.bbb\.bin is corrupt"):
        load(model_dir(**{"group1-shard2of2.bbb.bin": b"\x09" * 3}))


def test_truncated_shard_is_named():
    with pytest.raises(ModelError, match=r"group1-shard1of2\.aaa\.bin has 2 bytes, expected 5"):
        load(model_dir(**{"group1-shard1of2.aaa.bin": b"\x01" * 2}))


def test_missing_shard_is_named():
    files = model_dir()
    del files["group1-shard1of2.aaa.bin"]
    with pytest.raises(ModelError, match=r"group1-shard1of2\.aaa\.bin answered HTTP 404"):
        load(files)


def test_missing_manifest_says_how_to_build():
    with pytest.raises(ModelError, match="build_site.py"):
        load({})


def test_manifest_that_is_not_a_manifest():
    with pytest.raises(ModelError, match="not a valid model manifest"):
        parse_manifest("{}", "models/x/manifest.json")
