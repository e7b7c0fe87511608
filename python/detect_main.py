"""Entry point of the Detect page (detect.html)."""

import bridge
from detect_app import DetectApp
from page import Page

page = Page(bridge)
try:
    await DetectApp(bridge, page).start()  # noqa: F704 - PyScript runs this module with top-level await
except Exception as error:  # the page must say what went wrong, not go blank
    page.fatal(str(error))
    raise
