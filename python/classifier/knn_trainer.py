"""KNN over embeddings: the examples live in ClassList (Python, bytes), a TF.js matrix mirrors them.

Each example is read back once when added (a few KB), so the Python copy can be saved, restored and
used to rebuild the matrix with dense class ids after a class is removed or cleared. A prediction is
a tidy (cosine similarity to every example), a wait for it, a tidy (top k) and one small read; `neighbours` votes in Python and
says "not sure" when the nearest example is farther than the threshold `calibrate` measured on the
examples themselves. Any number of queries go in one call (Detect names all its boxes at once).

Example:
    trainer = KnnTrainer(bridge, ClassList(), "centernet", 720)
    await trainer.add_example(0, embedding)
    await trainer.calibrate()
    answer = await trainer.predict(embedding)   # neighbours.Answer: index, confidences, sure
"""

from __future__ import annotations

import asyncio

from classifier.class_list import ClassList
from classifier.dataset import ClassData, Dataset
from classifier.neighbours import (
    DEFAULT_STRICTNESS,
    MAX_K,
    MIN_K,
    STRICTNESS,
    Answer,
    Neighbours,
    calibrate,
    nearest_same_class,
    parse_rows,
    sensible_k,
    vote,
)

# Leave-one-out queries go a chunk of examples at a time: at most 256 rows, and a [rows, N]
# similarity matrix of at most SIMILARITIES_PER_CHUNK, so that one chunk's kernels (a synchronous
# task on wasm) take tens of ms even for 5,000 examples (26 rows).
MAX_CALIBRATION_ROWS = 256
SIMILARITIES_PER_CHUNK = 1 << 17
# Calibration asks about at most this many examples, spread evenly over them all (the threshold is a
# percentile of their distances; 5,000 examples on wasm would cost ~12 s asking about every one).
CALIBRATION_QUERIES = 512
REBUILD_ROWS = 512        # examples turned into the matrix per step of a rebuild (~15 ms on wasm)
CALIBRATION_K = 8         # neighbours looked at for an example's nearest one of its own class


class KnnTrainer:
    def __init__(self, bridge, classes: ClassList, model_name: str, size: int):
        self.bridge = bridge
        self.classes = classes
        self.model_name = model_name
        self.size = size
        self.k = 3                    # as asked for; `k_used` is what a prediction uses
        self.strictness = DEFAULT_STRICTNESS
        self.threshold = float("inf")  # distance still called sure; `calibrate` sets it
        self.examples = None          # [N, size]: a unit row per example; None before the first
        self.labels: list[int] = []   # the class of each row
        self._generation = 0          # counts changes of the examples: what a threshold was calibrated on
        self._calibrated_on = None
        self._args: tuple = ()
        # Proxies made once for the page's lifetime, not one per frame.
        self._append = bridge.keep(lambda: bridge.append_rows(self.examples, self._args[0], self.size))
        self._similar = bridge.keep(lambda: bridge.similarities(self.examples, self._args[0]))
        self._similar_examples = bridge.keep(lambda: bridge.similarities(
            self.examples, bridge.example_rows(self.examples, *self._args)))
        self._similar_picked = bridge.keep(lambda: bridge.similarities(
            self.examples, bridge.rows_at(self.examples, self._args[0])))
        self._joined = bridge.keep(lambda: bridge.join_rows(self._args[0]))
        self._nearest = bridge.keep(lambda: bridge.nearest(*self._args))
        self._matrix = bridge.keep(lambda: bridge.unit_rows(*self._args))

    def _tidy(self, proxy, *args):
        self._args = args
        try:
            return self.bridge.tidy(proxy)
        finally:
            self._args = ()

    def _use(self, matrix, labels: list[int]) -> None:
        old, self.examples, self.labels = self.examples, matrix, labels
        self._generation += 1
        self.bridge.dispose(old)

    # ------------------------------------------------------------ examples

    async def add_example(self, index: int, embedding, thumbnail: bytes = b"") -> None:
        """Adds `embedding` (a [size] tensor the caller still owns) to class `index`, with its
        thumbnail (encoded image bytes, b"" for none)."""
        data = await self.bridge.tensor_bytes(embedding)
        self.classes.add_example(index, data, thumbnail)  # first: it refuses a bad thumbnail
        self._use(self._tidy(self._append, embedding), self.labels + [index])

    async def rebuild(self) -> None:
        """The matrix anew from the Python examples: class ids are the (dense) class positions.

        Built REBUILD_ROWS examples a step, giving the page a turn between steps; meanwhile there
        are no examples (a prediction says so) rather than examples that disagree with the classes.
        An example added or another rebuild meanwhile: it is built again, from the examples then."""
        while True:
            self._use(None, [])
            started = self._generation
            labels = [index for index, data in enumerate(self.classes.classes) for _ in data.embeddings]
            matrix = await self._matrix_of([e for data in self.classes.classes for e in data.embeddings])
            if self._generation == started:
                self._use(matrix, labels)
                return
            self.bridge.dispose(matrix)

    async def _matrix_of(self, embeddings: list[bytes]):
        """The [N, size] unit rows of `embeddings`, REBUILD_ROWS a step; None for none."""
        parts = []
        try:
            for start in range(0, len(embeddings), REBUILD_ROWS):
                await asyncio.sleep(0)
                rows = embeddings[start:start + REBUILD_ROWS]
                parts.append(self._tidy(self._matrix, b"".join(rows), [len(rows), self.size]))
            return self._tidy(self._joined, parts) if len(parts) > 1 else parts.pop() if parts else None
        finally:
            for part in parts:
                self.bridge.dispose(part)

    def k_used(self) -> int:
        return sensible_k(self.k, self.classes.counts())

    # ------------------------------------------------------------ answers

    async def predict(self, embedding) -> Answer:
        if self.examples is None:
            return Answer(None, [0.0] * len(self.classes), float("inf"), False)
        return (await self.predict_many(embedding))[0]

    async def predict_many(self, embeddings) -> list[Answer]:
        """One Answer per row of `embeddings` ([D] or [B, D]); [] before the first example."""
        if self.examples is None:
            return []
        k = min(self.k_used(), len(self.labels))
        found = await self._neighbours(self._tidy(self._similar, embeddings), k)
        return [vote(n, self.labels, len(self.classes), self.threshold) for n in found]

    async def _neighbours(self, similarity, k: int) -> list[Neighbours]:
        """Each row's k nearest examples: one wait for the similarities (the page keeps running while
        the GPU works), one small read."""
        try:
            await self.bridge.computed(similarity)
            found = self._tidy(self._nearest, similarity, k)
        finally:
            self.bridge.dispose(similarity)
        return parse_rows(await self.bridge.take_floats(found), k)

    async def leave_one_out(self, k: int, queries: list[int] | None = None) -> list[Neighbours]:
        """The k nearest examples (itself among them, first) of each example in `queries` (all, in
        example order, when None): what calibration and the evaluation view need, read a chunk of
        examples at a time."""
        total = len(self.labels)
        k = min(k, total)
        rows = calibration_rows(total)
        neighbours: list[Neighbours] = []
        for start in range(0, total if queries is None else len(queries), rows):
            await asyncio.sleep(0)  # each chunk's kernels in a task of their own (synchronous on wasm)
            if queries is None:
                similarity = self._tidy(self._similar_examples, start, min(rows, total - start))
            else:
                similarity = self._tidy(self._similar_picked, self.bridge.js_value(queries[start:start + rows]))
            neighbours += await self._neighbours(similarity, k)
        return neighbours

    async def calibrate(self) -> float:
        """The "sure" threshold from the examples: leave-one-out distances within each class. Measured
        again only when the examples or the strictness changed since the last time."""
        while (self._generation, self.strictness) != self._calibrated_on:
            measuring = (self._generation, self.strictness)
            if len(self.labels) < 2:
                threshold = float("inf")
            else:
                queries = calibration_queries(len(self.labels))
                neighbours = await self.leave_one_out(CALIBRATION_K, queries)
                if (self._generation, self.strictness) != measuring:  # changed meanwhile: measure again
                    continue
                threshold = calibrate(nearest_same_class(neighbours, self.labels, queries), self.strictness)
            self.threshold, self._calibrated_on = threshold, measuring
        return self.threshold

    # ------------------------------------------------------------ datasets

    def dataset(self) -> Dataset:
        classes = [ClassData(c.name, list(c.embeddings), list(c.thumbnails)) for c in self.classes.classes]
        return Dataset(self.model_name, self.size, classes, {"k": self.k, "strictness": self.strictness})

    async def load(self, dataset: Dataset) -> None:
        """The dataset's classes and examples, and its k and strictness where it saved them."""
        self.classes.replace(dataset.classes)
        self.k = _setting(dataset.settings, "k", int, self.k, MIN_K, MAX_K)
        self.strictness = _setting(dataset.settings, "strictness", float, self.strictness, *STRICTNESS)
        await self.rebuild()

    def dispose(self) -> None:
        self._use(None, [])


def calibration_rows(total: int) -> int:
    """Examples per leave-one-out chunk among `total`."""
    return max(1, min(MAX_CALIBRATION_ROWS, SIMILARITIES_PER_CHUNK // max(total, 1)))


def calibration_queries(total: int) -> list[int] | None:
    """The examples calibration asks about: all of them (None) up to CALIBRATION_QUERIES, else that
    many spread evenly, so every class of a dataset gives its share."""
    if total <= CALIBRATION_QUERIES:
        return None
    return [round(i * (total - 1) / (CALIBRATION_QUERIES - 1)) for i in range(CALIBRATION_QUERIES)]


def _setting(settings: dict, name: str, kind, default, low, high):
    """A saved setting, kept within the range the page's control offers; `default` when absent."""
    value = settings.get(name)
    return default if value is None else min(max(kind(value), low), high)
