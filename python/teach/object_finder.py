"""What Teach embeds of an image: the whole of it, or with "teach objects" its main object as a crop.

Detect names its boxes from crops embedded by the same `Embedder`, so what Teach adds this way is what
Detect compares its boxes with. The main object is the best-scoring box that the detector's own
defaults (score threshold, overlap suppression) keep. Where "What MobileNet sees" shows the model's
ImageNet guesses, they come from the same run of the model as the embedding (`scores=True`).

Example:
    finder = ObjectFinder(detector, embedder)
    found = await finder.embed(video, scores=True)   # None when the frame shows no object
    if found:
        embedded, detection = found                  # an Embedded to dispose, and its Detection
"""

from __future__ import annotations

from dataclasses import dataclass

from models.detections import Detection


@dataclass
class Embedded:
    """One image's embedding ([size]), the box it was cropped to (None: the whole image), and the
    model's class probabilities ([C]) when they were asked for. The caller disposes it."""
    embedding: object
    region: tuple | None = None
    scores: object = None

    def dispose(self, bridge) -> None:
        bridge.dispose(self.embedding)
        bridge.dispose(self.scores)


def embed_region(embedder, source, region: tuple | None = None, scores: bool = False) -> Embedded:
    """`source`, or its `region` (x1, y1, x2, y2 fractions), embedded; with its class probabilities
    from the same run where asked for and the model has them."""
    if scores and embedder.sees:
        embedding, probabilities = embedder.embed_box_and_scores(source, region)
        return Embedded(embedding, region, probabilities)
    embedding = embedder.embed(source) if region is None else embedder.embed_boxes(source, [region])
    return Embedded(embedding, region)


class ObjectFinder:
    def __init__(self, detector, embedder):
        self.detector = detector
        self.embedder = embedder

    async def main_object(self, source) -> Detection | None:
        shown = (await self.detector.detect(source)).select(self.detector.defaults)
        return max(shown, key=lambda d: d.score, default=None)

    async def embed(self, source, scores: bool = False) -> tuple[Embedded, Detection] | None:
        """The main object's crop embedded (with its class probabilities, as `embed_region`)."""
        found = await self.main_object(source)
        if found is None:
            return None
        return embed_region(self.embedder, source, found.box, scores), found

    def dispose(self) -> None:
        self.detector.dispose()
