"""Editing the classes on Teach's cards: add, rename, clear and remove a class, pick an example and
move or remove it, add image files by picking or dropping them on a card.

Every change to the set of classes goes through `change`: the class list changes (or says why it
cannot), a recording in progress stops, the KNN is rebuilt (its class ids are dense), the cards are
drawn anew and the dataset is saved. One delegated listener per event serves every card, so drawing
the cards again makes no new proxies.

Example:
    editor = ClassEditor(bridge, page, classes, cards, buttons, trainer, store, add_files=app.add_files)
    editor.wire(bridge.el("class-list"))
"""

from __future__ import annotations

from classifier.class_list import ClassListError
from teach.record_buttons import action_of

THUMB_SIZE = (64, 48)  # the examples' thumbnails, as saved


class ClassEditor:
    def __init__(self, bridge, page, classes, cards, buttons, trainer, store, add_files):
        self.b, self.page = bridge, page
        self.classes, self.cards, self.buttons = classes, cards, buttons
        self.trainer, self.store = trainer, store
        self.add_files = add_files  # async (class index, files): embeds and adds them

    def wire(self, class_list) -> None:
        b = self.b
        b.listen(b.el("class-add"), "click", lambda _e: self.change(lambda: self.classes.add()))
        self.buttons.wire(class_list, on_click=self._on_click)
        b.listen(class_list, "change", self._on_change)
        b.listen(class_list, "dragover", lambda e: e.preventDefault())  # a class card takes dropped files
        b.listen(class_list, "drop", self._on_drop)

    def render(self) -> None:
        self.cards.render(self.classes)

    async def restore_thumbs(self) -> None:
        await self.cards.restore_thumbs(self.classes, THUMB_SIZE)

    def change(self, change, rebuild: bool = True, thumbs: bool = False) -> None:
        """A change to the set of classes: rebuild the KNN (dense ids) and the cards (`thumbs`: their
        thumbnails too, from the saved ones, when examples moved between or within classes)."""
        try:
            change()
        except ClassListError as error:
            self.page.message(str(error))
        else:
            self.page.clear_message()
            self.buttons.cancel()
            self.page.spawn(self._rebuilt_and_saved(rebuild))
        self.render()
        if thumbs:
            self.page.spawn(self.restore_thumbs())

    async def _rebuilt_and_saved(self, rebuild: bool) -> None:
        if rebuild:
            await self.trainer.rebuild()
        self.store.schedule_save()

    def _on_click(self, action: str, index: int, element) -> None:
        if action == "clear":
            self.change(lambda: self.classes.clear(index))
        elif action == "remove":
            self.change(lambda: self.classes.remove(index))
        elif action == "pick-example":
            self.cards.pick(self.classes, index, int(element.dataset.example))
        elif action == "remove-example" and self.cards.picked:
            self.change(lambda: self.classes.remove_example(*self.cards.picked), thumbs=True)

    def _on_change(self, event) -> None:
        action, index = action_of(event)
        if action == "rename":
            self.change(lambda: self.classes.rename(index, event.target.value), rebuild=False)
        elif action == "move-example" and self.cards.picked and event.target.value:
            to = int(event.target.value)
            self.change(lambda: self.classes.move_example(*self.cards.picked, to), thumbs=True)
        elif action in ("upload", "upload-folder"):
            self.page.spawn(self.add_files(index, self.b.take_files(event.target)))

    def _on_drop(self, event) -> None:
        card = event.target.closest(".class-card")
        event.preventDefault()
        if card is not None:
            self.page.spawn(self.add_files(int(card.dataset.index), self.b.dropped_files(event)))
