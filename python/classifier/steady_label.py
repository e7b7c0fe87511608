"""Steady labels: the live prediction smoothed over the last camera frames, with hysteresis.

Pure Python (no bridge). A scene between two taught classes (half of each in view, or one at the
edge of its examples) gets votes that swing from frame to frame, and the raw label flickers between
the two. Here each class's confidence is an exponential moving average over frames, and the class
shown changes only when another class's average beats it by MARGIN, or leads it for HOLD frames in a
row (a close call, or a slow drift, still gets through). A real change, from all votes for A to all
votes for B, is shown two frames after the raw label shows it (on the new scene's third frame); a
close call that turns (2 of 3 votes for A, then 2 of 3 for B) four frames after.

"Not sure" is smoothed the same way, as two choices (not sure, sure) whose averages are the share of
recent frames that were sure: a frame or two far from every example does not blink "not sure", and a
scene that stays far away says it from its third frame.

Example:
    steady = SteadyLabel()
    shown = steady.frame(answer)        # answer: neighbours.Answer of one camera frame
    shown.index, shown.confidences      # the steady class, the averaged votes (bars)
    shown.sure                          # the steady "sure"
    steady.now(answer)                  # an image file: its own answer, and the frames start over
    steady.on = False                   # the visitor's choice: frame() passes answers through
"""

from __future__ import annotations

from dataclasses import replace

from classifier.neighbours import Answer

# Chosen on simulated scenes between two classes (tests/unit/test_steady_label.py) for the fewest
# flips with a real change still shown on its third frame.
ALPHA = 0.4   # weight of the newest frame in the averages (about the last 2-4 frames count)
MARGIN = 0.5  # how far another choice's average must beat the shown one's to take over at once
HOLD = 4      # or for how many frames in a row it must lead (a close call that turns)

STEADY_KEY = "steady-labels"  # localStorage: the visitor's "Steady labels" choice
ON_BY_DEFAULT = True


def remembered(stored: str | None) -> bool:
    """The "Steady labels" choice from localStorage: "true", "false", or anything else (never set)."""
    return stored == "true" if stored in ("true", "false") else ON_BY_DEFAULT


class Hysteresis:
    """Averages of per-choice scores over frames, and the choice shown (an index into them)."""

    def __init__(self, alpha: float = ALPHA, margin: float = MARGIN, hold: int = HOLD):
        self.alpha, self.margin, self.hold = alpha, margin, hold
        self.average: list[float] = []
        self.shown: int | None = None
        self._leader: int | None = None  # the choice ahead of the shown one, and for how long
        self._leading = 0

    def update(self, scores: list[float], first: int) -> int:
        """One frame's scores; `first`: the choice shown when there is no history (the raw one)."""
        if self.shown is None or len(scores) != len(self.average):
            self.average, self.shown, self._leader, self._leading = list(scores), first, None, 0
            return self.shown
        a = self.alpha
        self.average = [(1 - a) * old + a * new for old, new in zip(self.average, scores)]
        best = max(range(len(scores)), key=lambda i: (self.average[i], i == self.shown))
        lead = self.average[best] - self.average[self.shown]
        if best == self.shown:
            self._leader, self._leading = None, 0
            return self.shown
        self._leading = self._leading + 1 if best == self._leader else 1
        self._leader = best
        if lead >= self.margin or self._leading >= self.hold:
            self.shown, self._leader, self._leading = best, None, 0
        return self.shown


class SteadyLabel:
    """The answer to show for a stream of camera frames' answers (see the module's docstring)."""

    def __init__(self, alpha: float = ALPHA, margin: float = MARGIN, hold: int = HOLD, on: bool = True):
        self._settings = (alpha, margin, hold)
        self.on = on
        self.reset()

    def reset(self) -> None:
        self._classes = Hysteresis(*self._settings)
        self._sure = Hysteresis(*self._settings)

    def frame(self, answer: Answer) -> Answer:
        """The steady answer after this frame: the shown class and sure flag, the averaged votes
        (rounded, so a settled average writes nothing new to the bars); the frame's own distance."""
        if not self.on or answer.index is None:  # off, or no examples: nothing to smooth
            return self.now(answer)
        index = self._classes.update(answer.confidences, answer.index)
        sure = self._sure.update([0.0, 1.0] if answer.sure else [1.0, 0.0], int(answer.sure)) == 1
        return replace(answer, index=index, sure=sure,
                       confidences=[round(c, 2) for c in self._classes.average])

    def now(self, answer: Answer) -> Answer:
        """An answer shown as it is (an image file): the camera's frames start over after it."""
        self.reset()
        return answer


def flips(labels: list) -> int:
    """How many times a sequence of labels changes from one frame to the next."""
    return sum(1 for before, after in zip(labels, labels[1:]) if after != before)
