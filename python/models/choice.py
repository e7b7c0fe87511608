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


def choose_embedding_model(models: list[dict], requested: str | None, saved: set[str] = frozenset()) -> str:
    """`?model=` if it is built; else the default (a pretrained MobileNet, else CenterNet's backbone),
    unless only another built model has examples `saved` in this browser: then that one, so a visitor
    who taught with an earlier default finds their classes again (the page says so).

    Example:
        >>> built = [{"name": "centernet"}, {"name": "mobilenet", "weights": "pretrained"}]
        >>> choose_embedding_model(built, None), choose_embedding_model(built, None, {"centernet"})
        ('mobilenet', 'centernet')
    """
    names = {m["name"]: m for m in models}
    if requested in names:
        return requested
    # An untrained MobileNet (the converter's offline test build) ranks below CenterNet's real backbone.
    mobilenet_first = names.get("mobilenet", {}).get("weights") == "pretrained"
    order = [n for n in (("mobilenet", "centernet") if mobilenet_first else ("centernet", "mobilenet")) if n in names]
    if not order:
        raise ModelError("No embedding model is built (mobilenet or centernet). Run `python scripts/build_site.py`.")
    if order[0] in saved:
        return order[0]
    return next((name for name in order if name in saved), order[0])
