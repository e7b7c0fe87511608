"""offline source: the site's architectures with deterministic UNTRAINED weights, built with no network.

It exists to test the conversion path end to end (Keras -> SavedModel -> tensorflowjs -> our layout):
the manifest says `"weights": "untrained"` and the page must say so too. Needs `.[convert]`.

- mobilenet: tf_keras MobileNet v1 (alpha 1.0, 224x224, weights=None), inputs in [-1, 1]; outputs the
  1024-d global-pool embedding and the 1000 pre-softmax logits.
- coco-ssd: SSDLite-style detector on a tf_keras MobileNetV2 backbone (weights=None) with the signature
  @tensorflow-models/coco-ssd reads: int32 image [1,H,W,3] -> scores [1,1917,90] (sigmoid, background
  dropped) and boxes [1,1917,1,4] (ymin, xmin, ymax, xmax in 0..1, decoded from 1917 SSD anchors).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from convert.errors import ConvertError
from convert.models import coco90_slots, imagenet1000
from convert.output import ModelMeta
from convert.sources import Context, Loaded
from convert.tfconvert import export_module, import_tf, reinit_weights, saved_model_to_graph

KIND = "offline"
LICENSE = "MIT (this project's code); no trained weights are involved"
NOTE = "UNTRAINED weights (deterministic, seeded): outputs are meaningless; for testing the pipeline only"


def _mobilenet_module(seed: int):
    tf, keras = import_tf()
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    base = keras.applications.MobileNet(weights=None, include_top=True, classifier_activation=None,
                                        input_shape=(224, 224, 3), alpha=1.0)
    reinit_weights(base, seed)
    pool = [layer for layer in base.layers if isinstance(layer, keras.layers.GlobalAveragePooling2D)][-1]
    model = keras.Model(base.input, [pool.output, base.output])

    class Serve(tf.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        @tf.function(input_signature=[tf.TensorSpec([None, 224, 224, 3], tf.float32, name="images")])
        def serve(self, images):
            emb, logits = self.net(images, training=False)
            return {"embedding": tf.reshape(emb, [-1, 1024]), "logits": logits}

    return Serve(model), model


def ssd_anchors() -> np.ndarray:
    """The 1917 anchors of SSD MobileNet at 300x300 (TF OD API defaults), (yc, xc, h, w) in 0..1."""
    sizes = [19, 10, 5, 3, 2, 1]
    smin, smax, n = 0.2, 0.95, len(sizes)
    scales = [smin + (smax - smin) * k / (n - 1) for k in range(n)] + [1.0]
    out = []
    for k, size in enumerate(sizes):
        if k == 0:
            boxes = [(0.1, 1.0), (scales[0], 2.0), (scales[0], 0.5)]
        else:
            boxes = [(scales[k], ar) for ar in (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0)]
            boxes.append((float(np.sqrt(scales[k] * scales[k + 1])), 1.0))
        for i in range(size):
            for j in range(size):
                for scale, ar in boxes:
                    out.append(((i + 0.5) / size, (j + 0.5) / size, scale / np.sqrt(ar), scale * np.sqrt(ar)))
    return np.asarray(out, np.float32)


SSD_ANCHORS_PER_LAYER = (3, 6, 6, 6, 6, 6)
SSD_CLASSES = 91  # background + 90 COCO ids


def _ssd_module(seed: int):
    tf, keras = import_tf()
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    inp = keras.Input([300, 300, 3], name="preprocessed")
    backbone = keras.applications.MobileNetV2(input_tensor=inp, include_top=False, weights=None, alpha=1.0)
    feats = [backbone.get_layer("block_13_expand_relu").output, backbone.get_layer("out_relu").output]
    x = feats[-1]
    for i, depth in enumerate((512, 256, 256, 128)):
        x = layers.ReLU(6.0)(layers.Conv2D(depth // 2, 1, use_bias=True, name=f"extra{i}_1x1")(x))
        x = layers.ReLU(6.0)(layers.DepthwiseConv2D(3, strides=2, padding="same", name=f"extra{i}_dw")(x))
        x = layers.ReLU(6.0)(layers.Conv2D(depth, 1, name=f"extra{i}_project")(x))
        feats.append(x)
    classes, boxes = [], []
    for k, (feat, anchors) in enumerate(zip(feats, SSD_ANCHORS_PER_LAYER)):
        for kind, width, dest in (("class", SSD_CLASSES, classes), ("box", 4, boxes)):
            h = layers.ReLU(6.0)(layers.DepthwiseConv2D(3, padding="same", name=f"head{k}_{kind}_dw")(feat))
            h = layers.Conv2D(anchors * width, 1, name=f"head{k}_{kind}")(h)
            dest.append(layers.Reshape((-1, width))(h))
    model = keras.Model(inp, [layers.Concatenate(axis=1)(classes), layers.Concatenate(axis=1)(boxes)])
    reinit_weights(model, seed)
    for layer in model.layers:  # small head init (as SSD training starts): untrained scores stay off 0 and 1
        if layer.name.startswith("head") and not layer.name.endswith("_dw"):
            layer.kernel.assign(layer.kernel * 0.1)
    anchors = tf.constant(ssd_anchors())

    class Serve(tf.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        @tf.function(input_signature=[tf.TensorSpec([1, None, None, 3], tf.int32, name="image_tensor")])
        def serve(self, image_tensor):
            x = tf.image.resize(tf.cast(image_tensor, tf.float32), [300, 300])
            x = x * (2.0 / 255.0) - 1.0
            logits, enc = self.net(x, training=False)
            scores = tf.sigmoid(logits)[:, :, 1:]
            ty, tx, th, tw = tf.unstack(enc, axis=-1)
            ya, xa, ha, wa = tf.unstack(anchors, axis=-1)
            yc = ty / 10.0 * ha + ya
            xc = tx / 10.0 * wa + xa
            hh = tf.exp(th / 5.0) * ha
            ww = tf.exp(tw / 5.0) * wa
            decoded = tf.stack([yc - hh / 2, xc - ww / 2, yc + hh / 2, xc + ww / 2], axis=-1)
            return {"scores": scores, "boxes": tf.expand_dims(decoded, 2)}

    return Serve(model), model


_BUILT: dict[tuple[str, int], tuple] = {}


def build(name: str, seed: int, reuse: bool = True):
    """Return (graph model, signature input nodes, signature output nodes, keras model).

    Builds are deterministic, so one process builds each (name, seed) once and shares the result
    (read-only) unless `reuse` is False.
    """
    if reuse and (name, seed) in _BUILT:
        return _BUILT[(name, seed)]
    factory = {"mobilenet": _mobilenet_module, "coco-ssd": _ssd_module}.get(name)
    if factory is None:
        raise ConvertError(f"no offline build for {name}; centernet comes from --source npm")
    module, keras_model = factory(seed)
    with tempfile.TemporaryDirectory(prefix="tyb-sm-") as tmp:
        export_module(module, module.serve, Path(tmp))
        graph, inputs, outputs = saved_model_to_graph(Path(tmp))
    _BUILT[(name, seed)] = (graph, inputs, outputs, keras_model)
    return graph, inputs, outputs, keras_model


def load(name: str, ctx: Context, arg: str) -> Loaded:
    graph, inputs, outputs, _ = build(name, ctx.seed)
    return describe(name, graph, inputs, outputs, ctx.seed)


def describe(name: str, graph, inputs: dict, outputs: dict, seed: int) -> Loaded:
    source = {"kind": "offline", "seed": seed}
    if name == "mobilenet":
        source["builder"] = "tf_keras.applications.MobileNet(weights=None), He-normal weights from numpy seed"
        meta = ModelMeta(
            name="mobilenet", title="MobileNet v1 1.0 224 (UNTRAINED offline build)",
            architecture="MobileNet v1, width 1.0, 224x224 input, 1000 ImageNet logits",
            task="classification", decoder=None, weights="untrained", source=source, license=LICENSE,
            input={"name": inputs["images"], "shape": [1, 224, 224, 3], "dtype": "float32", "range": [-1, 1]},
            outputs={"embedding": outputs["embedding"], "logits": outputs["logits"]}, embedding_size=1024,
            labels=imagenet1000(), notes=[NOTE], output_shapes={"embedding": [1, 1024], "logits": [1, 1000]},
        )
    else:
        source["builder"] = "SSDLite heads on tf_keras.applications.MobileNetV2(weights=None), numpy seed"
        meta = ModelMeta(
            name="coco-ssd", title="SSDLite MobileNet v2 (UNTRAINED offline build)",
            architecture="SSDLite-style, MobileNet v2 backbone, 300x300 internal resize, 1917 anchors, 90 COCO ids",
            task="detection", decoder="ssd", weights="untrained", source=source, license=LICENSE,
            input={"name": inputs["image_tensor"], "shape": [1, 300, 300, 3], "dtype": "int32", "range": [0, 255]},
            outputs={"scores": outputs["scores"], "boxes": outputs["boxes"]}, embedding_size=None,
            labels=coco90_slots(),
            notes=[NOTE, "scores [1,1917,90]: slot j is COCO id j+1; boxes [1,1917,1,4]: ymin, xmin, ymax, xmax "
                   "in 0..1; any input size works (resized to 300x300 inside)"],
            output_shapes={"scores": [1, 1917, 90], "boxes": [1, 1917, 1, 4]},
        )
    return Loaded(graph, meta)
