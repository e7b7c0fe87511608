"""The models part's scoring: labels found/missed/wrong per photo, 1-NN accuracy and separation, spread."""

import pytest

from bench.model_quality import TRUTH, Truth, nearest_neighbour_accuracy, score_labels, separations, spread

CUP = Truth(frozenset({"cup"}), frozenset({"spoon"}), "a cup and a spoon")


def test_score_labels_splits_found_missed_wrong_and_allowed():
    assert score_labels({"cup", "spoon", "bowl"}, CUP) == {
        "found": ["cup"], "missed": [], "wrong": ["bowl"], "other": ["spoon"]}


def test_score_labels_counts_a_missed_object_and_nothing_found_in_an_empty_photo():
    assert score_labels(set(), CUP) == {"found": [], "missed": ["cup"], "wrong": [], "other": []}
    assert score_labels({"clock"}, TRUTH["rocket"])["wrong"] == ["clock"]


def test_every_labelled_photo_says_why():
    assert set(TRUTH) == {"astronaut", "chelsea", "coffee", "motorcycle", "rocket"}
    assert all(t.why and not t.required & t.allowed for t in TRUTH.values())


def test_nearest_neighbour_accuracy_by_cosine_not_distance():
    # [1, 0]'s nearest by direction is [10, 1] (its label), though [0, 1] is nearer in distance.
    vectors = [[1, 0], [10, 1], [0, 1], [0.1, 1.1]]
    labels = ["a", "a", "b", "b"]
    assert nearest_neighbour_accuracy(vectors, labels) == 1.0
    assert nearest_neighbour_accuracy(vectors, ["a", "b", "a", "b"]) == 0.0


def test_separations_are_positive_where_the_nearest_has_the_label():
    vectors = [[1, 0], [1, 0.1], [0, 1], [0.1, 1]]
    gaps = separations(vectors, ["a", "a", "b", "b"])
    assert all(gap > 0 for gap in gaps)
    assert all(gap < 0 for gap in separations(vectors, ["a", "b", "a", "b"]))


def test_separations_need_two_of_every_label():
    with pytest.raises(ValueError):
        separations([[1, 0], [0, 1], [1, 1]], ["a", "a", "b"])


def test_spread_is_the_median_and_range():
    assert spread([3.0, 1.0, 2.0, 10.0]) == {"median": 2.5, "range": [1.0, 10.0]}
