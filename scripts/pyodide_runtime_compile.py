"""Runs inside the vendored Pyodide (scripts/pyodide_runtime.mjs), with `job` set by the caller.

Writes /build/stdlib.zip and /build/app.zip; sets `report`. Bytecode is unchecked-hash (PEP 552):
the interpreter uses it without comparing it to a source file's date, since the pages' file system
gets fresh dates on every boot.
"""

import importlib.util
import os
import sys
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

STDLIB = f"/lib/python{sys.version_info.major}{sys.version_info.minor}.zip"
FIXED_DATE = (2020, 1, 1, 0, 0, 0)  # zip entries carry no build time: same inputs, same bytes


def bytecode(source: bytes, filename: str) -> bytes:
    code = compile(source, filename, "exec", dont_inherit=True)
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def module_name(path: str) -> str:
    name = path[:-3].replace("/", ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def dropped(path: str, drop: list[str]) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in drop)


def add(archive: zipfile.ZipFile, path: str, data: bytes) -> None:
    archive.writestr(zipfile.ZipInfo(path, FIXED_DATE), data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def build_stdlib(boot: set[str], drop: list[str]) -> tuple[int, int, int]:
    """Returns (modules compiled, files kept as they were, boot modules with no source in the zip)."""
    compiled = kept = 0
    with zipfile.ZipFile(STDLIB) as source, zipfile.ZipFile("/build/stdlib.zip", "w") as out:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            path = info.filename
            if info.is_dir() or dropped(path, drop):
                continue
            data = source.read(path)
            if path.endswith(".py") and module_name(path) in boot:
                # zipimport takes "name.pyc" beside where "name.py" was; no source, so a traceback
                # inside the stdlib names the file and line without its text.
                add(out, path + "c", bytecode(data, f"{STDLIB}/{path}"))
                compiled += 1
            else:
                add(out, path, data)
                kept += 1
        in_zip = {module_name(name) for name in source.namelist() if name.endswith(".py")}
    return compiled, kept, len(boot - in_zip)


def build_app(sources: dict[str, str], app_path: str, entry_points: set[str]) -> int:
    """The zip the pages import the app from (zipimport, at `app_path` in the page's file system):
    each module's source, and its bytecode beside it as zipimport looks for it ("name.pyc"), compiled
    under the name the source has in the zip, so a traceback names that file, its line and (from
    the zip) its text. The entry points stay source only: PyScript runs them (with top-level await),
    nothing imports them."""
    with zipfile.ZipFile("/build/app.zip", "w") as out:
        for name in sorted(sources):
            data = sources[name].encode()
            add(out, name, data)
            if name not in entry_points:
                add(out, name + "c", bytecode(data, f"{app_path}/{name}"))
    return len(sources) - len(entry_points)


os.makedirs("/build", exist_ok=True)
compiled, kept, missing = build_stdlib(set(job["boot_modules"]), list(job["stdlib_drop"]))
apps = build_app(dict(job["app_sources"]), job["app_path"], set(job["entry_points"]))
report = (f"stdlib: {compiled} boot modules as bytecode, {kept} other files as they were"
          f"{f', {missing} boot modules not in the stdlib (built in)' if missing else ''}; "
          f"app: {apps} modules with bytecode ({sys.version.split()[0]}, {sys.implementation.cache_tag})")
