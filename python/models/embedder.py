"""Image -> embedding vector with the model the converter built (MobileNet, or CenterNet's backbone).

`embed` (the whole frame) and `embed_boxes` (objects in it) return one tensor that the caller
disposes; everything made on the way is freed by tf.tidy. A model that also names classes (MobileNet:
ImageNet's 1001) gives, from the same run, the frame's or one object's class probabilities
(`embed_and_scores`, `embed_box_and_scores`), and `top` reads back only their k best (Teach's "What
MobileNet sees"). Both pages embed objects here: Teach its
examples from detected objects, Detect the boxes it names, so the two agree by construction.

Example:
    vectors = embedder.embed_boxes(video, [(0.1, 0.2, 0.5, 0.9), (0.6, 0.1, 0.9, 0.4)])   # [2, size]
    if embedder.sees:
        embedding, scores = embedder.embed_and_scores(video)     # one model run; dispose both
        best = await embedder.top(scores, 3)                     # [(label index, probability), ...]
"""

from __future__ import annotations

from models.model_files import Manifest, ModelError, ModelFiles

# Objects are embedded as squares, all boxes of a frame in one batch. CenterNet's backbone takes any
# size and pools what it gets; measured on it (wasm, 4 photos x 4 jittered crops): at 128 px the
# farthest crops of one object lie 0.19 apart and the nearest of two objects 0.50 (64 px: 0.27 vs
# 0.11, overlapping; 512 px: 0.11 vs 0.35), and 5 crops cost ~0.1x of a 512-px detection frame
# (docs/detecting.md has the numbers). Other models get crops at their input size: MobileNet V2 ends
# in a fixed 7x7 pool, which a smaller input overruns (TF.js wasm: "memory access out of bounds").
CROP_SIZES = {"centernet": 128}


class Embedder:
    def __init__(self, bridge, model, manifest: Manifest, owns_model: bool = True):
        if "embedding" not in manifest.outputs or not manifest.embedding_size:
            raise ValueError(f"{manifest.name} has no embedding output")
        self.bridge = bridge
        self.model = model
        self.manifest = manifest
        self.owns_model = owns_model
        self.size = int(manifest.embedding_size)
        self._node = [manifest.outputs["embedding"]]
        # Class scores: probabilities as the model gives them, else its logits through a softmax.
        self._scores_node = manifest.outputs.get("probabilities") or manifest.outputs.get("logits")
        self._softmax = "probabilities" not in manifest.outputs
        self._k = 0
        self._input_size = list(manifest.input_size)
        self.crop_size = CROP_SIZES.get(manifest.name, min(self._input_size))
        self._source = None
        self._boxes: list[tuple] = []
        self._mirror = False
        self._in_tidy = bridge.keep(self._embed_now)  # proxies for the page's lifetime
        self._both_in_tidy = bridge.keep(self._embed_and_score_now) if self.sees else None
        self._top_in_tidy = bridge.keep(lambda: bridge.top_k(self._source, self._k)) if self.sees else None

    @property
    def input_size(self) -> tuple[int, int]:
        return tuple(self._input_size)

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def sees(self) -> bool:
        """The model names classes too (its manifest has a "probabilities" or "logits" output)."""
        return self._scores_node is not None

    def _frame_input(self):
        frame = self.bridge.pixels(self._source)
        if self._mirror:
            frame = self.bridge.mirrored(frame, 1)
        low, high = self.manifest.input_range
        return self.bridge.prepare_input(frame, self._input_size, low, high)

    def _crops_input(self):
        low, high = self.manifest.input_range
        crops = self.bridge.crop_boxes(self.bridge.pixels(self._source), self._boxes, self.crop_size, low, high)
        if self._mirror:
            crops = self.bridge.mirrored(crops, 2)
        return crops

    def _input(self):
        """The model's input: the boxes' crops when boxes are set, else the whole frame."""
        return self._crops_input() if self._boxes else self._frame_input()

    def _embed_now(self):
        return self.bridge.flatten(self.bridge.execute(self.model, self._input(), self._node)[0])

    def _embed_and_score_now(self):
        embedding, scores = self.bridge.execute(self.model, self._input(), self._node + [self._scores_node])
        if self._softmax:
            scores = self.bridge.softmax(scores)
        return self.bridge.pair(self.bridge.flatten(embedding), self.bridge.flatten(scores))

    def embed(self, source, mirror: bool = False):
        """The whole frame's embedding; `mirror`: of the frame flipped left to right."""
        self._source, self._mirror = source, mirror
        try:
            return self.bridge.tidy(self._in_tidy)
        finally:
            self._source, self._mirror = None, False

    def embed_boxes(self, source, boxes: list[tuple], mirror: bool = False):
        """One embedding per box (x1, y1, x2, y2 fractions of `source`), flat: [len(boxes) * size]."""
        self._source, self._boxes, self._mirror = source, boxes, mirror
        try:
            return self.bridge.tidy(self._in_tidy)
        finally:
            self._source, self._boxes, self._mirror = None, [], False

    def embed_and_scores(self, source):
        """(embedding, class probabilities [C]) of the whole frame from one run of the model; the
        caller disposes both. Only where `sees`."""
        return self.embed_box_and_scores(source, None)

    def embed_box_and_scores(self, source, box: tuple | None):
        """`embed_and_scores` of one box of `source` (x1, y1, x2, y2 fractions; None: the whole frame)."""
        self._source, self._boxes = source, [] if box is None else [box]
        try:
            return self.bridge.tidy_pair(self._both_in_tidy)
        finally:
            self._source, self._boxes = None, []

    async def top(self, scores, k: int) -> list[tuple[int, float]]:
        """The k most probable classes of `scores` (from `embed_and_scores`), best first, as (label
        index, probability); `scores` stays the caller's. One read of 2k floats, after the values
        exist (TF.js's WebGL topk would read them synchronously, holding the page: bridge.computed)."""
        await self.bridge.computed(scores)
        self._source, self._k = scores, k
        try:
            packed = self.bridge.tidy(self._top_in_tidy)
        finally:
            self._source = None
        values = await self.bridge.take_floats(packed)
        return [(int(index), probability) for probability, index in zip(values[:k], values[k:])]

    def dispose(self) -> None:
        """Frees the model (an Embedder over a detector's model leaves that to the detector)."""
        if self.owns_model:
            self.model.dispose()
        for proxy in (self._in_tidy, self._both_in_tidy, self._top_in_tidy):
            if proxy is not None:
                self.bridge.release(proxy)


async def load_embedder(bridge, base_url: str, progress=None) -> Embedder:
    """Fetch, verify and load the model under `base_url` as an Embedder that owns it.

    ModelError names the file that is missing or corrupt, or says the model does not embed."""
    files = ModelFiles(bridge, base_url, progress)
    manifest = await files.manifest()
    model, _labels = await files.load(manifest)
    try:
        return Embedder(bridge, model, manifest)
    except ValueError as error:
        model.dispose()
        raise ModelError(f"{base_url}: {error}.") from None
