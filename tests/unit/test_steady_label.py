"""Steady labels (python/classifier/steady_label.py): one label on a noisy steady scene, real changes followed."""

import random

from classifier.neighbours import Answer
from classifier.steady_label import MARGIN, SteadyLabel, flips, remembered

K = 3


def answer(votes_for_a: int, sure: bool = True, k: int = K) -> Answer:
    """Two classes, `votes_for_a` of k nearest examples in A (the rest in B), as neighbours.vote says."""
    return Answer(0 if 2 * votes_for_a >= k else 1, [votes_for_a / k, 1 - votes_for_a / k], 0.1, sure)


def shown(answers: list[Answer], steady: SteadyLabel | None = None) -> list[int]:
    steady = steady or SteadyLabel()
    return [steady.frame(a).index for a in answers]


def noisy_scene(frames: int, p_a: float, seed: int, together: bool = False) -> list[Answer]:
    """A scene between A and B: each of the k votes goes to A with probability p_a, frame by frame;
    `together`: all k votes go the same way (the nearest examples of one class lie close together,
    as on the page's blend of two photos: 100% or 0%)."""
    rng = random.Random(seed)
    if together:
        return [answer(K if rng.random() < p_a else 0) for _ in range(frames)]
    return [answer(sum(rng.random() < p_a for _ in range(K))) for _ in range(frames)]


def lag(before: Answer, after: Answer) -> int:
    """Frames after the raw label changes until the shown label is the new one."""
    labels = shown([before] * 20 + [after] * 20)
    return labels[20:].index(after.index)


def test_a_noisy_steady_scene_yields_one_label():
    """Votes swinging 2:1 either way, or all-A/all-B every other frame: the label stays."""
    assert set(shown([answer(2), answer(1)] * 30)) == {0}
    assert set(shown([answer(3), answer(0)] * 30)) == {0}
    # Mostly A, with a B frame now and then (even two in a row).
    assert set(shown([answer(3), answer(1), answer(3), answer(0), answer(1), answer(3)] * 10)) == {0}


def test_flips_before_and_after_on_a_synthetic_sequence():
    """Scenes between A and B, 300 frames each: at least 4x fewer flips (5x where votes split)."""
    for p_a, seed in ((0.5, 1), (0.6, 2), (0.7, 3)):
        for together, factor in ((False, 5), (True, 4)):
            raw = noisy_scene(300, p_a, seed, together)
            before, after = flips([a.index for a in raw]), flips(shown(raw))
            assert before >= 60 and after * factor <= before, (p_a, together, before, after)


def test_a_real_change_is_followed_within_a_few_frames():
    assert lag(answer(3), answer(0)) == 2   # all votes A -> all votes B: on the third frame
    assert lag(answer(2), answer(1)) == 4   # a close call that turns: once B has led for 4 frames
    assert lag(answer(3), answer(1)) == 5   # a clear A to a close B
    # A slow drift gets through too: B just ahead, every frame (HOLD frames in a row).
    drift = [Answer(1, [0.45, 0.55], 0.1, True)] * 10
    assert shown([answer(3)] * 10 + drift)[-1] == 1


def test_the_first_frame_is_shown_as_it_is():
    assert shown([answer(0)]) == [1]
    assert shown([answer(3)]) == [0]


def test_the_bars_show_the_averaged_votes_and_settle():
    steady = SteadyLabel()
    steady.frame(answer(3))
    first = steady.frame(answer(0))
    assert first.index == 0 and first.confidences == [0.6, 0.4]
    settled = [steady.frame(answer(0)).confidences for _ in range(30)]
    assert settled[-1] == settled[-2] == [0.0, 1.0]  # rounded: a settled average writes nothing new
    assert first.distance == 0.1  # the frame's own distance


def test_not_sure_shows_once_it_holds_and_a_blink_does_not():
    steady = SteadyLabel()
    sure = [steady.frame(answer(3, sure=s)).sure for s in [True] * 5 + [False] + [True] * 5]
    assert all(sure)  # one frame far from every example: still sure
    steady = SteadyLabel()
    sure = [steady.frame(answer(3, sure=s)).sure for s in [True] * 5 + [False] * 5]
    assert sure == [True] * 7 + [False] * 3  # a scene that stays far away: from its third frame
    # Flickering at the threshold: one steady answer.
    steady = SteadyLabel()
    sure = [steady.frame(answer(3, sure=s)).sure for s in [False, True] * 20]
    assert set(sure) == {False}
    # The class is smoothed as before, whatever "sure" does.
    steady = SteadyLabel()
    assert {steady.frame(answer(a, sure=s)).index for a, s in [(2, True), (1, False)] * 20} == {0}


def test_now_and_off_pass_answers_through_and_start_over():
    steady = SteadyLabel()
    shown([answer(3)] * 10, steady)
    still = answer(0)
    assert steady.now(still) is still
    assert steady.frame(answer(0)).index == 1  # the camera's frames start over: shown at once
    steady.on = False
    assert shown([answer(3), answer(0)] * 5, steady) == [0, 1] * 5
    steady.on = True
    assert shown([answer(3), answer(0)] * 5, steady) == [0] * 10


def test_no_examples_and_a_new_class_start_over():
    steady = SteadyLabel()
    shown([answer(3)] * 10, steady)
    empty = Answer(None, [0.0, 0.0], float("inf"), False)
    assert steady.frame(empty) is empty
    assert steady.frame(answer(0)).index == 1
    three = Answer(2, [0.0, 0.0, 1.0], 0.1, True)  # a class added: its votes count at once
    assert steady.frame(three).index == 2


def test_margin_is_above_the_swing_of_alternating_votes():
    """All-A, all-B every other frame swings the averages by ALPHA / (2 - ALPHA) around a tie."""
    from classifier.steady_label import ALPHA
    assert MARGIN > ALPHA / (2 - ALPHA)


def test_the_choice_remembered():
    assert remembered("true") and not remembered("false")
    assert remembered(None)  # never set: on (the measurement in the README)
    assert remembered("junk")
