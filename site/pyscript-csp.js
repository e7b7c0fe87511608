// Lets PyScript start under `script-src 'self' 'wasm-unsafe-eval'` (no 'unsafe-eval').
//
// @pyscript/core 0.7.31 (the newest release; upstream main is the same) builds each *worker* hook
// with `Function(...)` when a hook set is non-empty, and it reads those hooks on the main thread
// when the first <script type="py"> starts (to offer `XWorker` to Python). Its one default worker
// hook (`onBeforeRunAsync`: registers the `_pyscript` fs module inside PyScript workers) makes that
// `Function` call run, and a strict CSP turns it into an EvalError: Python never starts.
// This site runs no PyScript workers, so the hook has nothing to do here; emptying it through
// PyScript's public `hooks` export means `Function` is never called. Main-thread hooks are untouched.
// Python cannot do this itself: it has to happen before the interpreter is ready.
import { hooks } from "./vendor/pyscript/core.js";

hooks.worker.onBeforeRunAsync.clear();
