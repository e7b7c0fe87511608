"""Real photos from the scikit-image wheel, and simple deterministic views of them as image files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from skimage import data, io

PHOTOS = {
    "astronaut": data.astronaut,
    "motorcycle": lambda: data.stereo_motorcycle()[0],
}


def views(image: np.ndarray, count: int, seed: int) -> list[np.ndarray]:
    """Crops, flips and brightness changes: different frames of the same scene."""
    rng = np.random.default_rng(seed)
    height, width = image.shape[:2]
    out = []
    for _ in range(count):
        scale = rng.uniform(0.7, 1.0)
        h, w = int(height * scale), int(width * scale)
        top, left = rng.integers(0, height - h + 1), rng.integers(0, width - w + 1)
        view = image[top:top + h, left:left + w, :3].astype(np.float32) * rng.uniform(0.75, 1.2)
        if rng.random() < 0.5:
            view = view[:, ::-1]
        out.append(np.clip(view, 0, 255).astype(np.uint8))
    return out


def write_views(directory: Path, name: str, count: int, seed: int) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, view in enumerate(views(PHOTOS[name](), count, seed)):
        path = directory / f"{name}-{seed}-{i}.png"
        io.imsave(path, view, check_contrast=False)
        paths.append(str(path))
    return paths
