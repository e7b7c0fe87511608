"""Installable: a phone can add the site to its home screen and open it offline.

The web app manifest (site/manifest.webmanifest) and its SVG icons are checked as files, then as
Chromium reads them: its own manifest parser (DevTools Protocol `Page.getAppManifest`) and its own
installability check (`Page.getInstallabilityErrors`), with the netlify.toml CSP enforced, and
offline once the service worker has cached the site.

Installability is checked in a persistent profile: Playwright's usual contexts are incognito, which
Chromium never installs from ("in-incognito").
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser
from pathlib import Path

import pytest

from support import netlify
from support.service_worker import SERVICE_WORKER_READY
from support.site_copy import copy_site

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import build_site  # noqa: E402  (scripts/ is not a package)

SITE = Path(__file__).resolve().parents[2] / "site"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # the binary tests/conftest.py launches
MANIFEST = "manifest.webmanifest"
PAGES = ("index.html", "detect.html")
SVG = "{http://www.w3.org/2000/svg}svg"
# What a page reports when its CSP blocks something (test_security.py listens the same way).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"}`));
"""
# Every icon the manifest names, fetched by the page and decoded as an image (as a launcher would).
ICONS_IN_PAGE = """async (urls) => Promise.all(urls.map(async (url) => {
  const response = await fetch(url);
  const text = await response.clone().text();
  const image = new Image();
  image.src = url;
  let decoded = true;
  try { await image.decode(); } catch (error) { decoded = false; }
  return {url, status: response.status, type: response.headers.get("content-type"), text, decoded,
          width: image.naturalWidth};
}))"""


def manifest() -> dict:
    return json.loads((SITE / MANIFEST).read_text(encoding="utf-8"))


def palette() -> dict[str, str]:
    """style.css's :root custom properties: name -> colour."""
    root = re.search(r":root\s*\{([^}]*)\}", (SITE / "style.css").read_text(encoding="utf-8")).group(1)
    return {name: value.strip().lower() for name, value in re.findall(r"--([\w-]+)\s*:\s*([^;]+);", root)}


def check_svg(text: str, where: str) -> None:
    root = ElementTree.fromstring(text)  # raises on anything that is not well-formed XML
    assert root.tag == SVG, f"{where}: the root element is {root.tag}, not an SVG <svg>"
    x, y, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert width == height > 0, f"{where}: an icon is square, its viewBox is {root.get('viewBox')}"


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: dict[str, dict] = {}
        self.metas: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links[attrs.get("rel", "")] = attrs
        elif tag == "meta" and "name" in attrs:
            self.metas[attrs["name"]] = attrs.get("content", "")


def head(page: str) -> _Head:
    parsed = _Head()
    parsed.feed((SITE / page).read_text(encoding="utf-8"))
    return parsed


# ------------------------------------------------------------------ the files, no browser

def test_manifest_has_what_a_phone_needs():
    data = manifest()
    assert data["name"] == "Train Your Browser"
    assert 0 < len(data["short_name"]) <= len(data["name"])
    assert data["description"]
    assert data["start_url"] == data["scope"] == "./"
    assert data["display"] == "standalone"
    colours = palette()
    assert data["theme_color"].lower() == colours["accent"]
    assert data["background_color"].lower() == colours["bg"]
    assert {icon.get("purpose", "any") for icon in data["icons"]} == {"any", "maskable"}
    for icon in data["icons"]:
        assert icon["sizes"] == "any" and icon["type"] == "image/svg+xml", icon
        check_svg((SITE / icon["src"]).read_text(encoding="utf-8"), icon["src"])


@pytest.mark.parametrize("page", PAGES)
def test_pages_link_the_manifest_and_the_icon(page):
    parsed = head(page)
    assert parsed.links["manifest"]["href"] == f"./{MANIFEST}"
    assert parsed.links["icon"]["href"] == "./icons/icon.svg" and parsed.links["icon"]["type"] == "image/svg+xml"
    assert parsed.metas["theme-color"].lower() == manifest()["theme_color"].lower()


def test_netlify_serves_the_manifest_as_a_manifest_and_revalidates_it():
    headers = netlify.headers_for(f"/{MANIFEST}")
    assert headers["content-type"] == "application/manifest+json"
    assert headers["cache-control"] == "no-cache"


def test_the_service_worker_precaches_the_manifest_and_icons():
    text = (SITE / "sw-precache.js").read_text(encoding="utf-8")
    files = json.loads(re.search(r"=\s*(\{.*\});", text, re.S).group(1))["files"]
    wanted = [MANIFEST] + [icon["src"] for icon in manifest()["icons"]] + ["icons/icon.svg"]
    for path in wanted:
        assert path in files, f"{path} is not in sw-precache.js: run `python scripts/build_site.py`"


# ------------------------------------------------------------------ in Chromium

@pytest.fixture
def profile(playwright, tmp_path):
    """Factory: profile() -> a persistent Chromium context (a real profile: installable)."""
    contexts = []

    def launch():
        context = playwright.chromium.launch_persistent_context(tmp_path / f"profile-{len(contexts)}",
                                                               executable_path=CHROMIUM)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()


def read_as_chromium(page) -> tuple[dict, list]:
    """The manifest as Chromium parsed it, and its installability errors."""
    cdp = page.context.new_cdp_session(page)
    try:
        return cdp.send("Page.getAppManifest"), cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    finally:
        cdp.detach()


def check_as_chromium(page, base: str) -> None:
    parsed, not_installable = read_as_chromium(page)
    assert parsed["url"] == base + MANIFEST
    assert parsed["errors"] == [], parsed["errors"]
    seen = parsed["manifest"]
    assert seen["name"] == "Train Your Browser" and seen["display"] == "kStandalone"
    assert seen["startUrl"] == seen["scope"] == base
    assert not_installable == [], not_installable
    icons = page.evaluate(ICONS_IN_PAGE, [icon["url"] for icon in seen["icons"]])
    assert len(icons) == len(manifest()["icons"])
    for icon in icons:
        assert icon["status"] == 200 and icon["type"] == "image/svg+xml", icon
        assert icon["decoded"] and icon["width"] > 0, f"{icon['url']} does not decode as an image"
        check_svg(icon["text"], icon["url"])


def test_chromium_reads_the_manifest_and_finds_the_site_installable_under_the_csp(profile, static_server):
    """Both pages, served with netlify.toml's headers (the CSP enforced). The boot is held back
    (py/app.zip unanswered): the manifest and icons are the head's business, not the app's."""
    base = static_server(SITE, netlify.site_wide_headers())
    context = profile()
    context.add_init_script(CSP_LISTENER)
    console = []
    page = context.pages[0] if context.pages else context.new_page()
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.route("**/py/app.zip", lambda route: None)
    for name in PAGES:
        response = page.goto(base + name)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        served = page.evaluate("fetch('manifest.webmanifest').then(async (r) => [r.headers.get('content-type'), await r.text()])")
        assert served[0] == "application/manifest+json"
        assert json.loads(served[1]) == manifest()
        check_as_chromium(page, base)
        favicon = page.evaluate("document.querySelector('link[rel=icon]').href")
        assert favicon == base + "icons/icon.svg"
        assert page.evaluate("window.__cspViolations") == [] and console == [], (name, console)


def test_manifest_and_icons_are_served_offline(profile, static_server, tmp_path):
    """After one visit (the service worker has cached the site), with the network gone, the page
    still has its manifest and icons, and Chromium still finds it installable."""
    site = copy_site(tmp_path / "site")
    build_site.write_precache(site)  # as the build writes it, so files edited since the build still install
    base = static_server(site)
    context = profile()
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(base + "index.html?backend=wasm")
    page.wait_for_selector("body[data-state=ready], body[data-state=error]", state="attached", timeout=180_000)
    assert page.get_attribute("body", "data-state") == "ready", page.text_content("#message")
    assert page.evaluate(SERVICE_WORKER_READY), "the service worker did not install"
    deadline = time.monotonic() + 30
    while not page.evaluate("!!navigator.serviceWorker.controller"):
        assert time.monotonic() < deadline, "the service worker does not control the page"
        time.sleep(0.25)
    cached = page.evaluate("(paths) => Promise.all(paths.map(async (p) => !!(await caches.match(p))))",
                           [MANIFEST] + [icon["src"] for icon in manifest()["icons"]])
    assert all(cached), cached

    context.set_offline(True)
    page.reload()  # the page itself, offline, from the service worker
    page.wait_for_selector("link[rel=manifest]", state="attached")
    assert page.evaluate("fetch('manifest.webmanifest').then((r) => r.json())") == manifest()
    check_as_chromium(page, base)
