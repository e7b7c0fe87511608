"""Read and write TF.js graph models (model.json + binary weight shards) with numpy only.

A `GraphModel` keeps the model.json fields other than the weights manifest, plus every weight decoded to
a plain numpy array (float32, int32 or bool), in the order of the source manifest. Writing re-encodes the
weights with a quantisation policy, concatenates them and cuts the buffer into shards of at most
`MAX_SHARD_BYTES`, each named after its own content hash so a server may cache it forever.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convert import CONVERTED_BY
from convert.errors import ConvertError
from convert.quantize import QUANTIZATIONS, Uint8Form, encode_weight

MAX_SHARD_BYTES = 4 * 1024 * 1024

_PLAIN_DTYPES = {"float32": np.dtype("<f4"), "int32": np.dtype("<i4"), "bool": np.dtype("?")}
_QUANT_DTYPES = {"float16": np.dtype("<f2"), "uint8": np.dtype("u1"), "uint16": np.dtype("<u2")}
# Ops that make TF.js refuse model.execute() and require model.executeAsync().
ASYNC_OPS = frozenset(
    {"Enter", "Exit", "Merge", "Switch", "NextIteration", "LoopCond", "While", "StatelessWhile", "If",
     "StatelessIf", "TensorArrayV3", "TensorArrayReadV3", "TensorArrayWriteV3", "TensorArrayGatherV3",
     "TensorArrayScatterV3", "TensorArraySizeV3", "TensorArrayConcatV3", "TensorArraySplitV3",
     "NonMaxSuppressionV2", "NonMaxSuppressionV3", "NonMaxSuppressionV4", "NonMaxSuppressionV5", "Where"}
)


@dataclass
class Weight:
    name: str
    data: np.ndarray  # decoded: float32, int32 or bool, already in its shape
    source_quantization: dict | None = None  # how the source stored it (for "already float16" checks)
    exact_uint8: Uint8Form | None = None  # the source's own uint8 bytes, kept as they are by --quantize uint8
    no_uint8: bool = False  # values need more than 8 bits: --quantize uint8 stores float16


@dataclass
class GraphModel:
    model_json: dict  # every model.json field except weightsManifest
    weights: list[Weight] = field(default_factory=list)

    @property
    def nodes(self) -> list[dict]:
        return self.model_json.get("modelTopology", {}).get("node", [])

    def node_names(self) -> set[str]:
        return {n["name"] for n in self.nodes}

    def ops(self) -> set[str]:
        ops = {n["op"] for n in self.nodes}
        for fn in self.model_json.get("modelTopology", {}).get("library", {}).get("function", []):
            ops.update(n["op"] for n in fn.get("nodeDef", []))
        return ops

    def needs_async(self) -> bool:
        return bool(self.ops() & ASYNC_OPS)

    def weights_dict(self) -> dict[str, np.ndarray]:
        return {w.name: w.data for w in self.weights}


def _weight_nbytes(spec: dict) -> tuple[np.dtype, int]:
    count = int(np.prod(spec["shape"], dtype=np.int64)) if spec["shape"] else 1
    q = spec.get("quantization")
    if q:
        if q.get("dtype") not in _QUANT_DTYPES:
            raise ConvertError(f"unsupported weight quantization {q.get('dtype')!r} for {spec['name']}")
        dt = _QUANT_DTYPES[q["dtype"]]
    else:
        if spec["dtype"] not in _PLAIN_DTYPES:
            raise ConvertError(f"unsupported weight dtype {spec['dtype']!r} for {spec['name']}")
        dt = _PLAIN_DTYPES[spec["dtype"]]
    return dt, count * dt.itemsize


def expected_group_bytes(group: dict) -> int:
    """Byte length the shards of one weights-manifest group must add up to."""
    return sum(_weight_nbytes(spec)[1] for spec in group["weights"])


def decode_group(group: dict, buffer: bytes) -> list[Weight]:
    expected = expected_group_bytes(group)
    if len(buffer) != expected:
        raise ConvertError(
            f"weight data is {len(buffer)} bytes but the model's weights manifest needs {expected} bytes"
        )
    out, offset = [], 0
    for spec in group["weights"]:
        dt, nbytes = _weight_nbytes(spec)
        raw = np.frombuffer(buffer, dtype=dt, count=nbytes // dt.itemsize, offset=offset)
        offset += nbytes
        q = spec.get("quantization")
        original = spec["dtype"]
        if not q:
            data = raw.astype(_PLAIN_DTYPES[original].newbyteorder("="))
        elif q["dtype"] == "float16":
            data = raw.astype(np.float32)
        else:  # affine uint8/uint16, dequantised the way TF.js does it (float32 arithmetic)
            values = raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])
            data = np.round(values).astype(np.int32) if original == "int32" else values
        out.append(Weight(spec["name"], data.reshape(tuple(spec["shape"])).copy(order="C"), q))
    return out


def load_model_json(path: Path) -> dict:
    try:
        text = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConvertError(f"no model.json at {path}") from None
    return parse_model_json(text, str(path))


def parse_model_json(data: bytes, where: str) -> dict:
    """The model.json object, checked to be a TF.js graph model; `where` names it in errors."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConvertError(f"{where} is not valid JSON ({exc})") from None
    if not isinstance(obj, dict) or "modelTopology" not in obj or "weightsManifest" not in obj:
        raise ConvertError(f"{where} is not a TF.js model.json (needs modelTopology and weightsManifest)")
    if obj.get("format") not in (None, "graph-model"):
        raise ConvertError(
            f"{where} is a TF.js {obj.get('format')!r}; only graph models are supported "
            "(convert a layers model with tensorflowjs_converter --output_format tfjs_graph_model)"
        )
    if "node" not in obj["modelTopology"]:
        raise ConvertError(f"{where} is a TF.js layers model; only graph models are supported")
    return obj


def read_model(model_json_path: Path, read_file=None) -> GraphModel:
    """Read model.json and its shards (resolved next to it, or through `read_file(relpath) -> bytes`)."""
    model_json_path = Path(model_json_path)
    obj = load_model_json(model_json_path)
    if read_file is None:
        def read_file(rel: str) -> bytes:
            try:
                return (model_json_path.parent / rel).read_bytes()
            except FileNotFoundError:
                raise ConvertError(f"weight shard {rel} listed in {model_json_path.name} is missing") from None
    return graph_from_json(obj, read_file)


def read_model_files(files: dict[str, bytes], model_json: str = "model.json", where: str = "model.json") -> GraphModel:
    """A graph model from files held in memory, by path relative to model.json (e.g. taken from a tarball).

    Example:
        >>> read_model_files({"model.json": b"...", "group1-shard1of1": b"..."})
    """
    def read_file(rel: str) -> bytes:
        if rel not in files:
            raise ConvertError(f"weight shard {rel} listed in {where} is missing")
        return files[rel]

    return graph_from_json(parse_model_json(files[model_json], where), read_file)


def graph_from_json(obj: dict, read_file) -> GraphModel:
    weights: list[Weight] = []
    for group in obj["weightsManifest"]:
        buffer = b"".join(read_file(p) for p in group["paths"])
        weights.extend(decode_group(group, buffer))
    rest = {k: v for k, v in obj.items() if k != "weightsManifest"}
    return GraphModel(rest, weights)


def dumps(obj) -> bytes:
    """The one JSON serialisation used for every file we write (stable, compact, ASCII)."""
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode("ascii")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode(model: GraphModel, quantization: str, max_shard_bytes: int = MAX_SHARD_BYTES) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Return (model.json bytes, [(shard file name, shard bytes), ...])."""
    if quantization not in QUANTIZATIONS:
        raise ConvertError(f"unknown quantization {quantization!r} (choose from {', '.join(QUANTIZATIONS)})")
    specs, chunks = [], []
    for w in model.weights:
        spec, raw = encode_weight(w.name, w.data, quantization, w.exact_uint8, w.no_uint8)
        specs.append(spec)
        chunks.append(raw)
    buffer = b"".join(chunks)
    pieces = [buffer[i:i + max_shard_bytes] for i in range(0, len(buffer), max_shard_bytes)] or [b""]
    n = len(pieces)
    shards = [(f"group1-shard{i + 1}of{n}.{sha256(p)[:12]}.bin", p) for i, p in enumerate(pieces)]
    obj = {"format": "graph-model"}
    for key in ("generatedBy", "signature", "modelTopology", "userDefinedMetadata"):
        if key in model.model_json:
            obj[key] = model.model_json[key]
    obj["convertedBy"] = CONVERTED_BY
    obj["weightsManifest"] = [{"paths": [name for name, _ in shards], "weights": specs}]
    return dumps(obj), shards
