"""The tracker (python/detect/tracking.py): stable ids, a missed frame, crossing objects, the label vote, counts."""

from __future__ import annotations

import pytest
from clock import Clock

from detect.tracking import MEMORY_FRAMES, MEMORY_S, VOTE_FRAMES, VOTE_S, Tracker, counts_text
from models.detections import Detection

RATES = pytest.mark.parametrize("fps", [3, 10, 30])  # Detect on wasm (3) to WebGL on a fast machine (30)


def box(x: float, y: float, w: float = 0.2, h: float = 0.2, label: str = "cup", score: float = 0.8) -> Detection:
    return Detection(label, score, (x, y, x + w, y + h))


def ids(tracks) -> list[int]:
    return [t.id for t in tracks]


def test_a_moving_box_keeps_its_id_and_a_new_object_gets_the_next():
    tracker = Tracker()
    assert ids(tracker.update([box(0.1, 0.1)])) == [1]
    for step in range(1, 6):
        assert ids(tracker.update([box(0.1 + 0.03 * step, 0.1)])) == [1]
    assert ids(tracker.update([box(0.25, 0.1), box(0.7, 0.7, label="person")])) == [1, 2]
    assert tracker.counts() == {"cup": (1, 1), "person": (1, 1)}


@RATES
def test_a_briefly_missed_object_keeps_its_id_a_long_gone_one_does_not(fps):
    tracker = Tracker(clock=Clock().frames(fps))
    tracker.update([box(0.1, 0.1)])
    tracker.update([])  # missed for one frame
    assert tracker.counts() == {"cup": (0, 1)}
    assert ids(tracker.update([box(0.12, 0.1)])) == [1]
    for _ in range(round(0.9 * MEMORY_S * fps) - 1):  # unseen for 0.9 MEMORY_S: the same object
        tracker.update([])
    assert ids(tracker.update([box(0.12, 0.1)])) == [1]
    for _ in range(round(1.2 * MEMORY_S * fps)):  # unseen for longer than MEMORY_S: a new one
        tracker.update([])
    assert ids(tracker.update([box(0.12, 0.1)])) == [2]
    assert tracker.counts() == {"cup": (1, 2)}


def test_at_one_frame_a_second_a_miss_or_two_still_keeps_the_id():
    """MEMORY_S spans one frame at 1 frame/s: the MEMORY_FRAMES guard keeps the track."""
    tracker = Tracker(clock=Clock().frames(1))
    tracker.update([box(0.1, 0.1)])
    for _ in range(MEMORY_FRAMES):
        tracker.update([])
    assert ids(tracker.update([box(0.1, 0.1)])) == [1]


def test_a_pause_between_frames_is_not_time_unseen():
    clock = Clock().frames(10)
    tracker = Tracker(clock=clock)
    tracker.update([box(0.1, 0.1)])
    tracker.update([])
    clock.wait(30)  # paused (or a backend restarting) for half a minute
    assert ids(tracker.update([box(0.1, 0.1)])) == [1]


def test_two_objects_crossing_keep_their_own_ids():
    tracker = Tracker()
    # a and b move towards each other along a line, overlapping in the middle, and pass
    first = tracker.update([box(0.1, 0.4, label="cup"), box(0.6, 0.4, label="bottle")])
    assert ids(first) == [1, 2]
    for step in range(1, 11):
        a, b = box(0.1 + 0.05 * step, 0.4, label="cup"), box(0.6 - 0.05 * step, 0.42, label="bottle")
        tracks = tracker.update([b, a])  # the detector lists them in any order
        assert {t.id: t.label for t in tracks} == {1: "cup", 2: "bottle"}, step
    assert tracker.counts() == {"bottle": (1, 1), "cup": (1, 1)}


def test_the_label_is_a_vote_over_recent_frames():
    tracker = Tracker(clock=Clock().frames(3))
    for label in ["cup", "cup", "bowl", "cup", "bowl"]:
        (track,) = tracker.update([box(0.3, 0.3, label=label)])
    assert track.label == "cup"
    (track,) = tracker.update([box(0.3, 0.3, label="bowl")])
    assert track.label == "bowl"  # a tie (3:3): the label seen last
    assert tracker.counts() == {"bowl": (1, 1)}  # one object, counted once


@RATES
def test_the_vote_covers_the_last_second_at_any_rate(fps):
    """A cup called "bowl" for a while: the name follows once "bowl" has most of the last VOTE_S."""
    tracker = Tracker(clock=Clock().frames(fps))
    for _ in range(2 * fps):
        (track,) = tracker.update([box(0.3, 0.3, label="cup")])
    names = [tracker.update([box(0.3, 0.3, label="bowl")])[0].label for _ in range(2 * fps)]
    switched = names.index("bowl") + 1  # frames of "bowl" before the name follows
    assert switched <= max(VOTE_FRAMES, VOTE_S * fps) / 2 + 1 and names[switched:] == ["bowl"] * (len(names) - switched)


def test_counts_and_reset():
    tracker = Tracker()
    tracker.update([box(0.1, 0.1), box(0.5, 0.5)])
    tracker.update([box(0.1, 0.1)])
    assert tracker.counts() == {"cup": (1, 2)}
    tracker.reset()
    assert tracker.counts() == {}
    assert ids(tracker.update([box(0.1, 0.1)])) == [1]
    assert tracker.counts() == {"cup": (1, 1)}


def test_identify_names_the_boxes_of_the_last_frame_without_changing_anything():
    tracker = Tracker()
    tracker.update([box(0.1, 0.1), box(0.6, 0.6)])
    found = tracker.identify([box(0.61, 0.6), box(0.3, 0.3, label="dog")])
    assert [t.id if t else None for t in found] == [2, None]
    assert tracker.counts() == {"cup": (2, 2)}


def test_counts_text():
    assert counts_text({}) == "Nothing counted yet."
    assert counts_text({"cup": (0, 3), "person": (2, 2)}) == "In view: 2 person · seen since the start: 2 person, 3 cup"


def test_another_class_in_the_same_place_is_another_object_unless_it_overlaps_closely():
    tracker = Tracker()
    person = Detection("person", 0.6, (0.02, 0.02, 0.72, 1.0))
    motorcycle = Detection("motorcycle", 0.5, (0.16, 0.1, 0.91, 0.9))  # IoU 0.52 with the person
    assert ids(tracker.update([person])) == [1]
    assert ids(tracker.update([motorcycle])) == [2]  # not the person's track taken over
    assert ids(tracker.update([person])) == [1]      # the person, back within the memory
    bowl = Detection("bowl", 0.4, (0.03, 0.02, 0.72, 0.98))  # the person relabelled in place (IoU ~0.97)
    assert ids(tracker.update([bowl])) == [1]


def test_a_named_box_is_voted_and_counted_by_its_title():
    tracker = Tracker()
    for name in ("my mug", None, "my mug"):
        (track,) = tracker.update([Detection("cup", 0.8, (0.1, 0.1, 0.3, 0.3), name)])
    assert track.label == "cup · my mug"  # one frame not sure does not rename it
    assert tracker.counts() == {"cup · my mug": (1, 1)}
