import json
import random
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from classifier.class_list import ClassList
from classifier.evaluation import BALANCE_RATIO, MIN_EXAMPLES, Evaluation, confusion_matrix, evaluate, hints, others, predictions
from classifier.knn_trainer import KnnTrainer
from classifier.neighbours import Neighbours
from teach.evaluation_panel import EvaluationPanel, hints_html, table_html

from aio import run
from fake_bridge import FakeBridge


def test_each_example_is_voted_by_its_nearest_others_not_itself():
    labels = [0, 0, 1, 1]
    found = [Neighbours([1.0, 0.9, 0.8], [0, 2, 1]),   # without itself: 2 (class 1), 1 (class 0): a tie, nearest wins
             Neighbours([1.0, 0.9, 0.1], [1, 0, 2]),
             Neighbours([1.0, 0.9, 0.8], [3, 2, 0]),   # a duplicate came first: itself is dropped by index
             Neighbours([1.0, 0.95, 0.9], [2, 3, 0])]
    assert others(found[2], 2, 2) == Neighbours([1.0, 0.8], [3, 0])
    assert others(found[0], 0, 1) == Neighbours([0.9], [2])
    assert predictions(found, labels, 2) == [1, 0, 1, 1]
    result = evaluate(found, labels, 2)
    assert result.classes == [0, 1] and result.confusion == [[1, 1], [0, 2]]
    assert result.counts == [2, 2] and result.correct == [1, 2]
    assert result.accuracies == [0.5, 1.0] and result.accuracy == 0.75 and result.total == 4


def test_classes_without_examples_are_left_out():
    labels = [0, 2, 2]
    found = [Neighbours([1.0, 0.5], [0, 1]), Neighbours([1.0, 0.9], [1, 2]), Neighbours([1.0, 0.9], [2, 1])]
    result = evaluate(found, labels, 1)
    assert result.classes == [0, 2] and result.confusion == [[0, 1], [0, 2]]
    assert confusion_matrix([0, 2], [2, 2], [0, 2]) == [[0, 1], [0, 1]]
    with pytest.raises(ValueError):
        evaluate([Neighbours([1.0], [0])], [0], 1)


def brute_force(vectors: list[list[float]], labels: list[int], k: int) -> list[list[int]]:
    """Every pair's cosine similarity, each example's k most similar others, majority, tie to the nearest."""
    def unit(v):
        norm = sum(x * x for x in v) ** 0.5
        return [x / norm for x in v]
    rows = [unit(v) for v in vectors]
    classes = sorted(set(labels))
    matrix = [[0] * len(classes) for _ in classes]
    for i, row in enumerate(rows):
        ranked = sorted((j for j in range(len(rows)) if j != i),
                        key=lambda j: (-sum(a * b for a, b in zip(row, rows[j])), j))[:k]
        votes = {c: sum(labels[j] == c for j in ranked) for c in classes}
        best = max(votes.values())
        voted = next(labels[j] for j in ranked if votes[labels[j]] == best)
        matrix[classes.index(labels[i])][classes.index(voted)] += 1
    return matrix


@pytest.mark.parametrize("seed", range(5))
def test_the_trainers_leave_one_out_matches_a_brute_force_computation(seed):
    rng = random.Random(seed)
    size, names = 6, ["A", "B", "C", "empty"]
    knn = KnnTrainer(FakeBridge(), ClassList(names), "centernet", size)
    centres = [[rng.gauss(0, 1) for _ in range(size)] for _ in names]
    vectors, labels = [], []
    for _ in range(40):
        c = rng.choice([0, 0, 1, 2])  # class 3 stays empty; class 0 has about twice the others' examples
        vectors.append([x + rng.gauss(0, 1.2) for x in centres[c]])
        labels.append(c)
    for c, v in zip(labels, vectors):
        run(knn.add_example(c, v))
    k = knn.k_used()
    assert knn.labels == labels
    result = evaluate(run(knn.leave_one_out(k + 1)), knn.labels, k)
    assert result.classes == sorted(set(labels))
    assert result.confusion == brute_force(vectors, labels, k)
    assert 0 < result.accuracy < 1  # noisy enough that some examples are voted wrong


def hint_kinds(result: Evaluation, names: list[str]) -> list[tuple[str, tuple[int, ...]]]:
    return [(h.kind, h.classes) for h in hints(result, names)]


def test_hints_few_examples_unbalanced_and_mixed_up():
    names = ["A", "B", "C", "D"]
    # A: 20 right; B: 6 of 10 taken for C (and C 1 of 8 for B: below the 20% mark); D: 2 examples.
    result = Evaluation([0, 1, 2, 3], [[20, 0, 0, 0], [0, 4, 6, 0], [0, 1, 7, 0], [0, 0, 0, 2]], 1)
    assert hint_kinds(result, names) == [("few", (3,)), ("unbalanced", (0, 3)), ("mixed", (1, 2))]
    texts = [h.text for h in hints(result, names)]
    assert texts[0].startswith(f"D has only 2 examples: add at least {MIN_EXAMPLES}")
    assert "A has 20 examples, D 2" in texts[1]
    assert texts[2].startswith("B and C are mixed up (6 of B's 10 are voted C)")
    # Both ways past the mark: both said.
    both = Evaluation([0, 1], [[3, 2], [3, 7]], 3)
    assert hint_kinds(both, ["A", "B"]) == [("mixed", (0, 1))]
    assert "2 of A's 5 are voted B; 3 of B's 10 are voted A" in hints(both, ["A", "B"])[0].text
    # Exactly BALANCE_RATIO times the smallest is still balanced; one more is not.
    assert hint_kinds(Evaluation([0, 1], [[5, 0], [0, 5 * BALANCE_RATIO]], 3), ["A", "B"]) == []
    unbalanced = Evaluation([0, 1], [[5, 0], [0, 5 * BALANCE_RATIO + 1]], 3)
    assert hint_kinds(unbalanced, ["A", "B"]) == [("unbalanced", (1, 0))]


def test_no_hints_for_a_good_dataset_and_one_for_a_single_class():
    assert hints(Evaluation([0, 2], [[9, 1], [1, 9]], 3), ["A", "gone", "C"]) == []  # 10% mixed: fine
    assert hint_kinds(Evaluation([1], [[3]], 3), ["A", "B"]) == [("one class", (1,)), ("few", (1,))]


class Tags(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def test_the_table_has_a_caption_headers_with_scope_and_counts_in_data_attributes():
    result = Evaluation([0, 2], [[7, 1], [2, 6]], 3)
    names = ["cat", "unused", 'dog "rex" <b>']
    parsed = Tags(table_html(result, names))
    assert len(parsed.find("caption")) == 1 and len(parsed.find("table")) == 1
    assert [a["data-class"] for a in parsed.find("th", scope="col") if "data-class" in a] == ["cat", names[2]]
    assert len(parsed.find("th", scope="row")) == 2 and len(parsed.find("th", scope="colgroup")) == 1
    assert all(t != "b" for t, _ in parsed.tags)  # a class name is text, never markup
    cells = {(a["data-true"], a["data-voted"]): int(a["data-count"]) for a in parsed.find("td", **{"class": "cell"})}
    assert cells == {("cat", "cat"): 7, ("cat", names[2]): 1, (names[2], "cat"): 2, (names[2], names[2]): 6}
    rows = parsed.find("tr", data_class="cat")
    assert rows == [{"data-class": "cat", "data-count": "8", "data-correct": "7", "data-accuracy": "0.875"}]
    assert "88%" in parsed.text and "unused" not in "".join(parsed.text)


def test_hints_list_names_its_classes():
    hint_list = Tags(hints_html(hints(Evaluation([0, 1], [[2, 0], [0, 9]], 1), ["A", "B"]), ["A", "B"]))
    items = hint_list.find("li")
    assert [(i["data-kind"], json.loads(i["data-classes"])) for i in items] == [("few", ["A"]),
                                                                             ("unbalanced", ["B", "A"])]
    assert Tags(hints_html([], ["A"])).find("li")[0]["data-kind"] == "ok"


class PanelBridge(FakeBridge):
    """FakeBridge with the few elements the panel writes to."""
    def __init__(self):
        super().__init__()
        self.elements = {name: SimpleNamespace(dataset=SimpleNamespace(), textContent="", innerHTML="", disabled=False)
                         for name in ("evaluation", "evaluation-summary", "evaluation-output", "evaluate")}

    def el(self, name):
        return self.elements[name]

    def set_data(self, name, key, value):
        setattr(self.elements[name].dataset, key, value)

    def set_text(self, name, text):
        self.elements[name].textContent = text


def test_the_panel_evaluates_the_trainers_examples_and_says_when_they_changed():
    bridge = PanelBridge()
    knn = KnnTrainer(bridge, ClassList(["A", "B"]), "centernet", 2)
    panel = EvaluationPanel(bridge, SimpleNamespace(), knn)
    assert run(panel.run()) is None and bridge.elements["evaluation"].dataset.state == "empty"
    for c, v in ((0, [1.0, 0.0]), (0, [1.0, 0.1]), (1, [0.0, 1.0]), (1, [0.1, 1.0]), (1, [0.9, 0.2])):
        run(knn.add_example(c, v))
    result = run(panel.run())
    data = bridge.elements["evaluation"].dataset
    assert result.confusion == [[2, 0], [1, 2]]  # k = 2; B's [0.9, 0.2] lies among the A examples
    assert (data.state, data.accuracy, data.correct, data.examples, data.k) == ("done", "0.8", "4", "5", "2")
    assert "80% right: 4 of 5 examples" in bridge.elements["evaluation-summary"].textContent
    assert "<table>" in bridge.elements["evaluation-output"].innerHTML and not bridge.elements["evaluate"].disabled

    async def changed_meanwhile(k):
        await knn.add_example(0, [1.0, 0.2])
        return []
    knn.leave_one_out = changed_meanwhile
    assert run(panel.run()) is None
    assert (data.state, data.accuracy) == ("stale", "") and bridge.elements["evaluation-output"].innerHTML == ""
