"""Weight quantisation for TF.js weights, in numpy (no TensorFlow needed).

The arithmetic is the one `tensorflowjs` uses (affine uint8 with the zero point nudged onto an integer so
that 0.0 stays exact; float16 by plain casting), and the dequantisation the one TF.js does in the page
(float32 `q * scale + min`), so what we measure here is what the browser computes.

Policies:
- none: float weights as float32.
- float16: float weights as float16 (half the bytes, error ~1e-3 relative).
- uint8: float weights with at least UINT8_MIN_VALUES values as per-tensor affine uint8 (a quarter of the
  bytes); smaller float tensors (biases, scales: <2% of the bytes) as float16, because one uint8 step
  across a whole bias vector costs accuracy for almost no saving.
int32/bool weights are never quantised.

A source that already stores a weight as per-tensor affine uint8 (a TF Lite model's weights) hands over
its exact form (`Uint8Form`): uint8 then keeps those bytes as they are instead of re-quantising (which
would round a second time), and a weight it marks `no_uint8` (int32-quantized biases, whose values need
more than 8 bits) is stored as float16.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUANTIZATIONS = ("none", "float16", "uint8")
UINT8_MIN_VALUES = 1024


@dataclass(frozen=True)
class Uint8Form:
    """A weight's exact uint8 storage: value = q * scale + min (float32, as TF.js computes it)."""

    q: np.ndarray  # uint8, in the weight's shape
    min: float
    scale: float

    def values(self) -> np.ndarray:
        return dequantize_uint8(self.q, self.min, self.scale)


def affine_uint8(data: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Return (quantized uint8, min, scale) exactly as tensorflowjs.quantization.quantize_weights."""
    min_val = float(np.float64(data.min()))
    max_val = float(np.float64(data.max()))
    if min_val == max_val:
        return np.zeros(data.shape, np.uint8), min_val, 1.0
    quant_max = 255
    scale = (max_val - min_val) / quant_max
    if min_val <= 0 <= max_val:
        zero_point = float(np.round((0 - min_val) / scale))
        nudged_min = -zero_point * scale
        nudged_max = quant_max * scale + nudged_min
    else:
        nudged_min, nudged_max = min_val, max_val
    q = np.round((data.astype(np.float64).clip(nudged_min, nudged_max) - nudged_min) / scale).astype(np.uint8)
    return q, float(nudged_min), float(scale)


def dequantize_uint8(q: np.ndarray, min_val: float, scale: float) -> np.ndarray:
    return q.astype(np.float32) * np.float32(scale) + np.float32(min_val)


def encode_weight(name: str, data: np.ndarray, policy: str, exact_uint8: Uint8Form | None = None,
                  no_uint8: bool = False) -> tuple[dict, bytes]:
    """Encode one decoded weight; return (weights-manifest entry, little-endian bytes).

    Example:
        >>> spec, raw = encode_weight("conv/filter", np.ones((3, 3, 8, 16), np.float32), "uint8")
        >>> spec["quantization"]["dtype"], len(raw)
        ('uint8', 1152)
    """
    shape = [int(d) for d in data.shape]
    if data.dtype == np.bool_:
        return {"name": name, "shape": shape, "dtype": "bool"}, data.astype("?").tobytes()
    if data.dtype == np.int32:
        return {"name": name, "shape": shape, "dtype": "int32"}, data.astype("<i4").tobytes()
    data = data.astype(np.float32)
    spec = {"name": name, "shape": shape, "dtype": "float32"}
    if policy == "none":
        return spec, data.astype("<f4").tobytes()
    if policy == "uint8" and exact_uint8 is not None:
        spec["quantization"] = {"dtype": "uint8", "min": exact_uint8.min, "scale": exact_uint8.scale,
                                "original_dtype": "float32"}
        return spec, exact_uint8.q.astype(np.uint8).tobytes()
    if policy == "uint8" and data.size >= UINT8_MIN_VALUES and not no_uint8:
        q, min_val, scale = affine_uint8(data)
        spec["quantization"] = {"dtype": "uint8", "min": min_val, "scale": scale, "original_dtype": "float32"}
        return spec, q.tobytes()
    spec["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
    return spec, data.astype("<f2").tobytes()


def roundtrip(data: np.ndarray, policy: str, exact_uint8: Uint8Form | None = None, no_uint8: bool = False) -> np.ndarray:
    """What the page will see for this weight after quantisation with `policy`."""
    spec, raw = encode_weight("w", data, policy, exact_uint8, no_uint8)
    q = spec.get("quantization")
    if not q:
        return data
    if q["dtype"] == "float16":
        return np.frombuffer(raw, "<f2").astype(np.float32).reshape(data.shape)
    return dequantize_uint8(np.frombuffer(raw, np.uint8), q["min"], q["scale"]).reshape(data.shape)
