"""A throw-away copy of the built site/ for tests that damage or redeploy files.

Files are hard links (fast, no extra disk); `replace` unlinks before writing, so the real site/
is never touched.
"""

from __future__ import annotations

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
