"""Read a TF Lite model (.tflite flatbuffer) into plain Python objects, and dequantize its weights.

No TensorFlow: the few tables of TF Lite's schema (tensorflow/lite/schema/schema.fbs, schema version 3)
that a convolutional classifier uses are read with `convert.flatbuf`. Field ids below are that schema's
(a field's id is its position in the table's declaration); tests check them against TF Lite's own
interpreter.

Example:
    >>> model = read_tflite(Path("convert/weights/mobilenet_v2_1.0_224_quant.tflite").read_bytes())
    >>> [model.operators[0].op, model.tensors[model.inputs[0]].dtype]
    ['CONV_2D', 'uint8']
    >>> w = dequantize(model.tensors[model.operators[0].inputs[1]])   # float32, (q - zero_point) * scale
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from convert.errors import ConvertError
from convert.flatbuf import FlatbufferError, Table

FILE_IDENTIFIER = b"TFL3"

# TensorType enum -> numpy dtype (little endian)
TENSOR_TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 6: "bool", 7: "int16", 9: "int8"}

# BuiltinOperator enum: the ones this reader knows (anything else is reported by its number)
BUILTIN_OPS = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
               6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU",
               21: "RELU6", 22: "RESHAPE", 25: "SOFTMAX", 40: "MEAN", 43: "SQUEEZE", 114: "QUANTIZE"}

PADDING = {0: "SAME", 1: "VALID"}
ACTIVATIONS = {0: None, 1: "Relu", 2: "RELU_N1_TO_1", 3: "Relu6", 4: "TANH", 5: "SIGN_BIT"}

# Builtin options tables: op -> ((option name, field id, struct code or "[i]" for an int vector, default), ...)
_POOL = (("padding", 0, "b", 0), ("stride_w", 1, "i", 1), ("stride_h", 2, "i", 1), ("filter_w", 3, "i", 1),
         ("filter_h", 4, "i", 1), ("activation", 5, "b", 0))
OPTIONS = {
    "CONV_2D": (("padding", 0, "b", 0), ("stride_w", 1, "i", 1), ("stride_h", 2, "i", 1), ("activation", 3, "b", 0),
                ("dilation_w", 4, "i", 1), ("dilation_h", 5, "i", 1)),
    "DEPTHWISE_CONV_2D": (("padding", 0, "b", 0), ("stride_w", 1, "i", 1), ("stride_h", 2, "i", 1),
                          ("depth_multiplier", 3, "i", 1), ("activation", 4, "b", 0), ("dilation_w", 5, "i", 1),
                          ("dilation_h", 6, "i", 1)),
    "AVERAGE_POOL_2D": _POOL,
    "MAX_POOL_2D": _POOL,
    "ADD": (("activation", 0, "b", 0),),
    "MUL": (("activation", 0, "b", 0),),
    "RESHAPE": (("new_shape", 0, "[i]", None),),
    "SOFTMAX": (("beta", 0, "f", 0.0),),
}


@dataclass
class Quantization:
    scale: np.ndarray  # float32, one per tensor or one per channel
    zero_point: np.ndarray  # int64, same length
    axis: int  # the channel axis when per-channel


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    data: np.ndarray | None  # the constant's raw values in `shape`, None for activations
    quantization: Quantization | None


@dataclass
class Operator:
    op: str
    inputs: list[int]  # tensor indices; -1 = optional input left out
    outputs: list[int]
    options: dict = field(default_factory=dict)


@dataclass
class TFLiteModel:
    version: int
    description: str
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]


def read_tflite(data: bytes, what: str = "TF Lite file") -> TFLiteModel:
    """Parse the first subgraph of a TF Lite model; a damaged or truncated file raises ConvertError."""
    if len(data) < 8 or bytes(data[4:8]) != FILE_IDENTIFIER:
        raise ConvertError(f"{what} is not a TF Lite model (no {FILE_IDENTIFIER.decode()} identifier at byte 4)")
    try:
        return _read_model(Table.root(data))
    except (FlatbufferError, ValueError) as exc:
        raise ConvertError(f"{what} is truncated or damaged ({len(data)} bytes): {exc}") from None


def _read_model(root: Table) -> TFLiteModel:
    version = root.scalar(0, "I")
    if version != 3:
        raise ConvertError(f"TF Lite schema version {version} is not supported (expected 3)")
    codes = [_builtin_name(c) for c in root.tables(1)]
    buffers = root.tables(4)
    subgraphs = root.tables(2)
    if not subgraphs:
        raise ConvertError("the TF Lite model has no subgraph")
    graph = subgraphs[0]
    tensors = [_read_tensor(i, t, buffers) for i, t in enumerate(graph.tables(0))]
    operators = []
    for op in graph.tables(3):
        index = op.scalar(0, "I")
        if index >= len(codes):
            raise ConvertError(f"an operator refers to operator code {index} of {len(codes)}")
        name = codes[index]
        operators.append(Operator(name, op.array(1, "<i4").tolist(), op.array(2, "<i4").tolist(),
                                  _read_options(name, op.table(4))))
    for op in operators:
        # -1 marks an optional input left out; any other negative index would wrap around in Python
        bad = [i for i in op.inputs if not -1 <= i < len(tensors)] + [i for i in op.outputs if not 0 <= i < len(tensors)]
        if bad:
            raise ConvertError(f"{op.op} refers to tensor {bad[0]} of {len(tensors)}")
        if not op.outputs:
            raise ConvertError(f"a {op.op} operator has no output")
    inputs, outputs = graph.array(1, "<i4").tolist(), graph.array(2, "<i4").tolist()
    bad = [i for i in inputs + outputs if not 0 <= i < len(tensors)]
    if bad:
        raise ConvertError(f"the subgraph's inputs or outputs refer to tensor {bad[0]} of {len(tensors)}")
    return TFLiteModel(version, root.string(3) or "", tensors, operators, inputs, outputs)


def _builtin_name(code: Table) -> str:
    # Schema 3 widened the builtin code: old files fill only the byte-wide deprecated field (id 0),
    # new ones both; the larger of the two is the operator.
    number = max(code.scalar(0, "b"), code.scalar(3, "i"))
    if number == 32:  # CUSTOM
        return f"CUSTOM:{code.string(1)}"
    return BUILTIN_OPS.get(number, f"BUILTIN_{number}")


def _read_tensor(index: int, t: Table, buffers: list[Table]) -> Tensor:
    type_code = t.scalar(1, "b")
    if type_code not in TENSOR_TYPES:
        raise ConvertError(f"tensor {index} has TF Lite type {type_code}, which this reader does not handle")
    dtype = TENSOR_TYPES[type_code]
    shape = tuple(int(d) for d in t.array(0, "<i4"))
    name = t.string(3) or f"tensor_{index}"
    buffer_index = t.scalar(2, "I")
    data = None
    if buffer_index >= len(buffers):
        raise ConvertError(f"tensor {name} refers to buffer {buffer_index} of {len(buffers)}")
    raw = _buffer_bytes(buffers[buffer_index]) if buffer_index else None
    if raw is not None and len(raw):
        dt = np.dtype(dtype).newbyteorder("<")
        count = int(np.prod(shape, dtype=np.int64))
        if len(raw) != count * dt.itemsize:
            raise ConvertError(f"tensor {name}: buffer holds {len(raw)} bytes, shape {list(shape)} needs "
                               f"{count * dt.itemsize}")
        data = np.frombuffer(raw, dt).reshape(shape)
    q = t.table(4)
    quant = None
    if q is not None:
        scale = q.array(2, "<f4")
        if len(scale):
            zero_point = q.array(3, "<i8")
            if len(zero_point) not in (0, len(scale)):
                raise ConvertError(f"tensor {name}: {len(scale)} scales but {len(zero_point)} zero points")
            quant = Quantization(scale.astype(np.float32), zero_point if len(zero_point) else np.zeros(len(scale), np.int64),
                                 q.scalar(6, "i"))
    return Tensor(index, name, shape, dtype, data, quant)


def _buffer_bytes(buf: Table) -> memoryview | None:
    data = buf.bytes(0)
    if data is not None:
        return data
    offset, size = buf.scalar(1, "Q"), buf.scalar(2, "Q")  # large models keep data after the flatbuffer
    if offset > 1:
        if offset + size > len(buf.buf):
            raise FlatbufferError(f"buffer data at byte {offset} (+{size}) runs past the end")
        return buf.buf[offset:offset + size]
    return None


def _read_options(op: str, table: Table | None) -> dict:
    spec = OPTIONS.get(op, ())
    out = {}
    for name, field_id, fmt, default in spec:
        if table is None:
            out[name] = default
        elif fmt == "[i]":
            values = table.array(field_id, "<i4")
            out[name] = values.tolist() if len(values) else default
        else:
            out[name] = table.scalar(field_id, fmt, default)
    if "padding" in out:
        if out["padding"] not in PADDING:
            raise ConvertError(f"{op}: unknown padding {out['padding']}")
        out["padding"] = PADDING[out["padding"]]
    if "activation" in out:
        out["activation"] = ACTIVATIONS.get(out["activation"], out["activation"])
    return out


def dequantize(tensor: Tensor) -> np.ndarray:
    """The real values of a constant: (q - zero_point) * scale, per tensor or per channel; float32 as is.

    An int32 bias is quantized with scale = input scale * weight scale and zero point 0, so the same
    formula gives it back in float.
    """
    if tensor.data is None:
        raise ConvertError(f"tensor {tensor.name} has no constant data")
    if tensor.dtype in ("float32", "float16"):
        return tensor.data.astype(np.float32)
    q = tensor.quantization
    if q is None:
        raise ConvertError(f"tensor {tensor.name} is {tensor.dtype} without quantization parameters")
    values = tensor.data.astype(np.float64)
    scale, zero = q.scale.astype(np.float64), q.zero_point.astype(np.float64)
    if len(scale) > 1:  # per channel along q.axis
        if tensor.data.shape[q.axis] != len(scale):
            raise ConvertError(f"tensor {tensor.name}: {len(scale)} scales for axis {q.axis} of {list(tensor.shape)}")
        shape = [1] * tensor.data.ndim
        shape[q.axis] = len(scale)
        scale, zero = scale.reshape(shape), zero.reshape(shape)
    return ((values - zero) * scale).astype(np.float32)
