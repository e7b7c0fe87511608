"""TensorFlow-side helpers: SavedModel/Keras -> TF.js graph model with the `tensorflowjs` package.

Imported only by the offline and path sources; needs `pip install -e '.[convert]'`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from convert.errors import ConvertError
from convert.tfjs import GraphModel, read_model


def import_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    # tensorflowjs imports tensorflow_decision_forests, whose welcome banner imports IPython (not a
    # dependency) whenever stdout is not a terminal, e.g. under pytest or in CI logs.
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    try:
        import tensorflow as tf
        import tf_keras
    except ImportError:
        raise ConvertError("this source needs TensorFlow: pip install -e '.[convert]'") from None
    tf.get_logger().setLevel("ERROR")
    return tf, tf_keras


def reinit_weights(model, seed: int) -> None:
    """Deterministic, variance-preserving (He-normal) untrained weights from numpy's seeded generator.

    Keras' default glorot init makes deep untrained MobileNets output ~1e-19 (activations vanish), which
    would hide conversion errors; He-normal keeps activations O(1) through the whole network. Using numpy
    for the numbers makes them independent of TensorFlow's RNG implementation.
    """
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for var in layer.weights:
            name = var.name.split("/")[-1].split(":")[0]
            shape = tuple(var.shape)
            if name == "depthwise_kernel":
                fan_in = shape[0] * shape[1]
            elif name == "kernel":
                fan_in = int(np.prod(shape[:-1]))
            elif name in ("bias", "beta", "moving_mean"):
                var.assign(np.zeros(shape, np.float32))
                continue
            elif name in ("gamma", "moving_variance"):
                var.assign(np.ones(shape, np.float32))
                continue
            else:
                continue
            var.assign((rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32))


def saved_model_to_graph(saved_model_dir: Path, signature: str = "serving_default") -> tuple[GraphModel, dict, dict]:
    """Convert a SavedModel with tensorflowjs; return (graph, {input key: node}, {output key: node})."""
    import_tf()
    try:
        from tensorflowjs.converters import tf_saved_model_conversion_v2 as tfjs_conv
    except ImportError as exc:
        raise ConvertError(f"tensorflowjs is not importable ({exc}): pip install -e '.[convert]'") from None
    with tempfile.TemporaryDirectory(prefix="tyb-tfjs-") as tmp:
        try:
            tfjs_conv.convert_tf_saved_model(str(saved_model_dir), tmp, signature_def=signature,
                                             saved_model_tags="serve")
        except Exception as exc:  # tensorflowjs raises many kinds
            msg = " ".join(str(exc).split())[:300]
            raise ConvertError(f"tensorflowjs could not convert the SavedModel: {type(exc).__name__}: {msg}") from None
        graph = read_model(Path(tmp) / "model.json")
    sig = graph.model_json.get("signature", {})
    inputs = {k: v["name"].split(":")[0] for k, v in sig.get("inputs", {}).items()}
    outputs = {k: v["name"].split(":")[0] for k, v in sig.get("outputs", {}).items()}
    graph.model_json.pop("generatedBy", None)  # carries the TF version: not part of the model
    strip_internal_attrs(graph)
    return graph, inputs, outputs


def strip_internal_attrs(graph: GraphModel) -> None:
    """Drop TF-internal node attributes ("_input_shapes", "_class", ...): TF.js ignores them, and grappler
    fills them differently from one run to the next in one process, which would break byte-identical output.
    Attributes are also put in sorted order."""
    topo = graph.model_json.get("modelTopology", {})
    nodes = list(topo.get("node", []))
    for fn in topo.get("library", {}).get("function", []):
        nodes.extend(fn.get("nodeDef", []))
    for node in nodes:
        attrs = node.get("attr")
        if attrs:  # also sorted: grappler's attribute order varies too
            node["attr"] = {k: attrs[k] for k in sorted(attrs) if not k.startswith("_")}


def export_module(module, concrete_fn, out_dir: Path) -> None:
    tf, _ = import_tf()
    tf.saved_model.save(module, str(out_dir), signatures={"serving_default": concrete_fn})
