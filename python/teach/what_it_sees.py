"""What MobileNet sees: the frame's ImageNet top 3 ("espresso 84%") beside the taught classes.

Teach's embedding model also names ImageNet's classes; this shows its three best guesses for the
camera (before any class is taught, too), for the object found there with "Teach objects" ticked, or
for an image file, from the run of the model that embeds it. Camera frames are smoothed over time
like the steady labels (classifier/steady_label.py, with its time constant and weights): each class's
probability is averaged over the last fraction of a second, and a class enters the three shown only
when it beats the weakest of them by MARGIN or has led it for HOLD_S, and not before MIN_FRAMES frames
in a row; the three swap places only when one leads the other by ORDER_MARGIN. A scene therefore
keeps its three names while their percentages drift, and a new scene's names show within about half
a second. An image file's top 3 are shown as they are.

The list is labelled ("What MobileNet sees") and is not a live region: a screen reader reads it when
the visitor goes to it, and hears the taught class from #prediction-spoken as before
(docs/accessibility.md). A checkbox hides it, remembered in localStorage; hidden, the frame loop does
no extra work (the page asks `active` before it asks the model for class scores).

Example:
    sees = WhatItSees(bridge)
    sees.use(embedder, labels)                 # after the model loads: offered where embedder.sees
    if sees.active:
        embedding, scores = embedder.embed_and_scores(video)
        await sees.frame(scores, "camera")     # or "object"; the caller disposes `scores`
"""

from __future__ import annotations

import math
import time

from classifier.steady_label import HOLD_S, MAX_WEIGHT, MIN_FRAMES, TAU_S
from web.formatting import percent
from web.frame_loop import page_clock

SHOWN = 3      # classes shown
ASKED = 5      # classes read back per frame: the 4th and 5th build up their averages before they enter
RATIO, MARGIN = 1.5, 0.02  # a newcomer takes the weakest shown class's place at once when its average is
                           # RATIO times that one's plus MARGIN (probabilities: 3% and 2% are as close as 30% and 20%)
ORDER_MARGIN = 0.03  # how far one shown class must lead the one above it to swap places
FORGET = 0.002  # averages below this (not shown) are dropped: the table stays a few classes long

OF_WHAT = {"camera": "(its ImageNet top 3)", "object": "(its ImageNet top 3 of the object found)",
           "file": "(its ImageNet top 3 of the file)"}

SEES_KEY = "what-it-sees"  # localStorage: the visitor's "What MobileNet sees" choice
ON_BY_DEFAULT = True


def remembered(stored: str | None) -> bool:
    """The switch from localStorage: "true", "false", or anything else (never set)."""
    return stored == "true" if stored in ("true", "false") else ON_BY_DEFAULT


def clean_label(label: str) -> str:
    """An ImageNet label as a reader says it: its first name ("tabby, tabby cat" -> "tabby"), spaces
    for underscores ("tiger_cat" -> "tiger cat"); "Egyptian cat" stays as it is."""
    return label.split(",")[0].replace("_", " ").strip()


def seen_text(name: str, probability: float) -> str:
    """One line of the list: "espresso 84%" ("<1%" rather than "0%")."""
    return f"{name} {percent(probability) if probability >= 0.005 else '<1%'}"


def model_name(title: str) -> str:
    """The model's short name for the heading: "MobileNet V2 1.0 224 (ImageNet)" -> "MobileNet"."""
    return title.split()[0] if title.split() else "the model"


class SteadyTop:
    """The classes to show for a stream of frames' top-k (label index, probability) pairs."""

    def __init__(self, shown: int = SHOWN, tau_s: float = TAU_S, ratio: float = RATIO, margin: float = MARGIN,
                 hold_s: float = HOLD_S, min_frames: int = MIN_FRAMES, clock=time.monotonic):
        self.size, self.tau_s, self.hold_s, self.min_frames = shown, tau_s, hold_s, min_frames
        self.ratio, self.margin = ratio, margin
        self.clock = clock  # () -> seconds; the tests hand in their own
        self.reset()

    def reset(self) -> None:
        self.average: dict[int, float] = {}
        self.shown: list[int] = []
        self._last = 0.0
        self._ahead: dict[int, tuple[float, int]] = {}  # classes above the weakest shown: since when, frames

    def frame(self, top: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """This frame's top classes -> the (index, averaged probability) rows to show, best first."""
        now = self.clock()
        if not self.shown:
            return self._start(top, now)
        a = min(1 - math.exp(-max(now - self._last, 0.0) / self.tau_s), MAX_WEIGHT)
        self._last = now
        new = dict(top)
        self.average = {i: (1 - a) * self.average.get(i, 0.0) + a * new.get(i, 0.0)
                        for i in set(self.average) | set(new)}
        self.average = {i: p for i, p in self.average.items() if p >= FORGET or i in self.shown}
        self._challenge(now)
        self._order()
        return self.rows()

    def now(self, top: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """A top shown as it is (an image file); the camera's frames start over after it."""
        rows = self._start(top, self.clock())
        self.reset()
        return rows

    def _start(self, top: list[tuple[int, float]], now: float) -> list[tuple[int, float]]:
        """The first frame (or a file): its own top, as it is."""
        self.reset()
        self._last = now
        self.average = dict(top)
        self.shown = [i for i, _p in sorted(top, key=lambda pair: -pair[1])[:self.size]]
        return self.rows()

    def rows(self) -> list[tuple[int, float]]:
        return [(i, self.average[i]) for i in self.shown]

    def _challenge(self, now: float) -> None:
        """A class not shown takes the weakest shown one's place once it has been above it for
        MIN_FRAMES frames and beats it clearly (RATIO, MARGIN) or has been above it for HOLD_S; a free
        place it takes at once. Several may enter in one frame (a new scene)."""
        outside = sorted((i for i in self.average if i not in self.shown), key=lambda i: (-self.average[i], i))
        while outside and len(self.shown) < self.size:
            self.shown.append(outside.pop(0))
        if not self.shown:
            return
        floor = min(self.average[i] for i in self.shown)
        ahead = {}
        for i in outside:
            if self.average[i] <= floor:
                break
            since, frames = self._ahead.get(i, (now, 0))
            ahead[i] = (since, frames + 1)
        self._ahead = ahead
        for i in list(ahead):
            weakest = min(self.shown, key=lambda j: self.average[j])
            since, frames = ahead[i]
            clearly = self.average[i] >= self.ratio * self.average[weakest] + self.margin
            if self.average[i] > self.average[weakest] and frames >= self.min_frames and \
                    (clearly or now - since >= self.hold_s):
                self.shown[self.shown.index(weakest)] = i
                del self._ahead[i]

    def _order(self) -> None:
        """Best first, but two classes swap places only when the lower one leads by ORDER_MARGIN."""
        moved = True
        while moved:
            moved = False
            for place in range(len(self.shown) - 1):
                upper, lower = self.shown[place], self.shown[place + 1]
                if self.average[lower] > self.average[upper] + ORDER_MARGIN:
                    self.shown[place], self.shown[place + 1] = lower, upper
                    moved = True


class WhatItSees:
    """The "What MobileNet sees" list (#sees: #sees-on, #sees-title, #sees-1 .. #sees-3)."""

    def __init__(self, bridge):
        self.b = bridge
        self.steady = SteadyTop(clock=page_clock(bridge))
        self.on = remembered(bridge.local_get(SEES_KEY))
        self.embedder = None
        self.labels: list[str] = []
        self._texts: list[str] | None = None
        self._source = "camera"

    @property
    def active(self) -> bool:
        """Shown and possible: only then does a frame ask the model for class scores."""
        return self.on and bool(self.labels)

    def use(self, embedder, labels) -> None:
        """The model loaded (again): offered when it names classes and its labels came with it."""
        self.embedder = embedder
        sees = embedder.sees and isinstance(labels, list) and len(labels) > 1
        self.labels = [clean_label(str(label)) for label in labels] if sees else []
        self.steady.reset()
        self._texts = None
        self.b.set_hidden("sees", not self.labels)
        if self.labels:
            self.b.set_text("sees-title", f"What {model_name(embedder.manifest.title)} sees")
        self.b.el("sees-on").checked = self.on
        self._show_on()

    def wire(self) -> None:
        self.b.listen(self.b.el("sees-on"), "change", lambda e: self.set_on(bool(e.target.checked)))

    def set_on(self, on: bool) -> None:
        self.on = on
        self.b.local_set(SEES_KEY, "true" if on else "false")
        self.steady.reset()
        self._texts = None
        self._show_on()

    def _show_on(self) -> None:
        self.b.set_hidden("sees-list", not self.on)
        self.b.set_data("sees", "on", "true" if self.on else "false")

    async def frame(self, scores, source: str = "camera") -> None:
        """The class probabilities of a camera frame or ("object") of the object found in it (the
        caller disposes them): the steady top 3, started anew when the source changes."""
        if source != self._source:
            self.steady.reset()
        self._write(self.steady.frame(await self._top(scores)), source)

    def no_object(self) -> None:
        """"Teach objects" found nothing in the frame: no names, rather than the last object's."""
        self.steady.reset()
        self._write([], "object")

    async def still(self, scores) -> None:
        """An image file's class probabilities (the caller disposes them): its own top 3 at once."""
        self._write(self.steady.now(await self._top(scores)), "file")

    async def _top(self, scores) -> list[tuple[int, float]]:
        top = await self.embedder.top(scores, ASKED)
        return [(i, p) for i, p in top if 0 <= i < len(self.labels) and self.labels[i] != "background"]

    def _write(self, rows: list[tuple[int, float]], source: str) -> None:
        texts = [seen_text(self.labels[i], p) for i, p in rows[:SHOWN]]
        texts += [""] * (SHOWN - len(texts))
        if texts == self._texts and source == self._source:  # unchanged text costs no DOM work
            return
        self._texts = texts
        if source != self._source:
            self._source = source
            self.b.set_text("sees-of", OF_WHAT[source])
        for place, text in enumerate(texts, 1):
            self.b.set_text(f"sees-{place}", text)
            self.b.set_hidden(f"sees-{place}", not text)
        self.b.set_data("sees", "source", source)
        self.b.set_data("sees", "top", self.labels[rows[0][0]] if rows else "")
