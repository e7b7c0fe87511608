"""Turn a TF Lite model into a TF.js graph model (a GraphDef in JSON + float weights), with numpy only.

Each TF Lite operator becomes the TF op TF.js runs for it; quantized weights are dequantized to float32
((q - zero_point) * scale, see `tflite_file.dequantize`), so the result computes in float what the
quantized model approximates in uint8 (activations are not re-quantized: small differences from the
TF Lite interpreter are expected and measured by the tests).

| TF Lite | TF.js graph op | layout change |
| --- | --- | --- |
| CONV_2D (+ fused activation) | `_FusedConv2D` (BiasAdd [+ Relu/Relu6]) | filter [out,h,w,in] -> HWIO [h,w,in,out] |
| DEPTHWISE_CONV_2D | `FusedDepthwiseConv2dNative` | filter [1,h,w,in*mult] -> [h,w,in,mult] |
| ADD / MUL | `AddV2` / `Mul` (+ `Relu`/`Relu6` node) | |
| AVERAGE_POOL_2D / MAX_POOL_2D | `AvgPool` / `MaxPool` | |
| RESHAPE | `Reshape` with an int32 shape constant | |
| SOFTMAX (beta 1) | `Softmax` | |
| QUANTIZE / DEQUANTIZE | nothing (float in, float out) | |

TF Lite's SAME/VALID padding is TF's (for strided SAME, the extra row/column goes at the bottom/right in
both), so padding maps one to one.

Node names: an operator's node is named after its output tensor (TF Lite joins fused names with ";":
the first part is kept), its constants `<node>/filter`, `<node>/bias`, `<node>/shape`.

Example:
    >>> graph, nodes = tflite_to_graph(read_tflite(data))
    >>> nodes[model.outputs[0]]            # TF.js node name of a TF Lite tensor
    'MobilenetV2/Predictions/Softmax'
"""

from __future__ import annotations

import base64

import numpy as np

from convert.errors import ConvertError
from convert.tflite_file import Operator, TFLiteModel, Tensor, dequantize
from convert.quantize import Uint8Form
from convert.tfjs import GraphModel, Weight

_FLOAT = {"type": "DT_FLOAT"}


def _s(text: str) -> dict:
    """A string attribute: GraphDef JSON stores bytes base64-encoded."""
    return {"s": base64.b64encode(text.encode()).decode()}


def _ints(values) -> dict:
    return {"list": {"i": [str(int(v)) for v in values]}}


def _shape(dims) -> dict:
    return {"dim": [{"size": str(int(d))} for d in dims]}


class _Builder:
    def __init__(self, model: TFLiteModel):
        self.model = model
        self.nodes: list[dict] = []
        self.weights: list[Weight] = []
        self.names: set[str] = set()
        self.tensor_node: dict[int, str] = {}  # TF Lite tensor index -> node producing it

    def unique(self, name: str) -> str:
        base, n = name, 1
        while name in self.names:
            name, n = f"{base}_{n}", n + 1
        self.names.add(name)
        return name

    def const(self, name: str, data: np.ndarray, exact_uint8: Uint8Form | None = None, no_uint8: bool = False) -> str:
        name = self.unique(name)
        dtype = "DT_INT32" if data.dtype == np.int32 else "DT_FLOAT"
        self.nodes.append({"name": name, "op": "Const", "attr": {
            "dtype": {"type": dtype}, "value": {"tensor": {"dtype": dtype, "tensorShape": _shape(data.shape)}}}})
        self.weights.append(Weight(name, np.ascontiguousarray(data), exact_uint8=exact_uint8, no_uint8=no_uint8))
        return name

    def weight(self, name: str, tensor: Tensor, layout=lambda a: a) -> str:
        """A constant from a TF Lite weight, in TF layout (`layout` rearranges its axes). A per-tensor uint8
        weight keeps its exact uint8 form (so --quantize uint8 is lossless for it); its float values are
        (q - zero_point) * scale. Other integer weights (int32 biases) are marked as needing more than 8 bits."""
        if tensor.data is None:
            raise ConvertError(f"{name}: tensor {tensor.name} should be a constant but has no data")
        q = tensor.quantization
        if tensor.dtype == "uint8" and q is not None and len(q.scale) == 1:
            scale = float(q.scale[0])
            form = Uint8Form(np.ascontiguousarray(layout(tensor.data)), -float(q.zero_point[0]) * scale, scale)
            return self.const(name, form.values(), exact_uint8=form)
        return self.const(name, layout(dequantize(tensor)), no_uint8=tensor.dtype != "float32")

    def node(self, name: str, op: str, inputs: list[str], attr: dict) -> str:
        name = self.unique(name)
        self.nodes.append({"name": name, "op": op, "input": inputs, "attr": {"T": _FLOAT, **attr}})
        return name

    def tensor(self, index: int) -> Tensor:
        return self.model.tensors[index]

    def input_of(self, op: Operator, k: int) -> str:
        index = op.inputs[k]
        if index not in self.tensor_node:
            raise ConvertError(f"{op.op}: input tensor {self.tensor(index).name} is neither an input nor computed "
                               "before (operators out of order?)")
        return self.tensor_node[index]


def _node_name(tensor: Tensor) -> str:
    return tensor.name.split(";")[0]


def _conv_attrs(options: dict, activation: str | None) -> dict:
    fused = ["BiasAdd"] + ([activation] if activation else [])
    return {
        "strides": _ints([1, options["stride_h"], options["stride_w"], 1]),
        "dilations": _ints([1, options["dilation_h"], options["dilation_w"], 1]),
        "padding": _s(options["padding"]), "data_format": _s("NHWC"), "explicit_paddings": {"list": {}},
        "fused_ops": {"list": {"s": [_s(f)["s"] for f in fused]}}, "num_args": {"i": "1"}, "epsilon": {"f": 0.0},
    }


def _activation(op: Operator) -> str | None:
    act = op.options.get("activation")
    if act not in (None, "Relu", "Relu6"):
        raise ConvertError(f"{op.op} with fused activation {act} is not supported")
    return act


def _bias(b: _Builder, op: Operator, name: str, channels: int) -> str:
    if len(op.inputs) <= 2 or op.inputs[2] < 0:
        return b.const(f"{name}/bias", np.zeros(channels, np.float32))
    bias = b.tensor(op.inputs[2])
    if bias.shape != (channels,):
        raise ConvertError(f"{name}: bias of shape {list(bias.shape)} for {channels} channels")
    return b.weight(f"{name}/bias", bias)


def _conv(b: _Builder, op: Operator, name: str) -> str:
    w = b.tensor(op.inputs[1])  # [out, h, w, in]
    filt = b.weight(f"{name}/filter", w, lambda a: a.transpose(1, 2, 3, 0))
    bias = _bias(b, op, name, w.shape[0])
    return b.node(name, "_FusedConv2D", [b.input_of(op, 0), filt, bias], _conv_attrs(op.options, _activation(op)))


def _depthwise(b: _Builder, op: Operator, name: str) -> str:
    w = b.tensor(op.inputs[1])  # [1, h, w, in * mult], channel c * mult + m
    mult = op.options["depth_multiplier"] or 1
    _, h, wd, channels = w.shape
    if channels % mult:
        raise ConvertError(f"{name}: {channels} filter channels do not divide by depth multiplier {mult}")
    filt = b.weight(f"{name}/filter", w, lambda a: a.reshape(h, wd, channels // mult, mult))
    bias = _bias(b, op, name, channels)
    return b.node(name, "FusedDepthwiseConv2dNative", [b.input_of(op, 0), filt, bias],
                  _conv_attrs(op.options, _activation(op)))


def _binary(b: _Builder, op: Operator, name: str) -> str:
    tf_op = {"ADD": "AddV2", "MUL": "Mul"}[op.op]
    operands = []
    for k in (0, 1):
        t = b.tensor(op.inputs[k])
        operands.append(b.weight(f"{name}/y", t) if t.data is not None else b.input_of(op, k))
    act = _activation(op)
    if not act:
        return b.node(name, tf_op, operands, {})
    inner = b.node(f"{name}/{tf_op}", tf_op, operands, {})
    return b.node(name, act, [inner], {})


def _pool(b: _Builder, op: Operator, name: str) -> str:
    o = op.options
    if _activation(op):
        raise ConvertError(f"{name}: pooling with a fused activation is not supported")
    return b.node(name, {"AVERAGE_POOL_2D": "AvgPool", "MAX_POOL_2D": "MaxPool"}[op.op], [b.input_of(op, 0)], {
        "ksize": _ints([1, o["filter_h"], o["filter_w"], 1]), "strides": _ints([1, o["stride_h"], o["stride_w"], 1]),
        "padding": _s(o["padding"]), "data_format": _s("NHWC")})


def _reshape(b: _Builder, op: Operator, name: str) -> str:
    if len(op.inputs) > 1 and op.inputs[1] >= 0 and b.tensor(op.inputs[1]).data is not None:
        new_shape = b.tensor(op.inputs[1]).data.astype(np.int32)
    elif op.options.get("new_shape"):
        new_shape = np.asarray(op.options["new_shape"], np.int32)
    else:
        new_shape = np.asarray(b.tensor(op.outputs[0]).shape, np.int32)
    shape = b.const(f"{name}/shape", new_shape)
    return b.node(name, "Reshape", [b.input_of(op, 0), shape], {"Tshape": {"type": "DT_INT32"}})


def _softmax(b: _Builder, op: Operator, name: str) -> str:
    if op.options.get("beta", 1.0) != 1.0:
        raise ConvertError(f"{name}: softmax with beta {op.options['beta']} is not supported")
    return b.node(name, "Softmax", [b.input_of(op, 0)], {})


CONVERTERS = {"CONV_2D": _conv, "DEPTHWISE_CONV_2D": _depthwise, "ADD": _binary, "MUL": _binary,
              "AVERAGE_POOL_2D": _pool, "MAX_POOL_2D": _pool, "RESHAPE": _reshape, "SOFTMAX": _softmax}
PASS_THROUGH = {"QUANTIZE", "DEQUANTIZE"}  # float model: values are already real numbers


def tflite_to_graph(model: TFLiteModel, input_name: str | None = None) -> tuple[GraphModel, dict[int, str]]:
    """Return (TF.js graph model, {TF Lite tensor index: node name}) for a single-input model."""
    unsupported = sorted({op.op for op in model.operators} - set(CONVERTERS) - PASS_THROUGH)
    if unsupported:
        raise ConvertError(f"TF Lite operators not supported by this converter: {', '.join(unsupported)}")
    if len(model.inputs) != 1:
        raise ConvertError(f"expected a TF Lite model with one input, found {len(model.inputs)}")
    b = _Builder(model)
    inp = b.tensor(model.inputs[0])
    ph = b.unique(input_name or _node_name(inp))
    b.nodes.append({"name": ph, "op": "Placeholder", "attr": {"dtype": _FLOAT, "shape": {"shape": _shape(inp.shape)}}})
    b.tensor_node[inp.index] = ph
    for op in model.operators:
        out = b.tensor(op.outputs[0])
        if op.op in PASS_THROUGH:
            b.tensor_node[out.index] = b.input_of(op, 0)
            continue
        try:
            b.tensor_node[out.index] = CONVERTERS[op.op](b, op, _node_name(out))
        except (ValueError, IndexError) as exc:  # a tensor of the wrong rank or size (damaged file): say which op
            raise ConvertError(f"{op.op} {_node_name(out)}: unexpected tensors ({exc})") from None
    missing = [b.tensor(i).name for i in model.outputs if i not in b.tensor_node]
    if missing:
        raise ConvertError(f"TF Lite outputs never computed: {', '.join(missing)}")
    topology = {"node": b.nodes, "library": {}, "versions": {}}
    graph = GraphModel({"format": "graph-model", "generatedBy": f"TF Lite schema {model.version} ({model.description})",
                        "modelTopology": topology}, b.weights)
    return graph, b.tensor_node
