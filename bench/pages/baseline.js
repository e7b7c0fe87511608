// The plain-JavaScript baseline: the talk's loop, doing per frame the same work as the Python pages
// (site/index.html, site/detect.html), on the same vendored TF.js and the same model files.
// Benchmark only: these pages are not part of the site. State goes to the same body data-*
// attributes as the site's pages (data-state, data-backend, data-frames), so one harness reads both.
// Until its loop starts, each page makes the same TF.js calls in the same order as its Python page
// (same warm-up canvas, same KNN setup), so TF.js's wasm heap is laid out the same way: the kernels'
// speed depends on where a frame's tensors land (a few ms per frame), and these pages measure the
// loop, not the luck of the layout.
"use strict";

const TYB = {
  params: new URLSearchParams(location.search),

  async backend() {
    const name = TYB.params.get("backend") || "webgl";
    if (name === "wasm") tf.wasm.setWasmPaths(new URL("../vendor/tfjs/", location.href).href);
    await tf.setBackend(name);
    await tf.ready();
    if (tf.getBackend() !== name) throw new Error(`backend ${name} did not start`);
    document.body.dataset.backend = name;
    return name;
  },

  async model(name) {
    const base = `../models/${name}/`;
    const manifest = await (await fetch(base + "manifest.json")).json();
    const labels = await (await fetch(base + (manifest.labels || "labels.json"))).json();
    const model = await tf.loadGraphModel(base + (manifest.model_json || "model.json"));
    return { model, manifest, labels };
  },

  // Pixels 0..255 -> float32 [1, H, W, 3] in the model's input range (call inside tf.tidy).
  input(source, manifest) {
    const [, height, width] = manifest.input.shape;
    const [low, high] = manifest.input.range || [0, 255];
    const resized = tf.image.resizeBilinear(tf.browser.fromPixels(source), [height, width]);
    return tf.expandDims(tf.add(tf.mul(tf.cast(resized, "float32"), (high - low) / 255), low), 0);
  },

  async camera(video) {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: "user" } });
    await video.play();
  },

  blank(width, height) {
    return Object.assign(document.createElement("canvas"), { width, height });
  },

  ready(video) {
    return video.readyState >= 2 && video.videoWidth > 0;
  },

  // One step per animation frame; `step` resolves true when it processed a frame.
  async run(step) {
    let frames = 0;
    for (;;) {
      await new Promise(requestAnimationFrame);
      if (await step()) document.body.dataset.frames = String(++frames);
    }
  },

  fail(error) {
    document.getElementById("message").textContent = String(error);
    document.body.dataset.state = "error";
    throw error;
  },
};
