"""Detect's "Your classes" controls: naming on or off, which boxes, how strict, a dataset file.

DOM over `bridge`; the naming itself is box_names.BoxNamer. `on_change()` is called whenever the
names on the boxes may change, so the page redraws (and its tracker starts anew).

Example:
    panel = NamingPanel(bridge, page, names, on_change=redraw)
    panel.wire()
    panel.show(detector.labels)
"""

from __future__ import annotations

import html

from classifier.dataset import DatasetError
from models.detections import class_names
from models.model_files import ModelError


class NamingPanel:
    def __init__(self, bridge, page, names, on_change):
        self.b = bridge
        self.page = page
        self.names = names
        self.on_change = on_change

    def wire(self) -> None:
        b = self.b
        b.listen(b.el("naming-on"), "change", lambda e: self.page.spawn(self._switch_on(bool(e.target.checked))))
        b.listen(b.el("naming-only"), "change", lambda e: self._set_only(e.target.value))
        b.listen(b.el("naming-load"), "change", lambda e: self.page.spawn(self.load_file(e.target)))
        b.listen(b.el("naming-strictness"), "change",
                 lambda e: self.page.spawn(self._set_strictness(float(e.target.value))))

    def show(self, labels: list | None = None) -> None:
        """The panel as the namer is now; `labels`: the detector's (another detector, other choices)."""
        names = self.names
        self.b.set_text("naming-source", names.describe())
        self.b.set_data("naming", "examples", str(sum(names.trainer.classes.counts()) if names.ready else 0))
        self.b.set_data("naming", "on", "true" if names.enabled and names.ready else "false")
        self.b.set_data("naming", "embedder", names.embedder.name if names.embedder is not None else "")
        self.b.el("naming-on").disabled = not names.ready or names.loading
        self.b.el("naming-on").checked = (names.enabled or names.loading) and names.ready
        if names.trainer is not None:
            self.b.el("naming-strictness").value = str(names.trainer.strictness)
        if labels is not None:
            self.b.el("naming-only").innerHTML = '<option value="">every box</option>' + "".join(
                f'<option value="{html.escape(n)}">only {html.escape(n)}</option>' for n in class_names(labels))
            self.b.el("naming-only").value = names.only or ""

    def _changed(self) -> None:
        self.show()
        self.on_change()

    async def _switch_on(self, on: bool) -> None:
        """Naming on or off; the first time on may load a model (seconds), its progress in the panel."""
        try:
            await self.names.switch_on(on, progress=self._loading)
        except ModelError as error:
            self.page.message(f"{error} The boxes are not named.")
        self._changed()

    def _loading(self, done: int, total: int) -> None:
        self.show()
        self.b.set_text("naming-source", f"{self.names.describe()} {round(100 * done / total) if total else 0}%")

    def _set_only(self, label: str) -> None:
        self.names.only = label or None
        self._changed()

    async def _set_strictness(self, strictness: float) -> None:
        await self.names.set_strictness(strictness)
        self._changed()

    async def load_file(self, input_element) -> None:
        files = self.b.take_files(input_element)
        if not files:
            return
        try:
            await self.names.load_file(await self.b.read_file_bytes(files[0]), files[0].name)
        except DatasetError as error:
            self.page.message(f"{files[0].name}: {error} The classes in use are unchanged.")
            return
        self.page.clear_message()
        await self._switch_on(True)
