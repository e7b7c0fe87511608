// PyScript's `interpreter` (its config names this file): the vendored Pyodide, booted from a memory
// snapshot when this build's snapshot is already in the offline cache, the normal way otherwise.
//
// The snapshot (made by scripts/build_site.py from this very Pyodide, with the app's modules
// imported) skips the interpreter's start and those imports. The first visit does without it: the
// service worker downloads it in the background with the rest of the site. A snapshot the runtime
// refuses (another build, damaged) or cannot restore is dropped and the visit boots normally; the
// page records which way it booted in <body data-boot> ("snapshot", "normal", or "refused").
import { loadPyodide as loadVendored, version } from "./vendor/pyodide/pyodide.mjs";

export { version };

const snapshotURL = window.TYB_BOOT.snapshot && new URL(window.TYB_BOOT.snapshot, document.baseURI).href;
// PyScript passes the directory of this file; Pyodide's own files are in vendor/pyodide/.
const indexURL = new URL("./vendor/pyodide/", import.meta.url).href;

async function cachedSnapshot() {
  if (!snapshotURL || !globalThis.caches) return null; // built without one, or not a secure context
  const response = await caches.match(snapshotURL);
  return response ? new Uint8Array(await response.arrayBuffer()) : null;
}

function booted(how) {
  document.body.dataset.boot = how;
  performance.mark("tyb:runtime-ready");
}

export async function loadPyodide(pyscriptOptions) {
  performance.mark("tyb:runtime-start");
  const options = { ...pyscriptOptions, indexURL };
  let snapshot = null;
  try {
    snapshot = await cachedSnapshot();
  } catch (error) {
    console.warn("memory snapshot not readable, booting normally:", error);
  }
  if (snapshot) {
    try {
      const pyodide = await loadVendored({ ...options, _loadSnapshot: snapshot });
      booted("snapshot");
      return pyodide;
    } catch (error) {
      console.warn("memory snapshot refused, booting normally:", error);
      document.body.dataset.bootRefused = String(error.message || error).split("\n")[0];
    }
  }
  const pyodide = await loadVendored(options);
  booted(snapshot ? "refused" : "normal");
  return pyodide;
}
