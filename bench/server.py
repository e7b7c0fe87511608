"""The static server the benchmark's pages come from: site/ at /, bench/pages/ at /bench/, and the
run's own files (the models part's models and photos) at /bench-work/."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bench import PAGES, SITE

WORK_URL = "/bench-work/"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """site/ at /, bench/pages/ at /bench/, `work` at WORK_URL; no caching headers beyond what
    http.server sends."""
    work: Path | None = None
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json"}

    def translate_path(self, path: str) -> str:
        clean = unquote(urlsplit(path).path)
        if clean.startswith("/bench/"):
            return str(PAGES / clean[len("/bench/"):])
        if clean.startswith(WORK_URL) and self.work:
            return str(self.work / clean[len(WORK_URL):])
        return str(SITE / clean.lstrip("/")) if clean != "/" else str(SITE)

    def log_message(self, *args) -> None:
        pass


def serve(work: Path | None = None) -> str:
    """Start the server on a free port (a daemon thread), with `work` at WORK_URL; returns its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"work": work}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def local_file(url: str) -> Path | None:
    """The file a URL of the server is served from (None: a directory or nothing on disk)."""
    path = urlsplit(url).path
    if path.startswith("/bench/"):
        return PAGES / path[len("/bench/"):]
    file = SITE / (path.lstrip("/") or "index.html")
    return file if file.is_file() else None
