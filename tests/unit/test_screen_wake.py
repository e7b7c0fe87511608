"""The screen wake lock: held exactly while wanted and visible (python/web/screen_wake.py)."""

from __future__ import annotations

import asyncio

from web.screen_wake import ScreenWake

from aio import run
from detect_fakes import FakeBridge


async def settle():
    for _ in range(5):
        await asyncio.sleep(0)


def wake_for(bridge: FakeBridge) -> ScreenWake:
    return ScreenWake(bridge, spawn=asyncio.ensure_future)


def state(bridge: FakeBridge) -> str:
    return bridge.el("page").dataset.wake


def test_held_while_wanted_released_when_not():
    async def scenario():
        bridge = FakeBridge()
        wake = wake_for(bridge)
        assert state(bridge) == "off"
        wake.want(True)
        wake.want(True)  # asking twice takes one lock
        await settle()
        assert bridge.wake_log == ["request"] and state(bridge) == "on"
        wake.want(False)
        await settle()
        assert bridge.wake_log == ["request", "release"] and state(bridge) == "off"
    run(scenario())


def test_a_hidden_tab_loses_the_lock_and_gets_it_back_when_shown():
    async def scenario():
        bridge = FakeBridge()
        wake = wake_for(bridge)
        wake.want(True)
        await settle()
        bridge.drop_wake_lock()  # the browser drops it...
        bridge.set_visible(False)
        await settle()
        assert state(bridge) == "off" and bridge.wake_log == ["request"]
        bridge.set_visible(True)  # ...and it is asked for again
        await settle()
        assert bridge.wake_log == ["request", "request"] and state(bridge) == "on"
    run(scenario())


def test_a_late_release_of_an_old_lock_keeps_the_new_one():
    async def scenario():
        bridge = FakeBridge()
        wake = wake_for(bridge)
        wake.want(True)
        await settle()
        old_drop = bridge.drop_wake_lock
        wake.want(False)
        await settle()
        wake.want(True)
        await settle()
        old_drop()
        assert wake.lock is not None and state(bridge) == "on"
    run(scenario())


def test_refused_and_unsupported_are_said_and_break_nothing():
    async def scenario():
        refused = FakeBridge()
        refused.wake_refused = True
        wake = wake_for(refused)
        wake.want(True)
        await settle()
        assert state(refused) == "refused" and wake.lock is None
        missing = FakeBridge()
        missing.wake_supported = False
        wake = wake_for(missing)
        wake.want(True)
        await settle()
        assert state(missing) == "unsupported" and missing.wake_log == []
    run(scenario())
