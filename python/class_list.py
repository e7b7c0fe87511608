"""The classes the user teaches: names, order and examples, independent of the KNN's tensors.

Class ids are positions in this list, so they stay dense (0..n-1) whatever is removed; the KNN is
rebuilt from here after a removal because knn-classifier miscounts when a middle id disappears.
"""

from __future__ import annotations

from dataset import ClassData

DEFAULT_NAMES = ["A", "B", "C", "D"]
MAX_CLASSES = 12


class ClassListError(ValueError):
    pass


class ClassList:
    def __init__(self, names: list[str] | None = None):
        self.classes = [ClassData(n) for n in (names or DEFAULT_NAMES)]

    def __len__(self) -> int:
        return len(self.classes)

    def names(self) -> list[str]:
        return [c.name for c in self.classes]

    def counts(self) -> list[int]:
        return [len(c.embeddings) for c in self.classes]

    def has_examples(self) -> bool:
        return any(self.counts())

    def add(self, name: str | None = None) -> int:
        if len(self.classes) >= MAX_CLASSES:
            raise ClassListError(f"At most {MAX_CLASSES} classes.")
        name = self._valid_name(name or self._next_name())
        self.classes.append(ClassData(name))
        return len(self.classes) - 1

    def rename(self, index: int, name: str) -> None:
        self.classes[index].name = self._valid_name(name, ignore=index)

    def remove(self, index: int) -> None:
        if len(self.classes) <= 1:
            raise ClassListError("Keep at least one class.")
        del self.classes[index]

    def clear(self, index: int) -> None:
        self.classes[index].embeddings.clear()

    def add_example(self, index: int, embedding: bytes) -> None:
        self.classes[index].embeddings.append(embedding)

    def replace(self, classes: list[ClassData]) -> None:
        self.classes = list(classes)

    def _next_name(self) -> str:
        taken = set(self.names())
        letter = next((chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in taken), None)
        return letter or f"Class {len(self.classes) + 1}"

    def _valid_name(self, name: str, ignore: int | None = None) -> str:
        name = name.strip()
        if not name:
            raise ClassListError("A class needs a name.")
        if len(name) > 40:
            raise ClassListError("Class names are at most 40 characters.")
        if any(n == name for i, n in enumerate(self.names()) if i != ignore):
            raise ClassListError(f"There is already a class named {name!r}.")
        return name
