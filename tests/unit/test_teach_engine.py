"""Teach's engine (python/teach/engine.py): the detector "Teach objects" needs beside a model that only
embeds is loaded once, when first asked for, by every caller at once; a detector that fails to load
gives way to the next, and when none loads the page says why."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from models.detector import Detector
from models.model_files import ModelError
from teach.engine import TeachEngine

from aio import run

BUILT = [{"name": "mobilenet", "task": "classification", "weights": "pretrained"},
         {"name": "centernet", "task": "detection", "weights": "pretrained"},
         {"name": "coco-ssd", "task": "detection", "weights": "pretrained"}]


class Page:
    def __init__(self):
        self.messages: list[str] = []

    def message(self, text: str, kind: str = "error") -> None:
        self.messages.append(f"{kind}: {text}")

    def clear_message(self) -> None:
        self.messages.append("cleared")


def engine_with(monkeypatch, broken: set[str]) -> tuple[TeachEngine, list[str]]:
    loads = []

    async def load_warmed(_bridge, url, progress=None):
        loads.append(url)
        progress(1_000_000, 4_000_000)
        await asyncio.sleep(0.01)  # a load takes a while: other callers come meanwhile
        if url.rsplit("/", 1)[1] in broken:
            raise ModelError(f"{url}/group1-shard1of2.bin is damaged.")
        return SimpleNamespace(name=url, dispose=lambda: None)

    monkeypatch.setattr(Detector, "load_warmed", staticmethod(load_warmed))
    engine = TeachEngine(bridge=None, page=Page(), models=BUILT, model_name="mobilenet")
    engine.embedder = SimpleNamespace(name="mobilenet")
    return engine, loads


def test_the_best_detector_is_loaded_once_for_every_caller(monkeypatch):
    engine, loads = engine_with(monkeypatch, broken=set())
    assert engine.can_find_objects and engine.objects is None  # nothing fetched before it is asked for

    async def three_callers():
        return await asyncio.gather(*(engine.object_finder() for _ in range(3)))

    finders = run(three_callers())
    assert loads == ["models/coco-ssd"]
    assert finders[0] is finders[1] is finders[2] is engine.objects
    assert finders[0].detector.name == "models/coco-ssd" and finders[0].embedder.name == "mobilenet"
    assert engine.page.messages == ["info: Loading the object detector for “Teach objects”… 1.0 MB of 4.0 MB",
                                    "cleared"]
    run(engine.object_finder())
    assert loads == ["models/coco-ssd"]  # loaded, not fetched again


def test_a_broken_detector_gives_way_and_none_says_why(monkeypatch):
    engine, loads = engine_with(monkeypatch, broken={"coco-ssd"})
    assert run(engine.object_finder()).detector.name == "models/centernet"
    assert loads == ["models/coco-ssd", "models/centernet"]

    engine, loads = engine_with(monkeypatch, broken={"coco-ssd", "centernet"})
    assert run(engine.object_finder()) is None and engine.objects is None
    assert engine.page.messages[-1].startswith("error: “Teach objects” needs an object detector, and none loaded")
    assert "coco-ssd/group1-shard1of2.bin is damaged" in engine.page.messages[-1]
    run(engine.object_finder())
    assert loads == ["models/coco-ssd", "models/centernet"] * 2  # tried again when asked again
