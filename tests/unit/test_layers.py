"""The house rules of python/, checked on every module's imports (read with `ast`, nothing imported).

- a page (`teach`, `detect`) imports anything below it, never the other page;
- `models` may use `web`; `classifier` and `web` stand alone; none of them imports a page;
- only `bridge` imports `js` or `pyodide`, and nothing imports `bridge` but the entry points;
- python/ holds packages and the pages' entry points (`*_main.py`), nothing else.
"""

from __future__ import annotations

import ast
from pathlib import Path

PYTHON = Path(__file__).resolve().parents[2] / "python"
# Each package and the packages it may import (itself included).
MAY_IMPORT = {
    "teach": {"teach", "models", "classifier", "web"},
    "detect": {"detect", "models", "classifier", "web"},
    "models": {"models", "web"},
    "classifier": {"classifier"},
    "web": {"web"},
    "bridge": {"bridge"},
}
BROWSER = {"js", "pyodide"}  # only the bridge touches these


def imported_packages(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, top-level name) of each import in `path`; relative imports resolve to `package`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, package if node.level else node.module.split(".")[0]))
    return found


def broken_rules(python: Path = PYTHON) -> list[str]:
    """Every import that breaks a rule, as `file:line: why`."""
    app = set(MAY_IMPORT)
    broken = []
    for path in sorted(python.rglob("*.py")):
        rel = path.relative_to(python)
        if len(rel.parts) == 1:  # an entry point: wires a page to the bridge
            continue
        package = rel.parts[0]
        for line, name in imported_packages(path, package):
            if name in BROWSER and package != "bridge":
                broken.append(f"{rel}:{line}: imports {name}: only bridge/ touches the browser")
            elif name in app and name not in MAY_IMPORT[package]:
                broken.append(f"{rel}:{line}: {package}/ imports {name}/ (it may import {sorted(MAY_IMPORT[package])})")
    return broken


def test_every_import_keeps_the_house_rules():
    assert broken_rules() == []


def test_python_holds_packages_and_entry_points_only():
    loose = [p.name for p in PYTHON.glob("*.py") if not p.name.endswith("_main.py")]
    folders = {p.name for p in PYTHON.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert loose == [] and folders == set(MAY_IMPORT)
    assert all((PYTHON / name / "__init__.py").is_file() for name in folders)


def test_a_page_importing_the_other_page_is_caught(tmp_path):
    (tmp_path / "detect").mkdir()
    (tmp_path / "detect" / "app.py").write_text("from teach.app import TeachApp\nimport js\n")
    assert broken_rules(tmp_path) == [
        "detect/app.py:1: detect/ imports teach/ (it may import ['classifier', 'detect', 'models', 'web'])",
        "detect/app.py:2: imports js: only bridge/ touches the browser",
    ]
