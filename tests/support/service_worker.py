"""Waiting for the site's service worker, in a page (Playwright's page.evaluate)."""

# The service worker is active once its install (the precache: every file, hash-checked) is done;
# false after two minutes (an install that fails, e.g. a file edited after the build, never gets there).
SERVICE_WORKER_READY = """() => Promise.race([navigator.serviceWorker.ready.then(() => true),
                                  new Promise((resolve) => setTimeout(() => resolve(false), 120000))])"""
