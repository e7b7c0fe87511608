"""Teach's "teach objects" mode: the frame's main object, found by the detector, embedded as a crop.

Detect names its boxes from crops embedded by the same `Embedder.embed_boxes`, so what Teach adds
this way is what Detect compares its boxes with. The main object is the best-scoring box that the
detector's own defaults (score threshold, overlap suppression) keep.

Example:
    finder = ObjectFinder(detector, embedder)
    found = await finder.embed(video)          # None when the frame shows no object
    if found:
        embedding, detection = found           # a [size] tensor to dispose, and its Detection
"""

from __future__ import annotations

from models.detections import Detection, select


class ObjectFinder:
    def __init__(self, detector, embedder):
        self.detector = detector
        self.embedder = embedder

    async def main_object(self, source) -> Detection | None:
        shown = select(await self.detector.detect(source), self.detector.defaults)
        return max(shown, key=lambda d: d.score, default=None)

    async def embed(self, source) -> tuple[object, Detection] | None:
        found = await self.main_object(source)
        if found is None:
            return None
        return self.embedder.embed_boxes(source, [found.box]), found

    def dispose(self) -> None:
        self.detector.dispose()
