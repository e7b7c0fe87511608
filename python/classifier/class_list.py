"""The classes the user teaches: names, order and examples, independent of the KNN's tensors.

Class ids are positions in this list, so they stay dense (0..n-1) whatever is removed; the KNN is
rebuilt from here after a removal because knn-classifier miscounts when a middle id disappears.
"""

from __future__ import annotations

from classifier.dataset import ClassData, thumbnail_problem

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
        self.classes[index].thumbnails.clear()

    def add_example(self, index: int, embedding: bytes, thumbnail: bytes = b"") -> None:
        """Appends an example: its embedding and its encoded thumbnail (b"" for none)."""
        problem = thumbnail_problem(thumbnail)
        if problem:
            raise ClassListError(f"The thumbnail {problem}.")
        data = _one_thumbnail_per_example(self.classes[index])
        data.embeddings.append(embedding)
        data.thumbnails.append(thumbnail)

    def remove_example(self, class_index: int, example_index: int) -> None:
        """Removes one example (its embedding and its thumbnail) from class `class_index`."""
        data = _one_thumbnail_per_example(self.classes[class_index])
        _check_example(data, example_index)
        del data.embeddings[example_index]
        del data.thumbnails[example_index]

    def move_example(self, class_index: int, example_index: int, to_class: int) -> int:
        """Moves one example to the end of class `to_class`; returns its index there.

        Moving to its own class leaves it where it is."""
        source, target = self.classes[class_index], self.classes[to_class]
        _check_example(source, example_index)
        if source is target:
            return example_index
        source, target = _one_thumbnail_per_example(source), _one_thumbnail_per_example(target)
        target.embeddings.append(source.embeddings.pop(example_index))
        target.thumbnails.append(source.thumbnails.pop(example_index))
        return len(target.embeddings) - 1

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


def _one_thumbnail_per_example(data: ClassData) -> ClassData:
    """`data` with one thumbnail entry per example: a class without thumbnails gets b"" for each."""
    if len(data.thumbnails) != len(data.embeddings):
        if data.thumbnails:
            raise ClassListError(f"Class {data.name!r} has {len(data.embeddings)} examples "
                                 f"but {len(data.thumbnails)} thumbnails.")
        data.thumbnails.extend([b""] * len(data.embeddings))
    return data


def _check_example(data: ClassData, example_index: int) -> None:
    if not 0 <= example_index < len(data.embeddings):
        raise IndexError(f"Class {data.name!r} has no example {example_index}.")
