"""Teach's "How good is it?" view: leave-one-out accuracy per class, the confusion matrix, hints.

DOM over `bridge`; the numbers are evaluation.py's. `run()` reads each stored example's nearest
examples from the trainer (the stored rows, no re-embedding: one TF.js query per chunk of examples),
votes in Python and renders one table and the hints. What is shown is also in data-* attributes,
for CSS and the tests: #evaluation[data-state, data-accuracy, data-correct, data-examples, data-k],
each class's row [data-class, data-count, data-correct, data-accuracy], each matrix cell
[data-true, data-voted, data-count], each hint [data-kind, data-classes (JSON names)].

Example:
    panel = EvaluationPanel(bridge, page, trainer)
    panel.wire()   # the Evaluate button runs it
"""

from __future__ import annotations

import html
import json

from classifier.evaluation import Evaluation, Hint, evaluate, hints
from web.formatting import percent

DATA_KEYS = ("accuracy", "correct", "examples", "k", "ms")  # #evaluation's data-*, "" until evaluated


def _attr(value) -> str:
    return html.escape(str(value), quote=True)


def _fraction(value: float) -> str:
    """A share as data-accuracy says it: at most 4 decimals, no float noise (7/8 -> "0.875")."""
    return repr(round(value, 4))


def summary_text(result: Evaluation, seconds: float | None = None) -> str:
    took = "" if seconds is None else f", in {seconds:.1f} s" if seconds >= 0.1 else ", in under 0.1 s"
    return (f"{percent(result.accuracy)} right: {sum(result.correct)} of {result.total} examples voted "
            f"their own class by their {result.k} nearest other example{'' if result.k == 1 else 's'}{took}.")


def table_html(result: Evaluation, names: list[str]) -> str:
    """One row per taught class: its examples, the share voted right, then the confusion matrix's
    row (how many were voted each class); the columns are headed by the class names."""
    shown = [names[c] for c in result.classes]
    head = ("<colgroup span='3'></colgroup>"
            f"<colgroup span='{len(shown)}'></colgroup>"
            f"<thead><tr><td colspan='3'></td><th scope='colgroup' colspan='{len(shown)}'>Voted as</th></tr>"
            "<tr><th scope='col'>Class</th><th scope='col'>Examples</th><th scope='col'>Right</th>"
            + "".join(f"<th scope='col' data-class='{_attr(n)}'>{html.escape(n)}</th>" for n in shown)
            + "</tr></thead>")
    rows = []
    for i, (name, count, right, share) in enumerate(zip(shown, result.counts, result.correct, result.accuracies)):
        cells = "".join(
            f"<td class='cell' data-true='{_attr(name)}' data-voted='{_attr(shown[j])}' data-count='{n}'"
            f" data-kind='{'right' if i == j else 'wrong' if n else 'none'}'>{n}</td>"
            for j, n in enumerate(result.confusion[i]))
        rows.append(f"<tr data-class='{_attr(name)}' data-count='{count}' data-correct='{right}' "
                    f"data-accuracy='{_fraction(share)}'><th scope='row'>{html.escape(name)}</th>"
                    f"<td>{count}</td><td class='right'>{percent(share)}</td>{cells}</tr>")
    caption = ("<caption id='evaluation-caption'>Leave-one-out: each row is one class's examples, each "
               "column the class their nearest other examples voted for them.</caption>")
    return (f"<div class='evaluation-table' role='region' aria-labelledby='evaluation-caption' tabindex='0'>"
            f"<table>{caption}{head}<tbody>{''.join(rows)}</tbody></table></div>")


def hints_html(found: list[Hint], names: list[str]) -> str:
    if not found:
        return ("<ul class='evaluation-hints'><li data-kind='ok'>Nothing stands out: every class has "
                "enough examples, they are about as large, and no two are mixed up.</li></ul>")
    items = "".join(f"<li data-kind='{_attr(h.kind)}' data-classes='{_attr(json.dumps([names[c] for c in h.classes]))}'"
                    f">{html.escape(h.text)}</li>" for h in found)
    return f"<ul class='evaluation-hints'>{items}</ul>"


class EvaluationPanel:
    def __init__(self, bridge, page, trainer):
        self.b = bridge
        self.page = page
        self.trainer = trainer

    def wire(self) -> None:
        self.b.listen(self.b.el("evaluate"), "click", lambda _e: self.page.spawn(self.run()))

    async def run(self) -> Evaluation | None:
        """Evaluate the examples as they are now; None (and a sentence) when there is nothing to
        evaluate or the examples changed meanwhile."""
        trainer = self.trainer
        labels = trainer.labels
        if len(labels) < 2:
            self._show("empty", "Add at least two examples to evaluate them.")
            return None
        k = trainer.k_used()
        self._show("running", "Evaluating…")
        self.b.el("evaluate").disabled = True
        started = self.b.now_ms()
        try:
            found = await trainer.leave_one_out(k + 1)
        except Exception:
            if trainer.labels is labels:
                self._show("error", "")
                raise
            found = None  # the examples changed under the query (a class removed, a file loaded)
        finally:
            self.b.el("evaluate").disabled = False
        if found is None or trainer.labels is not labels:
            self._show("stale", "The examples changed while they were evaluated: press Evaluate again.")
            return None
        result = evaluate(found, labels, k)
        self._render(result, trainer.classes.names(), (self.b.now_ms() - started) / 1000)
        return result

    def _show(self, state: str, summary: str, output: str = "", numbers: dict | None = None) -> None:
        """The section's text and data-* attributes; data-state last, once the rest is written."""
        for key in DATA_KEYS:
            self.b.set_data("evaluation", key, str((numbers or {}).get(key, "")))
        self.b.set_text("evaluation-summary", summary)
        self.b.el("evaluation-output").innerHTML = output
        self.b.set_data("evaluation", "state", state)

    def _render(self, result: Evaluation, names: list[str], seconds: float) -> None:
        numbers = {"accuracy": _fraction(result.accuracy), "correct": sum(result.correct),
                   "examples": result.total, "k": result.k, "ms": round(seconds * 1000)}
        self._show("done", summary_text(result, seconds),
                   table_html(result, names) + hints_html(hints(result, names), names), numbers)
