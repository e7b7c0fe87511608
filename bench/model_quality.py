"""What the models part scores, without a browser: the labelled photos' true COCO labels, the labels a
detector found, missed and got wrong, 1-nearest-neighbour leave-one-out accuracy of embeddings, and
a median with its range."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Truth:
    """A photo's COCO labels: `required` must be found; `allowed` are COCO objects really in the
    photo but small, partial or ambiguous, so finding them is neither credited nor counted wrong."""
    required: frozenset[str]
    allowed: frozenset[str]
    why: str


# scikit-image's data photos, labelled by looking at them (docs/benchmarks.md repeats the reasons).
TRUTH = {
    "astronaut": Truth(frozenset({"person"}), frozenset({"airplane"}),
                       "Eileen Collins in a spacesuit; behind her a flag (no COCO class) and a space shuttle "
                       "model, which COCO would at most call an airplane"),
    "chelsea": Truth(frozenset({"cat"}), frozenset(), "a cat's head and shoulders, nothing else"),
    "coffee": Truth(frozenset({"cup"}), frozenset({"spoon", "dining table"}),
                    "an espresso cup on a saucer, a spoon beside it, on a wooden table top"),
    "motorcycle": Truth(frozenset({"motorcycle"}), frozenset({"bicycle", "bench", "bottle"}),
                        "a motorcycle in a garage; at the edges part of a bicycle, a wooden bench and a "
                        "bottle on a shelf"),
    "rocket": Truth(frozenset(), frozenset(), "a rocket on its launch pad between lattice towers: no COCO object"),
}


def score_labels(found: set[str], truth: Truth) -> dict[str, list[str]]:
    """Label-level score of one photo: required labels found and missed, labels found that are not
    in the photo (wrong), and allowed ones found (other)."""
    return {"found": sorted(found & truth.required), "missed": sorted(truth.required - found),
            "wrong": sorted(found - truth.required - truth.allowed), "other": sorted(found & truth.allowed)}


def _similarities(vectors: list[list[float]]) -> list[list[float]]:
    """Cosine similarity of every pair."""
    units = []
    for vector in vectors:
        norm = math.sqrt(sum(x * x for x in vector))
        units.append([x / norm for x in vector] if norm else vector)
    return [[sum(x * y for x, y in zip(a, b)) for b in units] for a in units]


def nearest_neighbour_accuracy(vectors: list[list[float]], labels: list[str]) -> float:
    """Leave-one-out 1-NN accuracy by cosine similarity: the share of vectors whose most similar
    other vector has the same label (ties: the first)."""
    if len(vectors) < 2:
        raise ValueError("needs at least two vectors")
    similar = _similarities(vectors)
    correct = 0
    for i, row in enumerate(similar):
        nearest = max((j for j in range(len(row)) if j != i), key=row.__getitem__)
        correct += labels[nearest] == labels[i]
    return correct / len(vectors)


def separations(vectors: list[list[float]], labels: list[str]) -> list[float]:
    """Per vector, the cosine similarity of its nearest other vector of the same label minus that of
    its nearest vector of another label: > 0 where 1-NN is right, and how far from wrong it is."""
    similar = _similarities(vectors)
    out = []
    for i, row in enumerate(similar):
        same = [s for j, s in enumerate(row) if j != i and labels[j] == labels[i]]
        other = [s for j, s in enumerate(row) if labels[j] != labels[i]]
        if not same or not other:
            raise ValueError("every label needs two vectors, and there must be two labels")
        out.append(max(same) - max(other))
    return out


def spread(values: list[float], digits: int = 1) -> dict:
    """Median and [min, max], rounded."""
    return {"median": round(statistics.median(values), digits),
            "range": [round(min(values), digits), round(max(values), digits)]}
