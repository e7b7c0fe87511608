import math

import pytest

from classifier.neighbours import (
    MIN_SPREAD,
    SPREAD_FACTOR,
    Neighbours,
    calibrate,
    nearest_same_class,
    parse_rows,
    sensible_k,
    vote,
)


def test_rows_of_one_read_become_neighbours_per_query():
    rows = parse_rows([0.9, 0.5, 3.0, 1.0, 0.8, 0.7, 0.0, 2.0], k=2)
    assert rows == [Neighbours([0.9, 0.5], [3, 1]), Neighbours([0.8, 0.7], [0, 2])]
    assert math.isclose(rows[0].distance, 0.1)


def test_majority_vote_with_ties_to_the_nearest_and_a_threshold():
    labels = [0, 1, 1, 2]
    answer = vote(Neighbours([0.99, 0.9, 0.8], [0, 1, 2]), labels, classes=3, threshold=0.05)
    assert answer.index == 1 and answer.confidences == [pytest.approx(1 / 3), pytest.approx(2 / 3), 0.0]
    assert answer.sure
    tie = vote(Neighbours([0.5, 0.4], [3, 0]), labels, classes=3, threshold=0.3)
    assert tie.index == 2 and not tie.sure  # nearest decides the tie; 0.5 away is beyond 0.3


def test_k_stays_below_the_smallest_taught_class():
    assert sensible_k(3, [10, 10]) == 3
    assert sensible_k(3, [10, 2, 0]) == 2   # an empty class does not count
    assert sensible_k(5, [1, 40]) == 1      # else the one-example class could never win
    assert sensible_k(50, [100, 100]) == 10
    assert sensible_k(3, [0, 0]) == 1


def test_calibration_scales_the_spread_of_a_class():
    assert calibrate([]) == math.inf
    assert calibrate([0.1, 0.1, 0.2, 0.4, 0.1]) == pytest.approx(SPREAD_FACTOR * 0.2)
    assert calibrate([0.1, 0.2, 0.2, 0.4], strictness=2.0) == pytest.approx(SPREAD_FACTOR * 0.2 / 2)
    assert calibrate([0.0, 0.0, 0.001]) == pytest.approx(SPREAD_FACTOR * MIN_SPREAD)  # a burst of one frame


def test_leave_one_out_skips_the_example_itself_and_other_classes():
    labels = [0, 0, 1]
    found = [Neighbours([1.0, 0.7, 0.9], [0, 2, 1]), Neighbours([1.0, 0.9], [1, 0]), Neighbours([1.0, 0.7], [2, 0])]
    assert nearest_same_class(found, labels) == [pytest.approx(0.1), pytest.approx(0.1)]


def test_leave_one_out_of_some_examples_knows_which_example_each_query_was():
    labels = [0, 0, 1, 1]
    found = [Neighbours([1.0, 0.8], [1, 0]), Neighbours([1.0, 0.6, 0.5], [3, 0, 2])]  # queries: examples 1 and 3
    assert nearest_same_class(found, labels, queries=[1, 3]) == [pytest.approx(0.2), pytest.approx(0.5)]
