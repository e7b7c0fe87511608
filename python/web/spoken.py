"""What the pages' live regions say: a screen reader reads a live region aloud at each change of its
text, so that text tells only what a listener needs (the class, the objects found), changes only
when that changes, says a change once it has held for HOLD_S seconds, and never more often than
every GAP_S seconds, however fast the frames come (docs/accessibility.md).

Plain Python (no bridge): tested in CPython.
"""

from __future__ import annotations

import time
from collections import Counter, deque

# A listener hears a change about HOLD_S after it happens, and at most one every GAP_S: a reader
# needs about 1-2 s to say "2 people, 1 cup", so a text every frame (or every few at 30 frames/s)
# would be cut off before its end, over and over.
HOLD_S = 1.0      # a new text is said once it has led this long
SHARE = 0.75      # leading: the text of this share of the frames of the last HOLD_S...
NEEDED_FRAMES = 3 # ...and of at least this many frames (at 1 frame/s HOLD_S spans two)
GAP_S = 3.0       # seconds from one announcement to the next, at least
_TICK = 1e-6      # clocks in float seconds: a text held for HOLD_S less a rounding error has held


def spoken_prediction(label: str, source: str) -> str:
    """Teach: the predicted class (never the confidence, which moves every frame), and which image
    file it is for when it is not the camera."""
    if not label:
        return ""
    return f"Prediction: {label}" if source == "camera" else f"{source}: {label}"


# COCO labels whose plural is not label + "s"/"es"; the plural-only ones ("skis") stay as they are.
_PLURALS = {"person": "people", "mouse": "mice", "knife": "knives", "sheep": "sheep", "skis": "skis",
            "scissors": "scissors", "broccoli": "broccoli"}


def plural(label: str) -> str:
    if label in _PLURALS:
        return _PLURALS[label]
    return label + ("es" if label.endswith(("s", "x", "z", "ch", "sh")) else "s")


def detection_summary(labels: list[str]) -> str:
    """Detect: how many of each class are boxed, e.g. "2 people, 1 cup": most first, then by name,
    so the same objects always give the same words, whatever the order of their scores."""
    if not labels:
        return "nothing detected"
    counts = sorted(Counter(labels).items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{count} {label if count == 1 else plural(label)}" for label, count in counts)


class SteadyText:
    """The text a live region holds, for a stream of texts made one per camera frame.

    A text leads while it is the text of at least SHARE of the frames of the last HOLD_S seconds
    (and of the last NEEDED_FRAMES at least, so that one odd frame never leads however slow the
    frames come), and keeps the lead while it is the text of most of them. It is said once it has led since its first frame in that window for HOLD_S, and
    GAP_S seconds have passed since the region last changed: an object at the edge of the threshold,
    found in one frame and not in the next, never leads; a change that holds is said HOLD_S after it
    happened; a scene that keeps changing is said at most every GAP_S. `now` takes a text at once
    (the visitor's own change, a still picture), and the frames start over from it.
    """

    def __init__(self, hold_s: float = HOLD_S, gap_s: float = GAP_S, share: float = SHARE,
                 needed: int = NEEDED_FRAMES, clock=time.monotonic):
        assert share > 0.5, "two texts could both lead"
        self.hold_s, self.gap_s, self.share, self.needed = hold_s, gap_s, share, needed
        self.clock = clock  # () -> seconds; the tests hand in their own
        self.text = ""
        self._recent: deque[tuple[float, str]] = deque()  # (when, text) of the last HOLD_S's frames
        self._leader: str | None = None
        self._leading_since = 0.0
        self._said_at = float("-inf")

    def frame(self, text: str) -> bool:
        """One frame's text; True when the region's text changed (and is to be written)."""
        now = self.clock()
        self._recent.append((now, text))
        # The frames of the last HOLD_S and the one before them (what was in view at its start),
        # and never fewer than NEEDED_FRAMES.
        while len(self._recent) > self.needed and self._recent[1][0] <= now - self.hold_s:
            self._recent.popleft()
        counts = Counter(seen for _when, seen in self._recent)
        if self._leader is not None and 2 * counts[self._leader] <= len(self._recent):
            self._leader = None  # no longer most frames: a new lead starts from scratch
        top, top_count = counts.most_common(1)[0]
        if self._leader is None and top_count >= max(self.needed, self.share * len(self._recent)):
            self._leader = top  # leading since its first frame in view
            self._leading_since = next(when for when, seen in self._recent if seen == top)
        if self._leader in (None, self.text):
            return False
        if now - self._leading_since < self.hold_s - _TICK or now - self._said_at < self.gap_s:
            return False  # not held long enough yet, or said too recently
        self.text, self._said_at = self._leader, now
        return True

    def now(self, text: str) -> bool:
        self._recent.clear()
        self._leader = None
        changed, self.text = text != self.text, text
        if changed:
            self._said_at = self.clock()
        return changed
