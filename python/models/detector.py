"""Object detectors behind one small interface: `Detector.load`, `detect(source)`, `dispose`.

Each frame is one tf.tidy (frame -> input -> model -> one small packed tensor of candidate rows) and
one read of those rows; `detections.Candidates` turns the rows a threshold keeps into labelled boxes. A model that needs
`executeAsync` (control flow, e.g. the pretrained COCO-SSD) cannot run inside a tidy, so it is
tidied on both sides of the awaited execution instead.
"""

from __future__ import annotations

from functools import partial

from models.detections import Candidates, Settings, centernet_rows, ssd_rows
from models.model_files import Manifest, ModelError, ModelFiles

CANDIDATES = 100  # rows read back per frame; also the most a visitor can ask to see
WARM_UP_SIZE = (64, 48)


class Detector:
    decoder = ""
    defaults: Settings  # the upstream package's own defaults, per subclass

    def __init__(self, bridge, model, manifest: Manifest, labels: list, owns_model: bool = True):
        self.bridge = bridge
        self.model = model
        self.owns_model = owns_model  # False: another holder (Teach's embedder) frees the model
        self.manifest = manifest
        self.labels = labels
        self._nodes = self.output_nodes(manifest)
        self._input_size = list(manifest.input_size)
        self._dtype = manifest.raw.get("input", {}).get("dtype", "float32")
        self._needs_async = manifest.raw.get("execution") == "async"
        self._source = None
        self._outputs = None
        # Proxies made once for the page's lifetime, not one per frame.
        self._whole_frame = bridge.keep(self._whole_frame_now)
        self._input = bridge.keep(self._input_now)
        self._packed = bridge.keep(self._packed_now)

    @staticmethod
    async def load(bridge, base_url: str, progress=None) -> Detector:
        """Fetch, verify and load the model under `base_url` as the detector its manifest names.

        ModelError names the file that is missing or corrupt, or says why the model is no detector.
        """
        files = ModelFiles(bridge, base_url, progress)
        manifest = await files.manifest()
        kind = DETECTORS.get(manifest.decoder or "")
        if manifest.task != "detection" or kind is None:
            raise ModelError(f"{base_url}/manifest.json describes a {manifest.task} model with decoder "
                             f"{manifest.decoder!r}; the Detect page runs {', '.join(DETECTORS)} detectors.")
        model, labels = await files.load(manifest)
        try:
            return kind(bridge, model, manifest, labels)
        except KeyError as error:
            model.dispose()
            raise ModelError(f"{base_url}/manifest.json names no {error} output.") from None

    @property
    def name(self) -> str:
        return self.manifest.name

    @classmethod
    def output_nodes(cls, manifest: Manifest) -> list[str]:
        raise NotImplementedError

    # ------------------------------------------------------------ per frame, inside tf.tidy

    def _input_now(self):
        frame = self.bridge.pixels(self._source)
        low, high = self.manifest.input_range
        return self.bridge.prepare_input(frame, self._input_size, low, high, self._dtype)

    def _packed_now(self):
        return self.pack(self._outputs)

    def _whole_frame_now(self):
        return self.pack(self.bridge.execute(self.model, self._input_now(), self._nodes))

    def pack(self, outputs):
        """The model's outputs -> one small tensor of CANDIDATES rows of six floats."""
        raise NotImplementedError

    def decode(self, values: list[float]) -> Candidates:
        raise NotImplementedError

    # ------------------------------------------------------------ the interface

    @staticmethod
    async def load_warmed(bridge, base_url: str, progress=None) -> Detector:
        """`load`, then one run on a small blank canvas: the first run compiles WebGL shaders (seconds
        on a slow GPU), so a page does it before its first frame."""
        detector = await Detector.load(bridge, base_url, progress)
        try:
            blank = bridge.make("canvas")
            blank.width, blank.height = WARM_UP_SIZE
            await detector.detect(blank)
        except Exception:
            detector.dispose()
            raise
        return detector

    async def detect(self, source) -> Candidates:
        """Candidate detections in `source` (video, image, canvas), best rows of the model, unfiltered
        (decoded as a threshold asks for them)."""
        self._source = source
        try:
            packed = await self._run_async() if self._needs_async else self.bridge.tidy(self._whole_frame)
        finally:
            self._source = None
        return self.decode(await self.bridge.take_frame_floats(packed))

    async def _run_async(self):
        inputs = self.bridge.tidy(self._input)
        try:
            self._outputs = await self.bridge.execute_async(self.model, inputs, self._nodes)
        finally:
            self.bridge.dispose(inputs)
        try:
            return self.bridge.tidy(self._packed)
        finally:
            self.bridge.dispose_all(self._outputs)
            self._outputs = None

    def dispose(self) -> None:
        if self.owns_model:
            self.model.dispose()
        for proxy in (self._whole_frame, self._input, self._packed):
            self.bridge.release(proxy)


class CenterNetDetector(Detector):
    """MobileNetV3 CenterNet (COCO-80): its graph already ends in 100 decoded rows."""
    decoder = "centernet"
    # @vladmandic/human's config.object: minConfidence 0.2, iouThreshold 0.4, maxDetected 10.
    defaults = Settings(threshold=0.2, max_detections=10, iou=0.4)

    @classmethod
    def output_nodes(cls, manifest: Manifest) -> list[str]:
        return [manifest.outputs["detections"]]

    def pack(self, outputs):
        return outputs[0]

    def decode(self, values: list[float]) -> Candidates:
        return Candidates(partial(centernet_rows, values, self.manifest.input_size, self.labels))


class SsdDetector(Detector):
    """COCO-SSD: per-box class scores; the best class of each box, then the best boxes, in TF.js."""
    decoder = "ssd"
    # @tensorflow-models/coco-ssd's detect(img, maxNumBoxes = 20, minScore = 0.5), which also passes
    # minScore as the IoU threshold of its non-maximum suppression.
    defaults = Settings(threshold=0.5, max_detections=20, iou=0.5)

    @classmethod
    def output_nodes(cls, manifest: Manifest) -> list[str]:
        return [manifest.outputs["scores"], manifest.outputs["boxes"]]

    def pack(self, outputs):
        return self.bridge.best_class_per_box(outputs[0], outputs[1], CANDIDATES)

    def decode(self, values: list[float]) -> Candidates:
        return Candidates(partial(ssd_rows, values, self.labels))


DETECTORS = {cls.decoder: cls for cls in (CenterNetDetector, SsdDetector)}


def detector_of(bridge, model, manifest: Manifest, labels: list) -> Detector | None:
    """A detector over a model another holder owns (Teach's embedding model, when it also detects)."""
    kind = DETECTORS.get(manifest.decoder or "") if manifest.task == "detection" else None
    return None if kind is None else kind(bridge, model, manifest, labels, owns_model=False)
