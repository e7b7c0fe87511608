"""Holding a class's button records; a click or Enter adds one example. Mouse, finger and keyboard.

The frame loop asks `target()` which class the next frame's example goes to (None: no example).
Listeners are delegated to the class list (one per event for every card), so re-rendering the
cards makes no new proxies.

Example:
    buttons = RecordButtons(bridge)
    buttons.wire(bridge.el("class-list"), on_other=handle_clear_remove_and_rename)
    index = buttons.target()   # on each frame
"""

from __future__ import annotations


def action_of(event) -> tuple[str | None, int | None]:
    """The card control an event hit: its data-action and its class's data-index."""
    target = event.target.closest("[data-action]")
    if target is None:
        return None, None
    return target.dataset.action, int(target.dataset.index)


class RecordButtons:
    def __init__(self, bridge):
        self.b = bridge
        self.recording: int | None = None   # class whose button is held
        self.once: int | None = None        # a click: one example on the next frame

    def wire(self, class_list, on_click) -> None:
        """`on_click(action, index, element)`: the cards' other buttons (clear, remove, a thumbnail...)."""
        b = self.b
        self._on_other_click = on_click
        b.listen(class_list, "pointerdown", self._on_pointerdown)
        b.listen(class_list, "click", self._on_click)
        b.listen(class_list, "keydown", self._on_keydown)
        b.listen(class_list, "keyup", self._on_keyup)
        # A held finger would open the long-press menu instead of recording (CSS stops selection and scroll).
        b.listen(class_list, "contextmenu", self._on_contextmenu)
        for event in ("pointerup", "pointercancel"):  # lifting the finger or button anywhere
            b.listen(b.document, event, lambda _e: self.stop())

    def target(self) -> int | None:
        """The class the next frame's example goes to; a click's one example is taken by asking."""
        target = self.recording if self.recording is not None else self.once
        self.once = None
        return target

    def pending(self) -> bool:
        return self.recording is not None or self.once is not None

    def cancel(self) -> None:
        """The classes changed under the buttons: no example goes anywhere."""
        self.recording = self.once = None

    def start(self, index: int) -> None:
        """One example on the next frame, and one per frame for as long as the button is held."""
        self.recording = self.once = index
        self.b.set_data(f"record-{index}", "recording", "true")

    def stop(self) -> None:
        if self.recording is not None:
            self.b.set_data(f"record-{self.recording}", "recording", "false")
        self.recording = None

    def _on_pointerdown(self, event) -> None:
        action, index = action_of(event)
        if action == "record":
            self.start(index)

    def _on_keydown(self, event) -> None:
        """Space held on a class button records, like a held mouse button (Enter adds one, by click)."""
        action, index = action_of(event)
        if action == "record" and event.key == " ":
            event.preventDefault()  # no click on release: the press already added its example
            if not event.repeat:
                self.start(index)

    def _on_keyup(self, event) -> None:
        action, _index = action_of(event)
        if action == "record" and event.key == " ":
            event.preventDefault()
            self.stop()

    def _on_contextmenu(self, event) -> None:
        action, _index = action_of(event)
        if action == "record":
            event.preventDefault()

    def _on_click(self, event) -> None:
        action, index = action_of(event)
        if action == "record":
            if event.detail == 0:  # keyboard activation: no pointer events
                self.once = index
        elif action is not None:
            self._on_other_click(action, index, event.target.closest("[data-action]"))
