"""KNN over embeddings: the examples live in ClassList (Python, bytes), the KNN tensors mirror them.

Each example is read back once when added (a few KB), so the Python copy can be saved, restored and
used to rebuild the classifier with dense class ids after a class is removed or cleared.
"""

from __future__ import annotations

from dataclasses import dataclass

from class_list import ClassList
from dataset import ClassData, Dataset


@dataclass
class Prediction:
    index: int | None            # predicted class, None before any example
    confidences: list[float]     # one per class, in class order


class KnnTrainer:
    def __init__(self, bridge, classes: ClassList, model_name: str, size: int):
        self.bridge = bridge
        self.classes = classes
        self.model_name = model_name
        self.size = size
        self.knn = bridge.new_knn()
        self.k = 3

    async def add_example(self, index: int, embedding) -> None:
        """Adds `embedding` (a [size] tensor the caller still owns) to class `index`."""
        data = await self.bridge.tensor_bytes(embedding)
        self.knn.addExample(embedding, index)
        self.classes.add_example(index, data)

    async def predict(self, embedding) -> Prediction:
        if not self.classes.has_examples():
            return Prediction(None, [0.0] * len(self.classes))
        k = max(1, min(self.k, sum(self.classes.counts())))
        label, confidences = await self.bridge.knn_predict(self.knn, embedding, k)
        return Prediction(label, [confidences.get(i, 0.0) for i in range(len(self.classes))])

    def rebuild(self) -> None:
        """A fresh KNN from the Python examples: class ids are the (dense) class positions."""
        matrices = {}
        for index, data in enumerate(self.classes.classes):
            if data.embeddings:
                matrices[index] = self.bridge.unit_rows(b"".join(data.embeddings), [len(data.embeddings), self.size])
        old, self.knn = self.knn, self.bridge.new_knn()
        if matrices:
            self.bridge.knn_set_dataset(self.knn, matrices)
        old.dispose()

    def dataset(self) -> Dataset:
        return Dataset(self.model_name, self.size, [ClassData(c.name, list(c.embeddings)) for c in self.classes.classes])

    def load(self, dataset: Dataset) -> None:
        self.classes.replace(dataset.classes)
        self.rebuild()

    def dispose(self) -> None:
        self.knn.dispose()
