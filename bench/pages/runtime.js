// What every Python page pays before any work of its own: the site's loader boots the vendored
// Pyodide (from its memory snapshot once the service worker has cached it) and one line of Python
// runs. No TF.js, no PyScript, no app, nothing else competing for the main thread.
import { loadPyodide } from "../pyodide-loader.mjs";

const pyodide = await loadPyodide({});
pyodide.runPython("import sys");
document.body.dataset.state = "ready";
