"""The Detect page: webcam (or an image file) -> COCO detector -> labelled boxes over the picture.

Plain Python over `bridge`. A frame is one `Detector.detect` (one tidy, one await) and one `render`:
post-processing in `detections`, a canvas redraw and one list update. The detector's last answer is
kept, so moving a control or resizing the window redraws at once without running the model again.
"""

from __future__ import annotations

import asyncio
import html
import json
from dataclasses import replace

from detect.box_list import BOX_STYLE, box_colour, candidates_json, list_html
from detect.box_names import BoxNamer
from detect.naming_panel import NamingPanel
from detect.tracking import Tracker, counts_text
from models import backend
from models.detections import Placed, class_names, filter_summary, place, select
from models.detector import Detector
from models.model_files import ModelError, available_models
from web.camera import Camera, CameraControls, message_for
from web.frame_loop import FrameLoop
from web.screen_wake import ScreenWake
from web.spoken import SteadyText, detection_summary

WARM_UP_SIZE = (64, 48)


def detector_order(models: list[dict], requested: str | None) -> list[str]:
    """Detection models to try, best first: `?detector=`, a pretrained COCO-SSD, CenterNet, the rest."""
    names = [m["name"] for m in models if m.get("task") == "detection"]
    weights = {m["name"]: m.get("weights") for m in models}

    def rank(name: str) -> int:
        if name == requested:
            return 0
        if name == "coco-ssd" and weights[name] == "pretrained":
            return 1
        return 2 if name == "centernet" else 3

    return sorted(names, key=rank)


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
        self.loop = FrameLoop(bridge, self.step, on_stats=page.debug, on_error=self._frame_error)
        self.backend_name = ""
        self.models: list[dict] = []
        self.detector: Detector | None = None
        self.settings = None
        self.showing = "nothing"  # "camera" | "still"
        self.paused = False
        self._names: list[str] = []  # the class names the detector can report
        self.candidates: list = []  # the detector's last answer, unfiltered
        self.frame_size = (1, 1)
        self.source_name = ""
        self._source_id = 0  # changes with every new picture source, so a late answer is not drawn
        self._camera_error_shown = False
        self._drawn = None
        self.tracker = Tracker()  # follows the boxes of the source shown, from frame to frame
        self._counted = None
        self._answered = False  # the detector has seen the picture shown (else there is nothing to say)
        self.spoken = SteadyText()  # the live region's text (#detections-spoken)
        self._detecting = asyncio.Lock()  # one model run at a time; a switch waits for the frame
        self.names = BoxNamer(bridge, spawn=page.spawn, on_reloaded=self._classes_reloaded)  # your classes
        self.naming = NamingPanel(bridge, page, self.names, on_change=self._renamed)

    # ------------------------------------------------------------ start-up

    async def start(self) -> None:
        self.page.set_state("starting")
        self.page.loading("Starting TF.js…")
        self.backend_name = await backend.choose(self.b, self.b.query_param("backend"))
        self.models = [m for m in await available_models(self.b, "models") if m.get("task") == "detection"]
        order = detector_order(self.models, self.b.query_param("detector"))
        if not order:
            raise ModelError("No detection model is built (coco-ssd or centernet). Run `python scripts/build_site.py`.")
        failures = []
        for name in order:
            try:
                self.detector = await self._load(name, self._loading_progress)
                break
            except ModelError as error:
                failures.append(str(error))
        if self.detector is None:
            raise ModelError(" ".join(failures))
        if failures:
            self.page.message(" ".join(failures) + f" Using {self.detector.manifest.describe()} instead.")
        await self.names.attach(self.detector)
        self._wire()
        self.naming.show(self.detector.labels)
        self._use_detector_settings()
        self._fill_detector_choice()
        self._fill_class_choice()
        self._show_status()
        self.page.ready()
        self.page.spawn(self.loop.run())

    def _loading_progress(self, done: int, total: int) -> None:
        if done < total:
            self.page.loading("Loading the detector…", done, total)
        else:
            self.page.loading("Warming up the detector (the first run compiles shaders)…")

    async def _load(self, name: str, progress) -> Detector:
        detector = await Detector.load(self.b, f"models/{name}", progress)
        try:
            await self._warm_up(detector)
        except Exception:
            detector.dispose()
            raise
        return detector

    async def _warm_up(self, detector: Detector) -> None:
        """The first run compiles WebGL shaders (seconds on a slow GPU): do it before the first frame."""
        blank = self.b.make("canvas")
        blank.width, blank.height = WARM_UP_SIZE
        await detector.detect(blank)

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
        self.source_name = name or source
        self._source_id += 1
        self.candidates = []
        self.tracker.reset()  # counts are per source: this camera run, this picture
        self._answered = False
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
            shown = await self.names.name(source, select(candidates, self.settings))
        if source_id != self._source_id:  # the visitor changed the picture while the model ran
            return False
        self.candidates, self.frame_size = candidates, size
        self._answered = True
        self.render(frame=self.showing == "camera", tracked=(shown, self.tracker.update(shown)))
        return True

    def render(self, frame: bool = False, tracked: tuple | None = None) -> None:
        """Draw the last answer; `frame`: a new camera frame's (else a still, or a control changed).
        `tracked`: the boxes just selected and their tracks, so a frame selects and matches them once."""
        if tracked is None:  # a control changed: the boxes shown now, named by the last frame's tracks
            shown = select(self.candidates, self.settings)
            tracks = self.tracker.identify(shown)
        else:
            shown, tracks = tracked
        size = self.b.element_size(self.overlay)
        placed = place(shown, self.frame_size, size, self.camera_controls.mirror and self.showing == "camera")
        placed = [p if track is None else replace(p, track=track.id, name=track.label)
                  for p, track in zip(placed, tracks)]
        self.b.draw_boxes(self.overlay, size, [(p.x, p.y, p.w, p.h, p.text, box_colour(p)) for p in placed],
                          BOX_STYLE)
        self._show_counts()
        drawn = (list_html(placed), self.source_name)
        if drawn != self._drawn:  # an unchanged list costs no DOM work
            self._drawn = drawn
            self.b.el("detections").innerHTML = drawn[0]
            self.b.set_data("detections", "count", str(len(placed)))
            self.b.set_data("detections", "source", self.source_name)
        self._speak(placed, frame)
        if self.page.debug_open:
            self.b.set_text("debug-candidates", candidates_json(self.detector, self.candidates))

    def _show_counts(self) -> None:
        counts = self.tracker.counts()
        if counts != self._counted:  # unchanged counts cost no DOM work
            self._counted = counts
            self.b.set_text("counts", counts_text(counts))
            self.b.set_data("counts", "counts", json.dumps(counts, sort_keys=True, separators=(",", ":")))

    def reset_counts(self) -> None:
        self.tracker.reset()
        self.render()
    def _speak(self, placed: list[Placed], frame: bool) -> None:
        """The live region says what is boxed, only when that changes (the list changes every frame)."""
        spoken = ""
        if self._answered:
            spoken = detection_summary([p.name or p.label for p in placed])
            if self.showing == "still":
                spoken = f"{self.source_name}: {spoken}"
        changed = self.spoken.frame(spoken) if frame else self.spoken.now(spoken)
        if changed:
            self.b.set_text("detections-spoken", self.spoken.text)

    def _frame_error(self, error) -> None:
        self.page.message(f"A frame failed: {error}")

    # ------------------------------------------------------------ detectors

    async def switch_detector(self, name: str) -> None:
        select_element = self.b.el("detector")
        select_element.disabled = True
        self.b.set_text("detector-loading", "")
        try:
            detector = await self._load(name, lambda d, t: self.b.set_text(
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
        await self.names.attach(detector)
        self.naming.show(detector.labels)
        self.tracker.reset()  # another detector: other labels, other boxes
        self._use_detector_settings()
        self._fill_class_choice()
        self._show_status()
        if self.showing == "still":
            await self._detect(self.still)

    def _use_detector_settings(self) -> None:
        """Each detector starts at its upstream defaults; the chosen classes carry over."""
        classes = self.settings.classes if self.settings else None
        self.settings = replace(self.detector.defaults, classes=classes)
        self._set_control("threshold", round(self.settings.threshold * 100))
        self._set_control("max-detections", self.settings.max_detections)

    def _set_control(self, name: str, value: int) -> None:
        self.b.el(name).value = str(value)
        self._show_value(name, value)

    def _show_value(self, name: str, value: int) -> None:
        self.b.set_text(f"{name}-value", f"{value}%" if name == "threshold" else str(value))

    def _fill_detector_choice(self) -> None:
        select_element = self.b.el("detector")
        select_element.innerHTML = ""
        for model in self.models:
            option = self.b.make("option", text=f"{model.get('title', model['name'])} · {model.get('weights')}")
            option.value = model["name"]
            select_element.appendChild(option)
        select_element.value = self.detector.name
        self.b.set_hidden("detector-choice", len(self.models) < 2)

    def _fill_class_choice(self) -> None:
        self._names = class_names(self.detector.labels)
        options = self.b.el("class-options")
        chosen = self.settings.classes
        options.innerHTML = "".join(
            f'<label><input type="checkbox" value="{html.escape(n)}"{"" if chosen is not None and n not in chosen else " checked"}>'
            f' {html.escape(n)}</label>' for n in self._names)
        self._show_classes()

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
        b.listen(b.el("threshold"), "input", lambda e: self._change("threshold", int(e.target.value)))
        b.listen(b.el("max-detections"), "input", lambda e: self._change("max-detections", int(e.target.value)))
        b.listen(b.el("class-options"), "change", lambda _e: self._classes_changed())
        b.listen(b.el("classes-all"), "click", lambda _e: self._check_all(True))
        b.listen(b.el("classes-none"), "click", lambda _e: self._check_all(False))
        self.naming.wire()
        b.on_resize(self.overlay, self.render)

    def _change(self, name: str, value: int) -> None:
        if name == "threshold":
            self.settings = replace(self.settings, threshold=value / 100)
        else:
            self.settings = replace(self.settings, max_detections=value)
        self._show_value(name, value)
        self.render()

    def _toggle_pause(self) -> None:
        self.paused = not self.paused
        self.loop.pause(self.paused)
        self.b.set_text("pause", "Resume" if self.paused else "Pause")
        self.b.set_data("page", "paused", "true" if self.paused else "false")
        self._keep_screen_on()

    def _check_all(self, checked: bool) -> None:
        for box in self.b.el("class-options").querySelectorAll("input"):
            box.checked = checked
        self._classes_changed()

    def _classes_changed(self) -> None:
        chosen = frozenset(box.value for box in self.b.el("class-options").querySelectorAll("input:checked"))
        self.settings = replace(self.settings, classes=None if chosen >= set(self._names) else chosen)
        self._show_classes()
        self.render()

    def _classes_reloaded(self) -> None:
        """Teach saved new classes in another tab: the panel and the boxes follow."""
        self.naming.show()
        self._renamed()

    def _renamed(self) -> None:
        """Other names on the boxes: the tracks start anew (their votes were over the old names)."""
        self.tracker.reset()
        if self.showing == "still":
            self.page.spawn(self._detect(self.still))
        else:
            self.render()

    def _show_classes(self) -> None:
        self.b.set_text("class-summary", f"Classes: {filter_summary(self.settings.classes, self._names)}")
