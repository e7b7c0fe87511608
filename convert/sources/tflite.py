"""tflite source: MobileNet V2 from the TF Lite file the project carries, with no TensorFlow.

`convert/weights/mobilenet_v2_1.0_224_quant.tflite` is Google's quantization-aware-trained MobileNet V2
(width 1.0, 224x224, ImageNet, 1001 classes with 0 = background), byte-identical to
github.com/google-coral/test_data at commit 104342d2d3480b3e66203073dac24f4e2dbb4c41 (Apache-2.0, see
convert/weights/README.md). No package registry ships TF.js MobileNet weights, and model hubs are not
reachable from the build, so the file lives in the repository; it and its labels are pinned in
convert/pins.json. `convert.tflite_file` reads it, `convert.tflite_graph` writes the float graph.

Input: the TF Lite model takes uint8 pixels with scale 1/128 and zero point 128, i.e. the float network
sees (p - 128) / 128: pixel 0 -> -1, 255 -> 0.9921875. The manifest's input range is exactly that, so
the page's linear 0..255 mapping feeds what the network was trained on.

Example:
    python -m convert mobilenet --source tflite --out site/models/mobilenet
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convert.checks import load_pins, verify_bytes
from convert.errors import ConvertError
from convert.output import ModelMeta
from convert.sources import Context, Loaded
from convert.tflite_file import TFLiteModel, read_tflite
from convert.tflite_graph import tflite_to_graph

KIND = "tflite"
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
PINS_KEY = "tflite:convert/weights"
MODEL_FILE = "mobilenet_v2_1.0_224_quant.tflite"
LABELS_FILE = "imagenet_labels.txt"
UPSTREAM = {"repository": "https://github.com/google-coral/test_data",
            "commit": "104342d2d3480b3e66203073dac24f4e2dbb4c41", "path": MODEL_FILE}
EMBEDDING_SIZE, CLASSES = 1280, 1001


def _read_pinned(path: Path, pin: dict | None, what: str) -> bytes:
    if pin is None:
        raise ConvertError(f"convert/pins.json has no pin for {what}: refusing an unpinned file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConvertError(f"{what} is missing ({path})") from None
    verify_bytes(data, pin["bytes"], pin["sha256"], what)
    return data


def output_tensors(model: TFLiteModel) -> dict[str, int]:
    """TF Lite tensor index of each output role: the pooled features, the logits, the probabilities."""
    pools = [op for op in model.operators if op.op == "AVERAGE_POOL_2D"]
    softmax = [op for op in model.operators if op.op == "SOFTMAX"]
    if len(pools) != 1 or len(softmax) != 1:
        raise ConvertError(f"expected one average pool and one softmax (MobileNet V2), found {len(pools)} and "
                           f"{len(softmax)}")
    roles = {"embedding": pools[0].outputs[0], "logits": softmax[0].inputs[0], "probabilities": softmax[0].outputs[0]}
    sizes = {role: int(np.prod(model.tensors[i].shape)) for role, i in roles.items()}
    if sizes != {"embedding": EMBEDDING_SIZE, "logits": CLASSES, "probabilities": CLASSES}:
        raise ConvertError(f"unexpected output sizes {sizes}: not MobileNet V2 1.0 with 1001 classes")
    return roles


def load(name: str, ctx: Context, arg: str) -> Loaded:
    if name != "mobilenet":
        raise ConvertError(f"no TF Lite file is carried for {name}; mobilenet is the one model from --source tflite")
    pins = load_pins().get(PINS_KEY, {}).get("files", {})
    path = Path(ctx.source_file) if ctx.source_file else WEIGHTS_DIR / MODEL_FILE
    data = _read_pinned(path, pins.get(MODEL_FILE), f"tflite {MODEL_FILE}")
    labels_text = _read_pinned(WEIGHTS_DIR / LABELS_FILE, pins.get(LABELS_FILE), f"tflite {LABELS_FILE}")
    labels = labels_text.decode("utf-8").splitlines()
    if len(labels) != CLASSES or labels[0] != "background":
        raise ConvertError(f"{LABELS_FILE}: expected {CLASSES} labels starting with background, found {len(labels)}")
    tfl = read_tflite(data, f"tflite {MODEL_FILE}")
    graph, nodes = tflite_to_graph(tfl)
    roles = output_tensors(tfl)
    inp = tfl.tensors[tfl.inputs[0]]
    q = inp.quantization
    if inp.shape != (1, 224, 224, 3) or q is None or len(q.scale) != 1:
        raise ConvertError(f"unexpected TF Lite input {list(inp.shape)} {inp.dtype}: expected uint8 [1,224,224,3]")
    lo, hi = ((np.array([0.0, 255.0]) - float(q.zero_point[0])) * float(q.scale[0])).tolist()
    source = {"kind": KIND, "file": MODEL_FILE, "bytes": pins[MODEL_FILE]["bytes"], "sha256": pins[MODEL_FILE]["sha256"],
              "upstream": UPSTREAM, "tflite_input": {"dtype": inp.dtype, "scale": float(q.scale[0]),
                                                     "zero_point": int(q.zero_point[0])}}
    meta = ModelMeta(
        name="mobilenet", title="MobileNet V2 1.0 224 (ImageNet)",
        architecture="MobileNet V2, width 1.0, 224x224 input, 1001 ImageNet logits (0 = background); float "
        "weights dequantized from Google's quantization-aware-trained TF Lite model",
        task="classification", decoder=None, weights="pretrained", source=source,
        license="Apache-2.0 (google-coral/test_data; convert/weights/LICENSE)",
        input={"name": nodes[inp.index], "shape": [1, 224, 224, 3], "dtype": "float32", "range": [lo, hi]},
        outputs={role: nodes[i] for role, i in roles.items()}, embedding_size=EMBEDDING_SIZE, labels=labels,
        notes=[f"input: float32 RGB, pixel p -> (p - {int(q.zero_point[0])}) * {float(q.scale[0])} (the TF Lite "
               f"model's uint8 input quantization), i.e. range [{lo}, {hi}]; centre-crop and resize to 224x224",
               "embedding [1,1,1,1280]: the global average pool before the classifier (as "
               "@tensorflow-models/mobilenet v2 uses for infer(img, true))",
               "logits/probabilities [1,1001]: index 0 is 'background' (labels.json keeps that order)",
               "computed in float32: the TF Lite interpreter computes in uint8, so probabilities differ slightly"],
        output_shapes={"embedding": [1, 1, 1, EMBEDDING_SIZE], "logits": [1, CLASSES], "probabilities": [1, CLASSES]},
    )
    return Loaded(graph, meta)
