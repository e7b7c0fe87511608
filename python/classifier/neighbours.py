"""Nearest examples -> a class, its confidence, and whether the classifier is sure at all.

Pure Python (no bridge). TF.js finds each query's k most similar examples (cosine similarity of
unit-length rows, `bridge.nearest`) and hands back one row per query: k similarities, then the k
example indices. Here those rows become votes, and the distance to the nearest example says whether
the query looks like anything taught: a frame far from every example is "not sure" instead of a
class that happens to be nearest.

Example:
    rows = parse_rows(values, k=3)                     # what bridge.nearest returned, read once
    answer = vote(rows[0], labels, classes=2, threshold=0.3)
    answer.index, answer.confidences, answer.sure      # 1, [0.33, 0.67], True
"""

from __future__ import annotations

from dataclasses import dataclass

# How far (cosine distance) a query may be from its nearest example and still be called "sure",
# in multiples of how far examples of one class lie from each other (`calibrate`).
DEFAULT_STRICTNESS = 1.0
STRICTNESS = (0.5, 2.0)  # the range the page's control offers
SPREAD_FACTOR = 2.5  # a taught scene seen again lies within ~2.5x the examples' own spread
MIN_SPREAD = 0.05    # examples recorded as a burst of near-identical frames have ~no spread
MIN_K, MAX_K = 1, 10


@dataclass(frozen=True)
class Neighbours:
    similarities: list[float]  # best first, cosine similarity in -1..1
    rows: list[int]            # the examples' row indices, in the same order

    @property
    def distance(self) -> float:
        """Cosine distance to the nearest example (0: the same direction)."""
        return 1.0 - self.similarities[0] if self.similarities else float("inf")


@dataclass(frozen=True)
class Answer:
    index: int | None          # the voted class; None when there are no examples
    confidences: list[float]   # votes per class / k, in class order
    distance: float            # to the nearest example
    sure: bool                 # the nearest example is within the threshold


def parse_rows(values: list[float], k: int) -> list[Neighbours]:
    """The flat read of `bridge.nearest` ([queries, 2k]) -> one Neighbours per query."""
    width = 2 * k
    return [Neighbours(values[start:start + k], [int(v) for v in values[start + k:start + width]])
            for start in range(0, len(values) - width + 1, width)]


def vote(neighbours: Neighbours, labels: list[int], classes: int, threshold: float = float("inf")) -> Answer:
    """Majority of the k nearest examples' classes; a tie goes to the class of the nearest one.

    `labels[row]` is the class of example `row`; `threshold`: the largest distance called sure.
    """
    counts = [0] * classes
    for row in neighbours.rows:
        counts[labels[row]] += 1
    k = len(neighbours.rows)
    if k == 0:
        return Answer(None, counts and [0.0] * classes, float("inf"), False)
    best = max(counts)
    index = next(labels[row] for row in neighbours.rows if counts[labels[row]] == best)
    distance = neighbours.distance
    return Answer(index, [c / k for c in counts], distance, distance <= threshold)


def sensible_k(requested: int, examples_per_class: list[int]) -> int:
    """k no larger than the smallest taught class: with k at or above a class's size, that class can
    never win a majority and every answer drifts to 50/50 (k=1 for a class of one example)."""
    taught = [n for n in examples_per_class if n > 0]
    if not taught:
        return MIN_K
    return max(MIN_K, min(requested, min(taught), MAX_K))


def calibrate(same_class_distances: list[float], strictness: float = DEFAULT_STRICTNESS) -> float:
    """The "sure" threshold from the examples themselves.

    `same_class_distances`: for each example, the distance to its nearest other example of the same
    class (leave-one-out). Their upper quartile is how spread out one class is; a query within
    SPREAD_FACTOR times that of an example is called sure. `strictness` > 1 narrows it, < 1 widens it.
    With no class of two examples there is nothing to measure: every answer is sure.
    """
    if not same_class_distances:
        return float("inf")
    ordered = sorted(same_class_distances)
    spread = max(ordered[(3 * (len(ordered) - 1)) // 4], MIN_SPREAD)
    return SPREAD_FACTOR * spread / strictness


def nearest_same_class(neighbours: list[Neighbours], labels: list[int], queries: list[int] | None = None) -> list[float]:
    """Leave-one-out: for each example asked about (query i is example queries[i]; all examples in
    order when None), the distance to its nearest *other* example of its own class among the
    neighbours found; examples with none are left out."""
    distances = []
    for number, found in enumerate(neighbours):
        query = number if queries is None else queries[number]
        for similarity, row in zip(found.similarities, found.rows):
            if row != query and labels[row] == labels[query]:
                distances.append(1.0 - similarity)
                break
    return distances
