"""Detect names its boxes with the visitor's own classes: "cup · my mug".

The classes are the ones Teach saved in this browser (the same IndexedDB entry, one per embedding
model), or a dataset file loaded on the Detect page. Every box of a frame (or only the boxes of one
COCO class) is cropped and embedded in one batched call (`Embedder.embed_boxes`, the crops Teach's
"Teach objects" adds), and all of them are answered by one nearest-examples read. A box whose nearest
example is farther than the calibrated threshold keeps its COCO label alone.

The crops are embedded by the model Teach's classes were made with: the detector's own model when it
embeds (CenterNet), else Teach's embedding model (MobileNet beside COCO-SSD, or CenterNet's backbone
where this browser's classes were taught with it). That one is
loaded when naming is switched on, not with the page: a visit that never names a box never fetches it.

Example:
    names = BoxNamer(bridge)
    await names.attach(detector, models)          # reads Teach's classes; loads no model
    await names.switch_on(True)                   # loads Teach's embedding model if the detector has none
    named = await names.name(video, detections)   # the same boxes, some labelled "cup · my mug"
"""

from __future__ import annotations

from classifier import dataset as dataset_format
from classifier.class_list import ClassList
from classifier.dataset_store import saved_models, store_key
from classifier.knn_trainer import KnnTrainer
from models.choice import choose_embedding_model
from models.detections import Detection
from models.embedder import Embedder, load_embedder
from models.model_files import ModelError


def classes_text(classes: ClassList) -> str:
    """'my mug (4), your mug (6)': the taught classes and how many examples each has."""
    return ", ".join(f"{name} ({count})" for name, count in zip(classes.names(), classes.counts()) if count)


TEACHS = "Teach's classes in this browser"


def embedding_of(detector, models: list[dict], saved: set[str] = frozenset()) -> tuple[str, int] | None:
    """(model name, embedding size) naming embeds with: the detector's own model when it embeds, else
    the one Teach uses (its classes are stored per model; `saved`: the models with a dataset in this
    browser, see models.choice); None when no built model embeds."""
    if "embedding" in detector.manifest.outputs:
        return detector.name, int(detector.manifest.embedding_size)
    try:
        name = choose_embedding_model(models, None, saved)
    except ModelError:
        return None
    size = next((m.get("embedding_size") for m in models if m["name"] == name), None)
    return (name, int(size)) if size else None


class BoxNamer:
    def __init__(self, bridge, spawn=None, on_reloaded=None):
        self.b = bridge
        self.spawn = spawn
        self.embedder: Embedder | None = None  # None until needed when the detector's model does not embed
        self.trainer: KnnTrainer | None = None
        self.enabled = False
        self.loading = False          # the embedding model is being fetched
        self.only: str | None = None  # name only boxes of this COCO label; None: every box
        self.origin = ""              # where the classes came from, for the page to say
        self.on_reloaded = on_reloaded  # Teach saved new classes in another tab, and they are in use now
        self._models: list[dict] = []  # models/index.json: where Teach's embedding model is found
        bridge.on_saved_elsewhere(self._saved_elsewhere)

    @property
    def ready(self) -> bool:
        return self.trainer is not None and self.trainer.examples is not None

    @property
    def available(self) -> bool:
        """A built model embeds (CenterNet): naming can run."""
        return self.trainer is not None

    def describe(self) -> str:
        if not self.available:
            return "Naming boxes needs a model that embeds (CenterNet): build the site with scripts/build_site.py."
        if self.loading:
            return f"Loading the model that embeds the boxes ({self.trainer.model_name})…"
        if not self.ready:
            return ("No classes taught in this browser yet: teach some on the Teach page (tick “Teach objects”), "
                    "or load a dataset file.")
        total = sum(self.trainer.classes.counts())
        return f"{self.origin}: {classes_text(self.trainer.classes)} — {total} examples."

    async def attach(self, detector, models: list[dict]) -> None:
        """Name `detector`'s boxes, with the classes Teach saved for the model that embeds them
        (`models`: models/index.json's list). Still on: that model is loaded now if it is another one."""
        self.dispose()
        self.embedder = self.trainer = None
        self._models = models
        embedding = embedding_of(detector, models, await saved_models(self.b))
        if embedding is None:
            return
        if embedding[0] == detector.name:
            self.embedder = Embedder(self.b, detector.model, detector.manifest, owns_model=False)
        self.trainer = KnnTrainer(self.b, ClassList(), *embedding)
        await self._read_teachs()
        if self.enabled and self.embedder is None:
            await self._load_embedder()

    async def reattach(self, detector) -> None:
        """`detector` reloaded on another backend (the WebGL context was lost, and every tensor with
        it): the classes in use are kept, their tensors made again from the examples Python holds, and
        a model loaded to embed is loaded again."""
        if self.trainer is None:
            return await self.attach(detector, self._models)
        if detector.name == self.trainer.model_name:
            self.embedder = Embedder(self.b, detector.model, detector.manifest, owns_model=False)
        elif self.embedder is not None:
            self.embedder = None  # its model was in the lost context
            await self._load_embedder()
        await self.trainer.rebuild()

    async def switch_on(self, on: bool, progress=None) -> None:
        """Naming on or off. On first loads the model that embeds, if the detector's does not
        (`progress(done, total)` in bytes); ModelError if it cannot, and naming stays off."""
        if on and self.embedder is None and self.trainer is not None:
            await self._load_embedder(progress)
        self.enabled = on

    async def _load_embedder(self, progress=None) -> None:
        self.loading = True
        try:
            self.embedder = await load_embedder(self.b, f"models/{self.trainer.model_name}", progress)
        finally:
            self.loading = False

    async def _read_teachs(self) -> None:
        data = await self.b.idb_get(store_key(self.trainer.model_name))
        if data:
            try:
                await self._use(data, TEACHS)
            except dataset_format.DatasetError:
                pass  # Teach says so when it opens; here the page simply has no classes

    def _saved_elsewhere(self, key: str) -> None:
        """Teach (another tab) saved its classes: use them, unless a dataset file was chosen here."""
        if self.spawn and self.trainer is not None and key == store_key(self.trainer.model_name) and self.origin in ("", TEACHS):
            self.spawn(self._reload_teachs())

    async def _reload_teachs(self) -> None:
        await self._read_teachs()
        if self.on_reloaded is not None:
            self.on_reloaded()

    async def load_file(self, data: bytes, file_name: str) -> None:
        """A dataset file's bytes; raises DatasetError (the classes in use stay as they are)."""
        if self.trainer is None:
            raise dataset_format.DatasetError(self.describe())
        await self._use(data, file_name)

    async def _use(self, data: bytes | str, origin: str) -> None:
        await self.trainer.load(await dataset_format.read(data, self.trainer.model_name, self.trainer.size))
        await self.trainer.calibrate()
        self.origin = origin

    async def set_strictness(self, strictness: float) -> None:
        if self.trainer is not None:
            self.trainer.strictness = strictness
            await self.trainer.calibrate()

    def picks(self, detections: list[Detection]) -> list[int]:
        """Which boxes are named: all of them, or those of the chosen COCO label."""
        if not (self.enabled and self.ready and self.embedder is not None):
            return []
        return [i for i, d in enumerate(detections) if self.only is None or d.label == self.only]

    async def name(self, source, detections: list[Detection]) -> list[Detection]:
        """`detections` with a taught class added to the label of each box the KNN is sure of."""
        picked = self.picks(detections)
        if not picked:
            return detections
        embeddings = self.embedder.embed_boxes(source, [detections[i].box for i in picked])
        try:
            answers = await self.trainer.predict_many(embeddings)
        finally:
            self.b.dispose(embeddings)
        names = self.trainer.classes.names()
        named = list(detections)
        for i, answer in zip(picked, answers):
            if answer.sure and answer.index is not None:
                named[i] = detections[i]._replace(name=names[answer.index])
        return named

    def dispose(self) -> None:
        if self.embedder is not None:
            self.embedder.dispose()
        if self.trainer is not None:
            self.trainer.dispose()
