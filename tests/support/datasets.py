"""Teach dataset files for tests: the page's own format (python/classifier/dataset.py), random unit embeddings."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifier import dataset as dataset_format

CENTERNET = ("centernet", 720)
TEACH_DEFAULT = ("mobilenet", 1280)  # the model Teach runs without ?model= (MobileNet's pooled features)


def make_dataset(counts: dict[str, int], model: str = TEACH_DEFAULT[0], size: int = TEACH_DEFAULT[1],
                 seed: int = 0, spread: float | None = None) -> dataset_format.Dataset:
    """`spread`: each class's examples lie around one random direction, this far (noise relative to
    it), as a real class's do; None: independent random vectors."""
    rng = np.random.default_rng(seed)
    classes = []
    for name, count in counts.items():
        vectors = rng.normal(size=(count, size))
        if spread is not None:
            vectors = rng.normal(size=(1, size)) + spread * vectors
        vectors = vectors.astype("<f4")
        classes.append(dataset_format.ClassData(name, [v.tobytes() for v in vectors]))
    return dataset_format.Dataset(model, size, classes)


def write_dataset(path: Path, counts: dict[str, int], **kwargs) -> Path:
    path.write_text(dataset_format.dumps(make_dataset(counts, **kwargs)), encoding="utf-8")
    return path


def load_into_teach(opened, path: Path, counts: list[int], timeout: int = 60_000) -> None:
    """Choose `path` in the Teach page's “Load dataset” input and wait for the class counts."""
    opened.page.set_input_files("#dataset-load", str(path))
    for index, count in enumerate(counts, start=1):
        opened.page.wait_for_selector(f".class-card:nth-child({index}) .count[data-count='{count}']",
                                      state="attached", timeout=timeout)
