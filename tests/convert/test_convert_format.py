"""TF.js weight format, quantisation arithmetic, sharding and atomic writes (no TensorFlow needed)."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest

from convert import quantize, tfjs
from convert.errors import ConvertError
from convert.output import ModelMeta, atomic_dir, recover, render, write_model_dir
from convert.tfconvert import import_tf

from convert_fixtures import tiny_mobilenet_files


def _graph(weights):
    nodes = [{"name": w.name, "op": "Const"} for w in weights] + [{"name": "x", "op": "Placeholder"}]
    return tfjs.GraphModel({"format": "graph-model", "modelTopology": {"node": nodes}}, weights)


def _decode(model_json: bytes, shards) -> list[tfjs.Weight]:
    obj = json.loads(model_json)
    data = dict(shards)
    group = obj["weightsManifest"][0]
    return tfjs.decode_group(group, b"".join(data[p] for p in group["paths"]))


def test_roundtrip_none_is_exact_for_every_dtype():
    rng = np.random.default_rng(1)
    ws = [tfjs.Weight("f", rng.standard_normal((3, 5)).astype(np.float32)),
          tfjs.Weight("i", np.arange(-4, 4, dtype=np.int32)),
          tfjs.Weight("b", np.array([True, False, True])),
          tfjs.Weight("s", np.array(2.5, np.float32))]
    model_json, shards = tfjs.encode(_graph(ws), "none")
    back = _decode(model_json, shards)
    for a, b in zip(ws, back):
        assert a.name == b.name and a.data.dtype == b.data.dtype and a.data.shape == b.data.shape
        assert np.array_equal(a.data, b.data)


def test_shards_are_at_most_the_limit_and_named_by_content_hash():
    ws = [tfjs.Weight(f"w{i}", np.full((1000,), i, np.float32)) for i in range(10)]  # 40,000 bytes
    model_json, shards = tfjs.encode(_graph(ws), "none", max_shard_bytes=7000)
    assert len(shards) == 6
    for i, (name, data) in enumerate(shards):
        assert len(data) <= 7000
        m = re.fullmatch(r"group1-shard(\d+)of(\d+)\.([0-9a-f]{12})\.bin", name)
        assert m and int(m[1]) == i + 1 and int(m[2]) == 6
        assert m[3] == hashlib.sha256(data).hexdigest()[:12]
    assert [w.data.tolist() for w in _decode(model_json, shards)] == [w.data.tolist() for w in ws]
    assert json.loads(model_json)["weightsManifest"][0]["paths"] == [n for n, _ in shards]


def test_default_shard_limit_is_4_mib():
    assert tfjs.MAX_SHARD_BYTES == 4 * 1024 * 1024


def test_uint8_matches_tensorflowjs_arithmetic():
    import_tf()  # the environment tensorflowjs needs to import quietly
    from tensorflowjs import quantization as tfjs_quant
    rng = np.random.default_rng(2)
    for data in (rng.standard_normal(5000).astype(np.float32), rng.uniform(0.5, 3, 2000).astype(np.float32)):
        q, mn, scale = quantize.affine_uint8(data)
        ref_q, meta = tfjs_quant.quantize_weights(data, np.uint8)
        assert np.array_equal(q, ref_q)
        assert mn == pytest.approx(meta["min"], abs=0) and scale == pytest.approx(meta["scale"], abs=0)


def test_uint8_keeps_zero_exact_and_error_within_half_a_step():
    data = np.concatenate([np.zeros(10), np.linspace(-1.3, 2.1, 4000)]).astype(np.float32)
    back = quantize.roundtrip(data, "uint8")
    _, _, scale = quantize.affine_uint8(data)
    assert np.all(back[:10] == 0.0)
    assert np.max(np.abs(back - data)) <= scale / 2 + 1e-6


def test_uint8_policy_keeps_small_tensors_float16_and_ints_untouched():
    ws = [tfjs.Weight("big", np.linspace(-1, 1, 2048, dtype=np.float32)),
          tfjs.Weight("bias", np.linspace(-1, 1, 16, dtype=np.float32)),
          tfjs.Weight("ints", np.arange(3000, dtype=np.int32))]
    model_json, shards = tfjs.encode(_graph(ws), "uint8")
    specs = json.loads(model_json)["weightsManifest"][0]["weights"]
    assert specs[0]["quantization"]["dtype"] == "uint8"
    assert specs[1]["quantization"] == {"dtype": "float16", "original_dtype": "float32"}
    assert "quantization" not in specs[2]
    back = _decode(model_json, shards)
    assert np.array_equal(back[2].data, ws[2].data)
    assert np.max(np.abs(back[0].data - ws[0].data)) < 2 / 255


def test_float16_weights_survive_requantisation_bit_exact():
    data = np.linspace(-3, 3, 999, dtype=np.float32).astype(np.float16).astype(np.float32)
    assert np.array_equal(quantize.roundtrip(data, "float16"), data)


def test_decode_rejects_wrong_buffer_size():
    group = {"paths": ["a"], "weights": [{"name": "w", "shape": [4], "dtype": "float32"}]}
    with pytest.raises(ConvertError, match="needs 16 bytes"):
        tfjs.decode_group(group, b"\0" * 12)


def test_unknown_quantization_is_an_error():
    with pytest.raises(ConvertError, match="unknown quantization"):
        tfjs.encode(_graph([]), "int4")


def _meta(name="m"):
    return ModelMeta(name=name, title="t", architecture="a", task="classification", decoder=None,
                     weights="untrained", source={"kind": "path", "path": "x"}, license="MIT",
                     input={"name": "images", "shape": [1, 224, 224, 3], "dtype": "float32", "range": [0, 1]},
                     outputs={"embedding": "module_apply_default/MobilenetV1/Logits/global_pool",
                              "logits": "module_apply_default/MobilenetV1/Logits/SpatialSqueeze"},
                     embedding_size=3, labels=["a", None])


def _tiny_model(tmp_path):
    d = tmp_path / "tiny"
    d.mkdir(exist_ok=True)
    for name, data in tiny_mobilenet_files().items():
        (d / name).write_bytes(data)
    return tfjs.read_model(d / "model.json")


def test_render_is_deterministic_and_manifest_lists_every_file(tmp_path):
    model = _tiny_model(tmp_path)
    a = render(model, _meta(), "uint8", None)
    b = render(_tiny_model(tmp_path), _meta(), "uint8", None)
    assert a == b
    manifest = json.loads(a["manifest.json"])
    listed = [f["path"] for f in manifest["files"]]
    assert set(listed) == set(a) - {"manifest.json"}
    assert listed[0] == "model.json" and listed[-1] == "labels.json"
    for f in manifest["files"]:
        assert f["bytes"] == len(a[f["path"]]) and f["sha256"] == hashlib.sha256(a[f["path"]]).hexdigest()
    assert json.loads(a["labels.json"]) == ["a", None]


def test_render_rejects_missing_output_node(tmp_path):
    meta = _meta()
    meta.outputs = {"logits": "no/such/node"}
    with pytest.raises(ConvertError, match="no node named no/such/node"):
        render(_tiny_model(tmp_path), meta, "none", None)


def test_failed_write_leaves_previous_model_intact(tmp_path):
    out = tmp_path / "models" / "m"
    write_model_dir(out, {"model.json": b"old", "manifest.json": b"{}"})

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with atomic_dir(out) as tmp:
            (tmp / "model.json").write_bytes(b"half")
            raise Boom
    assert (out / "model.json").read_bytes() == b"old"
    assert sorted(p.name for p in out.parent.iterdir()) == ["m"]  # no temporary left behind


def test_replacing_a_model_removes_its_old_files(tmp_path):
    out = tmp_path / "m"
    write_model_dir(out, {"a.bin": b"1", "model.json": b"x"})
    write_model_dir(out, {"b.bin": b"2", "model.json": b"y"})
    assert sorted(p.name for p in out.iterdir()) == ["b.bin", "model.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_recover_restores_a_model_left_between_the_two_renames(tmp_path):
    out = tmp_path / "m"
    old = tmp_path / ".old-m.1234"
    old.mkdir()
    (old / "model.json").write_bytes(b"prev")
    (tmp_path / ".tmp-m.abc").mkdir()
    recover(out)
    assert (out / "model.json").read_bytes() == b"prev"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
