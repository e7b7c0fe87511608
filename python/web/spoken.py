"""What the pages' live regions say: a screen reader reads a live region aloud at each change of its
text, so that text tells only what a listener needs (the class, the objects found), changes only
when that changes, and waits until a change has held for a few frames.

Plain Python (no bridge): tested in CPython.
"""

from __future__ import annotations

from collections import Counter


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

    A new text is taken once it is the text of at least `needed` of the last `window` frames: an
    object at the edge of the threshold, found in one frame and not in the next, is not read out at
    every flicker, and a change that holds is said within a few frames. `now` takes a text at once
    (the visitor's own change, a still picture), and the frames start over from it.
    """

    def __init__(self, needed: int = 3, window: int = 4):
        assert needed > window / 2, "two texts could both be steady"
        self.needed, self.window = needed, window
        self.text = ""
        self._recent: list[str] = []

    def frame(self, text: str) -> bool:
        """One frame's text; True when the region's text changed (and is to be written)."""
        self._recent = (self._recent + [text])[-self.window:]
        if text != self.text and self._recent.count(text) >= self.needed:
            self.text = text
            return True
        return False

    def now(self, text: str) -> bool:
        self._recent = []
        changed, self.text = text != self.text, text
        return changed
