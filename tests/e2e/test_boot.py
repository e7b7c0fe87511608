"""How the pages boot: bytecode stdlib and app, the memory snapshot once the offline cache has it,
the normal boot when there is none or it is refused, and tracebacks that still show the app's source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.photos import write_views
from support.service_worker import SERVICE_WORKER_READY

APP = Path(__file__).resolve().parents[2] / "python"
STDLIB = "/lib/python314.zip/"
APP_ZIP = "/home/pyodide/app.zip"  # where the loader writes py/app.zip; the app is imported from it

# Python run in the page's own interpreter: a <script type="py"> added to the page (PyScript runs
# it like the page's own); it writes its answer, as JSON, into <body data-probe>.
PROBE = """([code]) => {
  delete document.body.dataset.probe;
  const script = document.createElement("script");
  script.type = "py";
  script.textContent = code;
  document.body.append(script);
}"""


def probe(opened, code: str):
    wrapped = ("import json as _json, js as _js\n"
               "def _probe():\n" + "".join(f"    {line}\n" for line in code.strip().splitlines()) +
               "_js.document.body.dataset.probe = _json.dumps(_probe())\n")
    opened.page.evaluate(PROBE, [wrapped])
    opened.page.wait_for_selector("body[data-probe]", state="attached", timeout=30_000)
    return json.loads(opened.page.get_attribute("body", "data-probe"))


def modules_from_source(opened) -> list[str]:
    """Stdlib modules the page compiled from source: where each module's code came from is the zip's
    bytecode (.pyc), its source (.py), or the interpreter itself ("frozen", built in: never compiled)."""
    origins = probe(opened, """
import sys
return {name: getattr(getattr(module, "__spec__", None), "origin", None) for name, module in sys.modules.items()}
""")
    from_source = sorted(name for name, origin in origins.items()
                         if origin and origin.startswith(STDLIB) and origin.endswith(".py"))
    return from_source


def boot(opened) -> str:
    opened.wait_ready()
    return opened.page.get_attribute("body", "data-boot")


def revisit(opened, path: str):
    """The same browser profile again, once the service worker has cached the site (the snapshot too)."""
    assert opened.page.evaluate(SERVICE_WORKER_READY)
    page = opened.page.context.new_page()
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.page.close()
    opened.page = page
    page.goto(opened.base + path)
    return opened


def predicted_label(opened, photo: str) -> str:
    name = photo.rsplit("/", 1)[-1]
    opened.page.set_input_files("#classify-file", [photo])
    opened.page.wait_for_selector(f"#prediction[data-source='{name}']", state="attached", timeout=60_000)
    return opened.page.get_attribute("#prediction", "data-label")


@pytest.fixture(scope="module")
def astronaut_photo(tmp_path_factory):
    return write_views(tmp_path_factory.mktemp("boot-photos"), "astronaut", 1, seed=3)[0]


def teach_two_classes(opened, examples) -> None:
    """Load the examples, and wait until the page has saved them to IndexedDB (it saves a moment after a
    change): a revisit before that would find nothing to restore."""
    opened.page.set_input_files("#dataset-load", str(examples))
    opened.page.wait_for_function("document.querySelectorAll('.class-card .count[data-count=\"3\"]').length === 2")
    opened.page.wait_for_selector("body[data-saved='6']", state="attached", timeout=60_000)


def test_first_visit_boots_normally_from_bytecode_then_from_the_snapshot(open_page, examples, astronaut_photo):
    opened = open_page("index.html?backend=wasm")
    assert boot(opened) == "normal"
    assert modules_from_source(opened) == [], "compiled from source at boot: add them to scripts/boot_modules.txt"
    app = probe(opened, """
import teach.app
return [teach.app.__file__, type(teach.app.__loader__).__name__, teach.app.__loader__.get_source("teach.app")]
""")
    assert app == [f"{APP_ZIP}/teach/app.pyc", "zipimporter", (APP / "teach" / "app.py").read_text()]
    teach_two_classes(opened, examples)
    assert predicted_label(opened, astronaut_photo) in ("A", "B")

    revisit(opened, "index.html?backend=wasm")
    assert boot(opened) == "snapshot"
    assert opened.backend() == "wasm"
    assert opened.class_counts() == [3, 3]  # restored from IndexedDB
    assert predicted_label(opened, astronaut_photo) in ("A", "B")
    # The snapshot froze `random` as the build left it; the page reseeds it from the browser.
    first = probe(opened, "import random\nreturn random.random()")
    revisit(opened, "index.html?backend=wasm")
    assert boot(opened) == "snapshot"
    assert probe(opened, "import random\nreturn random.random()") != first
    assert opened.errors == []


def test_detect_boots_from_bytecode_then_from_the_snapshot_and_boxes_a_photo(open_page, astronaut_photo):
    opened = open_page("detect.html?backend=wasm", camera=False)
    assert boot(opened) == "normal"
    assert modules_from_source(opened) == [], "compiled from source at boot: add them to scripts/boot_modules.txt"
    revisit(opened, "detect.html?backend=wasm")
    assert boot(opened) == "snapshot"
    opened.page.set_input_files("#image-file", [astronaut_photo])
    opened.page.wait_for_selector("#detections li[data-label=person]", state="attached", timeout=60_000)
    assert opened.errors == []


CORRUPT_BUILD_ID = """async () => {
  const url = new URL(window.TYB_BOOT.snapshot, document.baseURI).href;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    const response = await cache.match(url);
    if (!response) continue;
    const bytes = new Uint8Array(await response.arrayBuffer());
    bytes[16] ^= 0x01;  // the header's build id: as if another Pyodide build had made it
    await cache.put(url, new Response(bytes, {headers: response.headers}));
    return true;
  }
  return false;
}"""


def test_a_snapshot_from_another_build_is_refused_and_the_page_boots_and_predicts(open_page, examples, astronaut_photo):
    opened = open_page("index.html?backend=wasm")
    assert boot(opened) == "normal"
    assert opened.page.evaluate(SERVICE_WORKER_READY)
    assert opened.page.evaluate(CORRUPT_BUILD_ID)
    revisit(opened, "index.html?backend=wasm")
    assert boot(opened) == "refused"
    assert "build id mismatch" in opened.page.get_attribute("body", "data-boot-refused")
    assert opened.message() == ""
    teach_two_classes(opened, examples)
    assert predicted_label(opened, astronaut_photo) in ("A", "B")
    assert opened.errors == []


@pytest.mark.parametrize("visit", ["normal", "snapshot"])
def test_a_precompiled_app_modules_traceback_names_its_file_line_and_source(open_page, visit):
    opened = open_page("detect.html?backend=wasm", camera=False)
    assert boot(opened) == "normal"
    if visit == "snapshot":
        revisit(opened, "detect.html?backend=wasm")
        assert boot(opened) == "snapshot"
    frame = probe(opened, """
import traceback
from classifier import dataset
try:
    dataset.loads("{}", "centernet", 720)  # a file without its format: raised inside classifier/dataset.py
except Exception as error:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return [frame.filename, frame.lineno, frame.line, type(error).__name__]
""")
    filename, line, text, kind = frame
    assert filename == f"{APP_ZIP}/classifier/dataset.py" and kind == "DatasetError"
    assert text and text == (APP / "classifier" / "dataset.py").read_text().splitlines()[line - 1].strip()


def test_the_runtime_build_gives_the_same_files_in_another_folder(tmp_path):
    """Same inputs, same bytes: the bytecode zips and the snapshot (so a rebuild does not make every
    returning visitor download 5 MB again), and no path of the machine that built them inside."""
    from scripts.build_site import SITE, build_runtime

    built = json.loads((SITE / "vendor" / "boot-config.js").read_text().split("=", 1)[1].rstrip().rstrip(";"))
    again = build_runtime(tmp_path)
    assert again["snapshot"] == built["snapshot"]
    for rel in ("vendor/pyodide/python_stdlib.zip", "py/app.zip", built["snapshot"]):
        assert (tmp_path / rel).read_bytes() == (SITE / rel).read_bytes(), rel
    assert str(Path(__file__).resolve().parents[2]).encode() not in (tmp_path / built["snapshot"]).read_bytes()
