import asyncio

import pytest

from models import backend
from web.camera import Camera, message_for
from web.frame_loop import FrameLoop

from aio import run
from fake_bridge import FakeBridge


def test_backend_order_and_fallback():
    assert backend.preference(None) == ["webgl", "wasm", "cpu"]
    assert backend.preference("wasm") == ["wasm", "webgl", "cpu"]
    assert backend.preference("bogus") == ["webgl", "wasm", "cpu"]
    bridge = FakeBridge(backends=("cpu",))
    assert run(backend.choose(bridge)) == "cpu"
    assert [e[1] for e in bridge.log] == ["webgl", "wasm", "cpu"]
    assert run(backend.choose(FakeBridge(), exclude=("webgl",))) == "wasm"
    with pytest.raises(RuntimeError, match="No TF.js backend"):
        run(backend.choose(FakeBridge(backends=())))


def run_loop(bridge, loop, frames: int):
    async def main():
        task = asyncio.ensure_future(loop.run())
        for _ in range(frames * 3):
            await asyncio.sleep(0)
        loop.stop()
        await task
    run(main())


def test_loop_counts_processed_frames_and_pauses_while_hidden():
    bridge = FakeBridge()
    bridge.backend = "webgl"
    stats, steps = [], []

    async def step():
        steps.append(1)
        if len(steps) == 3:
            bridge.visibility_handler(False)  # tab hidden: nothing more may run
        return True
    loop = FrameLoop(bridge, step, on_stats=stats.append)
    run_loop(bridge, loop, 10)
    assert len(steps) == 3
    assert stats[-1]["frames"] == 3 and stats[-1]["backend"] == "webgl"
    assert loop.paused


def test_loop_asks_for_the_next_frame_before_each_step():
    # Asked only after the step, the next frame would wait for another display interval. A frame that
    # came during the step waits for the timers due since (a slow device's page stays responsive).
    bridge = FakeBridge()
    order = []
    ask, hop = bridge.request_animation_frame, bridge.after_due_timers

    def request_animation_frame():
        order.append("ask")
        return ask()

    async def after_due_timers():
        order.append("hop")
        await hop()
    bridge.request_animation_frame, bridge.after_due_timers = request_animation_frame, after_due_timers

    async def step():
        order.append("step")
        await asyncio.sleep(0)  # long enough for the next frame to come
        await asyncio.sleep(0)
        return True
    run_loop(bridge, FrameLoop(bridge, step), 6)
    assert order[:6] == ["ask", "ask", "step", "hop", "ask", "step"]
    assert set(zip(order, order[1:])) == {("ask", "ask"), ("ask", "step"), ("step", "hop"), ("hop", "ask")}


def test_loop_survives_a_failing_frame():
    bridge = FakeBridge()
    errors, calls = [], []

    async def step():
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("bad frame")
        return len(calls) < 4
    loop = FrameLoop(bridge, step, on_error=errors.append)
    run_loop(bridge, loop, 6)
    assert [str(e) for e in errors] == ["bad frame"]
    assert loop.frames == 2


class CameraBridge(FakeBridge):
    def __init__(self, secure=True, error=None):
        super().__init__()
        self.secure, self.error = secure, error

    def secure_context(self):
        return self.secure

    async def open_camera(self, video, device_id, facing="user"):
        self.opened.append((device_id, facing))
        if self.error:
            raise RuntimeError(self.error)
        return "stream"

    def stop_stream(self, stream):
        self.log.append(("stop", stream))

    def on_stream_ended(self, stream, handler):
        self.ended = handler


def test_camera_messages():
    assert run(Camera(CameraBridge(secure=False), None).start()) == message_for("insecure")
    assert "refused" in run(Camera(CameraBridge(error="NotAllowedError"), None).start())
    assert "No camera" in run(Camera(CameraBridge(error="NotFoundError"), None).start())
    assert "WeirdError" in run(Camera(CameraBridge(error="WeirdError"), None).start())


def test_camera_unplugged_reports_and_stops():
    bridge, ended = CameraBridge(), []
    camera = Camera(bridge, None, on_ended=lambda: ended.append(True))
    assert run(camera.start()) is None and camera.running
    bridge.ended()
    assert ended == [True] and not camera.running
