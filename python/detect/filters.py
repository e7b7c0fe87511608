"""Detect's filters: the score threshold, the most boxes shown, and which classes count. They make
the `Settings` that select the boxes shown from the detector's candidates.

Each detector starts at its upstream defaults; the classes chosen carry over to another detector.

Example:
    filters = BoxFilters(bridge, on_change=app.render)
    filters.use_detector(detector)
    filters.wire()
    candidates.select(filters.settings)   # candidates: what Detector.detect returned
"""

from __future__ import annotations

import html
from dataclasses import replace

from models.detections import class_names, filter_summary


class BoxFilters:
    def __init__(self, bridge, on_change):
        self.b = bridge
        self.on_change = on_change  # the boxes shown follow at once
        self.settings = None
        self._names: list[str] = []  # the class names the detector can report

    def wire(self) -> None:
        b = self.b
        b.listen(b.el("threshold"), "input", lambda e: self.change("threshold", int(e.target.value)))
        b.listen(b.el("max-detections"), "input", lambda e: self.change("max-detections", int(e.target.value)))
        b.listen(b.el("class-options"), "change", lambda _e: self.classes_changed())
        b.listen(b.el("classes-all"), "click", lambda _e: self.check_all(True))
        b.listen(b.el("classes-none"), "click", lambda _e: self.check_all(False))

    def use_detector(self, detector) -> None:
        """The detector's defaults and its classes as checkboxes; the classes chosen carry over."""
        classes = self.settings.classes if self.settings else None
        self.settings = replace(detector.defaults, classes=classes)
        self._set_control("threshold", round(self.settings.threshold * 100))
        self._set_control("max-detections", self.settings.max_detections)
        self._names = class_names(detector.labels)
        chosen = self.settings.classes
        self.b.el("class-options").innerHTML = "".join(
            f'<label><input type="checkbox" value="{html.escape(n)}"{"" if chosen is not None and n not in chosen else " checked"}>'
            f' {html.escape(n)}</label>' for n in self._names)
        self._show_classes()

    def change(self, name: str, value: int) -> None:
        if name == "threshold":
            self.settings = replace(self.settings, threshold=value / 100)
        else:
            self.settings = replace(self.settings, max_detections=value)
        self._show_value(name, value)
        self.on_change()

    def check_all(self, checked: bool) -> None:
        for box in self.b.el("class-options").querySelectorAll("input"):
            box.checked = checked
        self.classes_changed()

    def classes_changed(self) -> None:
        chosen = frozenset(box.value for box in self.b.el("class-options").querySelectorAll("input:checked"))
        self.settings = replace(self.settings, classes=None if chosen >= set(self._names) else chosen)
        self._show_classes()
        self.on_change()

    def _set_control(self, name: str, value: int) -> None:
        self.b.el(name).value = str(value)
        self._show_value(name, value)

    def _show_value(self, name: str, value: int) -> None:
        self.b.set_text(f"{name}-value", f"{value}%" if name == "threshold" else str(value))

    def _show_classes(self) -> None:
        self.b.set_text("class-summary", f"Classes: {filter_summary(self.settings.classes, self._names)}")
