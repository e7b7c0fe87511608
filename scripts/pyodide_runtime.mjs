// Build-time only: runs the vendored Pyodide in Node to make what the pages boot from faster.
//
//   node scripts/pyodide_runtime.mjs job.json
//
// The job (written by scripts/build_site.py) names the vendored Pyodide, the app's modules and the
// stdlib modules the pages import. This script, inside that very interpreter (so the bytecode and
// the memory layout match what the browser runs):
//   1. writes a stdlib zip where the pages' boot modules are bytecode (.pyc, unchecked-hash) and
//      every other kept module stays source;
//   2. writes the app's modules as a zip the pages import from: each .py with its bytecode (.pyc)
//      beside it, so tracebacks still name the file, the line and its source text;
//   3. boots once more from those files, imports the stdlib and app modules, and writes a memory
//      snapshot of that interpreter.
// Randomness is seeded from the job (node:crypto's randomFillSync is replaced while this runs), so the
// same inputs give the same files; the pages reseed `random` after restoring the snapshot.
import nodeCrypto from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { loadPyodide } from "../node_modules/pyodide/pyodide.mjs";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
// Emscripten keeps the script's path and arguments (argv, $_) in the interpreter's memory: the
// snapshot must not carry this machine's paths, and must not change with where the build ran.
process.argv = [process.argv[0], "pyodide"];

// A deterministic stream of bytes (sha256 in counter mode) standing in for the OS's entropy.
function seededEntropy(seed) {
  let counter = 0;
  return (array) => {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let filled = 0; filled < bytes.length; counter++) {
      const block = nodeCrypto.createHash("sha256").update(`${seed}:${counter}`).digest();
      const n = Math.min(block.length, bytes.length - filled);
      bytes.set(block.subarray(0, n), filled);
      filled += n;
    }
    return array;
  };
}
// Emscripten asks node:crypto's randomFillSync for entropy (the web's getRandomValues in a browser).
nodeCrypto.randomFillSync = seededEntropy(job.seed);

const env = { PYTHONHASHSEED: String(job.hash_seed) };
const say = (text) => process.stdout.write(`${text}\n`);

// --- 1 and 2: bytecode, compiled by the vendored interpreter. Without column ranges (the carets
// under a traceback's source line; file, line and source text stay): they were about a third of
// the bytecode's size, and the bytecode is half of py/app.zip.
const compiler = await loadPyodide({ indexURL: job.pyodide_dir, env: { ...env, PYTHONNODEBUGRANGES: "1" } });
compiler.globals.set("job", compiler.toPy(job));
compiler.runPython(readFileSync(new URL("./pyodide_runtime_compile.py", import.meta.url), "utf8"));
for (const [out, path] of [[job.stdlib_out, "/build/stdlib.zip"], [job.app_out, "/build/app.zip"]]) {
  writeFileSync(out, compiler.FS.readFile(path));
}
say(compiler.globals.get("report"));

// --- 3: the snapshot, from an interpreter booted on the files the pages use
if (job.snapshot_out) {
  // Modules keep a few timestamps from their import (logging's start time, ...): a clock that
  // starts at a fixed time and ticks per call keeps the snapshot's bytes the same from build to build.
  let tick = 0;
  Date.now = () => 1577836800000 + tick++;
  performance.now = () => tick++;
  const maker = await loadPyodide({
    indexURL: job.pyodide_dir, env, _makeSnapshot: true, stdLibURL: job.stdlib_out,
  });
  // The app's zip where the page's loader writes it, imported from there (zipimport), as in a page.
  maker.FS.mkdirTree(job.app_path.slice(0, job.app_path.lastIndexOf("/")));
  maker.FS.writeFile(job.app_path, new Uint8Array(readFileSync(job.app_out)));
  maker.runPython(`
import sys
sys.path.insert(0, ${JSON.stringify(job.app_path)})
import importlib
for name in ${JSON.stringify([...job.snapshot_stdlib, ...job.snapshot_app])}:
    importlib.import_module(name)
`);
  const snapshot = maker.makeMemorySnapshot();
  writeFileSync(job.snapshot_out, snapshot);
  say(`snapshot: ${snapshot.length} bytes, ${job.snapshot_stdlib.length} stdlib and ${job.snapshot_app.length} app modules imported`);
}
