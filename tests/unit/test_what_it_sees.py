"""What MobileNet sees (python/teach/what_it_sees.py, Embedder.embed_and_scores/top): the steady top 3
at 3 and 30 frames/s, the text, the switch, and one model run per frame with everything freed."""

import asyncio
import math
import random
from types import SimpleNamespace

import pytest
from clock import Clock
from detect_fakes import FakeBridge, FakeModel

from classifier.steady_label import HOLD_S
from models.detections import Candidates, Detection, Settings
from models.embedder import Embedder
from models.model_files import Manifest
from teach.object_finder import ObjectFinder, embed_region
from teach.what_it_sees import (
    OF_WHAT,
    SEES_KEY,
    SHOWN,
    SteadyTop,
    WhatItSees,
    clean_label,
    model_name,
    remembered,
    seen_text,
)

RATES = pytest.mark.parametrize("fps", [3, 30])

ESPRESSO, CUP, MUG, PLATE, SPOON = 967, 968, 504, 923, 910
TABBY, TIGER_CAT, EGYPTIAN_CAT, LYNX = 281, 282, 285, 287


def steady_at(fps: float) -> SteadyTop:
    return SteadyTop(clock=Clock().frames(fps))


def names(rows) -> list[int]:
    return [index for index, _p in rows]


def noisy(rng, probabilities: dict[int, float], spread: float = 0.08) -> list[tuple[int, float]]:
    """A frame's top 5 as the model gives it for a steady scene: each probability jitters."""
    jittered = {i: max(0.0, p + rng.uniform(-spread, spread)) for i, p in probabilities.items()}
    return sorted(jittered.items(), key=lambda pair: -pair[1])[:5]


COFFEE = {ESPRESSO: 0.55, CUP: 0.2, MUG: 0.12, PLATE: 0.1, SPOON: 0.03}
CAT = {TABBY: 0.5, TIGER_CAT: 0.3, EGYPTIAN_CAT: 0.15, LYNX: 0.05}


# ---------------------------------------------------------------- steady top 3


def test_the_first_frame_is_shown_as_it_is():
    steady = steady_at(30)
    rows = steady.frame([(CUP, 0.2), (ESPRESSO, 0.7), (MUG, 0.05), (PLATE, 0.03)])
    assert rows == [(ESPRESSO, 0.7), (CUP, 0.2), (MUG, 0.05)]


def changes(sets: list) -> int:
    return sum(a != b for a, b in zip(sets, sets[1:]))


@RATES
def test_a_steady_scene_keeps_its_three_names(fps):
    """The 3rd (mug, 12%) and 4th (plate, 10%) trade places in many raw frames; the shown three
    rarely (20 scenes of 10 s: about 1 change in 10 s on average at 3 frames/s, 3 at most)."""
    raw_changes, shown_changes = [], []
    for seed in range(20):
        rng = random.Random(seed)
        steady = steady_at(fps)
        frames = [noisy(rng, COFFEE) for _ in range(10 * fps)]  # ten seconds
        raw_changes.append(changes([frozenset(names(frame[:SHOWN])) for frame in frames]))
        shown = [names(steady.frame(frame)) for frame in frames]
        shown_changes.append(changes([frozenset(s) for s in shown]))
        assert all(s[0] == ESPRESSO for s in shown), "the clear first never leaves first place"
        # ...and the percentages are averages: near the scene's own, not a frame's jitter.
        assert abs(steady.average[ESPRESSO] - 0.55) < 0.06
    assert min(raw_changes) >= 2 * fps  # the raw top 3 is restless
    assert max(shown_changes) <= 3 and sum(shown_changes) <= 20, (raw_changes, shown_changes)


@RATES
def test_a_new_scene_shows_its_names_within_half_a_second(fps):
    rng = random.Random(fps)
    steady = steady_at(fps)
    for _ in range(2 * fps):
        steady.frame(noisy(rng, COFFEE))
    first = every = None
    for frame in range(1, 3 * fps):
        shown = names(steady.frame(noisy(rng, CAT, spread=0.03)))
        first = first or (frame if shown[0] == TABBY else None)
        if set(shown) == {TABBY, TIGER_CAT, EGYPTIAN_CAT}:
            every = frame
            break
    # The new first place shows as fast as a steady label's change (within 0.5 s at 30 frames/s, on
    # the scene's 2nd frame at 3 frames/s: each frame weighs MAX_WEIGHT there); the weakest of the three
    # (15%) has to outgrow the old first's fading average, within about a second.
    assert first / fps <= (0.5 if fps == 30 else 2 / 3), f"first place after {first / fps:.2f} s"
    assert every / fps <= (1.0 if fps == 30 else 4 / 3), f"all three after {every / fps:.2f} s"


@RATES
def test_a_close_newcomer_gets_in_after_it_has_led_for_a_second(fps):
    """Plate (12%) slowly beats mug (10%): not by MARGIN, but for HOLD_S seconds."""
    steady = steady_at(fps)
    steady.frame([(ESPRESSO, 0.6), (CUP, 0.2), (MUG, 0.12), (PLATE, 0.08)])
    for frame in range(1, 4 * fps):
        if PLATE in names(steady.frame([(ESPRESSO, 0.6), (CUP, 0.2), (PLATE, 0.12), (MUG, 0.10)])):
            break
    assert HOLD_S <= frame / fps <= HOLD_S + (0.5 if fps == 30 else 4 / 3) + 1e-9  # 4/3 s: it leads from the 3rd frame


def test_two_close_classes_do_not_swap_places_every_frame():
    steady = steady_at(30)
    order = []
    for frame in range(300):
        first, second = (0.41, 0.39) if frame % 2 else (0.39, 0.41)
        order.append(names(steady.frame([(TABBY, first), (TIGER_CAT, second), (LYNX, 0.1)]))[:2])
    assert sum(a != b for a, b in zip(order, order[1:])) == 0


def test_a_file_is_shown_as_it_is_and_the_camera_starts_over():
    steady = steady_at(30)
    for _ in range(30):
        steady.frame(list(COFFEE.items()))
    assert names(steady.now([(LYNX, 0.05), (TABBY, 0.9)])) == [TABBY, LYNX]
    assert names(steady.frame([(CUP, 0.1), (ESPRESSO, 0.8), (MUG, 0.05)])) == [ESPRESSO, CUP, MUG]


def test_classes_out_of_view_are_forgotten():
    steady = steady_at(30)
    for index in range(100):  # a hundred scenes, each with its own classes
        for _ in range(10):
            steady.frame([(index * 5 + j, 0.2) for j in range(5)])
    assert len(steady.average) <= 30  # the last few scenes' classes, not all 500


# ---------------------------------------------------------------- text


def test_labels_are_cleaned_and_formatted():
    assert clean_label("tabby, tabby cat") == "tabby"
    assert clean_label("Egyptian cat") == "Egyptian cat"
    assert clean_label("tiger_cat") == "tiger cat"
    assert clean_label("cougar, puma, catamount, mountain lion") == "cougar"
    assert seen_text("espresso", 0.8412) == "espresso 84%"
    assert seen_text("cup", 0.001) == "cup <1%"
    assert model_name("MobileNet V2 1.0 224 (ImageNet)") == "MobileNet"


def test_the_switch_is_remembered_and_on_by_default():
    assert remembered(None) and remembered("true") and remembered("junk")
    assert not remembered("false")


# ---------------------------------------------------------------- embedder and view

LABELS = ["background"] + [f"class {i}, synonym" for i in range(1, 1001)]


class SeeingBridge(FakeBridge):
    """The Detect fakes with what embed_and_scores and top use."""

    def flatten(self, tensor):
        return self._tensor(f"flat {tensor.name}", tensor.values)

    def mirrored(self, tensor, axis):
        return self._tensor(f"mirrored {tensor.name}", tensor.values)

    def softmax(self, tensor):
        exps = [math.exp(v) for v in tensor.values]
        return self._tensor("softmax", [e / sum(exps) for e in exps])

    def pair(self, first, second):
        return (first, second)

    def tidy_pair(self, fn):
        start = len(self.tensors)
        self.tidy_depth += 1
        try:
            both = fn()
        finally:
            self.tidy_depth -= 1
        for tensor in self.tensors[start:]:
            if tensor not in both and not tensor.disposed:
                tensor.dispose()
        return both

    async def computed(self, tensor):
        assert not tensor.disposed
        self.waited = vars(self).get("waited", []) + [tensor.name]

    def top_k(self, scores, k):
        assert self.tidy_depth, "topk outside tidy"
        if self.backend == "webgl":  # TF.js's WebGL topk would read the scores synchronously
            assert scores.name in vars(self).get("waited", []), "topk before the scores were computed"
        ranked = sorted(enumerate(scores.values), key=lambda pair: -pair[1])[:k]
        return self._tensor("top", [p for _i, p in ranked] + [float(i) for i, _p in ranked])

    def snapshot(self, source, width, height):
        return SimpleNamespace(name="snapshot")

    def crop_boxes(self, frame, boxes, size, low, high):
        self.cropped = vars(self).get("cropped", []) + [list(boxes)]
        return self._tensor(f"crops of {len(boxes)}")


def manifest(outputs: dict[str, str]) -> Manifest:
    return Manifest(name="mobilenet", title="MobileNet V2 1.0 224 (ImageNet)", task="classification",
                    weights="pretrained", input_name="input", input_size=(224, 224), input_range=(-1.0, 0.99),
                    outputs=outputs, embedding_size=4, decoder=None, files=[])


def scores(best: dict[int, float]) -> list[float]:
    values = [0.0001] * 1001
    for index, p in best.items():
        values[index] = p
    return values


MOBILENET = {"embedding": "pool", "logits": "logits", "probabilities": "softmax-node"}


def run(coroutine):
    return asyncio.run(coroutine)


def test_one_model_run_gives_the_embedding_and_the_top_classes():
    bridge = SeeingBridge(outputs={"pool": [1.0, 2.0, 3.0, 4.0], "softmax-node": scores({ESPRESSO: 0.8, CUP: 0.1})})
    model = FakeModel()
    embedder = Embedder(bridge, model, manifest(MOBILENET))
    assert embedder.sees
    embedding, probabilities = embedder.embed_and_scores("video")
    assert model.calls == [("execute", ["pool", "softmax-node"])]
    assert embedding.values == [1.0, 2.0, 3.0, 4.0]
    assert sorted(bridge.live_tensors()) == sorted([embedding.name, probabilities.name])
    top = run(embedder.top(probabilities, 3))
    assert [i for i, _p in top[:2]] == [ESPRESSO, CUP] and top[0][1] == 0.8 and len(top) == 3
    assert sorted(bridge.live_tensors()) == sorted([embedding.name, probabilities.name])  # top's own freed
    embedding.dispose(), probabilities.dispose()
    assert bridge.live_tensors() == []


def test_the_scores_are_computed_before_topk():
    bridge = SeeingBridge(outputs={"pool": [1.0, 0, 0, 0], "softmax-node": scores({TABBY: 0.9})})
    bridge.backend = "webgl"
    embedder = Embedder(bridge, FakeModel(), manifest(MOBILENET))
    embedding, probabilities = embedder.embed_and_scores("video")
    assert run(embedder.top(probabilities, 1))[0][0] == TABBY
    assert bridge.waited == [probabilities.name]


def test_logits_alone_go_through_a_softmax_and_a_plain_embedder_does_not_see():
    bridge = SeeingBridge(outputs={"pool": [1.0, 0, 0, 0], "logits": scores({TABBY: 9.0})})
    embedder = Embedder(bridge, FakeModel(), manifest({"embedding": "pool", "logits": "logits"}))
    embedding, probabilities = embedder.embed_and_scores("video")
    assert run(embedder.top(probabilities, 1))[0][0] == TABBY
    assert not Embedder(bridge, FakeModel(), manifest({"embedding": "pool"})).sees


def view(stored: dict | None = None, outputs=MOBILENET, labels=LABELS):
    bridge = SeeingBridge(outputs={"pool": [1.0, 0, 0, 0], "softmax-node": scores({ESPRESSO: 0.84, CUP: 0.1, 0: 0.03})})
    bridge.stored.update(stored or {})
    sees = WhatItSees(bridge)
    embedder = Embedder(bridge, FakeModel(), manifest(outputs))
    sees.use(embedder, labels)
    return bridge, sees, embedder


def test_the_view_writes_the_top_3_without_background_and_only_when_it_changes():
    bridge, sees, embedder = view()
    assert sees.active and not bridge.el("sees").hidden
    assert bridge.el("sees-title").textContent == "What MobileNet sees"

    async def frame():
        embedding, probabilities = embedder.embed_and_scores("video")
        await sees.frame(probabilities)
        embedding.dispose(), probabilities.dispose()

    run(frame())
    texts = [bridge.el(f"sees-{i}").textContent for i in (1, 2, 3)]
    assert texts == ["class 967 84%", "class 968 10%", "class 1 <1%"]  # "background" (3%) is left out
    assert bridge.el("sees").dataset.top == "class 967" and bridge.el("sees").dataset.source == "camera"
    bridge.el("sees-1").textContent = "untouched"
    run(frame())  # the same scene: the same text, nothing written
    assert bridge.el("sees-1").textContent == "untouched"
    assert bridge.live_tensors() == []


def test_a_file_gets_its_own_top_3_from_the_run_that_embeds_it():
    bridge, sees, embedder = view()
    embedded = embed_region(embedder, "snapshot", scores=True)
    assert embedder.model.calls == [("execute", ["pool", "softmax-node"])]  # one run: no second for the list
    run(sees.still(embedded.scores))
    assert bridge.el("sees-1").textContent == "class 967 84%"
    assert bridge.el("sees").dataset.source == "file" and bridge.el("sees-of").textContent == OF_WHAT["file"]
    embedded.dispose(bridge)
    assert bridge.live_tensors() == []
    assert embed_region(embedder, "snapshot").scores is None  # not asked: the embedding alone
    assert embedder.model.calls[-1] == ("execute", ["pool"])


class OneBox:
    """A detector that finds one object."""

    defaults = Settings(threshold=0.3, max_detections=20, iou=0.5)

    def __init__(self, box):
        self.box = box

    async def detect(self, source):
        return Candidates.of([Detection("cat", 0.9, self.box)])


def test_with_teach_objects_the_list_shows_the_objects_top_3_from_the_run_that_embeds_it():
    bridge, sees, embedder = view()
    box = (0.1, 0.2, 0.6, 0.9)
    finder = ObjectFinder(OneBox(box), embedder)
    run(sees.frame(embed_region(embedder, "video", scores=True).scores, "camera"))
    embedded, detection = run(finder.embed("video", scores=True))
    assert embedded.region == box == detection.box
    assert embedder.model.calls[-1] == ("execute", ["pool", "softmax-node"]) and bridge.cropped == [[box]]
    run(sees.frame(embedded.scores, "object"))
    assert bridge.el("sees").dataset.source == "object" and bridge.el("sees-of").textContent == OF_WHAT["object"]
    assert bridge.el("sees-1").textContent == "class 967 84%"
    embedded.dispose(bridge)
    sees.no_object()  # the next frame shows no object: no names rather than the last object's
    assert all(bridge.el(f"sees-{i}").hidden for i in (1, 2, 3)) and bridge.el("sees").dataset.top == ""
    assert bridge.el("sees").dataset.source == "object"
    plain, _detection = run(finder.embed("video"))
    assert plain.scores is None and embedder.model.calls[-1] == ("execute", ["pool"])
    plain.dispose(bridge)


def test_the_switch_hides_the_list_remembers_it_and_stops_the_work():
    bridge, sees, _embedder = view()
    sees.wire()
    bridge.listeners[("sees-on", "change")](SimpleNamespace(target=SimpleNamespace(checked=False)))
    assert not sees.active and bridge.el("sees-list").hidden
    assert bridge.stored[SEES_KEY] == "false"
    assert not bridge.el("sees").hidden  # the switch itself stays, to turn it back on

    bridge, sees, _embedder = view(stored={SEES_KEY: "false"})  # the next visit
    assert not sees.active and not bridge.el("sees-on").checked and bridge.el("sees-list").hidden


def test_a_model_without_class_names_offers_nothing():
    bridge, sees, _embedder = view(outputs={"embedding": "pool"})
    assert not sees.active and bridge.el("sees").hidden
    bridge, sees, _embedder = view(labels=None)  # no labels file
    assert not sees.active and bridge.el("sees").hidden
