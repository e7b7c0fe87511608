"""Many image files at once (several chosen, a folder, dropped on a class): each decoded, embedded
and used in turn, with a progress bar; files that are no image, or show no object, are named and
the others used.

Example:
    files = ImageFiles(bridge, page)
    await files.each(bridge.take_files(input_element), embed, use)
"""

from __future__ import annotations


class ImageFiles:
    def __init__(self, bridge, page):
        self.b = bridge
        self.page = page

    async def each(self, files: list, embed, use) -> None:
        """`embed(bitmap)` -> what was embedded (with `dispose(bridge)`) or None (no object); `use(name,
        bitmap, embedded)` for each file that gave one. Everything embedded is disposed here."""
        bad, empty = [], []
        for done, file in enumerate(files):
            self._progress(done, len(files))
            try:
                bitmap = await self.b.image_from_file(file)
            except Exception:
                bad.append(file.name)
                continue
            try:
                found = await embed(bitmap)
                if found is None:
                    empty.append(file.name)
                    continue
                try:
                    await use(file.name, bitmap, found)
                finally:
                    found.dispose(self.b)
            finally:
                bitmap.close()
        self._progress(len(files), len(files))
        problems = ([f"Not an image this browser can read: {', '.join(bad)}."] if bad else []) + \
            ([f"No object found in: {', '.join(empty)}."] if empty else [])
        if problems:
            self.page.message(" ".join(problems) + " The other files were used.")

    def _progress(self, done: int, total: int) -> None:
        """A bar while several files are added, gone when done."""
        bar = self.b.el("files-progress")
        bar.max, bar.value = max(total, 1), done
        self.b.set_hidden("files-progress-row", total < 2 or done >= total)
        self.b.set_text("files-progress-text", f"Adding image {done + 1} of {total}…" if done < total else "")
