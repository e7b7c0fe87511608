"""Build the static site: vendor the pinned browser libraries, stage the in-page Python, make the models.

Everything the pages load ends up under site/, so the site runs from any static file server with no
other origin involved. Run from the repository root after `npm ci`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
SITE = ROOT / "site"

# (source under node_modules, destination under site/vendor); only what the pages load.
VENDOR_FILES = [
    ("pyodide/pyodide.mjs", "pyodide/pyodide.mjs"),
    ("pyodide/pyodide.asm.mjs", "pyodide/pyodide.asm.mjs"),
    ("pyodide/pyodide.asm.wasm", "pyodide/pyodide.asm.wasm"),
    ("pyodide/python_stdlib.zip", "pyodide/python_stdlib.zip"),
    ("pyodide/pyodide-lock.json", "pyodide/pyodide-lock.json"),
    ("@tensorflow/tfjs/dist/tf.es2017.min.js", "tfjs/tf.min.js"),
    ("@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js", "tfjs/tf-backend-wasm.min.js"),
    ("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm", "tfjs/tfjs-backend-wasm.wasm"),
    ("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm", "tfjs/tfjs-backend-wasm-simd.wasm"),
    (
        "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm",
        "tfjs/tfjs-backend-wasm-threaded-simd.wasm",
    ),
    ("@tensorflow-models/knn-classifier/dist/knn-classifier.min.js", "models/knn-classifier.min.js"),
]
# PyScript lazily imports its chunks by relative path, so the whole dist (minus source maps) ships.
PYSCRIPT_DIST = "@pyscript/core/dist"


def vendor() -> None:
    out = SITE / "vendor"
    if out.exists():
        shutil.rmtree(out)
    for src, dst in VENDOR_FILES:
        target = out / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE / src, target)
    shutil.copytree(NODE / PYSCRIPT_DIST, out / "pyscript", ignore=shutil.ignore_patterns("*.map"))
    # The loading view's total before Python runs (site/boot.js reads it).
    runtime = sum(p.stat().st_size for p in (out / "pyodide").iterdir()) + sum(
        (out / dst).stat().st_size for _, dst in VENDOR_FILES if dst.endswith(".js"))
    (out / "runtime-size.js").write_text(f"window.TYB_RUNTIME_BYTES = {runtime};\n", encoding="utf-8")


def stage_python() -> None:
    """Copy python/ to site/py/ and list its modules in site/pyscript.toml, the config the pages share."""
    out = SITE / "py"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    modules = sorted(p.name for p in (ROOT / "python").glob("*.py"))
    for name in modules:
        shutil.copyfile(ROOT / "python" / name, out / name)
    files = "\n".join(f'"./py/{name}" = "./{name}"' for name in modules)
    (SITE / "pyscript.toml").write_text(
        'interpreter = "./vendor/pyodide/pyodide.mjs"\n\n[files]\n' + files + "\n", encoding="utf-8"
    )


def build_models(args: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "convert", "site", "--out", str(SITE / "models"), *args], check=True, cwd=ROOT)


# Never precached by the service worker: itself and its list, and the threaded TF.js wasm build,
# which TF.js loads only on cross-origin-isolated pages (this site is not one).
PRECACHE_SKIP = {"sw.js", "sw-precache.js", "vendor/tfjs/tfjs-backend-wasm-threaded-simd.wasm"}


def write_precache(site: Path = SITE) -> str:
    """site/sw-precache.js: each file the pages may load with its sha256, and a version naming them all.

    site/sw.js imports it; since the browser re-checks a service worker's imported scripts, a deploy
    that changes any file changes this one, and the new worker replaces the stale cache. Returns the version.
    """
    files = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        if rel in PRECACHE_SKIP or rel.endswith(".map") or rel.startswith(".") or "/." in rel:
            continue
        files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    if "index.html" in files:
        files["./"] = files["index.html"]  # the site's root URL serves index.html
    version = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    body = json.dumps({"version": version, "files": files}, indent=1, sort_keys=True)
    # A new file moved into place, never a write into the old one: a server may be serving it, and
    # a hard-linked copy of the site (the tests' redeploys) must not change the original.
    staged = site / "sw-precache.js.tmp"
    staged.write_text(f"self.TYB_PRECACHE = {body};\n", encoding="utf-8")
    staged.replace(site / "sw-precache.js")
    return version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-models", action="store_true", help="keep site/models as it is")
    args, convert_args = parser.parse_known_args()
    vendor()
    stage_python()
    if not args.skip_models:
        build_models(convert_args)
    write_precache()
    print(f"site built in {SITE}")


if __name__ == "__main__":
    main()
