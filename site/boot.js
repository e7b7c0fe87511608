// What can start before Python runs, started at once; Python picks it up when it gets there.
//
// Booting the interpreter takes most of a visit's start, and none of these need Python:
// - TF.js's backend set-up (the one the page asks for first; Python's backend.choose decides, and
//   a second tf.setBackend of the same backend waits for this one instead of starting again);
// - the fetch and sha256 of the page's default model files (listed by the build in
//   vendor/boot-config.js); Python still checks each digest against the manifest, and takes a
//   file through TYB_PRELOAD.take(url), so a file it never asks for costs nothing more than its fetch;
// - the loading view's progress: bytes as they arrive, until Python takes the view over.
// A page opened with another model (?model=, ?detector=) preloads nothing of the model.
(() => {
  const config = window.TYB_BOOT || { preload: {} };
  const page = document.currentScript.dataset.page;
  const query = new URLSearchParams(location.search);
  const absolute = (url) => new URL(url, document.baseURI).href;
  const digests = new WeakMap();
  const files = new Map();

  function sha256(buffer) {
    if (!digests.has(buffer)) digests.set(buffer, crypto.subtle.digest("SHA-256", buffer));
    return digests.get(buffer);
  }

  async function fetchFile(url, revalidate) {
    try {
      const response = await fetch(url, { cache: revalidate ? "no-cache" : "default" });
      if (!response.ok) return { status: response.status, buffer: undefined };
      const buffer = await response.arrayBuffer();
      if (crypto.subtle) sha256(buffer);
      return { status: response.status, buffer };
    } catch {
      return { status: 0, buffer: undefined };
    }
  }

  const plan = config.preload[page];
  if (plan && !query.has(plan.param)) {
    for (const [url, revalidate] of plan.files) files.set(absolute(url), fetchFile(url, revalidate));
  }

  // TF.js reads the wasm files' location once, before its wasm backend first starts.
  tf.wasm.setWasmPaths(absolute("vendor/tfjs/"));
  tf.setBackend(query.get("backend") || "webgl").catch(() => false);

  window.TYB_PRELOAD = {
    // The preloaded {status, buffer} of `url`, once: a later fetch of it goes to the network.
    take(url) {
      const key = absolute(url);
      const file = files.get(key);
      files.delete(key);
      return file;
    },
    sha256,
  };

  // Bytes of the runtime and libraries as they arrive, until Python shows its own progress.
  document.addEventListener("DOMContentLoaded", () => {
    const total = config.runtimeBytes || 0;
    const bar = document.getElementById("loading-bar");
    const text = document.getElementById("loading-text");
    let done = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) done += entry.encodedBodySize || entry.transferSize || 0;
      if (document.body.dataset.state !== "loading") return observer.disconnect();
      if (total) { bar.max = total; bar.value = Math.min(done, total); }
      text.textContent = total && done >= total
        ? "Starting the Python runtime…"
        : `Loading the Python runtime and TF.js… ${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`;
    });
    observer.observe({ type: "resource", buffered: true });
  });
})();
