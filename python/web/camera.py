"""The webcam: start, pick a device, switch between front and back, mirror, and explain every way it
can fail. Both pages use it (`Camera` for the stream, `CameraControls` for its buttons).

Example:
    camera = Camera(bridge, bridge.el("video"))
    controls = CameraControls(bridge, camera, spawn=page.spawn, restart=app.start_camera)
    error = await camera.start()          # None, or the message to show
    await controls.refresh()              # picker, front/back switch, mirroring
"""

from __future__ import annotations

MESSAGES = {
    "NotAllowedError": "Camera access was refused. Allow the camera for this site in the browser's "
                       "settings and press “Enable webcam” again, or use image files instead.",
    "SecurityError": "Camera access was refused. Allow the camera for this site in the browser's "
                     "settings and press “Enable webcam” again, or use image files instead.",
    "NotFoundError": "No camera was found. Plug one in and press “Enable webcam”, or use image files instead.",
    "NotReadableError": "The camera is busy in another program or tab. Close it there and press “Enable webcam” again.",
    "OverconstrainedError": "The chosen camera is not available any more. Pick another one.",
    "AbortError": "The camera could not start. Press “Enable webcam” to try again.",
    "insecure": "The camera only works on a secure page (https:// or http://localhost). Open the site that "
                "way, or use image files instead.",
    "ended": "The camera stopped (unplugged or turned off). Press “Enable webcam” to use it again, "
             "or use image files; nothing you made is lost.",
}
FRONT, BACK = "user", "environment"
FACING_KEY = "camera-facing"   # localStorage: the way the visitor last chose
MIRROR_KEY = "camera-mirror"   # localStorage: "true"/"false" once the visitor set mirroring


def message_for(error_name: str) -> str:
    return MESSAGES.get(error_name, f"The camera could not start ({error_name}). Press “Enable webcam” to "
                                    "try again, or use image files instead.")


def facing_switch_available(devices: list[tuple[str, str, tuple[str, ...]]], coarse_pointer: bool) -> bool:
    """A front/back switch where cameras face both ways. Browsers that tell each camera's facing are
    believed; where none tells (Firefox, Chromium's fake cameras), two cameras on a touch device are
    taken for a front and a back one, as on every phone and tablet."""
    modes = {mode for _id, _label, facing in devices for mode in facing}
    if modes:
        return {FRONT, BACK} <= modes
    return coarse_pointer and len(devices) >= 2


def mirrored(facing: str, choice: bool | None) -> bool:
    """The visitor's choice if made; else a front camera is shown as a mirror and a back one is not."""
    return choice if choice is not None else facing != BACK


class Camera:
    def __init__(self, bridge, video, on_ended=None):
        self.bridge = bridge
        self.video = video
        self.stream = None
        self.device_id = None
        stored = bridge.local_get(FACING_KEY)
        self.facing = stored if stored in (FRONT, BACK) else FRONT  # what the next start asks for
        self.facing_now = FRONT  # the way the running camera faces
        self.on_ended = on_ended or (lambda: None)

    @property
    def running(self) -> bool:
        return self.stream is not None

    def ready(self) -> bool:
        return self.running and self.bridge.video_ready(self.video)

    async def start(self, device_id: str | None = None) -> str | None:
        """The camera `device_id`, else the one facing `self.facing`. Returns None when the camera
        runs, else the message to show."""
        if not self.bridge.secure_context():
            return message_for("insecure")
        self.stop()  # a phone cannot open its front and back camera at once
        try:
            self.stream = await self.bridge.open_camera(self.video, device_id, self.facing)
        except RuntimeError as error:
            return message_for(str(error))
        self.device_id = device_id
        # Most desktop webcams do not say which way they face: they face the visitor.
        self.facing_now = self.bridge.stream_facing(self.stream) or (FRONT if device_id else self.facing)
        self.bridge.on_stream_ended(self.stream, self._ended)
        return None

    def turn(self) -> None:
        """The next start asks for the camera facing the other way; the choice is remembered."""
        self.facing = BACK if self.facing_now == FRONT else FRONT
        self.bridge.local_set(FACING_KEY, self.facing)

    def _ended(self) -> None:
        self.stream = None
        self.on_ended()

    def stop(self) -> None:
        self.bridge.stop_stream(self.stream)
        self.stream = None

    async def devices(self) -> list[tuple[str, str, tuple[str, ...]]]:
        return await self.bridge.video_devices()


class CameraControls:
    """The camera's controls on both pages: #camera-select (desktops with several cameras),
    #camera-facing (front/back), #mirror; the video's data-mirror and body[data-facing] follow."""

    def __init__(self, bridge, camera: Camera, spawn, restart, on_mirror=None):
        self.b = bridge
        self.camera = camera
        self.spawn = spawn
        self.restart = restart  # async (device_id=None) -> None: the page's own start, with its messages
        self.on_mirror = on_mirror or (lambda: None)
        stored = bridge.local_get(MIRROR_KEY)
        self.mirror_choice = {"true": True, "false": False}.get(stored)

    @property
    def mirror(self) -> bool:
        return mirrored(self.camera.facing_now, self.mirror_choice)

    def wire(self) -> None:
        b = self.b
        b.listen(b.el("camera-select"), "change", lambda e: self.spawn(self.restart(e.target.value)))
        b.listen(b.el("camera-facing"), "click", lambda _e: self._turn())
        b.listen(b.el("mirror"), "change", lambda e: self._choose_mirror(bool(e.target.checked)))
        self._show_mirror()  # the remembered choice, before any camera starts

    def _turn(self) -> None:
        self.camera.turn()
        self.spawn(self.restart())

    def _choose_mirror(self, on: bool) -> None:
        self.mirror_choice = on
        self.b.local_set(MIRROR_KEY, "true" if on else "false")
        self._show_mirror()
        self.on_mirror()

    def _show_mirror(self) -> None:
        self.b.el("mirror").checked = self.mirror
        self.b.set_data("video-wrap", "mirror", "true" if self.mirror else "false")

    async def refresh(self) -> None:
        """After the camera started: which controls this device needs, and the mirroring of this camera."""
        devices = await self.camera.devices()
        facing_switch = facing_switch_available(devices, self.b.coarse_pointer())
        select = self.b.el("camera-select")
        select.replaceChildren()
        for device_id, label, _facing in devices:
            option = self.b.make("option", text=label)
            option.value = device_id
            select.appendChild(option)
        if self.camera.device_id:
            select.value = self.camera.device_id
        self.b.set_hidden("camera-select", facing_switch or len(devices) < 2)
        self.b.set_hidden("camera-facing", not facing_switch)
        other = "front" if self.camera.facing_now == BACK else "back"
        self.b.set_text("camera-facing", f"Switch to the {other} camera")
        self.b.set_data("page", "facing", self.camera.facing_now)
        self._show_mirror()
        self.on_mirror()
