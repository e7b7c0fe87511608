"""The Detect page: webcam (or an image file) -> COCO detector -> labelled boxes over the picture.

Plain Python over `bridge`, and the page's wiring: picture sources (camera, image file), detectors
(`DetectorLoader` loads and warms them up; here they are switched), the frame. A frame is one
`Detector.detect` (one tidy, one await) and one `BoxView.render` (boxes, list, counts, live region);
`BoxFilters` holds what selects the boxes shown.
"""

from __future__ import annotations

import asyncio

from detect.box_names import BoxNamer
from detect.box_view import BoxView
from detect.detector_loading import DetectorLoader
from detect.filters import BoxFilters
from detect.naming_panel import NamingPanel
from models import backend
from models.detector import Detector
from models.model_files import ModelError, available_models
from web.camera import Camera, CameraControls, message_for
from web.frame_loop import FrameLoop
from web.screen_wake import ScreenWake


class DetectApp:
    def __init__(self, bridge, page):
        self.b = bridge
        self.page = page
        self.video = bridge.el("video")
        self.still = bridge.el("still")
        self.overlay = bridge.el("overlay")
        self.camera = Camera(bridge, self.video, on_ended=self._camera_ended)
        self.camera_controls = CameraControls(bridge, self.camera, spawn=page.spawn, restart=self.start_camera,
                                              on_mirror=self.render)
        self.wake = ScreenWake(bridge, spawn=page.spawn)
        self.loop = self._new_loop()
        self.backend_name = ""
        self.built: list[dict] = []   # every model built (models/index.json)
        self.detectors = DetectorLoader(bridge)
        self.detector: Detector | None = None
        self.showing = "nothing"  # "camera" | "still"
        self.paused = False
        self._source_id = 0  # changes with every new picture source, so a late answer is not drawn
        self._camera_error_shown = False
        self.view = BoxView(bridge, page, self.overlay)
        self.filters = BoxFilters(bridge, on_change=self.render)
        self._detecting = asyncio.Lock()  # one model run at a time; a switch waits for the frame
        self.names = BoxNamer(bridge, spawn=page.spawn, on_reloaded=self._classes_reloaded)  # your classes
        self.naming = NamingPanel(bridge, page, self.names, on_change=self._renamed)

    # ------------------------------------------------------------ start-up

    def _new_loop(self, frames: int = 0) -> FrameLoop:
        loop = FrameLoop(self.b, self.step, on_stats=self.page.debug, on_error=self._frame_error)
        loop.frames = frames
        return loop

    async def start(self) -> None:
        self.page.set_state("starting")
        self.page.loading("Starting TF.js…")
        self.backend_name = await backend.choose(self.b, self.b.query_param("backend"))
        self.built = await available_models(self.b, "models")
        self.detector, failures = await self.detectors.first(self.built, self.b.query_param("detector"),
                                                             self._loading_progress)
        if failures:
            self.page.message(" ".join(failures) + f" Using {self.detector.manifest.describe()} instead.")
        await self.names.attach(self.detector, self.built)
        self._wire()
        self.naming.show(self.detector.labels)
        self.filters.use_detector(self.detector)
        self.detectors.fill_choice(self.detector.name)
        self._show_status()
        self._hear_webgl_lost()
        self.page.ready()
        self.page.spawn(self.loop.run())

    def _hear_webgl_lost(self) -> None:
        self.b.on_webgl_lost(lambda: self.page.spawn(self._recover_from_lost_webgl()))

    async def _recover_from_lost_webgl(self) -> None:
        """The GPU took the WebGL context (driver reset, too many tabs): carry on on wasm or cpu with
        the same detector, settings, counts and classes; every tensor lived in that context, so the
        model is loaded again and the naming classes' tensors are made again."""
        # The running frame may wait forever on a read from the dead context: leave it (and its
        # lock), start anew; its late answer, if any, is not drawn.
        self.loop.stop()
        self.loop = self._new_loop(self.loop.frames)
        self._detecting = asyncio.Lock()
        self._source_id += 1
        self.page.message("The graphics context was lost; switching to another TF.js backend. "
                          "Your settings and counts are kept.", kind="info")
        self.page.set_state("recovering")
        try:
            self.backend_name = await backend.choose(self.b, None, exclude=("webgl",))
            self.detector = await self.detectors.load(self.detector.name, self._loading_progress)
            await self.names.reattach(self.detector)
            self._show_status()
        finally:
            self.page.set_state("ready")
            self.page.spawn(self.loop.run())
        self.page.message(f"The graphics context was lost; now running on {self.backend_name}. "
                          "Your settings and counts are kept.", kind="info")
        if self.showing == "still":
            await self._detect(self.still)

    def _loading_progress(self, done: int, total: int) -> None:
        if done < total:
            self.page.loading("Loading the detector…", done, total)
        else:
            self.page.loading("Warming up the detector (the first run compiles shaders)…")

    def _show_status(self) -> None:
        manifest = self.detector.manifest
        self.page.status(self.backend_name, manifest.title, manifest.weights)
        self.b.set_data("page", "detector", manifest.name)

    # ------------------------------------------------------------ sources

    async def start_camera(self, device_id: str | None = None) -> None:
        error = await self.camera.start(device_id)
        if error:
            self._camera_error(error)
            if self.showing == "camera":
                self._show("nothing")
            return
        if self._camera_error_shown:
            self.page.clear_message()
            self._camera_error_shown = False
        await self.camera_controls.refresh()
        self._show("camera")

    def _camera_error(self, text: str) -> None:
        self.page.message(text)
        self._camera_error_shown = True

    def _camera_ended(self) -> None:
        self._camera_error(message_for("ended"))
        if self.showing == "still":
            self._show_camera_buttons()
        else:
            self._show("nothing")

    def _show(self, source: str, name: str = "") -> None:
        """Show the camera, a still image (`name`: its file) or nothing; the old boxes go."""
        self.showing = source
        self._source_id += 1
        self.view.new_source(source, name)
        self._show_camera_buttons()
        self.b.set_hidden("video", source != "camera")
        self.b.set_hidden("still", source != "still")
        self.b.set_hidden("video-empty", source != "nothing")
        self.b.set_data("video-wrap", "showing", source)
        self._keep_screen_on()
        self.render()

    def _keep_screen_on(self) -> None:
        """While detecting from the camera, a phone's screen stays on."""
        self.wake.want(self.showing == "camera" and not self.paused)

    def _show_camera_buttons(self) -> None:
        camera_on = self.camera.running
        self.b.set_hidden("camera-start", camera_on)
        self.b.set_hidden("show-camera", not (camera_on and self.showing == "still"))

    async def detect_file(self, input_element) -> None:
        files = self.b.take_files(input_element)
        if not files:
            return
        try:
            bitmap = await self.b.image_from_file(files[0])
        except Exception:
            self.page.message(f"{files[0].name} is not an image this browser can read.")
            return
        try:
            self.b.show_image(self.still, bitmap)
        finally:
            bitmap.close()
        self._show("still", files[0].name)
        await self._detect(self.still)

    # ------------------------------------------------------------ the frame

    async def step(self) -> bool:
        if self.showing != "camera" or not self.camera.ready():
            return False
        return await self._detect(self.video)

    async def _detect(self, source) -> bool:
        source_id = self._source_id
        async with self._detecting:
            size = self.b.source_size(source)
            candidates = await self.detector.detect(source)
            shown = await self.names.name(source, candidates.select(self.filters.settings))
        if source_id != self._source_id:  # the visitor changed the picture while the model ran
            return False
        self.view.answer(candidates, size)
        self.render(frame=self.showing == "camera", tracked=(shown, self.view.tracker.update(shown)))
        return True

    def render(self, frame: bool = False, tracked: tuple | None = None) -> None:
        """Draw the last answer again (a control changed, the window resized) or a new frame's."""
        mirrored = self.camera_controls.mirror and self.showing == "camera"
        self.view.render(self.filters.settings, mirrored, self.detector, frame, tracked)

    def _overlay_resized(self) -> None:
        self.view.resized()
        self.render()

    def reset_counts(self) -> None:
        self.view.tracker.reset()
        self.render()

    def _frame_error(self, error) -> None:
        self.page.message(f"A frame failed: {error}")

    # ------------------------------------------------------------ detectors

    async def switch_detector(self, name: str) -> None:
        select_element = self.b.el("detector")
        select_element.disabled = True
        self.b.set_text("detector-loading", "")
        try:
            detector = await self.detectors.load(name, lambda d, t: self.b.set_text(
                "detector-loading", f"loading… {round(100 * d / t) if t else 0}%"))
        except ModelError as error:
            self.page.message(f"{error} Still using {self.detector.manifest.describe()}.")
            select_element.value = self.detector.name
            return
        finally:
            select_element.disabled = False
            self.b.set_text("detector-loading", "")
        async with self._detecting:
            previous, self.detector = self.detector, detector
        previous.dispose()
        await self.names.attach(detector, self.built)
        self.naming.show(detector.labels)
        self.view.tracker.reset()  # another detector: other labels, other boxes
        self.filters.use_detector(detector)
        self._show_status()
        if self.showing == "still":
            await self._detect(self.still)

    # ------------------------------------------------------------ controls

    def _wire(self) -> None:
        b = self.b
        b.listen(b.el("camera-start"), "click", lambda _e: self.page.spawn(self.start_camera()))
        b.listen(b.el("show-camera"), "click", lambda _e: self._show("camera"))
        b.listen(b.el("image-file"), "change", lambda e: self.page.spawn(self.detect_file(e.target)))
        self.camera_controls.wire()
        b.listen(b.el("pause"), "click", lambda _e: self._toggle_pause())
        b.listen(b.el("counts-reset"), "click", lambda _e: self.reset_counts())
        b.listen(b.el("detector"), "change", lambda e: self.page.spawn(self.switch_detector(e.target.value)))
        self.filters.wire()
        self.naming.wire()
        b.on_resize(self.overlay, self._overlay_resized)

    def _toggle_pause(self) -> None:
        self.paused = not self.paused
        self.loop.pause(self.paused)
        self.b.set_text("pause", "Resume" if self.paused else "Pause")
        self.b.set_data("page", "paused", "true" if self.paused else "false")
        self._keep_screen_on()

    def _classes_reloaded(self) -> None:
        """Teach saved new classes in another tab: the panel and the boxes follow."""
        self.naming.show()
        self._renamed()

    def _renamed(self) -> None:
        """Other names on the boxes: the tracks start anew (their votes were over the old names)."""
        self.view.tracker.reset()
        if self.showing == "still":
            self.page.spawn(self._detect(self.still))
        else:
            self.render()
