"""Security headers and privacy: the site passes its own strict CSP, and nothing leaves the page.

The browser tests serve site/ with the site-wide headers of netlify.toml and enforce the CSP
(bypass_csp=False). Playwright's wait_for_function evaluates its predicate with eval, which that
CSP forbids, so these tests wait on data-* attributes with selectors and by polling.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from html.parser import HTMLParser

import pytest

from support import netlify
from support.datasets import load_into_teach, write_dataset
from support.photos import write_views

SITE = netlify.NETLIFY_TOML.parent / "site"
PAGES = ("index.html", "detect.html")
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"} at ${e.sourceFile}:${e.lineNumber}`));
"""


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


# ------------------------------------------------------------------ netlify.toml, no browser

def test_csp_is_strict():
    csp = directives(netlify.site_wide_headers()["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    for name, sources in csp.items():
        assert "'unsafe-eval'" not in sources and "'unsafe-inline'" not in sources, name
        assert not any(s.startswith(("http:", "https:")) or s == "*" for s in sources), name


def test_site_wide_headers():
    headers = netlify.site_wide_headers()
    assert "camera=(self)" in [p.strip() for p in headers["Permissions-Policy"].split(",")]
    assert headers["X-Content-Type-Options"] == "nosniff"
    build = netlify.config()["build"]
    assert build["publish"] == "site" and build["command"].endswith("python scripts/build_site.py")


def test_cache_rules_match_the_built_files():
    """Immutable only for files whose name carries their own content hash; no-cache for HTML and JSON."""
    if not (SITE / "models" / "index.json").is_file():
        pytest.fail("site/ is not built: run `python scripts/build_site.py`")
    shards = set()
    for model_json in (SITE / "models").glob("*/model.json"):
        for group in json.loads(model_json.read_text())["weightsManifest"]:
            shards.update(f"/models/{model_json.parent.name}/{p}" for p in group["paths"])
    assert shards
    for path in sorted(p for p in SITE.rglob("*") if p.is_file()):
        url = "/" + path.relative_to(SITE).as_posix()
        cache = netlify.headers_for(url).get("cache-control", "")  # raises on two rules for one header
        if "immutable" in cache:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert digest[:12] in path.name, f"{url} is cached as immutable but its name has no content hash"
        if url in shards:
            assert "immutable" in cache and "max-age=31536000" in cache, url
        if url.endswith((".html", "/model.json", "/manifest.json", "/models/index.json", "/sw.js", "/sw-precache.js",
                         "/vendor/boot-config.js", ".webmanifest")):
            assert cache == "no-cache", url
    assert netlify.headers_for("/").get("cache-control") == "no-cache"


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "head":
            self.in_head = True
        elif self.in_head:
            self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


@pytest.mark.parametrize("page", PAGES)
def test_pages_carry_the_same_csp_as_a_meta_tag(page):
    head = _Head()
    head.feed((SITE / page).read_text(encoding="utf-8"))
    metas = [attrs for tag, attrs in head.tags if tag == "meta" and attrs.get("http-equiv", "").lower()
             == "content-security-policy"]
    assert len(metas) == 1, f"{page}: no CSP <meta>"
    header = directives(netlify.site_wide_headers()["Content-Security-Policy"])
    header.pop("frame-ancestors")  # not allowed in a <meta>
    assert directives(metas[0]["content"]) == header
    first_loader = next(i for i, (tag, _a) in enumerate(head.tags) if tag in ("script", "link"))
    assert head.tags.index(("meta", metas[0])) < first_loader, f"{page}: the CSP <meta> must precede scripts"
    scripts = [attrs.get("src") for tag, attrs in head.tags if tag == "script"]
    assert "./pyscript-csp.js" in scripts, f"{page}: PyScript cannot start under the CSP without pyscript-csp.js"


# ------------------------------------------------------------------ in Chromium, CSP enforced

@pytest.fixture(scope="module")
def headers_url(static_server) -> str:
    return static_server(SITE, netlify.site_wide_headers())


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("security")
    return {
        "dataset": write_dataset(folder / "dataset.json", {"A": 3, "B": 3}),
        "photos": write_views(folder, "astronaut", 2, seed=3),
    }


class Watch:
    """What an enforced-CSP page reports: violations, CSP console errors, page errors, every request."""

    def __init__(self, opened):
        self.opened = opened
        self.console: list[str] = []
        self.requests: list = []
        context = opened.page.context
        context.add_init_script(CSP_LISTENER)
        context.on("request", lambda request: self.requests.append(request))
        opened.page.on("console", lambda m: self.console.append(m.text)
                       if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)

    def goto(self, path: str):
        response = self.opened.page.goto(self.opened.base + path)
        assert "wasm-unsafe-eval" in (response.headers.get("content-security-policy") or ""), \
            "the server did not send the CSP header"
        self.opened.wait_ready()
        assert self.opened.backend() == "wasm", "expected the wasm backend (?backend=wasm); another one ran"

    def frames(self, count: int, timeout_s: float = 90) -> None:
        target = self.opened.frames() + count
        deadline = time.monotonic() + timeout_s
        while self.opened.frames() < target:
            assert time.monotonic() < deadline, f"fewer than {count} frames in {timeout_s}s: {self.opened.message()}"
            time.sleep(0.25)

    def violations(self) -> list[str]:
        return self.opened.page.evaluate("window.__cspViolations") + self.console + self.opened.errors


def blank_page(open_page, base):
    """A context with the CSP enforced, its listeners attached before the first page loads."""
    return open_page("style.css", base=base, bypass_csp=False)  # a small file, not a page that boots


def test_both_pages_work_under_the_csp(open_page, headers_url, files):
    watch = Watch(blank_page(open_page, headers_url))
    watch.goto("index.html?backend=wasm")
    load_into_teach(watch.opened, files["dataset"], [3, 3])
    watch.frames(3)
    assert watch.violations() == []

    watch.goto("detect.html?backend=wasm")
    watch.opened.page.click("#camera-start")
    watch.frames(2)
    assert watch.violations() == []


def test_a_full_session_sends_nothing_anywhere(open_page, headers_url, files, tmp_path):
    """Teach from the camera and from files, save and load the dataset, detect: every request stays
    on this origin and none carries a body (no frame, embedding or dataset leaves the page)."""
    watch = Watch(blank_page(open_page, headers_url))
    page = watch.opened.page
    watch.goto("index.html?backend=wasm")
    page.click("#record-0")  # one example of class A from the camera
    page.wait_for_selector(".class-card:nth-child(1) .count:not([data-count='0'])", state="attached", timeout=60_000)
    page.set_input_files(".class-card:nth-child(2) input[data-action=upload]", files["photos"])
    page.wait_for_selector(".class-card:nth-child(2) .count[data-count='2']", state="attached", timeout=60_000)
    watch.frames(3)
    page.set_input_files("#classify-file", files["photos"][0])  # pauses the live loop to show the file's class
    name = files["photos"][0].rsplit("/", 1)[-1]
    page.wait_for_selector(f"#prediction[data-source='{name}']", state="attached", timeout=60_000)
    page.click("#camera-resume")
    with page.expect_download() as download:
        page.click("#dataset-save")
    saved = tmp_path / "saved.json"
    download.value.save_as(saved)
    assert json.loads(saved.read_text())["format"] == "train-your-browser/dataset"
    load_into_teach(watch.opened, files["dataset"], [3, 3])
    watch.frames(2)

    watch.goto("detect.html?backend=wasm")
    page.click("#camera-start")
    watch.frames(2)
    page.set_input_files("#image-file", files["photos"][1])
    page.wait_for_selector("#video-wrap[data-showing='still']", state="attached", timeout=60_000)
    time.sleep(2)  # let anything a handler might send go out

    assert watch.opened.off_origin() == []
    with_body = [f"{r.method} {r.url}" for r in watch.requests if r.method != "GET" or r.post_data_buffer]
    assert with_body == []
    blobs = [r.url for r in watch.requests if r.url.startswith(("blob:", "data:"))]
    assert all(re.match(r"(blob:http://127\.0\.0\.1|data:)", u) for u in blobs), blobs
    assert watch.violations() == []
