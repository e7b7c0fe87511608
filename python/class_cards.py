"""The Teach page's class cards and confidence bars: DOM built from a ClassList, updated in place.

Cards carry data-action/data-index attributes so one delegated listener per event serves them all
(re-rendering makes no new proxies); thumbnails are canvases kept per class across re-renders.
"""

from __future__ import annotations

from dataset import image_type

THUMBS_SHOWN = 24

CARD_HTML = (
    '<header><input class="name" data-action="rename" aria-label="Class name">'
    '<span class="count"></span></header>'
    '<div class="actions"><button type="button" class="primary record" data-action="record">Add example</button>'
    '<label class="button">Add images <input type="file" accept="image/*" multiple class="visually-hidden" data-action="upload"></label>'
    '<button type="button" data-action="clear">Clear</button>'
    '<button type="button" class="danger" data-action="remove">Remove</button></div>'
    '<div class="thumbs"></div>')
BAR_HTML = '<span class="label"></span><span class="track"><span class="fill"></span></span><span class="value">0%</span>'


def count_text(count: int) -> str:
    return f"{count} example{'' if count == 1 else 's'}"


class ClassCards:
    def __init__(self, bridge):
        self.b = bridge
        self.thumbs: dict[int, list] = {}   # id(ClassData) -> thumbnail canvases
        self._cards: list = []
        self._bars: list[tuple] = []        # (row, fill, value) per class
        self._shown: list[tuple] = []       # the rows last written, so unchanged bars cost nothing

    def render(self, classes) -> None:
        live = {id(c) for c in classes.classes}
        self.thumbs = {key: canvases for key, canvases in self.thumbs.items() if key in live}
        card_list, bar_list = self.b.el("class-list"), self.b.el("bars")
        card_list.replaceChildren()
        bar_list.replaceChildren()
        self._cards, self._bars, self._shown = [], [], []
        for index, data in enumerate(classes.classes):
            self._cards.append(card_list.appendChild(self._card(index, data)))
            bar_list.appendChild(self._bar(data.name))
        self.update_counts(classes.counts())

    def forget_thumbs(self) -> None:
        self.thumbs = {}

    async def restore_thumbs(self, classes, size: tuple[int, int]) -> None:
        """The saved thumbnails of each class's last THUMBS_SHOWN examples (a reload, a loaded file);
        stops if the classes change meanwhile."""
        self.forget_thumbs()
        for data in list(classes.classes):
            for thumbnail in data.thumbnails[-THUMBS_SHOWN:]:
                mime = image_type(thumbnail)
                if mime is None:  # an example saved without one
                    continue
                bitmap = await self.b.image_from_bytes(thumbnail, mime)
                try:
                    canvas = self.b.snapshot(bitmap, *size)
                finally:
                    bitmap.close()
                if data not in classes.classes:
                    return
                self.add_thumb(classes, classes.classes.index(data), canvas)

    def _card(self, index: int, data):
        card = self.b.make("div", "class-card")
        card.innerHTML = CARD_HTML
        for element in card.querySelectorAll("[data-action]"):
            element.dataset.index = str(index)
        card.querySelector("input.name").value = data.name
        record = card.querySelector("button.record")
        record.id = f"record-{index}"
        record.textContent = f"Add example to {data.name}"
        # Every card has these three: their names say which class, for a screen reader's list of controls.
        for action, verb in (("upload", "Add images to"), ("clear", "Clear"), ("remove", "Remove")):
            card.querySelector(f"[data-action={action}]").setAttribute("aria-label", f"{verb} {data.name}")
        card.querySelector(".thumbs").append(*self.thumbs.get(id(data), []))
        return card

    def _bar(self, name: str):
        row = self.b.make("div", "bar-row")
        row.innerHTML = BAR_HTML
        row.querySelector(".label").textContent = name
        self._bars.append((row, row.querySelector(".fill"), row.querySelector(".value")))
        return row

    def add_thumb(self, classes, index: int, canvas) -> None:
        canvases = self.thumbs.setdefault(id(classes.classes[index]), [])
        canvases.append(canvas)
        self._cards[index].querySelector(".thumbs").appendChild(canvas)
        if len(canvases) > THUMBS_SHOWN:
            canvases.pop(0).remove()

    def update_counts(self, counts: list[int]) -> None:
        for card, count in zip(self._cards, counts):
            label = card.querySelector(".count")
            label.textContent = count_text(count)
            label.dataset.count = str(count)

    def show_confidences(self, rows) -> None:
        """rows: (name, fraction, text, is_top) per class, as formatting.prediction_rows gives them.

        Only changed bars are written: every DOM write costs the browser style and paint work in
        the frame, which the live loop cannot spare.
        """
        shown = self._shown + [None] * (len(rows) - len(self._shown))
        for (row, fill, value), new, old in zip(self._bars, rows, shown):
            if new == old:
                continue
            _name, fraction, text, top = new
            fill.style.width = f"{fraction * 100:.0f}%"
            value.textContent = text
            row.dataset.top = "true" if top else "false"
        self._shown = list(rows)
