"""Shared fixtures: a real static HTTP server on 127.0.0.1 and Debian's Chromium with a fake camera."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

from support import browser_log

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

MIME = {".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
        ".json": "application/json", ".toml": "text/plain", ".py": "text/plain", ".bin": "application/octet-stream",
        ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME}
    extra_headers: dict[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args) -> None:  # keep test output readable
        pass


@pytest.fixture(scope="session")
def static_server():
    """Factory: static_server(directory, headers=None) -> base URL ending in '/'."""
    servers = []

    def start(directory: Path, headers: dict[str, str] | None = None) -> str:
        handler = type("Handler", (_Handler,), {"extra_headers": dict(headers or {})})
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url(static_server) -> str:
    if not (SITE / "vendor").is_dir() or not (SITE / "models" / "index.json").is_file():
        pytest.fail("site/ is not built: run `python scripts/build_site.py` (the README's test command does)")
    return static_server(SITE)


@pytest.fixture(scope="session")
def chromium(playwright, tmp_path_factory):
    """Factory: chromium(video=None, cameras=1) -> Browser from Debian's Chromium, fake cameras playing `video`.

    Camera permission is granted or refused per context (context.grant_permissions), not by a flag,
    so one browser serves both the allowed and the denied case.
    """
    browsers = {}

    def launch(video: Path | None = None, cameras: int = 1):
        """`cameras`: how many fake cameras the browser has. Chromium gives a video file one camera
        only, so several cameras show its own moving test pattern."""
        if cameras > 1 and video is not None:
            raise ValueError("Chromium plays a video file on one fake camera only: several cameras need video=None")
        key = f"{video}:{cameras}"
        if key not in browsers:
            fake = "--use-fake-device-for-media-stream" + (f"=device-count={cameras}" if cameras > 1 else "")
            # CHROMIUM_ARGS: more switches for a diagnosis, e.g. "--enable-logging=stderr --v=1" (with
            # DEBUG=pw:browser, Playwright prints the browser's output)
            log = tmp_path_factory.mktemp("chromium-log") / "browser.log"
            args = [fake, "--autoplay-policy=no-user-gesture-required", "--enable-logging", "--v=0",
                    f"--log-file={log}", *os.environ.get("CHROMIUM_ARGS", "").split()]
            if video is not None:
                args.append(f"--use-file-for-fake-video-capture={video}")
            browsers[key] = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
            browser_log.BROWSER_LOGS[browsers[key]] = log
        return browsers[key]

    yield launch
    for browser in browsers.values():
        browser.close()


def pytest_terminal_summary(terminalreporter):
    """What the timing-sensitive tests measured (the `measured` fixture: frame rates, lags), passed or
    failed, so that each run's log says how fast this machine ran them."""
    reports = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    lines = [f"{report.nodeid}: {value}" for report in reports if report.when == "call"
             for name, value in report.user_properties if name == "measured"]
    if lines:
        terminalreporter.write_sep("-", "measured by the timing-sensitive tests")
        for line in lines:
            terminalreporter.write_line(line)
