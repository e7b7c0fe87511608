"""The Teach dataset file: versioned JSON, embeddings as base64 little-endian float32.

Format (version 2, what `dumps` writes):
    {"format": "train-your-browser/dataset", "version": 2,
     "embedding": {"model": "<manifest name>", "size": 720},
     "settings": {"k": 3, "strictness": 1.0},
     "classes": [{"name": "A", "count": 3, "embeddings": "<base64 of count*size float32>",
                  "thumbnails": ["<base64 JPEG, PNG or WebP>", "", ...]}, ...]}
`thumbnails` has one entry per example, "" for an example without one; `settings` holds small
numbers (int or float) by name, and names this page does not know are kept.
Version 1 is the same without `settings` and `thumbnails`; it still loads (no thumbnails, no settings).

A file is parsed and checked completely before anything is replaced, so a bad file never touches the
current data: `loads` returns a whole Dataset or raises DatasetError. `read` and `write` do the same
as `loads` and `dumps` in slices (stepwise.py), so that 5,000 examples (~40 MB of text) are read or
written without freezing the page; a dataset travels as UTF-8 bytes, which cross to and from
JavaScript ~30x faster than a string of the same length.

Example:
    data = await write(dataset)                       # bytes, for IndexedDB or a file
    again = await read(data, "centernet", 720)        # raises DatasetError for a bad file
"""

from __future__ import annotations

import base64
import json
import math
import sys
from array import array
from dataclasses import dataclass, field

from classifier import stepwise

FORMAT = "train-your-browser/dataset"
VERSION = 2                      # what dumps writes
READABLE_VERSIONS = (1, 2)       # what loads reads
FLOAT_BYTES = 4
MAX_THUMBNAIL_BYTES = 32 * 1024  # per thumbnail, once decoded; a 64x48 JPEG is a few KB
MAX_SETTINGS = 64
MAX_SETTING_NAME = 40
MAX_SETTING_MAGNITUDE = 1e9      # settings are small numbers (k, a strictness); ints stay exact as floats
EXAMPLES_PER_STEP = 256          # examples checked or encoded per step of read/write (a few ms)
ENCODED_PER_STEP = 3 << 18       # bytes of embeddings base64-encoded per step of write (a multiple of 3)

# The first bytes of each image type a thumbnail may be, by MIME type.
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class DatasetError(ValueError):
    """A dataset file that cannot be used; the message is shown to the user as is."""


@dataclass
class ClassData:
    name: str
    embeddings: list[bytes] = field(default_factory=list)  # one float32 vector per example
    # Either empty (no thumbnails) or one per embedding: encoded image bytes, b"" for none.
    thumbnails: list[bytes] = field(default_factory=list)

    def thumbnail(self, example: int) -> bytes:
        """The thumbnail of example `example` (an index into embeddings), b"" when it has none."""
        return self.thumbnails[example] if self.thumbnails else b""


@dataclass
class Dataset:
    model: str
    size: int
    classes: list[ClassData]
    settings: dict[str, int | float] = field(default_factory=dict)  # e.g. {"k": 3, "strictness": 1.0}

    def total_examples(self) -> int:
        return sum(len(c.embeddings) for c in self.classes)


def image_type(data: bytes) -> str | None:
    """The MIME type of encoded image bytes by their magic number: JPEG, PNG or WebP; None otherwise."""
    if data.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def thumbnail_problem(data: bytes) -> str | None:
    """Why `data` cannot be a thumbnail in a dataset file (a phrase), or None when it can; b"" is "none"."""
    if not data:
        return None
    if len(data) > MAX_THUMBNAIL_BYTES:
        return f"is larger than {MAX_THUMBNAIL_BYTES // 1024} KB"
    if image_type(data) is None:
        return "is not a JPEG, PNG or WebP image"
    return None


def dumps(dataset: Dataset) -> str:
    """The dataset as version 2 text. Raises ValueError for data no file can hold (a bug, not a file)."""
    return stepwise.run(dump_steps(dataset)).decode("ascii")


async def write(dataset: Dataset) -> bytes:
    """`dumps` as UTF-8 bytes, in slices."""
    return await stepwise.sliced(dump_steps(dataset))


def dump_steps(dataset: Dataset):
    """Steps to the version 2 file as bytes: what json.dumps(..., separators=(",", ":")) writes for the
    document, assembled class by class (base64 needs no escaping, and json.dumps escapes the rest to ASCII)."""
    head = json.dumps({
        "format": FORMAT,
        "version": VERSION,
        "embedding": {"model": dataset.model, "size": dataset.size},
        "settings": dict(dataset.settings),
    }, separators=(",", ":"), allow_nan=False)
    parts = [head[:-1].encode("ascii"), b',"classes":[']
    for number, data in enumerate(dataset.classes):
        parts += [b"," if number else b"", (yield from _class_bytes(data))]
    parts.append(b"]}")
    return b"".join(parts)


def _class_bytes(data: ClassData):
    count = len(data.embeddings)
    if data.thumbnails and len(data.thumbnails) != count:
        raise ValueError(f"Class {data.name!r} has {_counted(count, 'example')} "
                         f"but {_counted(len(data.thumbnails), 'thumbnail')}.")
    joined, encoded = memoryview(b"".join(data.embeddings)), []
    for start in range(0, len(joined), ENCODED_PER_STEP):  # 3-byte aligned: the pieces join to the whole's base64
        encoded.append(base64.b64encode(joined[start:start + ENCODED_PER_STEP]))
        yield
    embeddings = b"".join(encoded)
    thumbnails = []
    for start in range(0, count, EXAMPLES_PER_STEP):
        thumbnails += [b'"' + base64.b64encode(data.thumbnail(i)) + b'"'
                       for i in range(start, min(start + EXAMPLES_PER_STEP, count))]
        yield
    return b"".join([b'{"name":', json.dumps(data.name).encode("ascii"), b',"count":', str(count).encode("ascii"),
                     b',"embeddings":"', embeddings, b'","thumbnails":[', b",".join(thumbnails), b"]}"])


def loads(data: bytes | str, model: str, size: int) -> Dataset:
    """Parse version 1 or 2 (UTF-8 bytes or text) and validate against the embedding model in use;
    raises DatasetError.

    Every class of the result has one thumbnail entry per example (b"" where the file has none)."""
    return stepwise.run(load_steps(data, model, size))


async def read(data: bytes | str, model: str, size: int) -> Dataset:
    """`loads`, in slices."""
    return await stepwise.sliced(load_steps(data, model, size))


def _is_model_name(value) -> bool:
    """A name safe to show in an address: a file's text must not put anything else into the message."""
    return isinstance(value, str) and 0 < len(value) <= 40 and value.replace("-", "").replace("_", "").isalnum()


def load_steps(data: bytes | str, model: str, size: int):
    doc = yield from _parse_json(data)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DatasetError("This file is not a Train Your Browser dataset.")
    version = doc.get("version")
    if not _is_int(version) or version not in READABLE_VERSIONS:
        raise DatasetError(f"Dataset version {version!r} is not supported (this page reads versions 1 and 2).")
    embedding = doc.get("embedding")
    embedding = embedding if isinstance(embedding, dict) else {}
    if embedding.get("model") != model or not _is_int(embedding.get("size")) or embedding["size"] != size:
        raise DatasetError(
            f"This dataset was made with the embedding model {embedding.get('model')!r} "
            f"({embedding.get('size')} values); this page uses {model!r} ({size}). "
            + (f"Open the page with that model (add ?model={embedding['model']} to its address) and load the "
               "file there, or teach again with this one." if _is_model_name(embedding.get("model")) else
               "Teach again with this model."))
    classes = doc.get("classes")
    if not isinstance(classes, list) or not classes:
        raise DatasetError("The dataset has no classes.")
    parsed = []
    for index, class_doc in enumerate(classes):
        parsed.append((yield from _parse_class(class_doc, size, index, version)))
    _check_unique_names(parsed)
    settings = _parse_settings(doc.get("settings", {})) if version >= 2 else {}
    return Dataset(model, size, parsed, settings)


def _parse_json(data: bytes | str):
    try:
        text = yield from stepwise.utf8_text(data)
    except UnicodeDecodeError:
        raise DatasetError("This file is not a dataset (not UTF-8 text).") from None
    try:
        return (yield from stepwise.json_document(text))
    except json.JSONDecodeError as error:
        raise DatasetError(f"This file is not a dataset (not valid JSON: {error.msg}).") from None
    except (ValueError, RecursionError):  # undecodable bytes, a number too long to read, nesting too deep
        raise DatasetError("This file is not a dataset (not valid JSON).") from None


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_class(doc, size: int, index: int, version: int) -> ClassData:
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"].strip():
        raise DatasetError(f"Class {index + 1} in the dataset has no name.")
    name = doc["name"].strip()
    count = doc.get("count")
    raw = yield from _base64_steps(doc.get("embeddings", ""))
    if raw is None:
        raise DatasetError(f"The examples of class {name!r} are damaged.")
    vector = size * FLOAT_BYTES
    if not _is_int(count) or count < 0 or len(raw) != count * vector:
        raise DatasetError(f"The examples of class {name!r} are truncated or damaged.")
    yield
    view = memoryview(raw)
    for start in range(0, count, EXAMPLES_PER_STEP):
        if not _all_finite(view[start * vector:(start + EXAMPLES_PER_STEP) * vector]):
            raise DatasetError(f"The examples of class {name!r} hold values that are not numbers (NaN or infinite).")
        yield
    thumbnails = (yield from _parse_thumbnails(doc.get("thumbnails"), count, name)) if version >= 2 else [b""] * count
    return ClassData(name, [raw[i * vector:(i + 1) * vector] for i in range(count)], thumbnails)


def _decode_base64(value) -> bytes | None:
    """The bytes of a base64 string, or None when `value` is not one."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, or characters outside ASCII
        return None


def _base64_steps(value):
    """`_decode_base64` of a class's examples, in steps (stepwise.base64_bytes)."""
    if not isinstance(value, str):
        return None
    try:
        return (yield from stepwise.base64_bytes(value))
    except ValueError:  # binascii.Error, or characters outside ASCII
        return None


def _all_finite(raw) -> bool:
    """Whether every little-endian float32 in `raw` is a finite number.

    Their sum in double precision cannot overflow (it would take ~10^270 of the largest float32), so it
    is finite exactly when every value is: NaN and infinities carry through a sum."""
    values = array("f")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return math.isfinite(sum(values))


def _parse_thumbnails(doc, count: int, name: str) -> list[bytes]:
    if not isinstance(doc, list):
        raise DatasetError(f"The thumbnails of class {name!r} are damaged.")
    if len(doc) != count:
        raise DatasetError(f"Class {name!r} has {_counted(count, 'example')} but {_counted(len(doc), 'thumbnail')}.")
    thumbnails = []
    for number, encoded in enumerate(doc, start=1):
        data = _decode_base64(encoded)
        if data is None:
            raise DatasetError(f"The thumbnails of class {name!r} are damaged.")
        problem = thumbnail_problem(data)
        if problem:
            raise DatasetError(f"Thumbnail {number} of class {name!r} {problem}.")
        thumbnails.append(data)
        if number % EXAMPLES_PER_STEP == 0:
            yield
    return thumbnails


def _counted(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _check_unique_names(classes: list[ClassData]) -> None:
    seen = set()
    for data in classes:
        if data.name in seen:
            raise DatasetError(f"The dataset has two classes named {data.name!r}.")
        seen.add(data.name)


def _parse_settings(doc) -> dict[str, int | float]:
    """Settings by name: short names, int or float values within +-MAX_SETTING_MAGNITUDE (so finite);
    names this page does not use are kept."""
    if not isinstance(doc, dict):
        raise DatasetError("The settings in the dataset are damaged.")
    if len(doc) > MAX_SETTINGS:
        raise DatasetError(f"The dataset has more than {MAX_SETTINGS} settings.")
    for key, value in doc.items():
        if not key or len(key) > MAX_SETTING_NAME:
            raise DatasetError(f"The dataset has a setting with a name of {len(key)} characters "
                               f"(1 to {MAX_SETTING_NAME}).")
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not is_number or not abs(value) <= MAX_SETTING_MAGNITUDE:  # NaN compares false, infinity is too large
            raise DatasetError(f"The setting {key!r} in the dataset is not a usable number.")
    return dict(doc)
