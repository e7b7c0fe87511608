"""Steady labels (python/classifier/steady_label.py): one label on a noisy steady scene, real changes followed."""

import random

import pytest
from clock import Clock

from classifier.neighbours import Answer
from classifier.steady_label import HOLD_S, MIN_FRAMES, SteadyLabel, flips, remembered

# The camera's frame rates the page meets: Teach on wasm on a slow machine (3), the test videos (10),
# WebGL on a fast one (30). A test that takes `fps` runs at each.
RATES = pytest.mark.parametrize("fps", [3, 10, 30])

K = 3


def answer(votes_for_a: int, sure: bool = True, k: int = K) -> Answer:
    """Two classes, `votes_for_a` of k nearest examples in A (the rest in B), as neighbours.vote says."""
    return Answer(0 if 2 * votes_for_a >= k else 1, [votes_for_a / k, 1 - votes_for_a / k], 0.1, sure)


def steady_at(fps: float = 10) -> SteadyLabel:
    return SteadyLabel(clock=Clock().frames(fps))


def shown(answers: list[Answer], steady: SteadyLabel | None = None) -> list[int]:
    steady = steady or steady_at(10)
    return [steady.frame(a).index for a in answers]


def noisy_scene(frames: int, p_a: float, seed: int, together: bool = False) -> list[Answer]:
    """A scene between A and B: each of the k votes goes to A with probability p_a, frame by frame;
    `together`: all k votes go the same way (the nearest examples of one class lie close together,
    as on the page's blend of two photos: 100% or 0%)."""
    rng = random.Random(seed)
    if together:
        return [answer(K if rng.random() < p_a else 0) for _ in range(frames)]
    return [answer(sum(rng.random() < p_a for _ in range(K))) for _ in range(frames)]


def lag(before: Answer, after: Answer, fps: float) -> int:
    """Frames after the raw label changes until the shown label is the new one."""
    labels = shown([before] * 100 + [after] * 100, steady_at(fps))
    return labels[100:].index(after.index)


@RATES
def test_a_noisy_steady_scene_yields_one_label(fps):
    """Votes swinging 2:1 either way, or all-A/all-B every other frame: the label stays."""
    assert set(shown([answer(2), answer(1)] * 30, steady_at(fps))) == {0}
    assert set(shown([answer(3), answer(0)] * 30, steady_at(fps))) == {0}
    # Mostly A, with a B frame now and then (even two in a row).
    assert set(shown([answer(3), answer(1), answer(3), answer(0), answer(1), answer(3)] * 10, steady_at(fps))) == {0}


@RATES
def test_flips_before_and_after_on_a_synthetic_sequence(fps):
    """Scenes between A and B, 300 frames each: at least 4x fewer flips (5x where votes split)."""
    for p_a, seed in ((0.5, 1), (0.6, 2), (0.7, 3)):
        for together, factor in ((False, 5), (True, 4)):
            raw = noisy_scene(300, p_a, seed, together)
            before, after = flips([a.index for a in raw]), flips(shown(raw, steady_at(fps)))
            assert before >= 60 and after * factor <= before, (fps, p_a, together, before, after)


@RATES
def test_a_real_change_is_followed_within_a_second_and_never_on_one_frame(fps):
    clear = lag(answer(3), answer(0), fps)  # all votes A -> all votes B
    assert MIN_FRAMES - 1 <= clear and clear / fps <= 0.7
    close = lag(answer(2), answer(1), fps)  # a close call that turns: once B has led for HOLD_S
    assert MIN_FRAMES - 1 <= close and HOLD_S <= (close + 1) / fps and close / fps <= HOLD_S + 0.4
    assert lag(answer(3), answer(1), fps) / fps <= HOLD_S + 0.7  # a clear A to a close B (5 frames at 3/s, as before)
    # A slow drift gets through too: B just ahead, every frame for HOLD_S.
    drift = [Answer(1, [0.45, 0.55], 0.1, True)] * int(fps * (HOLD_S + 2))
    assert shown([answer(3)] * 10 + drift, steady_at(fps))[-1] == 1


def test_the_lags_at_both_ends_of_the_speed_range():
    """The figures docs/teaching.md gives: frames after the raw label changed."""
    assert [lag(answer(3), answer(0), fps) for fps in (3, 30)] == [2, 12]  # 0.67 s, 0.40 s
    assert [lag(answer(2), answer(1), fps) for fps in (3, 30)] == [4, 37]  # 1.33 s, 1.23 s


def test_a_pause_between_frames_does_not_make_one_frame_the_label():
    """After the loop was paused (seconds between two frames), the new frame's votes weigh almost
    all, yet one frame still does not change the label."""
    clock = Clock().frames(10)
    steady = SteadyLabel(clock=clock)
    shown([answer(3)] * 10, steady)
    clock.wait(30)
    assert shown([answer(0), answer(3)], steady) == [0, 0]


def test_the_first_frame_is_shown_as_it_is():
    assert shown([answer(0)]) == [1]
    assert shown([answer(3)]) == [0]


def test_the_bars_show_the_averaged_votes_and_settle():
    steady = steady_at(10)
    steady.frame(answer(3))
    first = steady.frame(answer(0))
    assert first.index == 0 and first.confidences == [0.72, 0.28]  # 0.1 s later: weight 1 - exp(-1/3)
    settled = [steady.frame(answer(0)).confidences for _ in range(30)]
    assert settled[-1] == settled[-2] == [0.0, 1.0]  # rounded: a settled average writes nothing new
    assert first.distance == 0.1  # the frame's own distance


@RATES
def test_not_sure_shows_once_it_holds_and_a_blink_does_not(fps):
    steady = steady_at(fps)
    sure = [steady.frame(answer(3, sure=s)).sure for s in [True] * 5 + [False] + [True] * 5]
    assert all(sure)  # one frame far from every example: still sure
    steady = steady_at(fps)
    far = int(fps)  # a scene that stays far away for a second: said within it, not on its first frames
    sure = [steady.frame(answer(3, sure=s)).sure for s in [True] * 5 + [False] * far]
    assert sure[:5 + MIN_FRAMES - 1] == [True] * (5 + MIN_FRAMES - 1) and sure[-1] is False
    # Flickering at the threshold: one steady answer.
    steady = steady_at(fps)
    sure = [steady.frame(answer(3, sure=s)).sure for s in [False, True] * 20]
    assert set(sure) == {False}
    # The class is smoothed as before, whatever "sure" does.
    steady = steady_at(fps)
    assert {steady.frame(answer(a, sure=s)).index for a, s in [(2, True), (1, False)] * 20} == {0}


def test_now_and_off_pass_answers_through_and_start_over():
    steady = steady_at(10)
    shown([answer(3)] * 10, steady)
    still = answer(0)
    assert steady.now(still) is still
    assert steady.frame(answer(0)).index == 1  # the camera's frames start over: shown at once
    steady.on = False
    assert shown([answer(3), answer(0)] * 5, steady) == [0, 1] * 5
    steady.on = True
    assert shown([answer(3), answer(0)] * 5, steady) == [0] * 10


def test_no_examples_and_a_new_class_start_over():
    steady = steady_at(10)
    shown([answer(3)] * 10, steady)
    empty = Answer(None, [0.0, 0.0], float("inf"), False)
    assert steady.frame(empty) is empty
    assert steady.frame(answer(0)).index == 1
    three = Answer(2, [0.0, 0.0, 1.0], 0.1, True)  # a class added: its votes count at once
    assert steady.frame(three).index == 2


def test_one_frame_never_changes_the_label_however_slow_the_frames():
    """At 1 frame/s a frame's weight is nearly 1, so one B frame leads by more than MARGIN: the
    MIN_FRAMES guard keeps the label."""
    assert shown([answer(3)] * 5 + [answer(0), answer(3)] * 5, steady_at(1)) == [0] * 15


def test_the_choice_remembered():
    assert remembered("true") and not remembered("false")
    assert remembered(None)  # never set: on (the measurement in the README)
    assert remembered("junk")
