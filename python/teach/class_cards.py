"""The Teach page's class cards and confidence bars: DOM built from a ClassList, updated in place.

Cards carry data-action/data-index attributes so one delegated listener per event serves them all
(re-rendering makes no new proxies); thumbnails are canvases kept per class across re-renders, each
in a button that picks its example (data-example: its position in the class) to remove or move.
"""

from __future__ import annotations

from classifier.dataset import image_type

THUMBS_SHOWN = 24

CARD_HTML = (
    '<header><input class="name" data-action="rename" aria-label="Class name">'
    '<span class="count"></span></header>'
    '<div class="actions"><button type="button" class="primary record" data-action="record">Add example</button>'
    '<label class="button">Add images <input type="file" accept="image/*" multiple class="visually-hidden" data-action="upload"></label>'
    '<label class="button">Add a folder <input type="file" webkitdirectory multiple class="visually-hidden" data-action="upload-folder"></label>'
    '<button type="button" data-action="clear">Clear</button>'
    '<button type="button" class="danger" data-action="remove">Remove</button></div>'
    '<div class="thumbs"></div>'
    '<p class="example-actions" hidden><span class="picked"></span> '
    '<button type="button" class="danger" data-action="remove-example">Remove it</button> '
    '<select data-action="move-example"></select></p>')
BAR_HTML = '<span class="label"></span><span class="track"><span class="fill"></span></span><span class="value">0%</span>'


def count_text(count: int) -> str:
    return f"{count} example{'' if count == 1 else 's'}"


class ClassCards:
    def __init__(self, bridge):
        self.b = bridge
        self.thumbs: dict[int, list] = {}   # id(ClassData) -> thumbnail buttons
        self.picked: tuple[int, int] | None = None  # (class, example) whose thumbnail was chosen
        self.flipping = False  # examples are being added with their mirrored views: the cards say so
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
        self.picked = None
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
        for card in self._cards:
            card.querySelector(".thumbs").replaceChildren()
        for data in list(classes.classes):
            first = max(0, len(data.thumbnails) - THUMBS_SHOWN)
            for example, thumbnail in enumerate(data.thumbnails[first:], start=first):
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
                self.add_thumb(classes, classes.classes.index(data), canvas, example)

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
        card.dataset.index = str(index)  # a drop target: files dropped on the card go to its class
        for action, verb in (("upload", "Add images to"), ("upload-folder", "Add a folder of images to"),
                             ("clear", "Clear"), ("remove", "Remove")):
            card.querySelector(f"[data-action={action}]").setAttribute("aria-label", f"{verb} {data.name}")
        thumbs = self.thumbs.get(id(data), [])
        for thumb in thumbs:
            thumb.dataset.index = str(index)
        card.querySelector(".thumbs").append(*thumbs)
        return card

    def _bar(self, name: str):
        row = self.b.make("div", "bar-row")
        row.innerHTML = BAR_HTML
        row.querySelector(".label").textContent = name
        self._bars.append((row, row.querySelector(".fill"), row.querySelector(".value")))
        return row

    def add_thumb(self, classes, index: int, canvas, example: int | None = None) -> None:
        """`canvas` as the thumbnail of example `example` of class `index` (None: its newest)."""
        data = classes.classes[index]
        example = len(data.embeddings) - 1 if example is None else example
        thumb = self.b.make("button", "thumb")
        thumb.type = "button"
        thumb.dataset.action, thumb.dataset.index, thumb.dataset.example = "pick-example", str(index), str(example)
        thumb.setAttribute("aria-label", f"Example {example + 1} of {data.name}")
        thumb.appendChild(canvas)
        thumbs = self.thumbs.setdefault(id(data), [])
        thumbs.append(thumb)
        self._cards[index].querySelector(".thumbs").appendChild(thumb)
        if len(thumbs) > THUMBS_SHOWN:
            thumbs.pop(0).remove()

    def pick(self, classes, index: int, example: int) -> None:
        """Show what can be done with one example: remove it, or move it to another class."""
        self.picked = (index, example)
        for card_index, card in enumerate(self._cards):
            card.querySelector(".example-actions").hidden = card_index != index
            for thumb in card.querySelectorAll(".thumb"):
                thumb.setAttribute("aria-pressed", "true" if (card_index, int(thumb.dataset.example)) == self.picked
                                   else "false")
        card = self._cards[index]
        card.querySelector(".picked").textContent = f"Example {example + 1}:"
        move = card.querySelector("[data-action=move-example]")
        move.setAttribute("aria-label", f"Move example {example + 1} of {classes.classes[index].name} to")
        move.innerHTML = '<option value="">Move to…</option>'
        for other, data in enumerate(classes.classes):
            if other != index:
                option = self.b.make("option", text=data.name)
                option.value = str(other)
                move.appendChild(option)

    def update_counts(self, counts: list[int]) -> None:
        for card, count in zip(self._cards, counts):
            label = card.querySelector(".count")
            label.textContent = count_text(count) + (" · adding mirrored views too" if self.flipping else "")
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
