"""Detect's detectors: which are built, loading one (verified files, then a warm-up run), and the
page's choice between them.

Example:
    detectors = DetectorLoader(bridge)
    detector, failures = await detectors.first(built, bridge.query_param("detector"), progress)
    detectors.fill_choice(detector.name)     # the "Model" select, shown when two or more are built
"""

from __future__ import annotations

from models.choice import detector_order
from models.detector import Detector
from models.model_files import ModelError

class DetectorLoader:
    def __init__(self, bridge):
        self.b = bridge
        self.models: list[dict] = []  # the detectors among the models built

    async def first(self, built: list[dict], requested: str | None, progress) -> tuple[Detector, list[str]]:
        """The first detector that loads, in models.choice's order (`requested`: `?detector=`), and
        why each one before it did not."""
        self.models = [m for m in built if m.get("task") == "detection"]
        order = detector_order(self.models, requested)
        if not order:
            raise ModelError("No detection model is built (coco-ssd or centernet). Run `python scripts/build_site.py`.")
        failures = []
        for name in order:
            try:
                return await self.load(name, progress), failures
            except ModelError as error:
                failures.append(str(error))
        raise ModelError(" ".join(failures))

    async def load(self, name: str, progress) -> Detector:
        """`progress(done, total)`: bytes of the model's files; done == total while it warms up."""
        return await Detector.load_warmed(self.b, f"models/{name}", progress)

    def fill_choice(self, chosen: str) -> None:
        select_element = self.b.el("detector")
        select_element.innerHTML = ""
        for model in self.models:
            option = self.b.make("option", text=f"{model.get('title', model['name'])} · {model.get('weights')}")
            option.value = model["name"]
            select_element.appendChild(option)
        select_element.value = chosen
        self.b.set_hidden("detector-choice", len(self.models) < 2)
