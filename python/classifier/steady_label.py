"""Steady labels: the live prediction smoothed over the last camera frames, with hysteresis.

Pure Python (no bridge). A scene between two taught classes (half of each in view, or one at the
edge of its examples) gets votes that swing from frame to frame, and the raw label flickers between
the two. Here each class's confidence is an exponential moving average over time (time constant
TAU_S: a frame's weight grows with the time since the frame before, so a slow camera and a fast one
average over the same seconds, up to MAX_WEIGHT, so that below ~6 frames/s no single frame decides),
and the class shown changes only when another class's average beats it by MARGIN, or leads it for
HOLD_S seconds (a close call, or a slow drift, still gets through); and in either case only once it
has led for MIN_FRAMES frames in a row. A real change (all votes for A, then all for B) is shown
about 0.4 s after the raw label shows it at 30 frames/s, and on the new scene's third frame at 3
frames/s (0.67 s); a close call that turns after about HOLD_S (docs/teaching.md has the figures).

"Not sure" is smoothed the same way, as two choices (not sure, sure) whose averages are the share of
recent frames that were sure: a frame or two far from every example does not blink "not sure", and a
scene that stays far away says it soon after.

Example:
    steady = SteadyLabel()
    shown = steady.frame(answer)        # answer: neighbours.Answer of one camera frame
    shown.index, shown.confidences      # the steady class, the averaged votes (bars)
    shown.sure                          # the steady "sure"
    steady.now(answer)                  # an image file: its own answer, and the frames start over
    steady.on = False                   # the visitor's choice: frame() passes answers through
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from classifier.neighbours import Answer

# Chosen on simulated scenes between two classes at 3, 10 and 30 frames/s
# (tests/unit/test_steady_label.py) for the fewest flips with a real change still shown within
# 0.5 s at 30 frames/s and on its third frame at 3 (the slowest Teach measured, wasm).
TAU_S = 0.3    # the averages' time constant: a frame dt seconds after the last weighs 1 - exp(-dt/TAU_S)
MAX_WEIGHT = 0.4  # ...and never more than this (at 3 frames/s it would be 0.67, at 1 frame/s 0.96, and one
                  # frame would all but decide the average): below ~6 frames/s the averages are per frame
MARGIN = 0.5   # how far another choice's average must beat the shown one's to take over at once
HOLD_S = 1.0   # or for how long it must lead (a close call that turns)
MIN_FRAMES = 2 # and never before it has led this many frames in a row (with MAX_WEIGHT < 0.5 one frame
               # cannot take the lead from a settled average; a close one it can)

STEADY_KEY = "steady-labels"  # localStorage: the visitor's "Steady labels" choice
ON_BY_DEFAULT = True


def remembered(stored: str | None) -> bool:
    """The "Steady labels" choice from localStorage: "true", "false", or anything else (never set)."""
    return stored == "true" if stored in ("true", "false") else ON_BY_DEFAULT


class Hysteresis:
    """Averages of per-choice scores over frames, and the choice shown (an index into them)."""

    def __init__(self, tau_s: float = TAU_S, margin: float = MARGIN, hold_s: float = HOLD_S,
                 min_frames: int = MIN_FRAMES):
        self.tau_s, self.margin, self.hold_s, self.min_frames = tau_s, margin, hold_s, min_frames
        self.average: list[float] = []
        self.shown: int | None = None
        self._last: float = 0.0  # when the last frame came
        self._leader: int | None = None  # the choice ahead of the shown one: since when, for how many frames
        self._leading_since = 0.0
        self._leading = 0

    def update(self, scores: list[float], first: int, now: float) -> int:
        """One frame's scores at time `now` (seconds); `first`: the choice shown when there is no
        history (the raw one)."""
        if self.shown is None or len(scores) != len(self.average):
            self.average, self.shown, self._leader, self._leading = list(scores), first, None, 0
            self._last = now
            return self.shown
        a = min(1 - math.exp(-max(now - self._last, 0.0) / self.tau_s), MAX_WEIGHT)
        self._last = now
        self.average = [(1 - a) * old + a * new for old, new in zip(self.average, scores)]
        best = max(range(len(scores)), key=lambda i: (self.average[i], i == self.shown))
        lead = self.average[best] - self.average[self.shown]
        if best == self.shown:
            self._leader, self._leading = None, 0
            return self.shown
        if best != self._leader:
            self._leader, self._leading, self._leading_since = best, 0, now
        self._leading += 1
        held = now - self._leading_since >= self.hold_s
        if self._leading >= self.min_frames and (lead >= self.margin or held):
            self.shown, self._leader, self._leading = best, None, 0
        return self.shown


class SteadyLabel:
    """The answer to show for a stream of camera frames' answers (see the module's docstring)."""

    def __init__(self, tau_s: float = TAU_S, margin: float = MARGIN, hold_s: float = HOLD_S,
                 min_frames: int = MIN_FRAMES, on: bool = True, clock=time.monotonic):
        self._settings = (tau_s, margin, hold_s, min_frames)
        self.on = on
        self.clock = clock  # () -> seconds; the tests hand in their own
        self.reset()

    def reset(self) -> None:
        self._classes = Hysteresis(*self._settings)
        self._sure = Hysteresis(*self._settings)

    def frame(self, answer: Answer) -> Answer:
        """The steady answer after this frame: the shown class and sure flag, the averaged votes
        (rounded, so a settled average writes nothing new to the bars); the frame's own distance."""
        if not self.on or answer.index is None:  # off, or no examples: nothing to smooth
            return self.now(answer)
        now = self.clock()
        index = self._classes.update(answer.confidences, answer.index, now)
        sure = self._sure.update([0.0, 1.0] if answer.sure else [1.0, 0.0], int(answer.sure), now) == 1
        return replace(answer, index=index, sure=sure,
                       confidences=[round(c, 2) for c in self._classes.average])

    def now(self, answer: Answer) -> Answer:
        """An answer shown as it is (an image file): the camera's frames start over after it."""
        self.reset()
        return answer


def flips(labels: list) -> int:
    """How many times a sequence of labels changes from one frame to the next."""
    return sum(1 for before, after in zip(labels, labels[1:]) if after != before)
