"""Write a YUV4MPEG2 (.y4m) video for Chromium's fake camera from RGB frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def rgb_to_i420(rgb: np.ndarray) -> bytes:
    """BT.601 limited-range planar Y, U, V with 2x2 chroma subsampling."""
    img = rgb.astype(np.float32)
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    y = 16 + 0.257 * r + 0.504 * g + 0.098 * b
    u = 128 - 0.148 * r - 0.291 * g + 0.439 * b
    v = 128 + 0.439 * r - 0.368 * g - 0.071 * b

    def sub(plane: np.ndarray) -> np.ndarray:
        return (plane[0::2, 0::2] + plane[1::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 1::2]) / 4

    planes = [y, sub(u), sub(v)]
    return b"".join(np.clip(np.rint(p), 0, 255).astype(np.uint8).tobytes() for p in planes)


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = 10, repeat: int = 1) -> Path:
    """Each RGB frame (H, W, 3 uint8, even H and W) is written `repeat` times; Chromium loops the file."""
    height, width = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            data = rgb_to_i420(frame)
            for _ in range(repeat):
                out.write(b"FRAME\n")
                out.write(data)
    return path


def fit(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize (nearest neighbour; enough for a test video) to width x height."""
    rows = (np.arange(height) * rgb.shape[0] / height).astype(int)
    cols = (np.arange(width) * rgb.shape[1] / width).astype(int)
    return rgb[rows][:, cols][..., :3]
