"""The per-frame loop: one step per animation frame, paused while the tab is hidden or on request."""

from __future__ import annotations

import asyncio


def page_clock(bridge):
    """() -> seconds on the page's clock (performance.now): what the timing in seconds reads
    (steady labels, the tracker's memory, the live regions), and a test's fake bridge moves."""
    return lambda: bridge.now_ms() / 1000.0


class FrameLoop:
    def __init__(self, bridge, step, on_stats=None, on_error=None):
        self.bridge = bridge
        self.step = step  # async () -> bool: True when a frame was processed
        self.on_stats = on_stats or (lambda stats: None)
        self.on_error = on_error or (lambda error: None)
        self.frames = 0
        self.fps = 0.0
        self._running = asyncio.Event()
        self._running.set()
        self._user_paused = False
        self._hidden = False
        self._stopped = False
        self._last = None
        bridge.on_visibility_change(self._visibility)

    @property
    def paused(self) -> bool:
        return self._user_paused or self._hidden

    @property
    def user_paused(self) -> bool:
        """Paused on request (a still image shown, the Pause button), not by a hidden tab."""
        return self._user_paused

    def pause(self, paused: bool) -> None:
        self._user_paused = paused
        self._update()

    def stop(self) -> None:
        self._stopped = True
        self._running.set()

    def _visibility(self, visible: bool) -> None:
        self._hidden = not visible
        self._update()

    def _update(self) -> None:
        if self.paused:
            self._running.clear()
        else:
            self._last = None  # a pause is not a slow frame
            self._running.set()

    async def run(self) -> None:
        frame = None
        while not self._stopped:
            await self._running.wait()
            frame = frame or self.bridge.request_animation_frame()
            if frame.done():  # it came during the last step: the timers due since then go first
                await self.bridge.after_due_timers()
            else:
                await frame
            frame = None
            if self.paused or self._stopped:
                continue
            # The next frame is asked for before this one's work, so the browser keeps drawing.
            frame = self.bridge.request_animation_frame()
            try:
                processed = await self.step()
            except Exception as error:  # one bad frame must not end the loop
                self.on_error(error)
                continue
            if processed:
                self._count()

    def _count(self) -> None:
        now = self.bridge.now_ms()
        if self._last is not None:
            instant = 1000.0 / max(now - self._last, 1e-3)
            self.fps = instant if self.frames < 2 else 0.9 * self.fps + 0.1 * instant
        self._last = now
        self.frames += 1
        self.on_stats({"frames": self.frames, "fps": self.fps, "tensors": self.bridge.num_tensors(),
                       "backend": self.bridge.backend_name()})
