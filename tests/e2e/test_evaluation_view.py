"""Teach's "How good is it?" view in real Chromium (wasm): its numbers against numpy's on the same file.

The page reads each stored example's nearest examples from TF.js (no re-embedding) and votes in
Python; here the same leave-one-out is done in numpy from the dataset file's embeddings: cosine
similarity, each example's k nearest other examples, majority, a tie to the nearest.
"""

from __future__ import annotations

import numpy as np

from classifier import dataset as dataset_format

from support.datasets import TEACH_DEFAULT, load_into_teach, make_dataset
from test_accessibility import Audit, axe_source  # noqa: F401 - axe_source is a fixture

MODEL, SIZE = TEACH_DEFAULT  # the page's default model


def around(rng, direction: np.ndarray, count: int, spread: float) -> list[bytes]:
    return [(direction + spread * rng.normal(size=SIZE)).astype("<f4").tobytes() for _ in range(count)]


def mixed_dataset() -> dataset_format.Dataset:
    """Four classes: tight (20 examples close together), cat and dog (12 each, around one and the
    same direction: they mix), small (3: too few, and the classes unbalanced)."""
    rng = np.random.default_rng(7)
    shared = rng.normal(size=SIZE)
    classes = [("tight", around(rng, rng.normal(size=SIZE), 20, 0.1)),
               ("cat", around(rng, shared, 12, 1.0)),
               ("dog", around(rng, shared, 12, 1.0)),
               ("small", around(rng, rng.normal(size=SIZE), 3, 0.1))]
    return dataset_format.Dataset(MODEL, SIZE, [dataset_format.ClassData(n, e) for n, e in classes])


def write(path, data: dataset_format.Dataset):
    path.write_text(dataset_format.dumps(data), encoding="utf-8")
    return path


def numpy_confusion(data: dataset_format.Dataset, k: int) -> dict[tuple[str, str], int]:
    """(true class, voted class) -> examples, by leave-one-out over the file's embeddings."""
    names = [c.name for c in data.classes]
    labels = np.array([i for i, c in enumerate(data.classes) for _ in c.embeddings])
    vectors = np.stack([np.frombuffer(e, "<f4") for c in data.classes for e in c.embeddings]).astype(np.float64)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)  # an example never votes for itself
    taught = [n for i, n in enumerate(names) if (labels == i).any()]
    counts = {(a, b): 0 for a in taught for b in taught}
    for i, row in enumerate(similarity):
        nearest = np.lexsort((np.arange(len(row)), -row))[:k]  # most similar first, a tie by row
        votes = np.bincount(labels[nearest], minlength=len(names))
        voted = next(labels[j] for j in nearest if votes[labels[j]] == votes.max())
        counts[names[labels[i]], names[voted]] += 1
    return counts


def evaluate_on_page(opened, timeout: int = 60_000) -> dict:
    """Open the section, press Evaluate, wait for the result and read it; `seconds`: from the press
    to the result, timed in the page."""
    page = opened.page
    if not page.eval_on_selector("#evaluation", "d => d.open"):
        page.click("#evaluation summary")
    page.wait_for_selector("#evaluate", state="visible")
    # Pressed from the page's own script: Playwright's click first waits for the page to paint two
    # frames, which on a page busy classifying camera frames on wasm takes seconds of its own.
    page.evaluate("() => { window.__evaluated = null; window.__pressed = performance.now(); "
                  "document.getElementById('evaluate').click(); }")
    page.wait_for_function("""() => {
        if (document.getElementById('evaluation').dataset.state !== 'done') return false;
        window.__evaluated = window.__evaluated || performance.now();
        return true;
    }""", polling=50, timeout=timeout)
    return page.evaluate("""() => {
        const section = document.getElementById('evaluation');
        return {
            ...section.dataset,
            seconds: (window.__evaluated - window.__pressed) / 1000,
            cells: [...section.querySelectorAll('td.cell')].map(c => [c.dataset.true, c.dataset.voted,
                                                                       Number(c.dataset.count)]),
            rows: [...section.querySelectorAll('tbody tr')].map(r => [
                r.dataset.class, Number(r.dataset.count), Number(r.dataset.correct), Number(r.dataset.accuracy)]),
            columns: [...section.querySelectorAll('thead th[scope=col][data-class]')].map(th => th.textContent),
            caption: section.querySelector('caption').textContent,
            hints: [...section.querySelectorAll('.evaluation-hints li')].map(li => [li.dataset.kind,
                                                                              JSON.parse(li.dataset.classes || '[]')]),
        };
    }""")


def check_against_numpy(shown: dict, data: dataset_format.Dataset, k: int) -> dict[tuple[str, str], int]:
    expected = numpy_confusion(data, k)
    assert {(t, v): n for t, v, n in shown["cells"]} == expected
    taught = [c.name for c in data.classes if c.embeddings]
    assert shown["columns"] == taught
    total, right = sum(expected.values()), sum(expected[n, n] for n in taught)
    assert (int(shown["examples"]), int(shown["correct"]), int(shown["k"])) == (total, right, k)
    assert float(shown["accuracy"]) == round(right / total, 4)
    for name, count, correct, accuracy in shown["rows"]:
        assert count == sum(expected[name, v] for v in taught) and correct == expected[name, name]
        assert accuracy == round(correct / count, 4)
    return expected


def test_evaluation_matches_numpy_and_names_what_to_fix(open_page, axe_source, tmp_path):
    opened = open_page("?backend=wasm", camera=False)
    opened.wait_ready()
    assert opened.backend() == "wasm"
    data = mixed_dataset()
    load_into_teach(opened, write(tmp_path / "mixed.json", data), [20, 12, 12, 3])
    shown = evaluate_on_page(opened)
    expected = check_against_numpy(shown, data, k=3)  # the slider's 3: the smallest class has 3
    assert all(expected["tight", v] == 0 for v in ("cat", "dog", "small")) and expected["tight", "tight"] == 20
    assert expected["cat", "dog"] >= 0.2 * 12 or expected["dog", "cat"] >= 0.2 * 12  # they do mix
    assert shown["hints"] == [["few", ["small"]], ["unbalanced", ["tight", "small"]], ["mixed", ["cat", "dog"]]]
    assert "Leave-one-out" in shown["caption"]
    summary = opened.page.text_content("#evaluation-summary")
    assert f"{sum(expected[n, n] for n in ('tight', 'cat', 'dog', 'small'))} of 47 examples" in summary
    audit = Audit(opened.page, axe_source)
    audit.run("evaluated")  # the table, its headers and the hints
    audit.check()

    # A removed class is left out; an empty one too. k follows the slider (1 here).
    opened.page.click("[data-action=remove][data-index='3']")
    opened.page.click("[data-action=clear][data-index='0']")
    opened.page.wait_for_function("() => document.querySelectorAll('.class-card').length === 3")
    opened.page.fill("#k", "1")
    shown = evaluate_on_page(opened)
    kept = dataset_format.Dataset(MODEL, SIZE, [dataset_format.ClassData("tight", []), *data.classes[1:3]])
    check_against_numpy(shown, kept, k=1)
    assert [name for name, *_ in shown["rows"]] == ["cat", "dog"]
    assert opened.errors == [], opened.errors


def test_a_thousand_examples_evaluate_quickly(open_page, astronaut_video, tmp_path):
    """Also while the camera runs and every frame is classified."""
    opened = open_page("?backend=wasm", video=astronaut_video)
    opened.wait_ready()
    counts = {"A": 400, "B": 300, "C": 200, "D": 100}
    data = make_dataset(counts, spread=0.5, seed=3)
    load_into_teach(opened, write(tmp_path / "thousand.json", data), list(counts.values()))
    opened.wait_frames(2)
    shown = evaluate_on_page(opened, timeout=30_000)
    assert shown["seconds"] < 20, f"1,000 examples took {shown['seconds']:.1f} s"
    check_against_numpy(shown, data, k=3)
    assert int(shown["examples"]) == 1000
    assert shown["hints"] == [["unbalanced", ["A", "D"]]]
    print(f"\n1,000 examples evaluated in {shown['seconds']:.2f} s from the press "
          f"({int(shown['ms'])} ms in the handler), frames {opened.frames()}")
    assert opened.errors == [], opened.errors
