"""The bytes part: what each page's first visit downloads (the URLs the cold part recorded), by kind
(runtime, libraries, models, app), raw, gzip -6 and brotli -11; and what the service worker precaches."""

from __future__ import annotations

import gzip
import json
from urllib.parse import urlsplit

from bench import SITE
from bench.server import local_file

try:
    import brotli
except ImportError:  # pip install brotli
    brotli = None


def kind_of(url: str) -> str:
    path = urlsplit(url).path
    if path.startswith(("/vendor/pyodide/", "/vendor/pyscript/")) or path in (
            "/pyscript.toml", "/pyscript-csp.js", "/pyodide-loader.mjs"):
        return "runtime"
    if path.startswith("/vendor/"):
        return "libraries"
    if path.startswith("/models/"):
        return "models"
    return "app"


def compressed(data: bytes) -> tuple[int, int | None]:
    """gzip and brotli sizes (brotli None when the module is not installed)."""
    return len(gzip.compress(data, compresslevel=6)), (len(brotli.compress(data, quality=11)) if brotli else None)


def part_bytes(loaded: dict) -> dict:
    """`loaded`: per (demo, impl), the URLs its first visit fetched."""
    out = {"levels": {"gzip": 6, "brotli": 11 if brotli else "not measured: pip install brotli"}}
    for (demo, impl), urls in sorted(loaded.items()):
        kinds: dict[str, dict] = {}
        for url in urls:
            file = local_file(url)
            if file is None or not file.is_file():
                continue
            data = file.read_bytes()
            gz, br = compressed(data)
            entry = kinds.setdefault(kind_of(url), {"files": 0, "raw": 0, "gzip": 0, "brotli": 0 if brotli else None})
            entry["files"] += 1
            entry["raw"] += len(data)
            entry["gzip"] += gz
            if brotli:
                entry["brotli"] += br
        total = {key: sum(k[key] for k in kinds.values()) if key != "brotli" or brotli else None
                 for key in ("files", "raw", "gzip", "brotli")}
        out[f"{demo}/{impl}"] = {"by_kind": kinds, "total": total}
    precache = SITE / "sw-precache.js"
    if precache.is_file():
        text = precache.read_text()
        files = json.loads(text[text.index("{"): text.rindex("}") + 1])["files"]
        raw = sum((SITE / p).stat().st_size for p in files if p != "./" and (SITE / p).is_file())
        out["service_worker_precache"] = {"files": len(files), "raw": raw}
    return out
