"""Entry point of the Teach page (index.html)."""

import bridge
from page import Page
from teach_app import TeachApp

page = Page(bridge)
try:
    await TeachApp(bridge, page).start()  # noqa: F704 - PyScript runs this module with top-level await
except Exception as error:  # the page must say what went wrong, not go blank
    page.fatal(str(error))
    raise
