"""pretrained source: the official TF.js graph models that the tfjs-models packages load, over HTTP(S).

Upstream (read from the packages' sources):
- mobilenet: @tensorflow-models/mobilenet 2.1.1 loads MobileNet v1 1.0 224 from TF Hub,
  https://tfhub.dev/google/imagenet/mobilenet_v1_100_224/classification/1 (files fetched with
  `?tfjs-format=file`), inputs in [0, 1], 1001 logits (index 0 = background), embedding node
  module_apply_default/MobilenetV1/Logits/global_pool. Apache-2.0.
- coco-ssd: @tensorflow-models/coco-ssd 2.2.3 default base lite_mobilenet_v2 loads
  https://storage.googleapis.com/tfjs-models/savedmodel/ssdlite_mobilenet_v2/model.json; int32 pixels,
  outputs Postprocessor/Slice (scores [1,N,90]) and Postprocessor/ExpandDims_1 (boxes [1,N,1,4]). Apache-2.0.

Downloads stream into a cache directory with a progress bar; every file is checked against the size the
server announced, the size the model.json weights manifest implies (shards), and the pinned size and
sha256 in pins.json when one is known. A failed check raises before anything is written to --out.
`--mirror URL` fetches the same file names from a self-hosted copy (URL/<model>/<file>).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from convert.checks import load_pins, sha256_file
from convert.errors import ConvertError, Unreachable
from convert.models import coco90_slots, imagenet1001
from convert.output import ModelMeta
from convert.sources import Context, Loaded
from convert.tfjs import GraphModel, decode_group, expected_group_bytes, load_model_json

KIND = "pretrained"


@dataclass(frozen=True)
class Upstream:
    base: str  # directory URL, ends with "/"
    model_json: str
    query: str  # appended to every file name when fetching (TF Hub wants ?tfjs-format=file)
    package: str  # the tfjs-models package whose default this is
    license: str


UPSTREAM = {
    "mobilenet": Upstream(
        "https://tfhub.dev/google/imagenet/mobilenet_v1_100_224/classification/1/", "model.json",
        "?tfjs-format=file", "@tensorflow-models/mobilenet@2.1.1", "Apache-2.0 (TF Hub model, Google)",
    ),
    "coco-ssd": Upstream(
        "https://storage.googleapis.com/tfjs-models/savedmodel/ssdlite_mobilenet_v2/", "model.json", "",
        "@tensorflow-models/coco-ssd@2.2.3", "Apache-2.0 (tfjs-models, Google)",
    ),
}

MOBILENET_EMBEDDING = "module_apply_default/MobilenetV1/Logits/global_pool"
SSD_SCORES = "Postprocessor/Slice"
SSD_BOXES = "Postprocessor/ExpandDims_1"


class _Progress:
    def __init__(self, label: str, total: int | None, enabled: bool):
        self.label, self.total, self.enabled, self.done, self._last = label, total, enabled, 0, -1

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        if self.total:
            pct = int(100 * self.done / self.total)
            if pct == self._last:
                return
            self._last = pct
            bar = "#" * (pct // 4)
            sys.stderr.write(f"\r  {self.label} [{bar:<25}] {pct:3d}% {self.done / 1e6:.1f}/{self.total / 1e6:.1f} MB")
        else:
            sys.stderr.write(f"\r  {self.label} {self.done / 1e6:.1f} MB")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


class Fetcher:
    """Download files of one model into the cache, verified; returns their bytes."""

    def __init__(self, name: str, upstream: Upstream, ctx: Context, pins: dict):
        self.name, self.upstream, self.ctx = name, upstream, ctx
        self.pins = pins.get(name, {}).get("files", {})
        if ctx.mirror:
            self.base, self.query = ctx.mirror.rstrip("/") + f"/{name}/", ""
        else:
            self.base, self.query = upstream.base, upstream.query
        self.cache = Path(ctx.cache_dir) / name / hashlib.sha256(self.base.encode()).hexdigest()[:12]
        self.record: dict[str, dict] = {}

    def url(self, rel: str) -> str:
        return self.base + rel + self.query

    def _check(self, rel: str, path: Path, expected_size: int | None) -> str:
        size = path.stat().st_size
        pin = self.pins.get(rel)
        if pin and size != pin["bytes"]:
            raise ConvertError(f"pretrained {self.name}: {rel} is {size} bytes, expected {pin['bytes']} (pinned)")
        if expected_size is not None and size != expected_size:
            raise ConvertError(
                f"pretrained {self.name}: {rel} is {size} bytes, but model.json needs {expected_size}: truncated or wrong file"
            )
        digest = sha256_file(path)
        if pin and digest != pin["sha256"]:
            raise ConvertError(
                f"pretrained {self.name}: {rel} has sha256 {digest[:16]}..., expected {pin['sha256'][:16]}... (pinned): "
                "checksum mismatch"
            )
        return digest

    def get(self, rel: str, expected_size: int | None = None) -> bytes:
        target = self.cache / rel
        if target.exists():
            try:
                digest = self._check(rel, target, expected_size)
                self.record[rel] = {"bytes": target.stat().st_size, "sha256": digest, "cached": True}
                return target.read_bytes()
            except ConvertError:
                target.unlink()  # a bad cache entry is fetched again
        self.cache.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        url = self.url(rel)
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "train-your-browser-convert"}),
                                        timeout=self.ctx.timeout) as resp:
                length = resp.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                bar = _Progress(f"{self.name}/{rel}", total, self.ctx.progress)
                try:
                    with open(part, "wb") as fh:
                        while True:
                            block = resp.read(1 << 16)
                            if not block:
                                break
                            fh.write(block)
                            bar.update(len(block))
                finally:
                    bar.close()
                if total is not None and bar.done != total:
                    raise ConvertError(
                        f"pretrained {self.name}: truncated download of {rel}: got {bar.done} of {total} bytes"
                    )
        except urllib.error.HTTPError as exc:
            part.unlink(missing_ok=True)
            if exc.code >= 500 or exc.code in (403, 407, 429):
                raise Unreachable(f"pretrained {self.name}: {url} answered HTTP {exc.code}") from None
            raise ConvertError(f"pretrained {self.name}: {url} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
            part.unlink(missing_ok=True)
            reason = getattr(exc, "reason", exc)
            raise Unreachable(f"pretrained {self.name}: cannot reach {url} ({reason})") from None
        except http.client.IncompleteRead as exc:
            part.unlink(missing_ok=True)
            raise ConvertError(
                f"pretrained {self.name}: truncated download of {rel}: got {len(exc.partial)} more bytes, "
                f"{exc.expected} missing"
            ) from None
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        try:
            digest = self._check(rel, part, expected_size)
        except ConvertError:
            part.unlink(missing_ok=True)
            raise
        os.replace(part, target)
        self.record[rel] = {"bytes": target.stat().st_size, "sha256": digest, "cached": False}
        return target.read_bytes()


def fetch_graph_model(name: str, ctx: Context, pins: dict | None = None) -> tuple[GraphModel, Fetcher]:
    upstream = UPSTREAM[name]
    fetcher = Fetcher(name, upstream, ctx, load_pins() if pins is None else pins)
    raw = fetcher.get(upstream.model_json)
    tmp_json = fetcher.cache / upstream.model_json
    obj = load_model_json(tmp_json)
    weights = []
    for group in obj["weightsManifest"]:
        # each shard's size is known from the manifest only in total; check the total, then per-file pins
        chunks = [fetcher.get(p) for p in group["paths"]]
        buffer = b"".join(chunks)
        expected = expected_group_bytes(group)
        if len(buffer) != expected:
            raise ConvertError(
                f"pretrained {name}: weight shards add up to {len(buffer)} bytes, model.json needs {expected}: "
                "truncated or wrong file"
            )
        weights.extend(decode_group(group, buffer))
    del raw
    return GraphModel({k: v for k, v in obj.items() if k != "weightsManifest"}, weights), fetcher


def _placeholder(model: GraphModel) -> dict:
    ph = [n for n in model.nodes if n["op"] == "Placeholder"]
    if len(ph) != 1:
        raise ConvertError(f"expected one input placeholder, found {len(ph)}")
    node = ph[0]
    dims = node.get("attr", {}).get("shape", {}).get("shape", {}).get("dim", [])
    shape = [int(d.get("size", -1)) for d in dims]
    dtype = node.get("attr", {}).get("dtype", {}).get("type", "DT_FLOAT")
    return {"name": node["name"], "shape": shape, "dtype": "int32" if dtype == "DT_INT32" else "float32"}


def sink_nodes(model: GraphModel) -> list[str]:
    """Nodes no other node consumes (the graph's outputs), in topology order."""
    used = set()
    for n in model.nodes:
        for i in n.get("input", []):
            used.add(i.lstrip("^").split(":")[0])
    return [n["name"] for n in model.nodes if n["name"] not in used and n["op"] not in ("Const", "NoOp")]


def _require(model: GraphModel, name: str, node: str) -> None:
    if node not in model.node_names():
        raise ConvertError(f"pretrained {name}: model.json has no node {node}: upstream model changed")


def load(name: str, ctx: Context, arg: str) -> Loaded:
    if name not in UPSTREAM:
        raise ConvertError(f"no pretrained upstream for {name}; centernet comes from --source npm")
    model, fetcher = fetch_graph_model(name, ctx)
    upstream = UPSTREAM[name]
    inp = _placeholder(model)
    source = {"kind": "pretrained", "url": upstream.base + upstream.model_json, "package": upstream.package,
              "downloaded": {k: {"bytes": v["bytes"], "sha256": v["sha256"]} for k, v in sorted(fetcher.record.items())}}
    if ctx.mirror:
        source["mirror"] = True
    if name == "mobilenet":
        _require(model, name, MOBILENET_EMBEDDING)
        sinks = sink_nodes(model)
        if len(sinks) != 1:
            raise ConvertError(f"pretrained mobilenet: expected one output node, found {len(sinks)}")
        inp.update(shape=[1, 224, 224, 3], range=[0, 1])
        meta = ModelMeta(
            name="mobilenet", title="MobileNet v1 1.0 224 (ImageNet)",
            architecture="MobileNet v1, width 1.0, 224x224 input, 1001 ImageNet logits (0 = background)",
            task="classification", decoder=None, weights="pretrained", source=source, license=upstream.license,
            input=inp, outputs={"embedding": MOBILENET_EMBEDDING, "logits": sinks[0]}, embedding_size=1024,
            labels=imagenet1001(),
            notes=["logits has 1001 entries; index 0 is 'background' (labels.json keeps that order)"],
            output_shapes={"embedding": [1, 1, 1, 1024], "logits": [1, 1001]},
        )
    else:
        _require(model, name, SSD_SCORES)
        _require(model, name, SSD_BOXES)
        meta = coco_ssd_meta(inp["name"], source, upstream.license)
    return Loaded(model, meta)


def coco_ssd_meta(input_name: str, source: dict, license: str) -> ModelMeta:
    """What the page needs to know about the SSDLite MobileNet v2 graph model of @tensorflow-models/coco-ssd,
    wherever its files come from (pretrained download or npm tarball).

    The input is declared int32 whatever the placeholder says (the upstream JSON says uint8): coco-ssd feeds
    int32 pixels from tf.browser.fromPixels, and TF.js casts inside the graph.
    """
    return ModelMeta(
        name="coco-ssd", title="SSDLite MobileNet v2 (COCO)",
        architecture="SSDLite, MobileNet v2 backbone, 300x300 internal resize, 1917 anchors, 90 COCO ids",
        task="detection", decoder="ssd", weights="pretrained", source=source, license=license,
        # any size works (the graph resizes to 300x300 itself); the page feeds 300x300
        input={"name": input_name, "shape": [1, 300, 300, 3], "dtype": "int32", "range": [0, 255]},
        outputs={"scores": SSD_SCORES, "boxes": SSD_BOXES}, embedding_size=None,
        labels=coco90_slots(),
        notes=["scores [1,N,90]: slot j is COCO id j+1 (labels.json, null = unused id); boxes [1,N,1,4]: "
               "ymin, xmin, ymax, xmax in 0..1; needs model.executeAsync (control flow); decode like "
               "@tensorflow-models/coco-ssd: per-box max score, then NMS"],
        output_shapes={"scores": [1, 1917, 90], "boxes": [1, 1917, 1, 4]},
    )
