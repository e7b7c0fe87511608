import math
from dataclasses import replace

from classifier.class_list import ClassList
from classifier.dataset_store import saved_models
from classifier.knn_trainer import KnnTrainer
from models.choice import choose_embedding_model
from teach.engine import default_model_offer, embedding_note

from aio import run
from fake_bridge import FakeBridge, floats


def trainer(bridge, names=("A", "B", "C")):
    return KnnTrainer(bridge, ClassList(list(names)), "centernet", 2)


def test_examples_are_kept_in_python_and_as_unit_rows():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge)
    run(knn_trainer.add_example(1, [3.0, 4.0]))
    assert knn_trainer.classes.counts() == [0, 1, 0]
    assert knn_trainer.classes.classes[1].embeddings == [floats(3.0, 4.0)]
    assert knn_trainer.examples == [[0.6, 0.8]] and knn_trainer.labels == [1]


def test_rebuild_after_removing_a_class_uses_dense_ids_in_class_order():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge)
    run(knn_trainer.add_example(2, [0.0, 1.0]))
    run(knn_trainer.add_example(0, [1.0, 0.0]))
    knn_trainer.classes.remove(1)
    run(knn_trainer.rebuild())
    assert knn_trainer.labels == [0, 1]
    assert knn_trainer.examples == [[1.0, 0.0], [0.0, 1.0]]
    knn_trainer.classes.clear(0)
    knn_trainer.classes.clear(1)
    run(knn_trainer.rebuild())
    assert knn_trainer.examples is None and run(knn_trainer.predict([1.0, 0.0])).index is None


def test_prediction_votes_in_class_order_with_one_read_and_caps_k():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge)
    answer = run(knn_trainer.predict([1.0, 0.0]))
    assert answer.index is None and answer.confidences == [0.0, 0.0, 0.0] and not answer.sure
    for vector in ([0.0, 1.0], [0.1, 1.0]):
        run(knn_trainer.add_example(2, vector))
    run(knn_trainer.add_example(0, [1.0, 0.0]))
    knn_trainer.k = 5
    bridge.log.clear()
    answer = run(knn_trainer.predict([0.05, 1.0]))
    assert answer.index == 2 and answer.confidences == [0.0, 0.0, 1.0]
    assert ("nearest", 1) in bridge.log  # k never reaches the smallest class's size...
    assert [entry for entry in bridge.log if entry[0] == "read"] == [("read", 2)]  # ...and one read


def test_several_queries_are_answered_in_one_call():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge, ("cup", "mug"))
    run(knn_trainer.add_example(0, [1.0, 0.0]))
    run(knn_trainer.add_example(1, [0.0, 1.0]))
    answers = run(knn_trainer.predict_many([[0.9, 0.1], [0.1, 0.9], [0.0, 2.0]]))
    assert [a.index for a in answers] == [0, 1, 1]
    assert math.isclose(answers[2].distance, 0.0, abs_tol=1e-9)


def test_calibration_makes_a_far_query_not_sure():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge, ("left", "up"))
    for angle in (0.0, 0.05, 0.1):  # three close examples per class (radians)
        run(knn_trainer.add_example(0, [math.cos(angle), math.sin(angle)]))
        run(knn_trainer.add_example(1, [math.sin(angle), math.cos(angle)]))
    threshold = run(knn_trainer.calibrate())
    assert 0.0 < threshold < 0.3
    assert run(knn_trainer.predict([1.0, 0.02])).sure
    far = run(knn_trainer.predict([1.0, 1.0]))  # 45 degrees: between the classes, near neither
    assert not far.sure and far.index in (0, 1)
    knn_trainer.strictness = 0.01  # much looser
    run(knn_trainer.calibrate())
    assert run(knn_trainer.predict([1.0, 1.0])).sure


def test_dataset_round_trip_through_the_trainer():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge)
    run(knn_trainer.add_example(0, [1.0, 2.0]))
    saved = knn_trainer.dataset()
    other = trainer(FakeBridge())
    run(other.load(saved))
    assert other.classes.names() == ["A", "B", "C"] and other.classes.counts() == [1, 0, 0]
    assert other.labels == [0] and len(other.examples) == 1


def test_embedding_model_choice():
    centernet = {"name": "centernet", "weights": "pretrained"}
    assert choose_embedding_model([centernet], None) == "centernet"
    assert choose_embedding_model([centernet, {"name": "mobilenet", "weights": "untrained"}], None) == "centernet"
    assert choose_embedding_model([centernet, {"name": "mobilenet", "weights": "pretrained"}], None) == "mobilenet"
    assert choose_embedding_model([centernet, {"name": "mobilenet", "weights": "untrained"}], "mobilenet") == "mobilenet"


def test_a_dataset_saved_with_an_earlier_default_keeps_its_model():
    built = [{"name": "centernet", "weights": "pretrained"}, {"name": "mobilenet", "weights": "pretrained"}]
    assert choose_embedding_model(built, None, {"centernet"}) == "centernet"  # taught before MobileNet
    assert choose_embedding_model(built, None, {"centernet", "mobilenet"}) == "mobilenet"
    assert choose_embedding_model(built, None, {"coco-ssd", "gone"}) == "mobilenet"  # not embedding models
    assert choose_embedding_model(built, "mobilenet", {"centernet"}) == "mobilenet"  # ?model= wins
    titled = [dict(m, title=m["name"].title()) for m in built]
    assert embedding_note("centernet", titled) == "embeddings: Centernet"
    why, link, href = default_model_offer("centernet", titled, "mobilenet")
    assert why.startswith("These examples were taught with Centernet, the model of the examples saved") and \
        "the default is now Mobilenet" in why
    assert (link, href) == ("Teach a new set with Mobilenet", "?model=mobilenet")
    assert default_model_offer("centernet", built, "mobilenet", "wasm")[2] == "?model=mobilenet&backend=wasm"
    assert default_model_offer("centernet", built, "mobilenet", "x&model=centernet")[2] == "?model=mobilenet"
    assert default_model_offer("mobilenet", built, "mobilenet") is None
    assert embedding_note("mobilenet", built) == "embeddings: mobilenet"


def test_the_models_with_a_saved_dataset():
    bridge = FakeBridge()
    bridge.saved = ("centernet", "mobilenet")
    assert run(saved_models(bridge)) == {"centernet", "mobilenet"}


def test_k_strictness_and_thumbnails_travel_with_the_dataset():
    knn_trainer = trainer(FakeBridge())
    knn_trainer.k, knn_trainer.strictness = 5, 1.5
    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 12
    run(knn_trainer.add_example(1, [1.0, 0.0], jpeg))
    saved = knn_trainer.dataset()
    assert saved.settings == {"k": 5, "strictness": 1.5} and saved.classes[1].thumbnails == [jpeg]
    other = trainer(FakeBridge())
    run(other.load(replace(saved, settings={"k": 99, "strictness": 0.1})))  # beyond the controls: clamped
    assert (other.k, other.strictness) == (10, 0.5)
    run(other.load(replace(saved, settings={})))  # a version 1 file: the page's values stay
    assert (other.k, other.strictness) == (10, 0.5)


def test_leave_one_out_goes_in_chunks_small_enough_for_5000_examples_and_gives_the_same_answer(monkeypatch):
    from classifier import knn_trainer as module
    assert module.calibration_rows(10) == 256 and module.calibration_rows(0) == 256
    assert module.calibration_rows(5000) * 5000 <= module.SIMILARITIES_PER_CHUNK and module.calibration_rows(10**7) == 1
    bridge = FakeBridge()
    knn_trainer = trainer(bridge, ("left", "up"))
    for angle in (0.0, 0.05, 0.1, 0.2, 0.3):
        run(knn_trainer.add_example(0, [math.cos(angle), math.sin(angle)]))
        run(knn_trainer.add_example(1, [math.sin(angle), math.cos(angle)]))
    whole = run(knn_trainer.leave_one_out(3))
    monkeypatch.setattr(module, "SIMILARITIES_PER_CHUNK", 30)  # 3 rows of 10 a chunk
    bridge.log.clear()
    assert run(knn_trainer.leave_one_out(3)) == whole and len(whole) == 10
    assert len([entry for entry in bridge.log if entry[0] == "read"]) == 4


def test_rebuild_goes_a_chunk_of_examples_at_a_time_and_joins_them(monkeypatch):
    from classifier import knn_trainer as module
    monkeypatch.setattr(module, "REBUILD_ROWS", 2)
    bridge = FakeBridge()
    knn_trainer = trainer(bridge, ("left", "up"))
    for vector in ([1.0, 0.0], [2.0, 0.0], [0.0, 3.0]):
        run(knn_trainer.add_example(0, vector))
    run(knn_trainer.add_example(1, [0.0, 1.0]))
    bridge.log.clear()
    run(knn_trainer.rebuild())
    assert ("join_rows", 2) in bridge.log
    assert knn_trainer.examples == [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]] and knn_trainer.labels == [0, 0, 0, 1]


def test_calibration_asks_about_examples_spread_over_all_classes_and_is_not_repeated_for_the_same_examples():
    from classifier import knn_trainer as module
    assert module.calibration_queries(module.CALIBRATION_QUERIES) is None
    picked = module.calibration_queries(5000)
    assert len(picked) == module.CALIBRATION_QUERIES and picked[0] == 0 and picked[-1] == 4999
    assert all(4 <= b - a <= 15 for a, b in zip(picked, picked[1:]))  # evenly: every class of 1,250 gets ~128
    bridge = FakeBridge()
    knn_trainer = trainer(bridge, ("left", "up"))
    for angle in (0.0, 0.05, 0.1):
        run(knn_trainer.add_example(0, [math.cos(angle), math.sin(angle)]))
        run(knn_trainer.add_example(1, [math.sin(angle), math.cos(angle)]))
    first = run(knn_trainer.calibrate())
    bridge.log.clear()
    assert run(knn_trainer.calibrate()) == first and not bridge.log  # nothing changed: nothing measured
    knn_trainer.strictness = 2.0
    assert run(knn_trainer.calibrate()) < first and bridge.log  # stricter: measured again
    bridge.log.clear()
    run(knn_trainer.add_example(0, [1.0, 0.01]))
    run(knn_trainer.calibrate())
    assert any(entry[0] == "read" for entry in bridge.log)  # another example: measured again


def test_an_example_added_while_rebuilding_or_calibrating_is_not_lost(monkeypatch):
    import asyncio

    from classifier import knn_trainer as module
    monkeypatch.setattr(module, "REBUILD_ROWS", 1)
    bridge = FakeBridge()
    knn_trainer = trainer(bridge, ("left", "up"))
    for vector in ([1.0, 0.0], [1.0, 0.1]):
        run(knn_trainer.add_example(0, vector))

    async def meanwhile(work):
        task = asyncio.ensure_future(work())
        await asyncio.sleep(0)  # the work is at its first step
        await knn_trainer.add_example(1, [0.0, 1.0])
        await task
        return task.result()

    run(meanwhile(knn_trainer.rebuild))
    assert knn_trainer.labels == [0, 0, 1] and knn_trainer.examples[-1] == [0.0, 1.0]
    run(knn_trainer.add_example(1, [0.1, 1.0]))
    threshold = run(meanwhile(knn_trainer.calibrate))  # measured on the 5 examples there are at the end
    assert len(knn_trainer.labels) == 5 and threshold == run(knn_trainer.calibrate())
    assert knn_trainer._calibrated_on[0] == knn_trainer._generation
