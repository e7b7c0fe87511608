"""Throw-away versions of the built site/ for tests that damage, add or redeploy files.

Files are hard links or symlinks (fast, no extra disk); `replace` unlinks before writing, so the
real site/ is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

SITE = Path(__file__).resolve().parent.parent.parent / "site"


def copy_site(dest: Path) -> Path:
    shutil.copytree(SITE, dest, copy_function=os.link)
    return dest


def replace(path: Path, data: bytes) -> None:
    """Give `path` new bytes without writing through a hard link into site/."""
    path.unlink()
    path.write_bytes(data)


def linked_site(root: Path) -> Path:
    """`root` linked to every entry of the built site but models/, which is left empty for the test
    to fill (and to list with `write_index`); returns that models/ folder."""
    for entry in SITE.iterdir():
        if entry.name != "models":
            (root / entry.name).symlink_to(entry)
    models = root / "models"
    models.mkdir()
    return models


def write_index(models: Path, *extra: dict) -> None:
    """models/index.json: the built site's models plus `extra` entries."""
    index = json.loads((SITE / "models" / "index.json").read_text())
    index["models"].extend(extra)
    (models / "index.json").write_text(json.dumps(index))


def weight_shard(model_dir: Path) -> str:
    """The (content-hashed) name of a model's first weight shard, from its manifest."""
    manifest = json.loads((model_dir / "manifest.json").read_text())
    return next(f["path"] for f in manifest["files"] if f["path"].endswith(".bin"))


def flip_byte(path: Path) -> None:
    """Same size, different bytes: only a checksum can tell."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    replace(path, bytes(data))
