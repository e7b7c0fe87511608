"""Round trip in real Chromium: models made by `convert/` load with TF.js and compute the right thing.

- every converted model (npm centernet, offline mobilenet float32 and uint8, offline SSD) passes the
  manifest's size/sha256 checks, loads with tf.io.fromMemory and gives outputs of the declared shapes;
- the offline MobileNet in the page (webgl) and in Keras (CPython) agree within 1e-3 on one fixed input;
- centernet finds a person in skimage.data.astronaut() (a real photo shipped in scikit-image's wheel).

Headless Chromium's WebGL is SwiftShader (a CPU emulation): centernet takes ~10-20 s per frame there, so
each model runs once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from convert import cli
from convert.evaluate import fixed_inputs
from convert.output import render, write_model_dir
from convert.sources import find_node_modules, offline

ROOT = Path(__file__).resolve().parents[2]
PAGE = Path(__file__).resolve().parent / "pages" / "model_roundtrip.html"
NODE_MODULES = find_node_modules(ROOT)
BACKEND = "webgl"


@pytest.fixture(scope="module")
def served_models(tmp_path_factory, static_server):
    root = tmp_path_factory.mktemp("roundtrip")
    shutil.copy(PAGE, root / "index.html")
    shutil.copy(NODE_MODULES / "@tensorflow" / "tfjs" / "dist" / "tf.min.js", root / "tf.min.js")
    models = root / "models"
    nm = ["--node-modules", str(NODE_MODULES), "--no-progress"]
    assert cli.main(["centernet", "--source", "npm", "--out", str(models / "centernet"), *nm]) == 0
    assert cli.main(["coco-ssd", "--source", "offline", "--out", str(models / "coco-ssd"), "--eval-inputs", "2", *nm]) == 0
    graph, inputs, outputs, keras_model = offline.build("mobilenet", 0)
    loaded = offline.describe("mobilenet", graph, inputs, outputs, 0)
    write_model_dir(models / "mobilenet", render(loaded.model, loaded.meta, "none", None))
    write_model_dir(models / "mobilenet-uint8", render(loaded.model, loaded.meta, "uint8", None))
    # inputs
    x = fixed_inputs(loaded.meta, 1, seed=7)  # [1,224,224,3] float32 in [-1, 1]
    (root / "mobilenet_input.bin").write_bytes(x.astype("<f4").tobytes())
    emb, logits = keras_model(x, training=False)
    from skimage import data as skdata

    photo = skdata.astronaut()
    assert photo.shape == (512, 512, 3) and photo.dtype == np.uint8
    (root / "astronaut.bin").write_bytes(photo.tobytes())
    ssd_in = np.random.default_rng(0).integers(0, 256, (1, 300, 300, 3)).astype("<i4")
    (root / "ssd_input.bin").write_bytes(ssd_in.tobytes())
    refs = {"embedding": np.asarray(emb).reshape(-1), "logits": np.asarray(logits).reshape(-1)}
    return static_server(root), refs


@pytest.fixture(scope="module")
def page(served_models, chromium):
    base, _ = served_models
    context = chromium().new_context()
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(base + "index.html")
    pg.wait_for_function("window.pageReady === true")
    yield pg
    context.close()
    assert not errors, errors


def _run(page, base, model, input_file, input_type, want):
    page.set_default_timeout(180_000)
    return page.evaluate(
        "([b, m, i, t, w]) => window.roundtrip(b, m, i, t, w)",
        [BACKEND, f"{base}models/{model}/", f"{base}{input_file}", input_type, want],
    )


def test_offline_mobilenet_matches_keras(page, served_models):
    base, refs = served_models
    res = _run(page, base, "mobilenet", "mobilenet_input.bin", "float32", {"embedding": "data", "logits": "data"})
    assert res["backend"] == BACKEND
    assert res["outputs"]["embedding"]["shape"] == [1, 1024]
    assert res["outputs"]["logits"]["shape"] == [1, 1000]
    assert res["labels"] == 1000
    logits = np.asarray(res["outputs"]["logits"]["data"], np.float32)
    emb = np.asarray(res["outputs"]["embedding"]["data"], np.float32)
    assert np.abs(refs["logits"]).max() > 0.1  # not a vanishing untrained network
    np.testing.assert_allclose(logits, refs["logits"], atol=1e-3, rtol=0)
    np.testing.assert_allclose(emb, refs["embedding"], atol=1e-3, rtol=0)
    assert int(logits.argmax()) == int(refs["logits"].argmax())


def test_offline_mobilenet_uint8_loads(page, served_models):
    base, refs = served_models
    res = _run(page, base, "mobilenet-uint8", "mobilenet_input.bin", "float32", {"logits": "data"})
    assert res["outputs"]["logits"]["shape"] == [1, 1000] and res["outputs"]["embedding"]["shape"] == [1, 1024]
    logits = np.asarray(res["outputs"]["logits"]["data"], np.float32)
    assert np.abs(logits - refs["logits"]).max() < 0.25


def test_offline_ssd_has_coco_ssd_shapes(page, served_models):
    base, _ = served_models
    res = _run(page, base, "coco-ssd", "ssd_input.bin", "int32", {})
    assert res["backend"] == BACKEND
    assert res["outputs"]["scores"]["shape"] == [1, 1917, 90]
    assert res["outputs"]["boxes"]["shape"] == [1, 1917, 1, 4]
    assert 0 <= res["outputs"]["scores"]["min"] and res["outputs"]["scores"]["max"] <= 1
    assert res["labels"] == 90


def test_centernet_finds_the_astronaut(page, served_models):
    base, _ = served_models
    res = _run(page, base, "centernet", "astronaut.bin", "uint8", {"detections": "data"})
    assert res["backend"] == BACKEND
    assert res["outputs"]["detections"]["shape"] == [1, 100, 6]
    assert res["outputs"]["embedding"]["shape"] == [1, 1, 1, 720]
    assert res["labels"] == 80
    rows = np.asarray(res["outputs"]["detections"]["data"], np.float32).reshape(100, 6)
    people = rows[(rows[:, 5] == 0)]
    assert len(people), "no person among the detections"
    best = people[people[:, 4].argmax()]
    assert best[4] >= 0.5, f"best person score {best[4]:.2f}"
    x1, y1, x2, y2 = np.clip(best[:4], 0, 512)  # boxes may reach a little past the frame
    assert x1 < x2 and y1 < y2 and (x2 - x1) * (y2 - y1) > 0.1 * 512 * 512, best
