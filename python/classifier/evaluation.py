"""How good is the classifier: leave-one-out votes over the stored examples, and what to fix.

Pure Python (no bridge). Each example is classified by the others: its k nearest *other* examples
vote with the same rule as a live prediction (`neighbours.vote`: majority, a tie to the nearest).
The votes make a confusion matrix (rows: the true class, columns: the class voted), accuracy per
class and overall, and hints: a class with too few examples, classes far from balanced, and two
classes the matrix mixes up. Classes without examples are left out of all of it.

The neighbours come from `KnnTrainer.leave_one_out(k + 1)`: one row per example, in example order,
the example itself among them (it is dropped here, by its row index, so duplicates are handled).

Example:
    found = await trainer.leave_one_out(k + 1)           # k = trainer.k_used()
    result = evaluate(found, trainer.labels, k)
    result.classes, result.confusion, result.accuracy    # [0, 1], [[4, 0], [1, 3]], 0.875
    [h.text for h in hints(result, ["A", "B"])]          # ["A has only 4 examples: ...", ...]
"""

from __future__ import annotations

from dataclasses import dataclass

from classifier.neighbours import Neighbours, vote

MIN_EXAMPLES = 5     # fewer examples than this in a class: "too few"
BALANCE_RATIO = 3    # the largest taught class more than this many times the smallest: "unbalanced"
MIX_FRACTION = 0.2   # at least this share of a class's examples voted another class: "mixed up"


@dataclass(frozen=True)
class Evaluation:
    classes: list[int]            # the taught classes (positions in the class list), in order
    confusion: list[list[int]]    # confusion[i][j]: examples of classes[i] voted classes[j]
    k: int                        # the neighbours that voted for each example

    @property
    def counts(self) -> list[int]:
        """Examples per taught class (the matrix's row sums)."""
        return [sum(row) for row in self.confusion]

    @property
    def correct(self) -> list[int]:
        """Examples per taught class voted their own class (the diagonal)."""
        return [row[i] for i, row in enumerate(self.confusion)]

    @property
    def accuracies(self) -> list[float]:
        """Per taught class: the share of its examples voted their own class."""
        return [right / count for right, count in zip(self.correct, self.counts)]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def accuracy(self) -> float:
        """Over all examples: the share voted their own class (0.0 with none)."""
        return sum(self.correct) / self.total if self.total else 0.0


@dataclass(frozen=True)
class Hint:
    kind: str                 # "few", "unbalanced", "mixed" or "one class"
    classes: tuple[int, ...]  # the classes it is about (positions in the class list)
    text: str


def others(found: Neighbours, example: int, k: int) -> Neighbours:
    """The k nearest examples other than `example` itself, nearest first."""
    kept = [(s, r) for s, r in zip(found.similarities, found.rows) if r != example][:k]
    return Neighbours([s for s, _ in kept], [r for _, r in kept])


def predictions(neighbours: list[Neighbours], labels: list[int], k: int) -> list[int]:
    """Each example's class as voted by its k nearest other examples (`neighbours[i]`: example i's)."""
    classes = max(labels, default=-1) + 1
    return [vote(others(found, example, k), labels, classes).index for example, found in enumerate(neighbours)]


def confusion_matrix(labels: list[int], predicted: list[int], classes: list[int]) -> list[list[int]]:
    """Rows: the true class, columns: the voted one, both in the order of `classes`."""
    position = {c: i for i, c in enumerate(classes)}
    matrix = [[0] * len(classes) for _ in classes]
    for true, voted in zip(labels, predicted):
        matrix[position[true]][position[voted]] += 1
    return matrix


def evaluate(neighbours: list[Neighbours], labels: list[int], k: int) -> Evaluation:
    """Leave-one-out over every example (at least two); `labels[row]`: the class of example `row`."""
    if len(labels) < 2:
        raise ValueError("leave-one-out needs at least two examples")
    classes = sorted(set(labels))
    return Evaluation(classes, confusion_matrix(labels, predictions(neighbours, labels, k), classes), k)


def _examples(count: int) -> str:
    return f"{count} example{'' if count == 1 else 's'}"


def few_hints(result: Evaluation, names: list[str]) -> list[Hint]:
    """A hint per taught class with fewer than MIN_EXAMPLES examples."""
    return [Hint("few", (c,), f"{names[c]} has only {_examples(n)}: add at least {MIN_EXAMPLES}, "
                 "from different views, so the others have something to compare it with.")
            for c, n in zip(result.classes, result.counts) if n < MIN_EXAMPLES]


def balance_hints(result: Evaluation, names: list[str]) -> list[Hint]:
    """One hint when the largest taught class has more than BALANCE_RATIO times the smallest's examples."""
    if len(result.classes) < 2:
        return []
    counts = result.counts
    largest, smallest = counts.index(max(counts)), counts.index(min(counts))
    if counts[largest] <= BALANCE_RATIO * counts[smallest]:
        return []
    big, small = names[result.classes[largest]], names[result.classes[smallest]]
    return [Hint("unbalanced", (result.classes[largest], result.classes[smallest]),
                 f"The classes are far from balanced: {big} has {_examples(counts[largest])}, {small} "
                 f"{counts[smallest]}. The bigger class wins more votes; add examples to {small}.")]


def mixed_hints(result: Evaluation, names: list[str]) -> list[Hint]:
    """A hint per pair of classes where at least MIX_FRACTION of one's examples are voted the other."""
    counts, matrix, found = result.counts, result.confusion, []
    for i in range(len(result.classes)):
        for j in range(i + 1, len(result.classes)):
            parts = [(a, b) for a, b in ((i, j), (j, i)) if matrix[a][b] and matrix[a][b] >= MIX_FRACTION * counts[a]]
            if not parts:
                continue
            a, b = names[result.classes[i]], names[result.classes[j]]
            said = "; ".join(f"{matrix[x][y]} of {names[result.classes[x]]}'s {counts[x]} are voted "
                             f"{names[result.classes[y]]}" for x, y in parts)
            found.append(Hint("mixed", (result.classes[i], result.classes[j]),
                              f"{a} and {b} are mixed up ({said}): add examples that show what tells "
                              "them apart, or remove the ones that look alike."))
    return found


def hints(result: Evaluation, names: list[str]) -> list[Hint]:
    """What to fix, most basic first; [] when nothing stands out. `names`: every class's name."""
    if len(result.classes) == 1:
        return [Hint("one class", tuple(result.classes), f"Only {names[result.classes[0]]} has examples: "
                     "every vote is right. Teach a second class to see how well they are told apart.")] + \
            few_hints(result, names)
    return few_hints(result, names) + balance_hints(result, names) + mixed_hints(result, names)
