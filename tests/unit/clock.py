"""A clock the tests move by hand: what the page's timing modules read instead of time.monotonic."""

from __future__ import annotations


class Clock:
    """clock() -> seconds. `frames(fps)`: each call after it is one frame later (a camera at `fps`)."""

    def __init__(self, start: float = 100.0):
        self.now = start
        self.step = 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now

    def frames(self, fps: float) -> Clock:
        self.step = 1.0 / fps
        return self

    def wait(self, seconds: float) -> None:
        self.now += seconds
