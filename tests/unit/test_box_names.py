"""Detect's naming (python/detect/box_names.py) over the fake bridge: Teach's stored classes, one batched
crop+embed and one read per frame, the COCO-class choice, "not sure" boxes left alone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from classifier import dataset as dataset_format
from classifier.dataset import ClassData, Dataset
from detect.box_names import BoxNamer
from models.detections import Detection

from aio import run
from fake_bridge import FakeBridge, floats

CUP_BOX, MUG_BOX, PERSON_BOX = (0.1, 0.1, 0.3, 0.3), (0.5, 0.5, 0.7, 0.7), (0.0, 0.0, 0.4, 1.0)


class NamingBridge(FakeBridge):
    """Crops embed to the vector the test says each box (its first corner) looks like."""
    def __init__(self, looks: dict, stored: str | None):
        super().__init__()
        self.looks, self.stored_dataset = looks, stored

    async def idb_get(self, key):
        self.log.append(("idb_get", key))
        return self.stored_dataset

    def embed_boxes_of(self, boxes):
        self.log.append(("embed_boxes", len(boxes)))
        return [list(self.looks[b[:2]]) for b in boxes]


class FakeEmbedder:
    def __init__(self, bridge, model, manifest, owns_model=True):
        self.bridge, self.size = bridge, 2

    def embed_boxes(self, source, boxes):
        return self.bridge.embed_boxes_of(boxes)

    def dispose(self):
        pass


def detector(outputs=("detections", "embedding")):
    return SimpleNamespace(model="model", manifest=SimpleNamespace(name="centernet", outputs=dict.fromkeys(outputs)))


def stored() -> str:
    mugs = ClassData("my mug", [floats(1.0, 0.0), floats(0.99, 0.05)])
    flasks = ClassData("my flask", [floats(0.0, 1.0), floats(0.05, 0.99)])
    return dataset_format.dumps(Dataset("centernet", 2, [mugs, flasks]))


@pytest.fixture
def namer(monkeypatch):
    monkeypatch.setattr("detect.box_names.Embedder", FakeEmbedder)
    looks = {CUP_BOX[:2]: (1.0, 0.02), MUG_BOX[:2]: (0.02, 1.0), PERSON_BOX[:2]: (1.0, 1.0)}
    names = BoxNamer(NamingBridge(looks, stored()))
    run(names.attach(detector()))
    return names


def boxes():
    return [Detection("cup", 0.9, CUP_BOX), Detection("cup", 0.8, MUG_BOX), Detection("person", 0.7, PERSON_BOX)]


def test_teachs_classes_are_read_and_described(namer):
    assert ("idb_get", "dataset:centernet") in namer.b.log
    assert namer.ready and namer.describe() == "Teach's classes in this browser: my mug (2), my flask (2) — 4 examples."


def test_every_box_is_named_in_one_batch_and_one_read_and_a_far_one_is_left_alone(namer):
    assert run(namer.name("video", boxes())) == boxes()  # off until switched on
    namer.enabled = True
    namer.b.log.clear()
    named = run(namer.name("video", boxes()))
    assert [d.title for d in named] == ["cup · my mug", "cup · my flask", "person"]  # 45 degrees: not sure
    assert [e for e in namer.b.log if e[0] in ("embed_boxes", "read")] == [("embed_boxes", 3), ("read", 3 * 2 * 2)]  # k=2 (classes of 2)


def test_only_the_chosen_coco_class_is_named(namer):
    namer.enabled, namer.only = True, "person"
    namer.b.log.clear()
    named = run(namer.name("video", boxes()))
    assert [d.name for d in named] == [None, None, None]
    assert ("embed_boxes", 1) in namer.b.log


def test_without_classes_or_an_embedding_nothing_is_named(monkeypatch):
    monkeypatch.setattr("detect.box_names.Embedder", FakeEmbedder)
    names = BoxNamer(NamingBridge({}, None))
    run(names.attach(detector()))
    names.enabled = True
    assert not names.ready and "No classes taught" in names.describe()
    assert run(names.name("video", boxes())) == boxes()
    run(names.attach(detector(outputs=("scores", "boxes"))))
    assert not names.available and "needs a detector" in names.describe()


def test_a_dataset_of_another_model_is_refused_and_the_classes_stay(namer):
    other = dataset_format.dumps(Dataset("mobilenet", 1024, [ClassData("x", [])]))
    with pytest.raises(dataset_format.DatasetError, match="mobilenet"):
        run(namer.load_file(other, "other.json"))
    assert namer.trainer.classes.names() == ["my mug", "my flask"]


def test_teach_saving_in_another_tab_brings_the_new_classes_unless_a_file_was_chosen(monkeypatch):
    monkeypatch.setattr("detect.box_names.Embedder", FakeEmbedder)
    bridge, spawned, reloaded = NamingBridge({}, None), [], []
    names = BoxNamer(bridge, spawn=spawned.append, on_reloaded=lambda: reloaded.append(True))
    run(names.attach(detector()))
    assert not names.ready
    bridge.stored_dataset = stored()
    (heard,) = bridge.saved_elsewhere
    heard("dataset:centernet")
    run(spawned.pop())
    assert names.ready and reloaded == [True] and names.trainer.classes.names() == ["my mug", "my flask"]
    run(names.load_file(stored(), "mine.json"))
    heard("dataset:centernet")
    assert spawned == []  # the visitor's file stays in use
