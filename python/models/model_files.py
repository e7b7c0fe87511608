"""Load a model the converter wrote under models/<name>/: check every file, then hand it to TF.js.

The manifest lists each file's bytes and sha256; a file that is missing, truncated or altered stops
the load with a message that names it, before TF.js sees anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

MANIFEST_FORMAT = "train-your-browser/model@1"


class ModelError(RuntimeError):
    """A model that cannot be loaded; the message names the file and says what to do."""


@dataclass
class Manifest:
    name: str
    title: str
    task: str
    weights: str
    input_name: str
    input_size: tuple[int, int]
    input_range: tuple[float, float]
    outputs: dict[str, str]
    embedding_size: int | None
    decoder: str | None
    files: list[dict]
    model_json: str = "model.json"
    labels_file: str = "labels.json"
    raw: dict = field(default_factory=dict)

    def expected_bytes(self) -> int:
        return sum(int(f["bytes"]) for f in self.files)

    def describe(self) -> str:
        return f"{self.title} ({self.weights} weights)"


def parse_manifest(text: str, where: str) -> Manifest:
    try:
        doc = json.loads(text)
        if doc.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format is {doc.get('format')!r}")
        shape = doc["input"]["shape"]
        return Manifest(
            name=doc["name"], title=doc.get("title", doc["name"]), task=doc["task"], weights=doc["weights"],
            input_name=doc["input"]["name"], input_size=(int(shape[1]), int(shape[2])),
            input_range=tuple(doc["input"].get("range", [0, 255])), outputs=dict(doc["outputs"]),
            embedding_size=doc.get("embedding_size"), decoder=doc.get("decoder"), files=list(doc["files"]),
            model_json=doc.get("model_json", "model.json"), labels_file=doc.get("labels", "labels.json"), raw=doc)
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise ModelError(f"{where} is not a valid model manifest ({error}). Rebuild the models "
                         "with `python scripts/build_site.py`.") from None


def revalidates(path: str) -> bool:
    """Whether a fetch of a model file asks the server again: the converter names weight shards
    after their sha256 (*.bin), so a cached copy is never stale; the JSON files name other files."""
    return not path.endswith(".bin")


class ModelFiles:
    """Fetches and verifies one model directory through `bridge`; `progress(done, total)` per file."""

    def __init__(self, bridge, base_url: str, progress=None):
        self.bridge = bridge
        self.base = base_url.rstrip("/") + "/"
        self.progress = progress or (lambda done, total: None)

    async def _fetch(self, path: str, required_msg: str):
        status, buffer = await self.bridge.fetch_bytes(self.base + path, revalidate=revalidates(path))
        if buffer is None:
            reason = "could not be reached" if status == 0 else f"answered HTTP {status}"
            raise ModelError(f"{self.base}{path} {reason}. {required_msg}")
        return buffer

    async def manifest(self) -> Manifest:
        buffer = await self._fetch("manifest.json", "Build the models with `python scripts/build_site.py`.")
        return parse_manifest(self.bridge.buffer_text(buffer), self.base + "manifest.json")

    async def load(self, manifest: Manifest):
        """Returns (graph model, labels). Every file is checked before TF.js parses any of them."""
        total, done, buffers = manifest.expected_bytes(), 0, {}
        self.progress(done, total)
        for entry in manifest.files:
            path = entry["path"]
            buffer = await self._fetch(path, "The model is incomplete: rebuild it with `python scripts/build_site.py`.")
            await self._verify(path, buffer, entry)
            buffers[path] = buffer
            done += int(entry["bytes"])
            self.progress(done, total)
        self.bridge.mark("model-files")
        model_json = self._json(buffers, manifest.model_json)
        labels = self._json(buffers, manifest.labels_file)
        specs, shards = [], []
        for group in model_json["weightsManifest"]:
            specs.extend(group["weights"])
            for path in group["paths"]:
                if path not in buffers:
                    raise ModelError(f"{self.base}{path} is used by model.json but not listed in manifest.json.")
                shards.append(buffers[path])
        if "embedding" in manifest.outputs:
            model_json = any_size_input(model_json, manifest.input_name)
        try:
            model = await self.bridge.load_graph_model(model_json, specs, self.bridge.concat_buffers(shards))
        except Exception as error:
            raise ModelError(f"TF.js could not load {self.base}{manifest.model_json}: {error}") from None
        self.bridge.mark("model-loaded")
        return model, labels

    async def _verify(self, path: str, buffer, entry: dict) -> None:
        size = self.bridge.byte_length(buffer)
        if size != int(entry["bytes"]):
            raise ModelError(f"{self.base}{path} has {size} bytes, expected {entry['bytes']}: the file is "
                             "truncated or replaced. Rebuild the models with `python scripts/build_site.py`.")
        digest = await self.bridge.sha256_hex(buffer)
        if digest != entry["sha256"]:
            raise ModelError(f"{self.base}{path} is corrupt (sha256 {digest[:12]}…, expected "
                             f"{entry['sha256'][:12]}…). Rebuild the models with `python scripts/build_site.py`.")

    def _json(self, buffers: dict, path: str):
        if path not in buffers:
            raise ModelError(f"manifest.json does not list {path}.")
        try:
            return json.loads(self.bridge.buffer_text(buffers[path]))
        except ValueError:
            raise ModelError(f"{self.base}{path} is not valid JSON. Rebuild the models with "
                             "`python scripts/build_site.py`.") from None


async def available_models(bridge, models_url: str) -> list[dict]:
    """models/index.json: what the converter built (name, task, weights, title)."""
    status, buffer = await bridge.fetch_bytes(models_url.rstrip("/") + "/index.json")
    if buffer is None:
        raise ModelError(f"{models_url}/index.json answered HTTP {status}: no models are built. "
                         "Run `python scripts/build_site.py`.")
    try:
        return list(json.loads(bridge.buffer_text(buffer))["models"])
    except (ValueError, KeyError, TypeError):
        raise ModelError(f"{models_url}/index.json is not valid. Rebuild with `python scripts/build_site.py`.") from None


def any_size_input(model_json: dict, input_name: str) -> dict:
    """`model_json` with its input's batch, height and width left open (-1).

    TF.js refuses any input whose shape differs from the placeholder's, but an embedding node is
    reached through convolutions and pooling only, which take any size: so a batch of small object
    crops is embedded in one call (Detect's boxes, Teach's objects). The whole-frame paths still feed
    the declared size."""
    open_dims = [{"size": "-1"}, {"size": "-1"}, {"size": "-1"}]
    topology = dict(model_json["modelTopology"])
    nodes = []
    for node in topology.get("node", []):
        if node.get("name") == input_name and node.get("op") == "Placeholder":
            dims = node.get("attr", {}).get("shape", {}).get("shape", {}).get("dim", [])
            if len(dims) == 4:
                node = {**node, "attr": {**node["attr"], "shape": {"shape": {"dim": open_dims + dims[3:]}}}}
        nodes.append(node)
    topology["node"] = nodes
    return {**model_json, "modelTopology": topology}
