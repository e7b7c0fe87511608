"""The webcam: start, pick a device, stop, and explain every way it can fail."""

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


def message_for(error_name: str) -> str:
    return MESSAGES.get(error_name, f"The camera could not start ({error_name}). Press “Enable webcam” to "
                                    "try again, or use image files instead.")


class Camera:
    def __init__(self, bridge, video, on_ended=None):
        self.bridge = bridge
        self.video = video
        self.stream = None
        self.device_id = None
        self.on_ended = on_ended or (lambda: None)

    @property
    def running(self) -> bool:
        return self.stream is not None

    def ready(self) -> bool:
        return self.running and self.bridge.video_ready(self.video)

    async def start(self, device_id: str | None = None) -> str | None:
        """Returns None when the camera runs, else the message to show."""
        if not self.bridge.secure_context():
            return message_for("insecure")
        self.stop()
        try:
            self.stream = await self.bridge.open_camera(self.video, device_id)
        except RuntimeError as error:
            return message_for(str(error))
        self.device_id = device_id
        self.bridge.on_stream_ended(self.stream, self._ended)
        return None

    def _ended(self) -> None:
        self.stream = None
        self.on_ended()

    def stop(self) -> None:
        self.bridge.stop_stream(self.stream)
        self.stream = None

    async def devices(self) -> list[tuple[str, str]]:
        return await self.bridge.video_devices()
