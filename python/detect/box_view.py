"""What Detect shows of the detector's answer: the boxes over the picture, the list beside it, the
counts per class, and the live region a screen reader speaks.

The last answer is kept, so moving a control or resizing the window redraws at once without running
the model again. Unchanged text costs no DOM work: a steady scene writes nothing to the list.

Example:
    view = BoxView(bridge, page, bridge.el("overlay"))
    view.new_source("camera")
    view.answer(candidates, frame_size)
    view.render(settings, mirrored=True, detector=detector, frame=True)
"""

from __future__ import annotations

import json

from detect.box_list import BOX_STYLE, box_colour, candidates_json, list_html
from detect.tracking import Tracker, counts_text
from models.detections import NO_CANDIDATES, Candidates, Placed, place
from web.frame_loop import page_clock
from web.spoken import SteadyText, detection_summary


class BoxView:
    def __init__(self, bridge, page, overlay):
        self.b, self.page, self.overlay = bridge, page, overlay
        clock = page_clock(bridge)
        self.tracker = Tracker(clock=clock)  # follows the boxes of the source shown, from frame to frame
        self.spoken = SteadyText(clock=clock)  # the live region's text (#detections-spoken)
        self.candidates = NO_CANDIDATES  # the detector's last answer, unfiltered
        self.frame_size = (1, 1)
        self.source_name = ""
        self.still = False
        self.answered = False  # the detector has seen the picture shown (else there is nothing to say)
        self._drawn = None
        self._counted = None
        self._size = None  # the overlay's laid-out size: measured once per layout change, not per frame

    def resized(self) -> None:
        """The overlay's size changed (its ResizeObserver said so): measure it again."""
        self._size = None

    def new_source(self, source: str, name: str = "") -> None:
        """The camera, a still image (`name`: its file) or nothing: the old boxes and counts go."""
        self.source_name = name or source
        self.still = source == "still"
        self.candidates = NO_CANDIDATES
        self.tracker.reset()  # counts are per source: this camera run, this picture
        self.answered = False
        self._size = None  # another picture, maybe another shape: its size before its layout is observed

    def answer(self, candidates: Candidates, frame_size: tuple[int, int]) -> None:
        self.candidates, self.frame_size = candidates, frame_size
        self.answered = True

    def render(self, settings, mirrored: bool, detector, frame: bool = False, tracked: tuple | None = None) -> None:
        """Draw the last answer; `frame`: a new camera frame's (else a still, or a control changed).
        `tracked`: the boxes just selected and their tracks, so a frame selects and matches them once."""
        if tracked is None:  # a control changed: the boxes shown now, named by the last frame's tracks
            shown = self.candidates.select(settings)
            tracks = self.tracker.identify(shown)
        else:
            shown, tracks = tracked
        if self._size is None:
            self._size = self.b.element_size(self.overlay)
        size = self._size
        placed = place(shown, self.frame_size, size, mirrored)
        placed = [p if track is None else p._replace(track=track.id, name=track.label)
                  for p, track in zip(placed, tracks)]
        self.b.draw_boxes(self.overlay, size, [(p.x, p.y, p.w, p.h, p.text, box_colour(p)) for p in placed],
                          BOX_STYLE)
        self._show_counts()
        drawn = (list_html(placed), self.source_name)
        if drawn != self._drawn:  # an unchanged list costs no DOM work
            self._drawn = drawn
            self.b.el("detections").innerHTML = drawn[0]
            self.b.set_data("detections", "count", str(len(placed)))
            self.b.set_data("detections", "source", self.source_name)
        self._speak(placed, frame)
        if self.page.debug_open:
            self.b.set_text("debug-candidates", candidates_json(detector, self.candidates))

    def _show_counts(self) -> None:
        counts = self.tracker.counts()
        if counts != self._counted:  # unchanged counts cost no DOM work
            self._counted = counts
            self.b.set_text("counts", counts_text(counts))
            self.b.set_data("counts", "counts", json.dumps(counts, sort_keys=True, separators=(",", ":")))

    def _speak(self, placed: list[Placed], frame: bool) -> None:
        """The live region says what is boxed, only when that changes (the list changes every frame)."""
        spoken = ""
        if self.answered:
            spoken = detection_summary([p.name or p.label for p in placed])
            if self.still:
                spoken = f"{self.source_name}: {spoken}"
        changed = self.spoken.frame(spoken) if frame else self.spoken.now(spoken)
        if changed:
            self.b.set_text("detections-spoken", self.spoken.text)
