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

import time
from collections import Counter, deque
from dataclasses import dataclass, field

from models.detections import Detection, iou

MIN_IOU = 0.3     # a box overlapping a track's last box less than this is another object
MIN_IOU_RELABEL = 0.7  # ...and one of another class, less than this (measured: a person and the
                       # motorcycle shown next in the same place overlap 0.52; cup/bowl flips ~0.9)
# In seconds, so that an object keeps its id as long at 3 frames/s (Detect on wasm) as at 30 (WebGL);
# the frame counts are the guards for a very slow device (at 1 frame/s MEMORY_S spans one frame).
MEMORY_S = 2.5     # how long a track survives unseen: a detector's misses, someone walking past in
                   # front (15 frames, what it was, lasted 2.5-5 s on wasm, 0.5 s at 30 frames/s)
MEMORY_FRAMES = 3  # ...and never fewer frames than this
VOTE_S = 1.0       # a track's name is voted from its titles of this last while
VOTE_FRAMES = 5    # ...and from at least this many of its last titles


@dataclass
class Track:
    id: int
    box: tuple[float, float, float, float]
    score: float
    coco: str  # the detector's class in the last frame seen
    seen_at: float = 0.0  # when it was last seen (seconds)
    missed: int = 0  # frames since last seen
    recent: deque = field(default_factory=deque)  # (when, title) of its last VOTE_S, VOTE_FRAMES or more
    votes: Counter = field(default_factory=Counter)  # title -> times in `recent`
    label: str = ""  # the most frequent recent title; of those tied, the one seen last

    def saw(self, title: str, now: float) -> None:
        self.seen_at, self.missed = now, 0
        self.recent.append((now, title))
        self.votes[title] += 1
        while len(self.recent) > VOTE_FRAMES and self.recent[0][0] < now - VOTE_S:
            _when, old = self.recent.popleft()
            self.votes[old] -= 1
            if not self.votes[old]:
                del self.votes[old]
        # Voted here, once a frame, not at each of the frame's several reads (list, counts, speech);
        # the votes are kept as titles come and go, not counted again over a second of frames.
        best = max(self.votes.values())
        self.label = title if self.votes[title] == best else next(
            label for _when, label in reversed(self.recent) if self.votes[label] == best)

    def gone(self, now: float) -> bool:
        return self.missed > MEMORY_FRAMES and now - self.seen_at > MEMORY_S


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
    def __init__(self, min_iou: float = MIN_IOU, clock=time.monotonic):
        self.min_iou = min_iou
        self.clock = clock  # () -> seconds; the tests hand in their own
        self.reset()

    def reset(self) -> None:
        """Forget every track and count from zero; ids start again at 1."""
        self.tracks: list[Track] = []
        self.next_id = 1
        self._last_frame: float | None = None
        self.labels_seen: dict[int, str] = {}  # every track since the reset -> its (last) label

    def update(self, detections: list[Detection]) -> list[Track]:
        """One frame's boxes -> the tracks seen in it, in the order of `detections`."""
        now = self.clock()
        if self._last_frame is not None and now - self._last_frame > MEMORY_S:
            for track in self.tracks:  # a pause (the Pause button, a hidden tab, a backend
                track.seen_at += now - self._last_frame  # restarting) is not time unseen
        self._last_frame = now
        seen: dict[int, Track] = {}
        for ti, di in match(self.tracks, detections, self.min_iou):
            track, found = self.tracks[ti], detections[di]
            track.box, track.score, track.coco = found.box, found.score, found.label
            track.saw(found.title, now)
            seen[di] = track
        matched = {track.id for track in seen.values()}
        for track in self.tracks:
            if track.id not in matched:
                track.missed += 1
        self.tracks = [t for t in self.tracks if not t.gone(now)]
        for di, found in enumerate(detections):
            if di not in seen:
                track = Track(self.next_id, found.box, found.score, found.label)
                track.saw(found.title, now)
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
