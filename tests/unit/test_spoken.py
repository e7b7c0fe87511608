"""What the live regions say (python/web/spoken.py): short, and changed only when what it tells changed."""

import pytest
from clock import Clock

from web.spoken import GAP_S, HOLD_S, SteadyText, detection_summary, plural, spoken_prediction

RATES = pytest.mark.parametrize("fps", [3, 10, 30])  # Detect on wasm (3) to Teach on WebGL (30)


def test_spoken_prediction_names_the_class_and_a_files_name():
    assert spoken_prediction("A", "camera") == "Prediction: A"
    assert spoken_prediction("B", "photo.png") == "photo.png: B"
    assert spoken_prediction("", "camera") == ""  # no examples yet: nothing to say


def test_detection_summary_counts_each_class_most_first():
    assert detection_summary(["cup", "person", "person"]) == "2 people, 1 cup"
    assert detection_summary(["person"]) == "1 person"
    assert detection_summary([]) == "nothing detected"


def test_detection_summary_does_not_depend_on_the_scores_order():
    """The boxes come best score first; two classes whose scores swap say the same."""
    assert detection_summary(["dog", "cat"]) == detection_summary(["cat", "dog"]) == "1 cat, 1 dog"


def test_plurals_of_coco_labels():
    labels = ["bus", "wine glass", "bench", "toothbrush", "knife", "mouse", "sheep", "skis", "teddy bear", "tv"]
    assert [plural(label) for label in labels] == [
        "buses", "wine glasses", "benches", "toothbrushes", "knives", "mice", "sheep", "skis", "teddy bears", "tvs"]


def said(steady: SteadyText, texts: list[str]) -> list[str]:
    """The texts written to the region, frame by frame."""
    return [steady.text for text in texts if steady.frame(text)]


def said_when(steady: SteadyText, clock: Clock, texts: list[str]) -> list[tuple[float, str]]:
    """(seconds from the first frame, text) of each text written to the region."""
    start = clock.now + clock.step  # the first frame's time
    return [(round(clock.now - start, 3), steady.text) for text in texts if steady.frame(text)]


def at(fps: float) -> tuple[SteadyText, Clock]:
    clock = Clock().frames(fps)
    return SteadyText(clock=clock), clock


@RATES
def test_a_text_is_said_once_it_has_held_for_hold_s(fps):
    steady, clock = at(fps)
    for text in ("1 person", "2 people"):
        spoken = said_when(steady, clock, [text] * int(fps * (HOLD_S + 1)))
        assert [t for _, t in spoken] == [text]
        assert HOLD_S <= spoken[0][0] <= HOLD_S + 2 / fps  # about HOLD_S after the first frame
        clock.wait(GAP_S)


@RATES
def test_never_two_announcements_within_gap_s(fps):
    """A scene that changes every 1.5 s (longer than HOLD_S): one announcement every GAP_S at most,
    each of a text the scene still shows."""
    steady, clock = at(fps)
    scene = [f"{n} people" for n in range(1, 9) for _ in range(int(1.5 * fps))]
    spoken = said_when(steady, clock, scene)
    times = [t for t, _ in spoken]
    assert len(spoken) >= 2 and all(later - earlier >= GAP_S for earlier, later in zip(times, times[1:])), spoken
    assert spoken[0][0] <= HOLD_S + 2 / fps


@RATES
def test_a_flicker_at_the_threshold_is_not_read_out(fps):
    steady, clock = at(fps)
    assert said(steady, ["1 person"] * int(2 * fps)) == ["1 person"]
    clock.wait(GAP_S)
    assert said(steady, ["1 bottle, 1 person", "1 person"] * int(2 * fps)) == []  # found every other frame
    # Found 3 frames out of 4: that holds, and is said once.
    assert said(steady, (["1 bottle, 1 person"] * 3 + ["1 person"]) * int(fps)) == ["1 bottle, 1 person"]
    assert steady.text == "1 bottle, 1 person"


def test_one_odd_frame_is_never_enough_however_slow_the_frames():
    """At 1 frame/s HOLD_S spans one frame: NEEDED_FRAMES still asks for three."""
    steady, clock = at(1)
    assert said(steady, ["1 person", "1 person"]) == []
    assert said(steady, ["1 person"]) == ["1 person"]
    clock.wait(GAP_S)
    assert said(steady, ["1 cup", "1 person", "1 cup", "1 cup"]) == []
    assert said(steady, ["1 cup"]) == ["1 cup"]


def test_now_says_a_text_at_once_and_the_frames_start_over():
    steady, clock = at(10)
    assert said(steady, ["1 person"] * 2) == []
    assert steady.now("photo.png: 1 cat") and steady.text == "photo.png: 1 cat"
    assert not steady.now("photo.png: 1 cat")  # the same words: nothing to write
    assert said(steady, ["1 person"] * int(10 * GAP_S - 1)) == []  # the camera's frames counted anew, after the gap
    assert said(steady, ["1 person"] * 2) == ["1 person"]
