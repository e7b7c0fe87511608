"""The shell both pages share: loading view, message banner, status chips and the debug panel.

State is mirrored into data-* attributes on <body> so CSS and the end-to-end tests read the same
thing a visitor sees.
"""

from __future__ import annotations

import asyncio
import random
import traceback

from web.formatting import format_bytes


class Page:
    def __init__(self, bridge):
        self.bridge = bridge
        self.debug_open = False
        self._tensors_shown = None
        bridge.listen(bridge.el("debug-toggle"), "click", lambda _e: self.toggle_debug())

    def spawn(self, coroutine) -> asyncio.Task:
        """Run `coroutine` as a task whose failure is shown in the banner and logged with its traceback."""
        task = asyncio.ensure_future(coroutine)
        task.add_done_callback(self._report)
        return task

    def _report(self, task: asyncio.Task) -> None:
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        self.bridge.log("".join(traceback.format_exception(error)))
        self.message(f"Something went wrong: {error}")

    def set_state(self, state: str) -> None:
        self.bridge.set_data("page", "state", state)

    def loading(self, text: str, done: int = 0, total: int = 0) -> None:
        bar = self.bridge.el("loading-bar")
        if total:
            bar.max, bar.value = total, done
            text = f"{text} {format_bytes(done)} of {format_bytes(total)}"
        else:
            bar.removeAttribute("value")  # indeterminate
        self.bridge.set_text("loading-text", text)

    def ready(self) -> None:
        self.bridge.mark("ready")
        self.bridge.set_hidden("loading", True)
        self.bridge.set_hidden("app", False)
        self.set_state("ready")
        # Offline after the first visit: registered once the page runs, so it never slows the start.
        self.bridge.register_service_worker()

    def message(self, text: str, kind: str = "error") -> None:
        self.bridge.set_text("message", text)
        self.bridge.set_data("message", "kind", kind)
        self.bridge.set_hidden("message", False)

    def clear_message(self) -> None:
        self.bridge.set_hidden("message", True)
        self.bridge.set_text("message", "")

    def fatal(self, text: str) -> None:
        """Nothing on this page can run (e.g. no model): say what to do, keep the navigation."""
        self.message(text)
        self.bridge.set_hidden("loading", True)
        self.set_state("error")

    def status(self, backend: str, model: str, weights: str) -> None:
        self.bridge.set_text("status-backend", f"TF.js backend: {backend}")
        self.bridge.set_text("status-model", f"{model} · {weights} weights")
        self.bridge.set_data("page", "backend", backend)
        self.bridge.set_data("page", "weights", weights)

    def toggle_debug(self) -> None:
        self.debug_open = not self.debug_open
        self.bridge.set_hidden("debug", not self.debug_open)

    def debug(self, stats: dict) -> None:
        """Every frame: only what changed is written (a DOM write costs style work in the frame);
        the panel's text only while it is open."""
        self.bridge.set_data("page", "frames", str(stats["frames"]))
        if stats["tensors"] != self._tensors_shown:
            self._tensors_shown = stats["tensors"]
            self.bridge.set_data("page", "tensors", str(stats["tensors"]))
        if self.debug_open:
            self.bridge.set_text("debug-fps", f"{stats['fps']:.1f}")
            self.bridge.set_text("debug-tensors", str(stats["tensors"]))
            self.bridge.set_text("debug-backend", stats["backend"])
            self.bridge.set_text("debug-frames", str(stats["frames"]))


async def run_app(bridge, app_class) -> None:
    """Start a page's app; if it cannot start, the page says why instead of going blank."""
    # A memory snapshot (site/pyodide-loader.mjs) restores `random` as the build left it: reseed it
    # from the browser's entropy, as a normal boot does.
    random.seed()
    bridge.mark("app-start")
    page = Page(bridge)
    try:
        await app_class(bridge, page).start()
    except Exception as error:
        page.fatal(str(error))
        raise
