"""A 5,000-example dataset (4 classes, each example with a thumbnail: ~40 MB of file) on Teach, in
Chromium with the real CenterNet (wasm): loaded from a file, saved to IndexedDB and restored on the
next visit without freezing the page (no main-thread task over 200 ms while it happens: long tasks
as the browser reports them), and the second load of it leaves TF.js's memory where the first did
and the JS heap (after a garbage collection) where it was."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from classifier import dataset as dataset_format

from support.datasets import load_into_teach, make_dataset
from test_examples import open_teach

COUNTS = {"cats": 1250, "dogs": 1250, "cups": 1250, "bikes": 1250}
LONGEST_TASK_MS = 200
HEAP_GROWTH_BYTES = 2_000_000  # JS heap, after a GC, from the first load to the second
# Every long task (>= 50 ms) from now on, with when it started.
WATCH_LONG_TASKS = """() => {
  window.longTasks = [];
  new PerformanceObserver((list) => longTasks.push(...list.getEntries().map(
    (e) => ({start: e.startTime, ms: e.duration})))).observe({type: "longtask"});
}"""


def thumbnail(seed: int) -> bytes:
    """A 64x48 JPEG like the page's own (a few KB)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture(scope="module")
def large_dataset(tmp_path_factory):
    dataset = make_dataset(COUNTS, spread=0.3)
    thumbs = [thumbnail(seed) for seed in range(16)]
    for data in dataset.classes:
        data.thumbnails = [thumbs[i % len(thumbs)] for i in range(len(data.embeddings))]
    path = tmp_path_factory.mktemp("datasets") / "five-thousand.json"
    path.write_text(dataset_format.dumps(dataset), encoding="ascii")
    return path


def tasks_and_marks(page) -> str:
    """What a failure says: the long tasks and the page's marks, [start ms, duration ms] and [name, ms]
    (text, which pytest prints whole; a dict it would cut short)."""
    return json.dumps(page.evaluate("""() => ({tasks: longTasks.map((t) => [Math.round(t.start), Math.round(t.ms)]),
      marks: performance.getEntriesByType("mark").map((m) => [m.name, Math.round(m.startTime)])})"""))


def longest_task(page, since_mark: str | None = None, until_mark: str | None = None) -> float:
    """The longest task the page reported, only those after `since_mark` and before `until_mark`."""
    return page.evaluate("""([since, until]) => {
      const at = (name, fallback) => name ? performance.getEntriesByName(name)[0].startTime : fallback;
      const from = at(since, 0), to = at(until, Infinity);
      return Math.max(0, ...longTasks.filter((t) => t.start + t.ms > from && t.start < to).map((t) => t.ms));
    }""", [since_mark, until_mark])


def memory(page) -> dict:
    return page.evaluate("() => ({tensors: tf.memory().numTensors, bytes: tf.memory().numBytes})")


def js_heap_after_gc(page) -> int:
    """Bytes of the page's JS heap in use once garbage is collected."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("HeapProfiler.collectGarbage")
        return cdp.send("Runtime.getHeapUsage")["usedSize"]
    finally:
        cdp.detach()


def test_five_thousand_examples_load_save_and_restore_without_freezing_the_page(open_page, large_dataset):
    opened = open_teach(open_page)
    page = opened.page
    assert opened.backend() == "wasm"
    page.evaluate(WATCH_LONG_TASKS)
    counts = list(COUNTS.values())
    load_into_teach(opened, large_dataset, counts, timeout=120_000)
    page.wait_for_selector("body[data-saved='5000']", state="attached", timeout=180_000)  # calibrated, saved
    assert "Loaded 5000 examples in 4 classes" in opened.message()
    assert longest_task(page) <= LONGEST_TASK_MS, tasks_and_marks(page)
    after_first, heap_after_first = memory(page), js_heap_after_gc(page)

    # The same file again: the old examples' tensors are freed, nothing is kept twice.
    page.evaluate("document.body.removeAttribute('data-saved')")
    load_into_teach(opened, large_dataset, counts, timeout=120_000)
    page.wait_for_selector("body[data-saved='5000']", state="attached", timeout=180_000)
    assert memory(page) == after_first
    assert js_heap_after_gc(page) - heap_after_first < HEAP_GROWTH_BYTES  # measured: 13.2 MB both times
    assert longest_task(page) <= LONGEST_TASK_MS, tasks_and_marks(page)

    # The next visit restores them from IndexedDB (before the page says it is ready).
    page.add_init_script(f"({WATCH_LONG_TASKS})()")
    page.reload()
    opened.wait_ready()
    assert opened.class_counts() == counts
    assert longest_task(page, "tyb:dataset-restore", "tyb:ready") <= LONGEST_TASK_MS, tasks_and_marks(page)
    assert opened.errors == []
