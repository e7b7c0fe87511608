"""Entry point of the Detect page (detect.html)."""

import bridge
from detect_app import DetectApp
from page import run_app

await run_app(bridge, DetectApp)  # noqa: F704 - PyScript runs this module with top-level await
