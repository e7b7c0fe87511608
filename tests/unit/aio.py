"""Run a coroutine to completion from a test.

pytest-playwright's sync API keeps an event loop running in the main thread once a browser test has
run, and asyncio.run() refuses to start inside it; a worker thread has a loop of its own.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coroutine):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
