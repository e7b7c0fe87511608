"""Where Teach's dataset is kept: IndexedDB (restored on every visit), and files the visitor saves
or loads. Bursts of changes (a held record button) are written once, after a short quiet spell.

The IndexedDB entry is per embedding model ("dataset:centernet"); Detect reads the same entry. Two
tabs never overwrite each other unseen: the last change saved wins, and every other tab of the site
is told (a BroadcastChannel), reloads it and says so; a tab that has a change of its own waiting to
be saved keeps it, saves it, and the others then reload that.

Example:
    store = DatasetStore(bridge, page, trainer, on_saved=recalibrate)
    await store.restore()                  # the examples of the last visit, if any
    store.schedule_save()                  # after every change
"""

from __future__ import annotations

import asyncio

from classifier import dataset as dataset_format

SAVE_DELAY_S = 0.5
DATASET_FILE = "train-your-browser-dataset.json"


def store_key(model_name: str) -> str:
    return f"dataset:{model_name}"


async def saved_models(bridge) -> set[str]:
    """The embedding models this browser keeps a dataset for (`store_key`'s names)."""
    prefix = store_key("")
    return {key[len(prefix):] for key in await bridge.idb_keys() if key.startswith(prefix)}


class DatasetStore:
    def __init__(self, bridge, page, trainer, before_save, on_reloaded=None):
        self.b = bridge
        self.page = page
        self.trainer = trainer
        self.before_save = before_save  # async: work worth doing once per burst (recalibrating)
        self.on_reloaded = on_reloaded  # async: the dataset was replaced by another tab's
        self._save_task = None
        self._key = store_key(trainer.model_name)
        bridge.on_saved_elsewhere(self._saved_elsewhere)

    async def restore(self) -> bool:
        """The dataset saved in this browser, now the trainer's; False when there is none (or a bad one)."""
        data = await self.b.idb_get(self._key)  # bytes; text as saved before datasets were kept as bytes
        if not data:
            return False
        try:
            await self.trainer.load(await dataset_format.read(data, self.trainer.model_name, self.trainer.size))
        except dataset_format.DatasetError as error:
            self.page.message(f"The dataset saved in this browser could not be restored: {error}")
            return False
        return True

    def _saved_elsewhere(self, key: str) -> None:
        if key == self._key and not self._pending() and self.on_reloaded is not None:
            self.page.spawn(self._reload())

    async def _reload(self) -> None:
        if await self.restore():
            self.page.message("This dataset was changed in another tab of this site: it is shown here as saved "
                              "there.", kind="info")
            await self.on_reloaded()

    def _pending(self) -> bool:
        return self._save_task is not None and not self._save_task.done()

    async def save_file(self) -> None:
        await self.b.download_file(DATASET_FILE, await dataset_format.write(self.trainer.dataset()))

    async def load_file(self, input_element) -> dataset_format.Dataset | None:
        """The chosen file's dataset, now the trainer's; None (and a message) when there is none."""
        files = self.b.take_files(input_element)
        if not files:
            return None
        try:
            loaded = await dataset_format.read(await self.b.read_file_bytes(files[0]), self.trainer.model_name,
                                               self.trainer.size)
        except dataset_format.DatasetError as error:
            self.page.message(f"{files[0].name}: {error} Your current dataset is unchanged.")
            return None
        await self.trainer.load(loaded)
        self.schedule_save()
        self.page.message(f"Loaded {loaded.total_examples()} examples in {len(loaded.classes)} classes from "
                          f"{files[0].name}.", kind="info")
        return loaded

    def schedule_save(self) -> None:
        """Keep the dataset in IndexedDB; bursts (a held button) are written once."""
        if self._pending():
            self._save_task.cancel()
        self._save_task = self.page.spawn(self._save_later())

    async def _save_later(self) -> None:
        await asyncio.sleep(SAVE_DELAY_S)
        await self.before_save()
        dataset = self.trainer.dataset()
        await self.b.idb_put(self._key, await dataset_format.write(dataset))
        self.b.announce_saved(self._key)
        self.b.set_data("page", "saved", str(dataset.total_examples()))
