
from class_list import ClassList
from fake_bridge import FakeBridge, floats
from knn_trainer import KnnTrainer
from teach_app import choose_embedding_model
from aio import run


def trainer(bridge):
    return KnnTrainer(bridge, ClassList(["A", "B", "C"]), "centernet", 2)


def test_examples_are_kept_in_python_and_in_the_knn():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge)
    run(knn_trainer.add_example(1, [0.5, 1.0]))
    assert knn_trainer.classes.counts() == [0, 1, 0]
    assert knn_trainer.classes.classes[1].embeddings == [floats(0.5, 1.0)]
    assert bridge.knns[0].examples == {1: [[0.5, 1.0]]}


def test_rebuild_after_removing_a_class_uses_dense_ids():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge)
    run(knn_trainer.add_example(0, [1.0, 0.0]))
    run(knn_trainer.add_example(2, [0.0, 1.0]))
    knn_trainer.classes.remove(1)
    knn_trainer.rebuild()
    old, new = bridge.knns
    assert old.disposed
    assert sorted(new.examples) == [0, 1]
    assert new.examples[1] == [("matrix", [1, 2], floats(0.0, 1.0))]


def test_prediction_maps_confidences_to_class_order_and_caps_k():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge)
    prediction = run(knn_trainer.predict([1.0, 0.0]))
    assert prediction.index is None and prediction.confidences == [0.0, 0.0, 0.0]
    run(knn_trainer.add_example(2, [0.0, 1.0]))
    bridge.prediction = (2, {2: 1.0})
    knn_trainer.k = 5
    prediction = run(knn_trainer.predict([0.0, 1.0]))
    assert prediction.index == 2 and prediction.confidences == [0.0, 0.0, 1.0]
    assert ("predict", 1) in bridge.log  # k never exceeds the number of examples


def test_dataset_round_trip_through_the_trainer():
    bridge = FakeBridge()
    knn_trainer = trainer(bridge)
    run(knn_trainer.add_example(0, [1.0, 2.0]))
    saved = knn_trainer.dataset()
    other = trainer(FakeBridge())
    other.load(saved)
    assert other.classes.names() == ["A", "B", "C"] and other.classes.counts() == [1, 0, 0]


def test_embedding_model_choice():
    centernet = {"name": "centernet", "weights": "pretrained"}
    assert choose_embedding_model([centernet], None) == "centernet"
    assert choose_embedding_model([centernet, {"name": "mobilenet", "weights": "untrained"}], None) == "centernet"
    assert choose_embedding_model([centernet, {"name": "mobilenet", "weights": "pretrained"}], None) == "mobilenet"
    assert choose_embedding_model([centernet, {"name": "mobilenet", "weights": "untrained"}], "mobilenet") == "mobilenet"
