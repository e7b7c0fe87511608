"""Write one model directory atomically: model.json, hashed shards, labels.json, manifest.json.

Everything is written into a temporary sibling directory first; only a complete directory replaces the
old one (two renames on the same filesystem). A run that fails or is killed before that leaves the
previous model untouched; leftovers of a killed run are cleaned, and restored if needed, on the next run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from convert import FORMAT
from convert.errors import ConvertError
from convert.tfjs import GraphModel, dumps, encode, sha256

_TMP_PREFIX = ".tmp-"
_OLD_PREFIX = ".old-"


@dataclass
class ModelMeta:
    """Everything in manifest.json that the source (not the writer) knows."""

    name: str
    title: str
    architecture: str
    task: str
    decoder: str | None
    weights: str  # "pretrained" | "untrained"
    source: dict
    license: str
    input: dict
    outputs: dict
    embedding_size: int | None
    labels: list
    notes: list[str] = field(default_factory=list)
    output_shapes: dict | None = None  # role -> shape for a batch of one (-1 = depends on the input)


def recover(out: Path) -> None:
    """Undo what a killed run may have left beside `out`."""
    parent = out.parent
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if entry.name.startswith(_OLD_PREFIX + out.name + "."):
            if out.exists():
                shutil.rmtree(entry, ignore_errors=True)
            else:  # killed between the two renames: put the previous model back
                os.replace(entry, out)
        elif entry.name.startswith(_TMP_PREFIX + out.name + "."):
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def atomic_dir(out: Path):
    """Yield a fresh temporary directory; on success it replaces `out`, on any error it is removed."""
    out = Path(out).absolute()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConvertError(f"cannot create {out.parent}: {exc.strerror}") from None
    recover(out)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{out.name}.", dir=out.parent))
    try:
        yield tmp
        for p in tmp.rglob("*"):
            if p.is_file():
                with open(p, "rb") as fh:
                    os.fsync(fh.fileno())
        os.chmod(tmp, 0o755)
        if out.exists():
            old = out.parent / f"{_OLD_PREFIX}{out.name}.{os.getpid()}"
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_file_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render(model: GraphModel, meta: ModelMeta, quantization: str, error: dict | None) -> dict[str, bytes]:
    """All files of the model directory, by relative path (pure function: same input, same bytes)."""
    missing = [n for n in meta.outputs.values() if n not in model.node_names()]
    if meta.input["name"] not in model.node_names():
        missing.append(meta.input["name"])
    if missing:
        raise ConvertError(f"{meta.name}: the model has no node named {', '.join(missing)}")
    model_json, shards = encode(model, quantization)
    labels = dumps(meta.labels)
    files: dict[str, bytes] = {"model.json": model_json}
    files.update(shards)
    files["labels.json"] = labels
    manifest = {
        "format": FORMAT,
        "name": meta.name,
        "title": meta.title,
        "architecture": meta.architecture,
        "task": meta.task,
        "decoder": meta.decoder,
        "weights": meta.weights,
        "source": meta.source,
        "license": meta.license,
        "model_json": "model.json",
        "execution": "async" if model.needs_async() else "sync",
        "input": meta.input,
        "outputs": meta.outputs,
        "output_shapes": meta.output_shapes,
        "embedding_size": meta.embedding_size,
        "labels": "labels.json",
        "num_labels": len(meta.labels),
        "quantization": quantization,
        "quantization_error": error,
        "notes": meta.notes,
        "files": [{"path": p, "bytes": len(b), "sha256": sha256(b)} for p, b in files.items()],
    }
    files["manifest.json"] = json.dumps(manifest, indent=2, ensure_ascii=True).encode("ascii") + b"\n"
    return files


def write_model_dir(out: Path, files: dict[str, bytes]) -> None:
    with atomic_dir(out) as tmp:
        for rel, data in files.items():
            (tmp / rel).write_bytes(data)
            os.chmod(tmp / rel, 0o644)

