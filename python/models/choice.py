"""Which model a page runs: the visitor's `?model=` / `?detector=` if it is built, else the best built
one. Also read by scripts/build_site.py, so a page preloads the files of the model it will choose.

Example:
    models = await available_models(bridge, "models")   # models/index.json
    detector_order(models, bridge.query_param("detector"))  # ["coco-ssd", "centernet"]
"""

from __future__ import annotations

from models.model_files import ModelError


def detector_order(models: list[dict], requested: str | None) -> list[str]:
    """Detection models to try, best first: `?detector=`, a pretrained COCO-SSD, CenterNet, the rest."""
    names = [m["name"] for m in models if m.get("task") == "detection"]
    weights = {m["name"]: m.get("weights") for m in models}

    def rank(name: str) -> int:
        if name == requested:
            return 0
        if name == "coco-ssd" and weights[name] == "pretrained":
            return 1
        return 2 if name == "centernet" else 3

    return sorted(names, key=rank)


def choose_embedding_model(models: list[dict], requested: str | None) -> str:
    """`?model=` if it is built; else a pretrained MobileNet; else CenterNet's real backbone."""
    names = {m["name"]: m for m in models}
    if requested in names:
        return requested
    mobilenet = names.get("mobilenet")
    if mobilenet and mobilenet.get("weights") == "pretrained":
        return "mobilenet"
    for name in ("centernet", "mobilenet"):
        if name in names:
            return name
    raise ModelError("No embedding model is built (mobilenet or centernet). Run `python scripts/build_site.py`.")
