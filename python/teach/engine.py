"""Teach's models on one TF.js backend: the embedding model, and the detector "Teach objects" uses.

The detector is the embedding model itself when it detects (CenterNet); beside a model that only
embeds (MobileNet) it is the best detector built (COCO-SSD), fetched only once "Teach objects" is on:
a visit that never ticks it never loads one. Either way the main object's crop is embedded by the
embedding model (`Embedder.embed_boxes`), as Detect's naming does.

Example:
    engine = TeachEngine(bridge, page, models, "mobilenet")
    manifest = await engine.start(bridge.query_param("backend"))   # backend, model, warm-up
    if engine.can_find_objects:
        finder = await engine.object_finder()             # loads COCO-SSD the first time
"""

from __future__ import annotations

import asyncio

from models import backend
from models.choice import detector_order
from models.detector import Detector, detector_of
from models.embedder import Embedder
from models.model_files import Manifest, ModelError, ModelFiles
from teach.object_finder import ObjectFinder
from web.formatting import format_bytes


def embedding_note(used: str, models: list[dict]) -> str:
    """What the classes are embedded with, for the heading.

    Example:
        >>> embedding_note("mobilenet", [{"name": "mobilenet", "title": "MobileNet V2"}])
        'embeddings: MobileNet V2'
    """
    return f"embeddings: {model_title(used, models)}"


def model_title(name: str, models: list[dict]) -> str:
    return next((m.get("title", name) for m in models if m["name"] == name), name)


def default_model_offer(used: str, models: list[dict], default: str,
                        chosen_backend: str | None = None) -> tuple[str, str, str] | None:
    """Beside a model other than the default (`models.choice` keeps the model of a dataset saved with
    an earlier default): why, and the text and address of a link that teaches a new set with the
    default (keeping a chosen backend, one of `backend.ORDER`); None beside the default.

    Example:
        >>> built = [{"name": "centernet", "title": "CenterNet"}, {"name": "mobilenet", "title": "MobileNet V2"}]
        >>> default_model_offer("centernet", built, "mobilenet", "wasm")[1:]
        ('Teach a new set with MobileNet V2', '?model=mobilenet&backend=wasm')
    """
    if used == default:
        return None
    why = (f"These examples were taught with {model_title(used, models)}, the model of the examples saved in this "
           f"browser; the default is now {model_title(default, models)}. They stay saved either way.")
    # Built by hand: urllib.parse would cost the page's boot a few stdlib modules compiled from source.
    # Model names are the site's own; a backend is kept only when it is one the page knows.
    href = f"?model={default}" + (f"&backend={chosen_backend}" if chosen_backend in backend.ORDER else "")
    return why, f"Teach a new set with {model_title(default, models)}", href


class TeachEngine:
    def __init__(self, bridge, page, models: list[dict], model_name: str):
        self.b = bridge
        self.page = page
        self.models = models          # models/index.json's list
        self.model_name = model_name  # the embedding model
        self.embedder: Embedder | None = None
        self.labels: list = []        # the embedding model's class names, if it classifies (ImageNet's)
        self.objects: ObjectFinder | None = None  # None until loaded (or where no detector is built)
        self._own_detector = False    # the embedding model finds objects itself
        self._detectors = [m for m in models if m.get("task") == "detection"]
        self._finding: asyncio.Future | None = None  # the detector being loaded

    @property
    def can_find_objects(self) -> bool:
        return self._own_detector or bool(self._detectors)

    async def start(self, requested: str | None, exclude: tuple[str, ...] = ()) -> Manifest:
        """Backend, verified model files, warm-up. Again after a lost WebGL context (`exclude`)."""
        self.page.loading("Starting TF.js…")
        backend_name = await backend.choose(self.b, requested, exclude)
        files = ModelFiles(self.b, f"models/{self.model_name}",
                           progress=lambda d, t: self.page.loading("Loading the model…", d, t))
        manifest = await files.manifest()
        model, labels = await files.load(manifest)
        self.dispose()
        self.embedder, self.labels = Embedder(self.b, model, manifest), labels
        detector = detector_of(self.b, model, manifest, labels)  # the model may find objects too
        self._own_detector = detector is not None
        self.objects = None if detector is None else ObjectFinder(detector, self.embedder)
        self.page.loading("Warming up the model (the first run compiles shaders)…")
        await self._warm_up()
        self.page.status(backend_name, manifest.title, manifest.weights)
        return manifest

    async def _warm_up(self) -> None:
        """One run read back: WebGL compiles its shaders lazily, and only a read waits for them. With
        the class scores too where the model has them ("What MobileNet sees" runs both per frame)."""
        blank = self.b.make("canvas")
        blank.width, blank.height = self.embedder.input_size
        outputs = self.embedder.embed_and_scores(blank) if self.embedder.sees else (self.embedder.embed(blank),)
        try:
            for output in outputs:
                await self.b.read_floats(output)
        finally:
            for output in outputs:
                self.b.dispose(output)

    async def object_finder(self) -> ObjectFinder | None:
        """The finder of main objects, loading the first detector that loads (its files verified, its
        shaders warmed up, the page saying how far); None, and a message, when none does. Callers
        while it loads (the box just ticked, a file added) wait for the same load."""
        if self.objects is not None or not self._detectors:
            return self.objects
        if self._finding is None or self._finding.done():
            self._finding = asyncio.ensure_future(self._load_finder())
        return await asyncio.shield(self._finding)

    def _progress(self, done: int, total: int) -> None:
        self.page.message(f"Loading the object detector for “Teach objects”… {format_bytes(done)} of "
                          f"{format_bytes(total)}", kind="info")

    async def _load_finder(self) -> ObjectFinder | None:
        failures = []
        for name in detector_order(self._detectors, None):
            try:
                detector = await Detector.load_warmed(self.b, f"models/{name}", self._progress)
            except ModelError as error:
                failures.append(str(error))
                continue
            self.page.clear_message()
            self.objects = ObjectFinder(detector, self.embedder)
            return self.objects
        self.page.message(f"“Teach objects” needs an object detector, and none loaded: {' '.join(failures)}")
        return None

    def dispose(self) -> None:
        if self.objects is not None:
            self.objects.dispose()
        if self.embedder is not None:
            self.embedder.dispose()
        self.objects = self.embedder = None
