"""From a detector's raw rows to the boxes a visitor sees: decode, filter, suppress, place, label.

Pure Python (no bridge), so each rule is tested in CPython against recorded model outputs. A box
travels as (x1, y1, x2, y2) fractions of the source frame until `place` turns it into CSS pixels of
the element that shows the frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from web.formatting import percent

ROW = 6  # both decoders pack one candidate per six floats


NAME_SEPARATOR = " · "


class Detection(NamedTuple):
    """One candidate row of a detector, as fractions of the frame. A NamedTuple, not a frozen
    dataclass, which costs 1.5x as much to make in Pyodide (3x in CPython), and a frame makes one
    for each row it decodes."""
    label: str
    score: float
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 as fractions of the frame
    name: str | None = None  # the visitor's class for this box, where Detect named it

    @property
    def title(self) -> str:
        """What the box is called: "cup", or "cup · my mug" once named."""
        return self.label if self.name is None else f"{self.label}{NAME_SEPARATOR}{self.name}"


@dataclass(frozen=True)
class Settings:
    threshold: float  # minimum score, 0..1
    max_detections: int
    iou: float  # a box overlapping a better one by more than this is a duplicate
    classes: frozenset[str] | None = None  # None: every class


class Placed(NamedTuple):
    """A detection in CSS pixels of the displayed frame, ready to draw and to list; `track` and
    `name` once the tracker knows it (its id, and the label voted over its recent frames). A
    NamedTuple, as Detection: every frame makes one per box, and again with its track."""
    label: str
    score: float
    x: float
    y: float
    w: float
    h: float
    track: int | None = None
    name: str | None = None

    @property
    def text(self) -> str:
        text = label_text(self.name or self.label, self.score)
        return text if self.track is None else f"#{self.track} {text}"


def label_text(label: str, score: float) -> str:
    return f"{label} {percent(score)}"


# ---------------------------------------------------------------- decoding

def _decoded(values: list[float], labels: list, order: tuple[int, int, int, int],
             scale: tuple[float, float] = (1.0, 1.0), min_score: float = -math.inf) -> list[Detection]:
    """Rows of six floats -> Detections: the box's corners at `order` (x1, y1, x2, y2) divided by
    `scale` (width, height) and clamped to the frame, then the score and the class index. Rows
    scored below `min_score`, or that name no class (NaN, out of range, an unused COCO id) or have no
    area, are dropped.

    The scores are looked at first, in one slice: a frame shows a few of its 100 rows, and decoding
    every row took 0.22-0.24 ms of a frame in the page."""
    a, b, c, d = order
    width, height = scale
    count = len(labels)
    rows = len(values) // ROW * ROW
    out = []
    for start, score in zip(range(0, rows, ROW), values[4:rows:ROW]):
        if score < min_score:
            continue
        index = values[start + 5]
        if score != score or not 0 <= index < count:  # NaN compares unequal to itself, and false here
            continue
        label = labels[int(index)]
        if label is None:
            continue
        x1, y1 = values[start + a] / width, values[start + b] / height
        x2, y2 = values[start + c] / width, values[start + d] / height
        x1 = 0.0 if x1 < 0.0 else 1.0 if x1 > 1.0 else x1
        y1 = 0.0 if y1 < 0.0 else 1.0 if y1 > 1.0 else y1
        x2 = 0.0 if x2 < 0.0 else 1.0 if x2 > 1.0 else x2
        y2 = 0.0 if y2 < 0.0 else 1.0 if y2 > 1.0 else y2
        if x2 > x1 and y2 > y1:
            out.append(Detection(label, float(score), (x1, y1, x2, y2)))
    return out


def centernet_rows(values: list[float], input_size: tuple[int, int], labels: list,
                   min_score: float = -math.inf) -> list[Detection]:
    """CenterNet's `detections`: x1, y1, x2, y2 in input pixels, score, 0-based COCO-80 class index.

    The frame was stretched to the input size, so dividing by it gives fractions of the frame.
    """
    height, width = input_size
    return _decoded(values, labels, (0, 1, 2, 3), (width, height), min_score)


def ssd_rows(values: list[float], labels: list, min_score: float = -math.inf) -> list[Detection]:
    """SSD rows as the detector packs them: ymin, xmin, ymax, xmax in 0..1, best score, score slot.

    Slot j is COCO id j + 1; labels.json holds None for the ids COCO never used.
    """
    return _decoded(values, labels, (1, 0, 3, 2), min_score=min_score)


# ---------------------------------------------------------------- selection

def iou(a: tuple, b: tuple) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    overlap = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap
    return overlap / union


def select(candidates: list[Detection], settings: Settings) -> list[Detection]:
    """Score threshold and class filter first (so "only dogs" still finds a dog under a person), then
    greedy non-maximum suppression over all classes, as both upstream decoders do, best first.

    Like tf.image.nonMaxSuppression, a box is a duplicate from IoU >= `iou`; unlike it, a score equal
    to the threshold is kept (a slider at 50% shows a 50% box).
    """
    wanted = [d for d in candidates if d.score >= settings.threshold
              and (settings.classes is None or d.label in settings.classes)]
    wanted.sort(key=lambda d: d.score, reverse=True)
    chosen: list[Detection] = []
    for detection in wanted:
        if len(chosen) >= settings.max_detections:
            break
        if all(iou(detection.box, kept.box) < settings.iou for kept in chosen):
            chosen.append(detection)
    return chosen


class Candidates:
    """A detector's answer for one frame, decoded on demand: the rows a threshold keeps, once.

    The answer is kept whole, so that lowering the threshold shows weaker boxes without running the
    model again, but a frame only decodes the rows its threshold shows.

    Example:
        candidates = Candidates(partial(ssd_rows, values, labels))
        shown = candidates.select(settings)   # decodes the rows scored >= settings.threshold
        candidates.all()                      # every row (the debug panel)
    """

    def __init__(self, decode: Callable[[float], list[Detection]]):
        self._decode = decode  # min_score -> the rows scored at least that, in the model's order
        self._floor = math.inf  # the rows scored >= _floor are decoded
        self._rows: list[Detection] = []

    @classmethod
    def of(cls, detections: list[Detection]) -> Candidates:
        """Candidates already decoded: a test's detector's answer, or no answer yet."""
        return cls(lambda min_score: [d for d in detections if d.score >= min_score])

    def above(self, min_score: float) -> list[Detection]:
        """The rows scored >= `min_score`, in the model's order."""
        if min_score < self._floor:
            self._rows, self._floor = self._decode(min_score), min_score
        return [d for d in self._rows if d.score >= min_score]

    def all(self) -> list[Detection]:
        return self.above(-math.inf)

    def select(self, settings: Settings) -> list[Detection]:
        """`select` over the rows the settings' threshold keeps."""
        return select(self.above(settings.threshold), settings)


NO_CANDIDATES = Candidates.of([])


# ---------------------------------------------------------------- display geometry

def contain(frame: tuple[int, int], element: tuple[float, float]) -> tuple[float, float, float]:
    """CSS `object-fit: contain`: (scale, left, top) of a frame (w, h) shown in an element (w, h)."""
    scale = min(element[0] / frame[0], element[1] / frame[1])
    return scale, (element[0] - frame[0] * scale) / 2, (element[1] - frame[1] * scale) / 2


def place(detections: list[Detection], frame: tuple[int, int], element: tuple[float, float],
          mirror: bool) -> list[Placed]:
    """Boxes in CSS px of the element. A mirrored video is flipped about the element's centre
    (`transform: scaleX(-1)`), so its boxes are too; their text is drawn unmirrored."""
    scale, left, top = contain(frame, element)
    width, height = frame[0] * scale, frame[1] * scale
    placed = []
    for d in detections:
        x1, x2 = left + d.box[0] * width, left + d.box[2] * width
        if mirror:
            x1, x2 = element[0] - x2, element[0] - x1
        y1, y2 = top + d.box[1] * height, top + d.box[3] * height
        placed.append(Placed(d.label, d.score, x1, y1, x2 - x1, y2 - y1))
    return placed


# ---------------------------------------------------------------- class filter

def filter_summary(chosen: frozenset[str] | None, names: list[str]) -> str:
    if chosen is None or chosen >= set(names):
        return f"all {len(names)} classes"
    if not chosen:
        return "no classes"
    shown = [n for n in names if n in chosen]
    return f"{len(shown)} of {len(names)}: {', '.join(shown[:4])}{'…' if len(shown) > 4 else ''}"


def class_names(labels: list) -> list[str]:
    """The names a detector can report, in label order (SSD's unused COCO ids dropped)."""
    return [label for label in labels if label]
