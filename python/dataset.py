"""The Teach dataset file: versioned JSON, embeddings as base64 little-endian float32.

Format (version 1):
    {"format": "train-your-browser/dataset", "version": 1,
     "embedding": {"model": "<manifest name>", "size": 720},
     "classes": [{"name": "A", "count": 3, "embeddings": "<base64 of count*size float32>"}, ...]}
A file is parsed completely before anything is replaced, so a bad file never touches the current data.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

FORMAT = "train-your-browser/dataset"
VERSION = 1
FLOAT_BYTES = 4


class DatasetError(ValueError):
    """A dataset file that cannot be used; the message is shown to the user as is."""


@dataclass
class ClassData:
    name: str
    embeddings: list[bytes] = field(default_factory=list)  # one float32 vector per example


@dataclass
class Dataset:
    model: str
    size: int
    classes: list[ClassData]

    def total_examples(self) -> int:
        return sum(len(c.embeddings) for c in self.classes)


def dumps(dataset: Dataset) -> str:
    return json.dumps({
        "format": FORMAT,
        "version": VERSION,
        "embedding": {"model": dataset.model, "size": dataset.size},
        "classes": [
            {"name": c.name, "count": len(c.embeddings),
             "embeddings": base64.b64encode(b"".join(c.embeddings)).decode("ascii")}
            for c in dataset.classes
        ],
    }, separators=(",", ":"))


def loads(text: str, model: str, size: int) -> Dataset:
    """Parse and validate against the embedding model in use; raises DatasetError."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DatasetError(f"This file is not a dataset (not valid JSON: {error.msg}).") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DatasetError("This file is not a Train Your Browser dataset.")
    if doc.get("version") != VERSION:
        raise DatasetError(f"Dataset version {doc.get('version')!r} is not supported (this page reads version {VERSION}).")
    embedding = doc.get("embedding") or {}
    if embedding.get("model") != model or embedding.get("size") != size:
        raise DatasetError(
            f"This dataset was made with the embedding model {embedding.get('model')!r} "
            f"({embedding.get('size')} values); this page uses {model!r} ({size}). "
            "Teach again with this model, or open the page with the model the dataset was made with.")
    classes = doc.get("classes")
    if not isinstance(classes, list) or not classes:
        raise DatasetError("The dataset has no classes.")
    return Dataset(model, size, [_parse_class(c, size, i) for i, c in enumerate(classes)])


def _parse_class(doc, size: int, index: int) -> ClassData:
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"].strip():
        raise DatasetError(f"Class {index + 1} in the dataset has no name.")
    count = doc.get("count")
    try:
        raw = base64.b64decode(doc.get("embeddings", ""), validate=True)
    except (binascii.Error, TypeError):
        raise DatasetError(f"The examples of class {doc['name']!r} are damaged.") from None
    vector = size * FLOAT_BYTES
    if not isinstance(count, int) or count < 0 or len(raw) != count * vector:
        raise DatasetError(f"The examples of class {doc['name']!r} are truncated or damaged.")
    return ClassData(doc["name"], [raw[i * vector:(i + 1) * vector] for i in range(count)])
