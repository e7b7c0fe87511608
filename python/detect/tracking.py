"""Objects followed across frames: a stable id per object, a label that does not flicker, counts.

Pure Python over `detections.Detection`s (no bridge), like detections.py. Each frame's boxes are
matched to the live tracks by overlap (IoU), best pairs first; a box of another class than its
track's last one must overlap it closely (one object relabelled, not another object in its place); a
track missed for a few frames is kept so that a one-frame miss does not give the object a new id; a
box that matches nothing starts a new track with the next id. A track's label is the most frequent
of its recent titles ("cup", "cup · my mug"; the most recent wins a tie), so a detector that says
"cup" one frame and "bowl" the next shows one name.

Example:
    tracker = Tracker()
    for frame in frames:
        for track in tracker.update(frame):     # the tracks seen in this frame
            print(f"#{track.id} {track.label}")
    tracker.counts()                           # {"person": (in view now, distinct since reset)}
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from models.detections import Detection, iou

MIN_IOU = 0.3     # a box overlapping a track's last box less than this is another object
MIN_IOU_RELABEL = 0.7  # ...and one of another class, less than this (measured: a person and the
                       # motorcycle shown next in the same place overlap 0.52; cup/bowl flips ~0.9)
MEMORY = 15       # frames a track survives unseen (an object hidden or missed for half a second at 30 fps)
VOTE_FRAMES = 8   # recent labels a track's name is voted from


@dataclass
class Track:
    id: int
    box: tuple[float, float, float, float]
    score: float
    coco: str  # the detector's class in the last frame seen
    recent: deque = field(default_factory=lambda: deque(maxlen=VOTE_FRAMES))
    missed: int = 0  # frames since last seen

    @property
    def label(self) -> str:
        """The most frequent recent label; of those tied, the one seen last."""
        votes = Counter(self.recent)
        best = max(votes.values())
        return next(label for label in reversed(self.recent) if votes[label] == best)


def match(tracks: list[Track], detections: list[Detection], min_iou: float = MIN_IOU) -> list[tuple[int, int]]:
    """(track index, detection index) pairs: greedily by overlap, best first, each used once."""
    pairs = sorted(((iou(t.box, d.box), ti, di) for ti, t in enumerate(tracks) for di, d in enumerate(detections)),
                   reverse=True)
    used_tracks, used_detections, matched = set(), set(), []
    for overlap, ti, di in pairs:
        if overlap < min_iou:
            break
        if tracks[ti].coco != detections[di].label and overlap < max(min_iou, MIN_IOU_RELABEL):
            continue
        if ti not in used_tracks and di not in used_detections:
            used_tracks.add(ti)
            used_detections.add(di)
            matched.append((ti, di))
    return matched


class Tracker:
    def __init__(self, min_iou: float = MIN_IOU, memory: int = MEMORY):
        self.min_iou = min_iou
        self.memory = memory
        self.reset()

    def reset(self) -> None:
        """Forget every track and count from zero; ids start again at 1."""
        self.tracks: list[Track] = []
        self.next_id = 1
        self.labels_seen: dict[int, str] = {}  # every track since the reset -> its (last) label

    def update(self, detections: list[Detection]) -> list[Track]:
        """One frame's boxes -> the tracks seen in it, in the order of `detections`."""
        seen: dict[int, Track] = {}
        for ti, di in match(self.tracks, detections, self.min_iou):
            track, found = self.tracks[ti], detections[di]
            track.box, track.score, track.coco, track.missed = found.box, found.score, found.label, 0
            track.recent.append(found.title)
            seen[di] = track
        matched = {track.id for track in seen.values()}
        for track in self.tracks:
            if track.id not in matched:
                track.missed += 1
        self.tracks = [t for t in self.tracks if t.missed <= self.memory]
        for di, found in enumerate(detections):
            if di not in seen:
                track = Track(self.next_id, found.box, found.score, found.label)
                track.recent.append(found.title)
                self.next_id += 1
                self.tracks.append(track)
                seen[di] = track
        for track in seen.values():
            self.labels_seen[track.id] = track.label
        return [seen[di] for di in range(len(detections))]

    def identify(self, detections: list[Detection]) -> list[Track | None]:
        """The track each box belongs to, without updating anything: boxes redrawn after a change of
        the controls (another threshold shows other boxes); None for a box the last frame did not have."""
        in_view = [t for t in self.tracks if t.missed == 0]
        found: list[Track | None] = [None] * len(detections)
        for ti, di in match(in_view, detections, self.min_iou):
            found[di] = in_view[ti]
        return found

    def counts(self) -> dict[str, tuple[int, int]]:
        """label -> (tracks in view in the last frame, distinct tracks since the reset)."""
        in_view = Counter(t.label for t in self.tracks if t.missed == 0)
        distinct = Counter(self.labels_seen.values())
        return {label: (in_view[label], distinct[label]) for label in sorted(distinct)}


def counts_text(counts: dict[str, tuple[int, int]]) -> str:
    """"In view: 2 person, 1 cup · seen: 3 person, 1 cup" (most in view first, then by name)."""
    if not counts:
        return "Nothing counted yet."
    ordered = sorted(counts.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    in_view = ", ".join(f"{now} {label}" for label, (now, _seen) in ordered if now) or "nothing"
    seen = ", ".join(f"{total} {label}" for label, (_now, total) in ordered)
    return f"In view: {in_view} · seen since the start: {seen}"
