"""Detect's naming (python/detect/box_names.py) over the fake bridge: Teach's stored classes, one batched
crop+embed and one read per frame, the COCO-class choice, "not sure" boxes left alone; beside a
detector that does not embed (COCO-SSD), Teach's embedding model loaded only when naming is switched on."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from classifier import dataset as dataset_format
from classifier.dataset import ClassData, Dataset
from detect.box_names import BoxNamer
from models.detections import Detection
from models.model_files import ModelError

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
        self.bridge, self.size, self.name, self.model = bridge, 2, manifest.name, model

    def embed_boxes(self, source, boxes):
        return self.bridge.embed_boxes_of(boxes)

    def dispose(self):
        pass


def detector(outputs=("detections", "embedding"), name="centernet"):
    manifest = SimpleNamespace(name=name, outputs=dict.fromkeys(outputs), embedding_size=2 if "embedding" in outputs else None)
    return SimpleNamespace(name=name, model="model", manifest=manifest)


SSD = {"outputs": ("scores", "boxes"), "name": "coco-ssd"}
# models/index.json as the build writes it: COCO-SSD detects, CenterNet also embeds (Teach's model).
BUILT = [{"name": "coco-ssd", "task": "detection", "weights": "pretrained", "embedding_size": None},
         {"name": "centernet", "task": "detection", "weights": "pretrained", "embedding_size": 2}]


def stored() -> str:
    mugs = ClassData("my mug", [floats(1.0, 0.0), floats(0.99, 0.05)])
    flasks = ClassData("my flask", [floats(0.0, 1.0), floats(0.05, 0.99)])
    return dataset_format.dumps(Dataset("centernet", 2, [mugs, flasks]))


@pytest.fixture
def namer(monkeypatch):
    monkeypatch.setattr("detect.box_names.Embedder", FakeEmbedder)
    looks = {CUP_BOX[:2]: (1.0, 0.02), MUG_BOX[:2]: (0.02, 1.0), PERSON_BOX[:2]: (1.0, 1.0)}
    names = BoxNamer(NamingBridge(looks, stored()))
    run(names.attach(detector(), BUILT))
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
    run(names.attach(detector(), BUILT))
    names.enabled = True
    assert not names.ready and "No classes taught" in names.describe()
    assert run(names.name("video", boxes())) == boxes()
    run(names.attach(detector(**SSD), BUILT[:1]))  # COCO-SSD alone: no built model embeds
    assert not names.available and "needs a model that embeds" in names.describe()


def test_a_dataset_of_another_model_is_refused_and_the_classes_stay(namer):
    other = dataset_format.dumps(Dataset("mobilenet", 1024, [ClassData("x", [])]))
    with pytest.raises(dataset_format.DatasetError, match="mobilenet"):
        run(namer.load_file(other, "other.json"))
    assert namer.trainer.classes.names() == ["my mug", "my flask"]


def test_teach_saving_in_another_tab_brings_the_new_classes_unless_a_file_was_chosen(monkeypatch):
    monkeypatch.setattr("detect.box_names.Embedder", FakeEmbedder)
    bridge, spawned, reloaded = NamingBridge({}, None), [], []
    names = BoxNamer(bridge, spawn=spawned.append, on_reloaded=lambda: reloaded.append(True))
    run(names.attach(detector(), BUILT))
    assert not names.ready
    bridge.stored_dataset = stored()
    (heard,) = bridge.saved_elsewhere
    heard("dataset:centernet")
    run(spawned.pop())
    assert names.ready and reloaded == [True] and names.trainer.classes.names() == ["my mug", "my flask"]
    run(names.load_file(stored(), "mine.json"))
    heard("dataset:centernet")
    assert spawned == []  # the visitor's file stays in use


@pytest.fixture
def ssd_namer(monkeypatch):
    """A namer beside COCO-SSD; `loads` records the models it fetched to embed with."""
    monkeypatch.setattr("detect.box_names.Embedder", FakeEmbedder)
    loads = []

    async def load_embedder(bridge, base_url, progress=None):
        loads.append(base_url)
        return FakeEmbedder(bridge, "loaded", SimpleNamespace(name=base_url.rsplit("/", 1)[-1]))

    monkeypatch.setattr("detect.box_names.load_embedder", load_embedder)
    looks = {CUP_BOX[:2]: (1.0, 0.02), MUG_BOX[:2]: (0.02, 1.0), PERSON_BOX[:2]: (1.0, 1.0)}
    names = BoxNamer(NamingBridge(looks, stored()))
    run(names.attach(detector(**SSD), BUILT))
    return names, loads


def test_beside_coco_ssd_teachs_centernet_classes_are_read_and_its_model_loaded_only_when_switched_on(ssd_namer):
    names, loads = ssd_namer
    assert ("idb_get", "dataset:centernet") in names.b.log
    assert names.ready and names.embedder is None and loads == []  # the page starts without it
    assert run(names.name("video", boxes())) == boxes()
    run(names.switch_on(True))
    assert loads == ["models/centernet"] and names.embedder.name == "centernet" and names.enabled
    named = run(names.name("video", boxes()))
    assert [d.title for d in named] == ["cup · my mug", "cup · my flask", "person"]
    run(names.switch_on(False))
    run(names.switch_on(True))
    assert loads == ["models/centernet"]  # loaded once


def test_a_model_that_cannot_be_loaded_leaves_naming_off(monkeypatch, ssd_namer):
    names, _loads = ssd_namer

    async def broken(bridge, base_url, progress=None):
        raise ModelError(f"{base_url}/group1-shard1of1.bin is corrupt")

    monkeypatch.setattr("detect.box_names.load_embedder", broken)
    with pytest.raises(ModelError, match="corrupt"):
        run(names.switch_on(True))
    assert not names.enabled and not names.loading and names.picks(boxes()) == []


def test_switching_to_coco_ssd_while_on_loads_the_model_and_a_lost_context_loads_it_again(monkeypatch, ssd_namer):
    names, loads = ssd_namer
    run(names.attach(detector(), BUILT))  # CenterNet detects: its own model embeds, nothing loaded
    run(names.switch_on(True))
    assert loads == [] and names.embedder.model == "model"
    run(names.attach(detector(**SSD), BUILT))
    assert loads == ["models/centernet"] and names.enabled
    run(names.reattach(detector(**SSD)))
    assert loads == ["models/centernet"] * 2 and names.ready
