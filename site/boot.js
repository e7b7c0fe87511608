// Python cannot report progress before it runs, so until it takes over (body[data-state] leaves
// "loading") this counts the bytes of the runtime files as they arrive.
(() => {
  const total = window.TYB_RUNTIME_BYTES || 0;
  const bar = document.getElementById("loading-bar");
  const text = document.getElementById("loading-text");
  let done = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) done += entry.encodedBodySize || entry.transferSize || 0;
    if (document.body.dataset.state !== "loading") return observer.disconnect();
    if (total) { bar.max = total; bar.value = Math.min(done, total); }
    text.textContent = `Loading the Python runtime and TF.js… ${(done / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`;
  });
  observer.observe({ type: "resource", buffered: true });
})();
