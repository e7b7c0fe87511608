"""A slow device stays responsive while it detects: a detector on wasm costs 100-300 ms a frame and
the frame loop runs them back to back, yet the page's other tasks (its timers, DevTools) still get their
turn between two frames instead of waiting for many of them."""

from __future__ import annotations

import statistics

from test_detect import enable_webcam, open_detect

# A timer every 50 ms records how late it ran; each new frame count records when it was written.
RECORD_WAITS = """
window.timerLate = [];
window.frameTimes = [];
const tick = () => {
  const due = performance.now() + 50;
  setTimeout(() => { timerLate.push(performance.now() - due); tick(); }, 50);
};
tick();
addEventListener("DOMContentLoaded", () => new MutationObserver(() => frameTimes.push(performance.now()))
  .observe(document.body, {attributes: true, attributeFilter: ["data-frames"]}));
"""


def test_a_timer_waits_at_most_a_few_frames_while_detect_runs_centernet_on_wasm(open_page, measured):
    opened = open_detect(open_page, None, backend="wasm", detector="centernet", init_script=RECORD_WAITS)
    enable_webcam(opened)
    opened.wait_frames(3)  # past the camera's start
    opened.page.evaluate("timerLate.length = 0; frameTimes.length = 0")
    opened.wait_frames(30)
    late, times = opened.page.evaluate("[timerLate, frameTimes]")
    frame_ms = statistics.median(b - a for a, b in zip(times, times[1:]))
    worst = max(late) / frame_ms
    measured(f"a timer waited {worst:.1f} frames of {frame_ms:.0f} ms at most")
    # A timer due during a frame runs once that frame is done: 1.3 frames at most, measured. When the
    # frames' work ran straight from the animation frame, a timer now and then waited 2-8 frames,
    # seconds (8.1, measured with that build). The bound leaves room for a wait on something else
    # on a busy machine (330 ms once). CenterNet, the slowest detector, is what showed it: with
    # COCO-SSD's ~100 ms frames the old build's timers waited 1.6 frames at most.
    assert worst <= 4, f"a timer waited {max(late):.0f} ms, {worst:.1f} frames of {frame_ms:.0f} ms"
    assert opened.errors == []
