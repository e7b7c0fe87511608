// The Python runtime, started as soon as the page starts; PyScript's `interpreter` (its config
// names this file) then gets the interpreter that is already booting.
//
// The page loads this module with `async` in its <head>, so Pyodide fetches and compiles its wasm,
// and boots, while the HTML, TF.js and PyScript itself are still loading. When PyScript asks for
// the interpreter (loadPyodide below), it gets that one, with PyScript's stdout and stderr.
//
// Boot: from a memory snapshot when this build's snapshot is already in the offline cache (made by
// scripts/build_site.py from this very Pyodide with the app's modules imported: it skips the
// interpreter's start and those imports), the normal way otherwise. The first visit does without
// it: the service worker downloads it in the background with the rest of the site. A snapshot the
// runtime refuses (another build, damaged) or cannot restore is dropped and the visit boots
// normally. <body data-boot> says which way it went: "snapshot", "normal", or "refused" (and
// data-boot-refused why). The app's modules come from py/app.zip, fetched meanwhile (installApp).
import { loadPyodide as loadVendored, version } from "./vendor/pyodide/pyodide.mjs";

// Pyodide runs without JSPI (WebAssembly stack switching) in every browser, as it does on Safari
// and Firefox, which have none: with it, Chromium runs Python's tasks on switched stacks, and a
// stack scan of Chromium's own (a sampled diagnostic) now and then reads past the end of one and
// crashes the tab (docs/testing.md). Without it a Teach frame also cost less CPU outside the
// kernels, 4.7 ms against 5.5 (docs/measurements.md). Nothing in the app needs it; Pyodide looks
// for these when it loads, below, and nothing else on the page uses them.
delete WebAssembly.Suspending;
delete WebAssembly.promising;

export { version };

const snapshotURL = window.TYB_BOOT.snapshot && new URL(window.TYB_BOOT.snapshot, document.baseURI).href;
const indexURL = new URL("./vendor/pyodide/", import.meta.url).href;
const outcome = { how: "normal", refused: null };
const app = window.TYB_BOOT.app;

// The app's zip, fetched while the runtime boots. It is written into the runtime's file system as
// one file and imported from there (zipimport): unpacking it file by file (what PyScript's `files`
// config does, in Python) took 150-350 ms of every visit.
const appZip = fetch(new URL(app.url, document.baseURI)).then(async (response) => {
  if (!response.ok) throw new Error(`${app.url} answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
});
appZip.catch(() => {}); // reported when PyScript asks for the interpreter

function installApp(pyodide, zip) {
  pyodide.FS.mkdirTree(app.path.slice(0, app.path.lastIndexOf("/")));
  pyodide.FS.writeFile(app.path, zip);
  // A snapshot has it on sys.path already, and its modules imported from it.
  pyodide.runPython(`import sys\nif ${JSON.stringify(app.path)} not in sys.path: sys.path.insert(0, ${JSON.stringify(app.path)})`);
}

// The snapshot's bytes as a promise (Pyodide reads them while it loads its own files), or null.
async function cachedSnapshot() {
  if (!snapshotURL || !globalThis.caches) return null; // built without one, or not a secure context
  const response = await caches.match(snapshotURL);
  return response ? { bytes: response.arrayBuffer() } : null;
}

async function boot() {
  performance.mark("tyb:runtime-start");
  let snapshot = null;
  try {
    snapshot = await cachedSnapshot();
  } catch (error) {
    console.warn("memory snapshot not readable, booting normally:", error);
  }
  let pyodide = null;
  if (snapshot) {
    try {
      pyodide = await loadVendored({ indexURL, _loadSnapshot: snapshot.bytes });
      outcome.how = "snapshot";
    } catch (error) {
      console.warn("memory snapshot refused, booting normally:", error);
      outcome.how = "refused";
      outcome.refused = String(error.message || error).split("\n")[0];
    }
  }
  pyodide ??= await loadVendored({ indexURL });
  performance.mark("tyb:runtime-ready");
  return pyodide;
}

const booting = boot();

export async function loadPyodide({ stdout, stderr }) {
  performance.mark("tyb:pyscript-asks");
  const [pyodide, zip] = await Promise.all([booting, appZip]);
  installApp(pyodide, zip);
  if (stdout) pyodide.setStdout({ batched: stdout });
  if (stderr) pyodide.setStderr({ batched: stderr });
  document.body.dataset.boot = outcome.how;
  if (outcome.refused) document.body.dataset.bootRefused = outcome.refused;
  return pyodide;
}
