"""Fixtures for the converter's unit tests: a tiny TF.js graph model in the shape of the upstream
MobileNet, an HTTP server on 127.0.0.1 that can misbehave (truncate, lie), and shared conversions."""

from __future__ import annotations

import http.server
import threading

import pytest

from convert.sources import Context
from convert_fixtures import NODE_MODULES


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    truncate: dict[str, int] = {}  # path -> bytes actually sent (Content-Length stays the full size)
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        path = self.path.split("?")[0].lstrip("/")
        self.hits.append(path)
        data = self.files.get(path)
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: self.truncate.get(path, len(data))])
        self.wfile.flush()
        if path in self.truncate:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def model_server():
    """A fresh server per test: returns (base URL, handler class whose files/truncate/hits to edit)."""
    handler = type("H", (_Handler,), {"files": {}, "truncate": {}, "hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def ctx(tmp_path) -> Context:
    return Context(cache_dir=tmp_path / "cache", node_modules=NODE_MODULES, timeout=5, progress=False,
                   eval_inputs=4, log=lambda m: None)


@pytest.fixture(scope="session")
def offline_mobilenet():
    """One offline (TensorFlow) MobileNet build per session: (Loaded, keras model)."""
    from convert.sources import offline

    graph, inputs, outputs, keras_model = offline.build("mobilenet", 0)
    return offline.describe("mobilenet", graph, inputs, outputs, 0), keras_model
