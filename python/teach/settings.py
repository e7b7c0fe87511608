"""Teach's settings controls: k, the strictness of "sure", steady labels, Teach objects, mirrored views.

k and strictness belong to the trainer (and travel with the dataset); the two choices of how
examples are made are the page's, "Teach objects" remembered in localStorage.

Example:
    settings = TeachSettings(bridge, trainer, cards, objects=True, save=store.schedule_save)
    settings.wire()
    settings.show()          # after a dataset with its own k and strictness is loaded
"""

from __future__ import annotations

from classifier.steady_label import STEADY_KEY, remembered
from web.formatting import k_text

TEACH_OBJECTS_KEY = "teach-objects"  # localStorage: the visitor's "Teach objects" choice


class TeachSettings:
    def __init__(self, bridge, trainer, cards, objects: bool, steady, save, objects_wanted=None):
        self.b = bridge
        self.trainer = trainer
        self.cards = cards
        self.objects = objects  # a detector is built (or the embedding model detects): "Teach objects" can be offered
        self.save = save        # the dataset (with k and strictness) is to be saved, and recalibrated
        self.objects_wanted = objects_wanted  # () "Teach objects" was ticked: its detector may load
        self.teach_objects = objects and bridge.local_get(TEACH_OBJECTS_KEY) == "true"
        self.flip_examples = False
        self.steady = steady  # steady_label.SteadyLabel: camera labels smoothed over frames
        steady.on = remembered(bridge.local_get(STEADY_KEY))

    def wire(self) -> None:
        b = self.b
        b.listen(b.el("k"), "input", lambda e: self._set_k(int(e.target.value)))
        b.listen(b.el("strictness"), "input", lambda e: self._set_strictness(float(e.target.value)))
        b.listen(b.el("teach-objects"), "change", lambda e: self._set_teach_objects(bool(e.target.checked)))
        b.listen(b.el("flip-examples"), "change", lambda e: self._set_flip_examples(bool(e.target.checked)))
        b.listen(b.el("steady"), "change", lambda e: self._set_steady(bool(e.target.checked)))

    def show(self) -> None:
        """The controls show the settings (a restored or loaded dataset brings its own k and strictness)."""
        self.b.el("k").value = str(self.trainer.k)
        self.b.el("strictness").value = str(self.trainer.strictness)
        self.b.set_text("strictness-value", f"×{self.trainer.strictness:.1f}")
        self.show_k()
        self.b.set_hidden("teach-objects-choice", not self.objects)
        self.b.el("teach-objects").checked = self.teach_objects
        self.b.el("steady").checked = self.steady.on

    def show_k(self) -> None:
        taught = [n for n in self.trainer.classes.counts() if n]
        self.b.set_text("k-value", k_text(self.trainer.k, self.trainer.k_used(), min(taught, default=0)))

    def _set_k(self, k: int) -> None:
        self.trainer.k = k
        self.show_k()
        self.save()

    def _set_strictness(self, strictness: float) -> None:
        self.trainer.strictness = strictness
        self.b.set_text("strictness-value", f"×{strictness:.1f}")
        self.save()  # which recalibrates

    def _set_teach_objects(self, on: bool) -> None:
        self.teach_objects = on and self.objects
        self.b.local_set(TEACH_OBJECTS_KEY, "true" if self.teach_objects else "false")
        self.b.set_text("object-found", "")
        if self.teach_objects and self.objects_wanted is not None:
            self.objects_wanted()

    def teach_objects_failed(self) -> None:
        """No detector loaded (the page said why): whole frames again, and the box unticked."""
        self.teach_objects = False
        self.b.el("teach-objects").checked = False

    def _set_steady(self, on: bool) -> None:
        self.steady.on = on
        self.b.local_set(STEADY_KEY, "true" if on else "false")

    def _set_flip_examples(self, on: bool) -> None:
        self.flip_examples = on
        self.cards.flipping = on
        self.cards.update_counts(self.trainer.classes.counts())
