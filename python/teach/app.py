"""The Teach page: webcam -> embedding -> KNN, classes taught with buttons or image files.

Plain Python over `bridge`; the per-frame work is `step`: one tidy'd embedding (of the whole frame,
or with "Teach objects" of the detected main object), one awaited KNN prediction, a few DOM writes.
"""

from __future__ import annotations

from classifier.class_list import ClassList, ClassListError
from classifier.dataset_store import DatasetStore, saved_models
from classifier.knn_trainer import KnnTrainer
from models.choice import choose_embedding_model
from models.model_files import available_models
from teach.class_cards import ClassCards
from teach.class_editing import THUMB_SIZE, ClassEditor
from teach.engine import TeachEngine, default_model_offer, embedding_note
from teach.evaluation_panel import EvaluationPanel
from teach.object_finder import Embedded, embed_region
from teach.prediction_view import PredictionView
from teach.record_buttons import RecordButtons
from teach.settings import TeachSettings
from teach.what_it_sees import WhatItSees
from web.camera import Camera, CameraControls, message_for
from web.frame_loop import FrameLoop
from web.image_files import ImageFiles
from web.screen_wake import ScreenWake


class TeachApp:
    def __init__(self, bridge, page):
        self.b = bridge
        self.page = page
        self.classes = ClassList()
        self.video = bridge.el("video")
        self.camera = Camera(bridge, self.video, on_ended=self._camera_ended)
        self.camera_controls = CameraControls(bridge, self.camera, spawn=page.spawn, restart=self.start_camera)
        self.wake = ScreenWake(bridge, spawn=page.spawn)
        self.buttons = RecordButtons(bridge)
        self.cards = ClassCards(bridge)
        self.image_files = ImageFiles(bridge, page)
        self.engine: TeachEngine | None = None
        self.settings: TeachSettings | None = None
        self.trainer: KnnTrainer | None = None
        self.loop = self._new_loop()
        self.prediction = PredictionView(bridge, self.cards)
        self.sees = WhatItSees(bridge)  # "What MobileNet sees": the frame's ImageNet top 3

    # ------------------------------------------------------------ start-up

    def _new_loop(self, frames: int = 0) -> FrameLoop:
        loop = FrameLoop(self.b, self.step, on_stats=self.page.debug, on_error=self._frame_error)
        loop.frames = frames
        return loop

    @property
    def embedder(self):
        return self.engine.embedder

    async def start(self) -> None:
        self.page.set_state("starting")
        models = await available_models(self.b, "models")
        requested = self.b.query_param("model")
        model_name = choose_embedding_model(models, requested, await saved_models(self.b))
        self.engine = TeachEngine(self.b, self.page, models, model_name)
        manifest = await self._start_engine(self.b.query_param("backend"))
        self.trainer = KnnTrainer(self.b, self.classes, manifest.name, self.embedder.size)
        self.settings = TeachSettings(self.b, self.trainer, self.cards, objects=self.engine.can_find_objects,
                                      steady=self.prediction.steady, save=lambda: self.store.schedule_save(),
                                      objects_wanted=lambda: self.page.spawn(self._find_objects()))
        self.store = DatasetStore(self.b, self.page, self.trainer, before_save=self._calibrate,
                                  on_reloaded=self._dataset_replaced)
        self.editor = ClassEditor(self.b, self.page, self.classes, self.cards, self.buttons, self.trainer, self.store,
                                  add_files=self.add_files)
        self.b.mark("dataset-restore")  # from here to "ready": the examples of the last visit (a test watches this for long tasks)
        await self.store.restore()
        await self._calibrate()
        self._wire()
        self.settings.show()
        self.editor.render()
        self.page.spawn(self.editor.restore_thumbs())
        self._show_embedding(manifest.name, models, choose_embedding_model(models, requested))
        self.page.ready()
        if self.settings.teach_objects:
            self.page.spawn(self._find_objects())
        await self.start_camera()
        self.page.spawn(self.loop.run())

    def _show_embedding(self, used: str, models: list[dict], default: str) -> None:
        """The model the classes are embedded with; beside an earlier default, a link to the new one."""
        self.b.set_text("embedding-name", embedding_note(used, models))
        offer = default_model_offer(used, models, default, self.b.query_param("backend"))
        self.b.set_hidden("embedding-older", offer is None)
        if offer is not None:
            why, link_text, href = offer
            self.b.set_text("embedding-why", why)
            self.b.set_text("embedding-default", link_text)
            self.b.el("embedding-default").href = href

    async def _start_engine(self, requested: str | None, exclude: tuple[str, ...] = ()):
        """Backend, model, warm-up (teach/engine.py); on WebGL, a lost context restarts it elsewhere."""
        manifest = await self.engine.start(requested, exclude)
        self.sees.use(self.embedder, self.engine.labels)
        self.b.on_webgl_lost(lambda: self.page.spawn(self._recover_from_lost_webgl()))
        return manifest

    async def _find_objects(self) -> None:
        """"Teach objects" is on: the detector it needs, loaded now if the embedding model is none."""
        if await self.engine.object_finder() is None:
            self.settings.teach_objects_failed()

    async def _recover_from_lost_webgl(self) -> None:
        """The GPU took the WebGL context (driver reset, too many tabs): carry on on wasm or cpu.

        Every tensor lived in that context, so the model is loaded again and the KNN is rebuilt
        from the examples Python keeps; nothing the user taught is lost.
        """
        # The running frame may wait forever on a read from the dead context: leave it, start anew.
        self.loop.stop()
        self.loop = self._new_loop(self.loop.frames)
        self.page.message("The graphics context was lost; switching to another TF.js backend. "
                          "Your examples are kept.", kind="info")
        self.page.set_state("recovering")
        try:
            await self._start_engine(None, exclude=("webgl",))
            await self.trainer.rebuild()
            if self.settings.teach_objects:
                await self._find_objects()  # its detector was in the lost context too
        finally:
            self.page.set_state("ready")
            self.page.spawn(self.loop.run())
        self.page.message(f"The graphics context was lost; now running on {self.b.backend_name()}. "
                          "Your examples are kept.", kind="info")

    async def _calibrate(self) -> None:
        """The "sure" distance measured on the examples as they are now (and the k they allow)."""
        await self.trainer.calibrate()
        self.settings.show_k()
        self.b.set_data("prediction", "threshold", f"{self.trainer.threshold:.4f}")

    # ------------------------------------------------------------ camera

    async def start_camera(self, device_id: str | None = None) -> None:
        error = await self.camera.start(device_id)
        self.b.set_hidden("video-empty", error is None)
        self.b.set_hidden("camera-start", error is None)
        self._keep_screen_on()
        if error:
            self.page.message(error)
            return
        self.page.clear_message()
        await self.camera_controls.refresh()

    def _camera_ended(self) -> None:
        self.b.set_hidden("video-empty", False)
        self.b.set_hidden("camera-start", False)
        self._keep_screen_on()
        self.page.message(message_for("ended"))

    def _keep_screen_on(self) -> None:
        """While the camera is live (recording, predicting), a phone's screen stays on."""
        self.wake.want(self.camera.running and not self.loop.user_paused)

    # ------------------------------------------------------------ the frame

    async def step(self) -> bool:
        """One camera frame; idle (no GPU work queued) until there is something to add, predict or see."""
        sees = self.sees.active  # the frame's (or its object's) classes, from the same run
        if not self.camera.ready() or not (sees or self.buttons.pending() or self.classes.has_examples()):
            return False
        if self.settings.teach_objects and self.engine.objects is None:
            return False  # its detector is still loading
        target = self.buttons.target()
        found = await self._embed(self.video, scores=sees)
        if found is None:
            self._no_object("camera", target)
            if sees:
                self.sees.no_object()
            return True
        try:
            if target is not None:
                await self._add(target, found.embedding, self.video, found.region)
            await self._predict(found.embedding, "camera")
            if found.scores is not None:
                await self.sees.frame(found.scores, "camera" if found.region is None else "object")
        finally:
            found.dispose(self.b)
        return True

    async def _embed(self, source, model_input=None, scores: bool = False) -> Embedded | None:
        """The whole frame's embedding, or with "Teach objects" its main object's (None: no object in
        view); `scores`: the model's class probabilities too, from the same run. `model_input`: `source`
        already at the model's input size (image files)."""
        if not self.settings.teach_objects:
            return embed_region(self.embedder, model_input or source, scores=scores)
        finder = self.engine.objects or await self.engine.object_finder()
        if finder is None:
            return None
        found = await finder.embed(model_input or source, scores)
        if found is None:
            return None
        embedded, detection = found
        self.prediction.object_found(detection)
        return embedded

    def _no_object(self, source: str, target: int | None) -> None:
        self.prediction.no_object(source)
        if target is not None:
            self.page.message("No object was found in this frame, so nothing was added. Untick "
                              "“Teach objects” to add the whole frame.", kind="info")

    async def _add(self, index: int, embedding, source, region: tuple | None = None) -> None:
        """An example (and with "mirrored views" its left-right flip too) with its thumbnail."""
        shown_mirrored = self.camera_controls.mirror and source is self.video
        await self._add_one(index, embedding, self.b.snapshot(source, *THUMB_SIZE, shown_mirrored, region))
        if self.settings.flip_examples:
            flipped = self.embedder.embed(source, mirror=True) if region is None else \
                self.embedder.embed_boxes(source, [region], mirror=True)
            try:
                thumb = self.b.snapshot(source, *THUMB_SIZE, not shown_mirrored, region)
                await self._add_one(index, flipped, thumb)
            finally:
                self.b.dispose(flipped)
        self.cards.update_counts(self.classes.counts())
        self.store.schedule_save()

    async def _add_one(self, index: int, embedding, thumb) -> None:
        try:
            await self.trainer.add_example(index, embedding, await self.b.canvas_bytes(thumb))
        except ClassListError as error:
            self.page.message(str(error))
            return
        self.cards.add_thumb(self.classes, index, thumb)

    async def _predict(self, embedding, source: str) -> None:
        raw = await self.trainer.predict(embedding)
        self.prediction.show(raw, source, self.classes.names(), self.trainer.threshold)

    def _frame_error(self, error) -> None:
        self.page.message(f"A frame failed: {error}")

    # ------------------------------------------------------------ UI

    def _wire(self) -> None:
        b = self.b
        b.listen(b.el("camera-start"), "click", lambda _e: self.page.spawn(self.start_camera()))
        self.camera_controls.wire()
        self.settings.wire()
        self.sees.wire()
        b.listen(b.el("dataset-save"), "click", lambda _e: self.page.spawn(self.store.save_file()))
        b.listen(b.el("dataset-load"), "change", lambda e: self.page.spawn(self.load_file(e.target)))
        b.listen(b.el("camera-resume"), "click", lambda _e: self.resume_camera())
        b.listen(b.el("classify-file"), "change", lambda e: self.page.spawn(self.classify_files(e.target)))
        EvaluationPanel(b, self.page, self.trainer).wire()  # "How good is it?"
        self.editor.wire(b.el("class-list"))

    # ------------------------------------------------------------ files

    async def _embed_files(self, files: list, use, scores: bool = False) -> None:
        """Each image embedded (or its main object) and handed to `use(name, bitmap, embedded)`."""
        async def embed(bitmap):
            # One input size for every file: each new size would compile new WebGL shaders.
            return await self._embed(bitmap, self.b.snapshot(bitmap, *self.embedder.input_size), scores)
        await self.image_files.each(files, embed, use)

    async def add_files(self, index: int, files: list) -> None:
        async def use(_name, bitmap, embedded):
            await self._add(index, embedded.embedding, bitmap, embedded.region)
        await self._embed_files(files, use)

    async def classify_files(self, input_element) -> None:
        """Name an image file: the live loop pauses so its prediction stays on screen."""
        self.loop.pause(True)
        self._keep_screen_on()
        self.b.set_hidden("camera-resume", False)

        async def use(name, bitmap, embedded):
            still = self.b.el("still")
            still.replaceChildren(self.b.snapshot(bitmap, bitmap.width, bitmap.height))
            self.b.set_hidden("still", False)
            await self._predict(embedded.embedding, name)
            if embedded.scores is not None:
                await self.sees.still(embedded.scores)
        await self._embed_files(self.b.take_files(input_element), use, scores=self.sees.active)

    def resume_camera(self) -> None:
        self.b.set_hidden("still", True)
        self.b.set_hidden("camera-resume", True)
        self.loop.pause(False)
        self._keep_screen_on()

    async def load_file(self, input_element) -> None:
        if await self.store.load_file(input_element) is not None:
            await self._dataset_replaced()

    async def _dataset_replaced(self) -> None:
        """A dataset file, or another tab's save: the cards, settings and threshold follow it."""
        self.buttons.cancel()
        self.settings.show()
        self.editor.render()
        await self._calibrate()
        await self.editor.restore_thumbs()
