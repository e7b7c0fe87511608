"""Entry point of the Detect page (detect.html)."""

import bridge
from detect.app import DetectApp
from web.page import run_app

await run_app(bridge, DetectApp)  # noqa: F704 - PyScript runs this module with top-level await
