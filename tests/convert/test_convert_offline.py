"""TensorFlow paths: offline builds, Keras/SavedModel conversion with tensorflowjs, quantisation error.

One offline MobileNet build per session (about 15 s); everything else reuses it.
"""

from __future__ import annotations

import json

import numpy as np

from convert import cli
from convert.evaluate import fixed_inputs, measure, run_tfjs
from convert.output import render, write_model_dir
from convert.sources import Context, offline

from convert_fixtures import NODE_MODULES


def _ctx(**kw):
    return Context(node_modules=NODE_MODULES, progress=False, log=lambda m: None, **kw)


def test_offline_mobilenet_manifest(offline_mobilenet, tmp_path):
    loaded, _ = offline_mobilenet
    files = render(loaded.model, loaded.meta, "none", None)
    m = json.loads(files["manifest.json"])
    assert m["weights"] == "untrained" and "UNTRAINED" in m["title"] and m["source"]["kind"] == "offline"
    assert m["input"] == {"name": "images", "shape": [1, 224, 224, 3], "dtype": "float32", "range": [-1, 1]}
    assert set(m["outputs"]) == {"embedding", "logits"} and m["embedding_size"] == 1024
    assert len(json.loads(files["labels.json"])) == 1000
    assert all(len(v) <= 4 * 1024 * 1024 for k, v in files.items() if k.endswith(".bin"))
    assert sum(len(v) for k, v in files.items() if k.endswith(".bin")) > 16_000_000  # float32


def test_offline_build_is_deterministic(offline_mobilenet):
    loaded, _ = offline_mobilenet
    graph, inputs, outputs, _ = offline.build("mobilenet", 0, reuse=False)
    again = offline.describe("mobilenet", graph, inputs, outputs, 0)
    assert render(again.model, again.meta, "uint8", None) == render(loaded.model, loaded.meta, "uint8", None)


def test_graph_model_matches_keras(offline_mobilenet, tmp_path):
    """TF.js (node, wasm) on the converted graph vs Keras in CPython: the conversion is exact."""
    loaded, keras_model = offline_mobilenet
    out = tmp_path / "m"
    write_model_dir(out, render(loaded.model, loaded.meta, "none", None))
    x = fixed_inputs(loaded.meta, 2, seed=3)
    (res,), _ = run_tfjs([out], x, "float32", [loaded.meta.outputs["embedding"], loaded.meta.outputs["logits"]], _ctx())
    emb, logits = keras_model(x[:, 0] if x.ndim == 5 else x.reshape(2, 224, 224, 3), training=False)
    assert np.abs(np.asarray(logits)).max() > 0.1  # untrained but not vanishing
    np.testing.assert_allclose(res[1], np.asarray(logits), atol=1e-3, rtol=1e-3)
    np.testing.assert_allclose(res[0].reshape(2, -1), np.asarray(emb).reshape(2, -1), atol=1e-3, rtol=1e-3)


def test_quantisation_error_is_measured_and_bounded(offline_mobilenet):
    loaded, _ = offline_mobilenet
    f16 = measure(loaded.model, loaded.meta, "float16", _ctx(eval_inputs=6), False)
    u8 = measure(loaded.model, loaded.meta, "uint8", _ctx(eval_inputs=6), False)
    assert f16["inputs"] == 6 and "TF.js" in f16["method"]
    assert f16["top1_agreement"] == 1.0 and f16["max_abs_diff"]["logits"] < 0.01
    assert u8["top1_agreement"] >= 5 / 6 and u8["max_abs_diff"]["logits"] < 0.2
    assert u8["max_abs_diff"]["logits"] > f16["max_abs_diff"]["logits"]
    none = measure(loaded.model, loaded.meta, "none", _ctx(), False)
    assert none["top1_agreement"] == 1.0 and none["max_abs_diff"]["logits"] == 0.0


def test_uint8_mobilenet_is_under_the_size_target(offline_mobilenet):
    loaded, _ = offline_mobilenet
    files = render(loaded.model, loaded.meta, "uint8", None)
    assert sum(len(v) for k, v in files.items() if k.endswith(".bin")) <= 4.5e6


def test_offline_ssd_has_the_coco_ssd_signature(tmp_path, capsys):
    out = tmp_path / "coco-ssd"
    code = cli.main(["coco-ssd", "--source", "offline", "--out", str(out), "--eval-inputs", "2",
                     "--node-modules", str(NODE_MODULES), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    m = json.loads((out / "manifest.json").read_text())
    assert m["weights"] == "untrained" and m["decoder"] == "ssd" and m["input"]["dtype"] == "int32"
    labels = json.loads((out / "labels.json").read_text())
    assert len(labels) == 90 and labels[0] == "person" and labels[11] is None  # COCO id 12 is unused
    x = np.random.default_rng(0).integers(0, 256, size=(1, 1, 240, 320, 3)).astype(np.int32)[0]
    (res,), report = run_tfjs([out], x, "int32", [m["outputs"]["scores"], m["outputs"]["boxes"]], _ctx())
    assert res[0].shape == (1, 1917, 90) and res[1].shape == (1, 1917, 1, 4)
    assert 0 <= res[0].min() and res[0].max() <= 1


def test_keras_file_through_the_path_source(tmp_path, capsys):
    from convert.tfconvert import import_tf

    tf, keras = import_tf()
    keras.utils.set_random_seed(0)
    inp = keras.Input([32, 32, 3])
    x = keras.layers.Conv2D(8, 3, activation="relu")(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inp, keras.layers.Dense(5)(x))
    path = tmp_path / "mine.keras"
    model.save(path)
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\nc\nd\ne\n")
    out = tmp_path / "mine"
    code = cli.main(["mobilenet", "--source", str(path), "--out", str(out), "--labels", str(labels),
                     "--input-range", "0,1", "--embedding-size", "8", "--quantize", "none"])
    assert code == 0, capsys.readouterr().err
    m = json.loads((out / "manifest.json").read_text())
    assert m["source"] == {"kind": "path", "path": "mine.keras", "format": "Keras model"}
    assert m["input"]["shape"] == [1, 32, 32, 3] and m["input"]["range"] == [0, 1]
    assert json.loads((out / "labels.json").read_text()) == ["a", "b", "c", "d", "e"]
    x = np.random.default_rng(1).uniform(0, 1, (1, 1, 32, 32, 3)).astype(np.float32)[0]
    (res,), _ = run_tfjs([out], x, "float32", [m["outputs"]["embedding"], m["outputs"]["logits"]], _ctx())
    np.testing.assert_allclose(res[1], model(x).numpy(), atol=1e-4)
    assert res[0].shape == (1, 8)
