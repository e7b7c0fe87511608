"""path source: the user's own model, given as a filesystem path.

- a TF.js graph model: model.json (or the directory holding it) with its shards; no TensorFlow needed
- a SavedModel directory (serving_default signature) or a Keras .keras / .h5 file: converted with
  tensorflowjs (needs `.[convert]`)

Node roles (embedding, logits, scores, boxes, detections) come from --output ROLE=NODE, else from
signature output keys named like the roles, else from the node names of the known upstream models.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from convert.errors import ConvertError
from convert.models import MODELS, coco80, coco90_slots, imagenet1000, imagenet1001
from convert.output import ModelMeta
from convert.sources import Context, Loaded
from convert.tfjs import GraphModel, read_model

KIND = "path"

ROLES = {"mobilenet": ("embedding", "logits"), "coco-ssd": ("scores", "boxes"), "centernet": ("detections", "embedding")}
KNOWN_NODES = {
    "embedding": ("module_apply_default/MobilenetV1/Logits/global_pool",
                  "module_apply_default/MobilenetV2/Logits/AvgPool",
                  "tower_0/MobilenetV3/expanded_conv_14/squeeze_excite/Mean"),
    "scores": ("Postprocessor/Slice",),
    "boxes": ("Postprocessor/ExpandDims_1",),
    "detections": ("tower_0/detections",),
}
DEFAULT_RANGE = {"mobilenet": [-1, 1], "coco-ssd": [0, 255], "centernet": [0, 255]}
DEFAULT_SIZE = {"mobilenet": 224, "coco-ssd": 300, "centernet": 512}


def _keras_to_graph(path: Path, name: str) -> tuple[GraphModel, dict, dict]:
    from convert.tfconvert import export_module, import_tf, saved_model_to_graph

    tf, keras = import_tf()
    try:
        model = keras.models.load_model(str(path), compile=False)
    except Exception as exc:
        raise ConvertError(f"cannot load Keras model {path.name}: {type(exc).__name__}: {str(exc)[:200]}") from None
    if len(model.inputs) != 1:
        raise ConvertError(f"{path.name}: expected a Keras model with one input, found {len(model.inputs)}")
    outs = {}
    if name == "mobilenet":
        pools = [layer for layer in model.layers if isinstance(layer, keras.layers.GlobalAveragePooling2D)]
        if pools:
            outs["embedding"] = pools[-1].output
        outs["logits"] = model.outputs[0]
    else:
        for t, role in zip(model.outputs, ROLES[name]):
            outs[role] = t
    net = keras.Model(model.inputs, list(outs.values()))
    spec = tf.TensorSpec(model.inputs[0].shape, model.inputs[0].dtype, name="images")
    keys = list(outs)

    class Serve(tf.Module):
        def __init__(self, n):
            super().__init__()
            self.n = n

        @tf.function(input_signature=[spec])
        def serve(self, images):
            res = self.n(images, training=False)
            res = res if isinstance(res, (list, tuple)) else [res]
            out = {}
            for k, r in zip(keys, res):
                out[k] = tf.reshape(r, [tf.shape(r)[0], -1]) if k == "embedding" else r
            return out

    module = Serve(net)
    with tempfile.TemporaryDirectory(prefix="tyb-sm-") as tmp:
        export_module(module, module.serve, Path(tmp))
        return saved_model_to_graph(Path(tmp))


def _placeholders(graph: GraphModel) -> list[dict]:
    return [n for n in graph.nodes if n["op"] == "Placeholder"]


def _read_labels(path: Path) -> list:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConvertError(f"labels file {path} does not exist") from None
    if Path(path).suffix == ".json":
        labels = json.loads(text)
        if not isinstance(labels, list):
            raise ConvertError(f"labels file {path} must hold a JSON list")
        return labels
    return [line.strip() for line in text.splitlines() if line.strip()]


def load(name: str, ctx: Context, arg: str) -> Loaded:
    if name not in ROLES:
        raise ConvertError(f"unknown model {name}")
    p = Path(arg)
    if not p.exists():
        raise ConvertError(f"unknown source {arg!r}: not pretrained, npm, offline, nor an existing path")
    sig_in, sig_out = {}, {}
    if p.is_dir() and (p / "model.json").exists():
        p = p / "model.json"
    if p.is_file() and p.suffix == ".json":
        graph = read_model(p)
        sig = graph.model_json.get("signature", {})
        sig_out = {k: v["name"].split(":")[0] for k, v in sig.get("outputs", {}).items()}
        kind = "tfjs graph model"
    elif p.is_dir() and (p / "saved_model.pb").exists():
        from convert.tfconvert import saved_model_to_graph

        graph, sig_in, sig_out = saved_model_to_graph(p)
        kind = "SavedModel"
    elif p.is_file() and p.suffix in (".keras", ".h5"):
        graph, sig_in, sig_out = _keras_to_graph(p, name)
        kind = "Keras model"
    else:
        raise ConvertError(f"unsupported input {p.name}: give a TF.js model.json, a SavedModel directory, or a .keras/.h5 file")
    names = graph.node_names()
    outputs = {}
    for role in ROLES[name]:
        if role in ctx.outputs_override:
            outputs[role] = ctx.outputs_override[role]
        elif role in sig_out:
            outputs[role] = sig_out[role]
        else:
            known = [n for n in KNOWN_NODES.get(role, ()) if n in names]
            if known:
                outputs[role] = known[0]
    for role, node in ctx.outputs_override.items():
        outputs.setdefault(role, node)
    missing = [r for r in ROLES[name] if r not in outputs or outputs[r] not in names]
    if name == "mobilenet" and missing == ["embedding"]:
        outputs.pop("embedding", None)  # a classifier without a pooled feature still works for logits
        missing = []
    if missing:
        raise ConvertError(f"{name}: cannot tell which node is the {', '.join(missing)} output; pass --output "
                           f"ROLE=NODE (signature outputs: {', '.join(sorted(sig_out)) or 'none'})")
    phs = _placeholders(graph)
    if len(phs) != 1:
        raise ConvertError(f"{name}: expected a model with one input, found {len(phs)}")
    ph = phs[0]
    dims = [int(d.get("size", -1)) for d in ph.get("attr", {}).get("shape", {}).get("shape", {}).get("dim", [])]
    if len(dims) != 4:
        raise ConvertError(f"{name}: unsupported input shape {dims}: expected an NHWC image [1,H,W,3]")
    size = DEFAULT_SIZE[name]
    shape = [1, dims[1] if dims[1] > 0 else size, dims[2] if dims[2] > 0 else size, dims[3]]
    dtype = "int32" if ph["attr"].get("dtype", {}).get("type") == "DT_INT32" else "float32"
    info = MODELS[name]
    if ctx.labels_file:
        labels = _read_labels(ctx.labels_file)
    elif name == "mobilenet":
        sig = graph.model_json.get("signature", {}).get("outputs", {})
        dims_out = [d.get("size") for v in sig.values() if v["name"].split(":")[0] == outputs["logits"]
                    for d in v.get("tensorShape", {}).get("dim", [])]
        labels = imagenet1001() if dims_out and str(dims_out[-1]) == "1001" else imagenet1000()
    else:
        labels = coco90_slots() if name == "coco-ssd" else coco80()
    embedding_size = None
    if "embedding" in outputs:
        embedding_size = ctx.embedding_size or (1024 if name == "mobilenet" else 720)
    meta = ModelMeta(
        name=name, title=ctx.title or f"{name} (your {kind})", architecture=f"user-supplied {kind}",
        task=info.task, decoder=info.decoder, weights="pretrained",
        source={"kind": "path", "path": p.name, "format": kind}, license="as licensed by the model's owner",
        input={"name": ph["name"], "shape": shape, "dtype": dtype, "range": ctx.input_range or DEFAULT_RANGE[name]},
        outputs=outputs, embedding_size=embedding_size, labels=labels,
        notes=["converted from a user-supplied model; check the input range and labels"],
    )
    return Loaded(graph, meta)
