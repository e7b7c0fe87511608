"""The one package that touches the browser: everything else in python/ is plain Python that receives
this package (or tests/unit/fake_bridge.py in CPython tests) and calls the functions below.

One module per web concern, all re-exported here so a caller writes `bridge.el(...)`,
`bridge.fetch_bytes(...)`, whichever module holds it:
- `core`: converting values, callbacks that stay alive, logging, timing marks;
- `dom`: elements, visibility, animation frames, files the visitor picks;
- `net`: same-origin fetches and the buffers they return;
- `storage`: IndexedDB, localStorage, the service worker;
- `tensors`: TF.js (backends, models, tensors, nearest examples, object crops);
- `media`: the camera, canvases, the screen wake lock.

The bottom of the house: imports no app package, and no app package imports it (a page's entry
point passes it down). Only this package imports `js` and `pyodide`.

Rules kept here so the rest need not know them:
- a JS callback is a proxy made once and kept (`keep`, `listen`), never one per frame;
- TF.js functions are looked up once (`tensors.tf`), not on every call;
- Python values handed to JS are converted (`js_value`), never passed as borrowed PyProxies;
- pixels stay in JS: only small typed arrays are read back (`read_floats`).

Example (in the page):
    import bridge
    bridge.set_text("status-model", "ready")
"""

from .core import *  # noqa: F403 - the first import marks "python-start"
from .dom import *  # noqa: F403
from .media import *  # noqa: F403
from .net import *  # noqa: F403
from .storage import *  # noqa: F403
from .tensors import *  # noqa: F403
