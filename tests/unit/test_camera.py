"""The camera's facing, mirroring and controls, shared by both pages (python/web/camera.py)."""

from __future__ import annotations

import asyncio

from web.camera import BACK, FACING_KEY, FRONT, MIRROR_KEY, Camera, CameraControls, facing_switch_available, mirrored

from aio import run
from detect_fakes import FakeBridge

PHONE = (("front", "camera2 1, facing front", (FRONT,)), ("back", "camera2 0, facing back", (BACK,)))
UNTOLD = (("cam-0", "Camera 1", ()), ("cam-1", "Camera 2", ()))


def test_a_switch_where_cameras_face_both_ways():
    assert facing_switch_available(list(PHONE), coarse_pointer=False)
    # two webcams that both face the visitor: a picker, no front/back switch
    assert not facing_switch_available([("a", "A", (FRONT,)), ("b", "B", (FRONT,))], coarse_pointer=True)
    # the browser does not tell: two cameras on a touch screen are a front and a back one
    assert facing_switch_available(list(UNTOLD), coarse_pointer=True)
    assert not facing_switch_available(list(UNTOLD), coarse_pointer=False)
    assert not facing_switch_available(list(UNTOLD[:1]), coarse_pointer=True)


def test_mirroring_follows_the_facing_unless_the_visitor_chose():
    assert mirrored(FRONT, None) and not mirrored(BACK, None)
    assert mirrored(BACK, True) and not mirrored(FRONT, False)


def controls(bridge: FakeBridge) -> CameraControls:
    camera = Camera(bridge, bridge.el("video"))
    starts = []

    async def restart(device_id=None):
        starts.append(device_id)
        await camera.start(device_id)
        await controls_.refresh()

    controls_ = CameraControls(bridge, camera, spawn=lambda c: asyncio.ensure_future(c), restart=restart)
    controls_.wire()
    controls_.starts = starts
    return controls_


async def started(cameras=UNTOLD, coarse: bool = False, device_id: str | None = None):
    """A page's camera controls after its camera started: (bridge, controls)."""
    bridge = FakeBridge()
    bridge.cameras, bridge.coarse = cameras, coarse
    c = controls(bridge)
    await c.camera.start(device_id)
    await c.refresh()
    return bridge, c


def test_the_switch_asks_for_the_other_camera_remembers_it_and_unmirrors():
    async def scenario():
        bridge, c = await started(coarse=True)
        assert bridge.opened == [(None, FRONT)]
        assert not bridge.el("camera-facing").hidden and bridge.el("camera-select").hidden
        assert bridge.el("camera-facing").textContent == "Switch to the back camera"
        assert bridge.el("video-wrap").dataset.mirror == "true" and bridge.el("mirror").checked
        c._turn()
        await asyncio.sleep(0)
        assert bridge.opened[-1] == (None, BACK) and bridge.stored[FACING_KEY] == BACK
        assert bridge.el("video-wrap").dataset.mirror == "false" and not bridge.el("mirror").checked
        assert bridge.el("page").dataset.facing == BACK
        assert bridge.el("camera-facing").textContent == "Switch to the front camera"
        # the next visit starts with the back camera
        again = Camera(bridge, None)
        await again.start()
        assert bridge.opened[-1] == (None, BACK)
    run(scenario())


def test_the_visitors_mirror_choice_wins_and_is_remembered():
    async def scenario():
        bridge, c = await started(coarse=True)
        c._choose_mirror(False)
        assert bridge.stored[MIRROR_KEY] == "false" and bridge.el("video-wrap").dataset.mirror == "false"
        c._turn()
        await asyncio.sleep(0)
        c._turn()
        await asyncio.sleep(0)
        assert c.camera.facing_now == FRONT and not c.mirror
        assert not controls(bridge).mirror  # a new page load keeps the choice
    run(scenario())


def test_a_desktop_with_two_webcams_gets_the_picker_and_what_the_stream_reports_counts():
    async def scenario():
        bridge, c = await started(device_id="cam-1")
        assert bridge.opened == [("cam-1", FRONT)]
        assert not bridge.el("camera-select").hidden and bridge.el("camera-facing").hidden
        assert bridge.el("camera-select").value == "cam-1"
        assert [o.value for o in bridge.el("camera-select").children] == ["cam-0", "cam-1"]
        bridge.reported_facing = BACK  # a browser that says the camera faces away
        await c.camera.start()
        await c.refresh()
        assert c.camera.facing_now == BACK and not c.mirror
    run(scenario())


def test_one_camera_shows_neither_control():
    async def scenario():
        bridge, _c = await started(cameras=FakeBridge.cameras, coarse=True)
        assert bridge.el("camera-select").hidden and bridge.el("camera-facing").hidden
    run(scenario())
