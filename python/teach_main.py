"""Entry point of the Teach page (index.html)."""

import bridge
from teach.app import TeachApp
from web.page import run_app

await run_app(bridge, TeachApp)  # noqa: F704 - PyScript runs this module with top-level await
