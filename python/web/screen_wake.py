"""Keep a phone's screen on while the page works from the camera (Screen Wake Lock).

The browser drops the lock whenever the tab is hidden, so it is asked for again when the tab shows
while still wanted. body[data-wake] says what happened: on, off, refused, unsupported.

Example:
    wake = ScreenWake(bridge, spawn=page.spawn)
    wake.want(True)    # detecting from the camera
    wake.want(False)   # paused: the screen may dim again
"""

from __future__ import annotations

import asyncio


class ScreenWake:
    def __init__(self, bridge, spawn):
        self.b = bridge
        self.spawn = spawn
        self.wanted = False
        self.lock = None
        self._held = None  # a token per lock taken, so a late "release" of an old lock is ignored
        self.supported = bridge.wake_lock_supported()
        self._changing = asyncio.Lock()  # one request or release at a time
        self._show("off" if self.supported else "unsupported")
        bridge.on_visibility_change(lambda _visible: self._apply_later())

    def want(self, on: bool) -> None:
        if on != self.wanted:
            self.wanted = on
            self._apply_later()

    def _apply_later(self) -> None:
        if self.supported:
            self.spawn(self.apply())

    async def apply(self) -> None:
        """Hold the lock exactly while wanted and the tab is visible."""
        async with self._changing:
            hold = self.wanted and self.b.page_visible()
            if hold and self.lock is None:
                held = self._held = object()
                self.lock = await self.b.request_wake_lock(lambda: self._released(held))
                self._show("on" if self.lock is not None else "refused")
            elif not hold and self.lock is not None:
                lock, self.lock, self._held = self.lock, None, None
                await self.b.release_wake_lock(lock)
                self._show("off")

    def _released(self, held) -> None:
        """A lock went: dropped by the browser (hidden tab, battery saver), or released above."""
        if held is self._held:
            self.lock, self._held = None, None
            self._show("off")

    def _show(self, state: str) -> None:
        self.b.set_data("page", "wake", state)
