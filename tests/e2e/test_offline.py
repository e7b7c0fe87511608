"""Offline after the first visit: the service worker (site/sw.js) caches every file the pages load.

Runs on the wasm backend (webgl here is SwiftShader: seconds per frame); the backend is checked.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support.datasets import load_into_teach
from support.site_copy import copy_site, replace

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import build_site  # noqa: E402  (scripts/ is not a package)

SW_TIMEOUT_S = 120


def wait_offline_ready(opened, site: Path) -> str:
    """Wait until the service worker controls the page and its cache holds the whole precache list
    of the deploy in `site`. Only the page's cache and registration are read meanwhile: no fetch,
    which the worker in control would have to answer (a worker with events in flight is not replaced
    at once by the next version)."""
    deadline = time.monotonic() + SW_TIMEOUT_S
    state = {}
    while time.monotonic() < deadline:
        state = opened.page.evaluate("""async () => {
            const controller = navigator.serviceWorker.controller;
            const names = (await caches.keys()).filter((n) => n.startsWith("tyb-"));
            const sizes = await Promise.all(names.map(async (n) => (await (await caches.open(n)).keys()).length));
            // The workers' states, for the failure message: which step a deploy's update is stuck at.
            const registration = await navigator.serviceWorker.getRegistration();
            const workers = Object.fromEntries(["installing", "waiting", "active"].map(
                (slot) => [slot, registration && registration[slot] ? registration[slot].state : null]));
            return {controlled: !!controller, names, sizes, workers};
        }""")
        expected = len(precache(site)["files"])
        if state["controlled"] and len(state["names"]) == 1 and state["sizes"][0] == expected:
            return state["names"][0]
        time.sleep(0.5)
    pytest.fail(f"the service worker did not cache the site in {SW_TIMEOUT_S}s: {state}")


def precache(site: Path) -> dict:
    text = (site / "sw-precache.js").read_text(encoding="utf-8")
    return json.loads(re.search(r"=\s*(\{.*\});", text, re.S).group(1))


def check_ready(opened) -> None:
    opened.wait_ready()
    assert opened.backend() == "wasm", "expected the wasm backend (?backend=wasm); another one ran"


def check_predicting(opened, frames: int = 3) -> None:
    check_ready(opened)
    opened.wait_frames(frames, timeout=60_000)


@pytest.fixture
def deployed(static_server, tmp_path):
    """A copy of the built site with its precache list rewritten as the build writes it, so files
    edited in site/ since the last build do not fail the install. Returns (directory, base URL)."""
    site = copy_site(tmp_path / "site")
    build_site.write_precache(site)
    return site, static_server(site)


def test_both_pages_work_offline_after_one_visit(open_page, deployed, examples):
    teach = open_page("index.html?backend=wasm", base=deployed[1])
    teach.wait_ready()
    load_into_teach(teach, examples, [3, 3])
    check_predicting(teach)
    wait_offline_ready(teach, deployed[0])

    teach.page.context.set_offline(True)
    teach.page.reload()
    check_predicting(teach)  # the examples came back from IndexedDB
    assert teach.page.get_attribute("#prediction", "data-label") in ("A", "B")
    assert teach.message() == "", teach.message()

    teach.page.goto(teach.base + "detect.html?backend=wasm")
    teach.wait_ready()
    assert teach.page.get_attribute("body", "data-detector") == "coco-ssd"
    teach.page.click("#camera-start")
    check_predicting(teach)
    assert teach.page.get_attribute("body", "data-state") == "ready"
    assert teach.errors == [], teach.errors


def test_a_new_deploy_replaces_stale_files(open_page, deployed, examples):
    site, base = deployed
    opened = open_page("index.html?backend=wasm", base=base)
    opened.wait_ready()
    load_into_teach(opened, examples, [3, 3])
    check_predicting(opened, frames=1)
    first = wait_offline_ready(opened, site)

    # Deploy a change: one file differs, and the build rewrites the precache list.
    marker = f"/* deploy {time.time()} */\n"
    replace(site / "style.css", (site / "style.css").read_bytes() + marker.encode())
    version = build_site.write_precache(site)
    assert f"tyb-{version}" != first

    # The browser re-checks sw.js and its imported list on navigations (after a delay) and on
    # update(); ask now rather than wait.
    opened.page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    assert wait_offline_ready(opened, site) == f"tyb-{version}", "the old cache was not replaced"

    opened.page.context.set_offline(True)
    opened.page.reload()
    check_predicting(opened, frames=1)
    css = opened.page.evaluate("fetch('style.css').then((r) => r.text())")
    assert css.endswith(marker), "offline, the page got the stale style.css"


def test_a_returning_visit_comes_from_the_cache_and_a_new_deploy_from_the_network(open_page, deployed):
    site, base = deployed
    opened = open_page("index.html?backend=wasm", base=base)
    check_ready(opened)
    wait_offline_ready(opened, site)
    # The page is controlled: what reaches the server is what the service worker fetches itself.
    reached = []
    opened.page.context.on("request", lambda r: reached.append(urlsplit(r.url).path) if r.service_worker else None)

    opened.page.reload()
    check_ready(opened)
    assert set(reached) - {"/sw.js"} == {"/sw-precache.js"}, f"not from the cache: {reached}"

    # A deploy the worker has not cached yet: an online visitor gets its files at once.
    marker = f"/* deploy {time.time()} */\n"
    replace(site / "style.css", (site / "style.css").read_bytes() + marker.encode())
    build_site.write_precache(site)
    reached.clear()
    opened.page.reload()
    check_ready(opened)
    assert "/index.html" in reached and "/models/index.json" in reached, reached
    # (no-cache: past the HTTP cache, which may still hold the old file, as it would without a worker)
    css = opened.page.evaluate("fetch('style.css', {cache: 'no-cache'}).then((r) => r.text())")
    assert css.endswith(marker), "online, the page got the cached style.css of the old deploy"
    assert opened.message() == "" and opened.errors == []
