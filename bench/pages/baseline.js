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

  // The model named by `?<param>=` (Teach: model, Detect: detector), else the page's default as the
  // build chose it (models/index.json "defaults", python/models/choice.py): the Python page's model.
  async modelName(param, page) {
    const requested = TYB.params.get(param);
    if (requested) return requested;
    const index = await (await fetch("../models/index.json")).json();
    return (index.defaults || {})[page] || "centernet";
  },

  async model(name) {
    const base = `../models/${name}/`;
    const manifest = await (await fetch(base + "manifest.json")).json();
    const labels = await (await fetch(base + (manifest.labels || "labels.json"))).json();
    const modelJson = await (await fetch(base + (manifest.model_json || "model.json"))).json();
    // As the Python page (python/model_files.py any_size_input): a model with an embedding output
    // takes inputs of any batch and size, so object crops are embedded in one batch.
    if (manifest.outputs.embedding) {
      const input = modelJson.modelTopology.node.find((n) => n.name === manifest.input.name && n.op === "Placeholder");
      const dims = input.attr.shape.shape.dim;
      input.attr.shape.shape.dim = [{ size: "-1" }, { size: "-1" }, { size: "-1" }, ...dims.slice(3)];
    }
    const paths = modelJson.weightsManifest.flatMap((group) => group.paths);
    const shards = await Promise.all(paths.map(async (path) => new Uint8Array(await (await fetch(base + path)).arrayBuffer())));
    const weightData = new Uint8Array(shards.reduce((total, shard) => total + shard.length, 0));
    shards.reduce((offset, shard) => (weightData.set(shard, offset), offset + shard.length), 0);
    const model = await tf.loadGraphModel(tf.io.fromMemory({
      modelTopology: modelJson.modelTopology, format: modelJson.format, generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy, weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: weightData.buffer,
    }));
    document.body.dataset.model = name;
    return { model, manifest, labels };
  },

  unit(rows) {
    return tf.div(rows, tf.maximum(tf.norm(rows, "euclidean", 1, true), 1e-12));
  },

  // Random unit-length examples, `perClass` per class, as a dataset file gives the Python page: one
  // row each ([N, size]), as python/bridge/tensors.py keeps them.
  examples(perClass, classes, size) {
    return {
      matrix: tf.tidy(() => TYB.unit(tf.randomNormal([perClass * classes, size]))),
      labels: Array.from({ length: perClass * classes }, (_, row) => Math.floor(row / perClass)),
    };
  },

  // Cosine similarity of each query row to each example, [B, N] (call inside tf.tidy): examples x
  // queries^T, transposed (python/bridge/tensors.py similarities says why this order).
  similarities(matrix, queries) {
    return tf.transpose(tf.matMul(matrix, tf.transpose(TYB.unit(tf.reshape(queries, [-1, matrix.shape[1]])))));
  },

  // Each row's k best similarities, then those examples' indices, in one read; disposes `similarity`
  // (python/classifier/knn_trainer.py _neighbours, python/bridge/tensors.py nearest).
  async nearest(similarity, k) {
    let found;
    try {
      // else WebGL's topk reads it back synchronously, blocking the page; elsewhere the values exist
      if (tf.getBackend() === "webgl") await similarity.data();
      found = tf.tidy(() => {
        const top = tf.topk(similarity, k);
        return tf.concat([top.values, tf.cast(top.indices, "float32")], 1);
      });
    } finally {
      similarity.dispose();
    }
    try {
      return await found.data();
    } finally {
      found.dispose();
    }
  },

  // What the Python page does once a dataset file has loaded (python/classifier/knn_trainer.py
  // calibrate, leave_one_out): every example against all of them, its 8 nearest, one read. Only its
  // TF.js calls matter here (the threshold is not used), so that both heaps are laid out alike.
  async calibrate({ matrix }) {
    const n = matrix.shape[0];
    await TYB.nearest(tf.tidy(() => TYB.similarities(matrix, tf.slice(matrix, [0, 0], [n, -1]))), Math.min(8, n));
  },

  // The k examples nearest each query row, in one tidy and one read; a majority vote per row, ties to
  // the nearest (python/classifier/knn_trainer.py predict_many, python/classifier/neighbours.py vote).
  async predict({ matrix, labels }, queries, k, classes) {
    const values = await TYB.nearest(tf.tidy(() => TYB.similarities(matrix, queries)), k);
    const answers = [];
    for (let start = 0; start < values.length; start += 2 * k) {
      const counts = new Array(classes).fill(0);
      const rows = Array.from(values.subarray(start + k, start + 2 * k), (v) => labels[v]);
      rows.forEach((c) => counts[c]++);
      const best = Math.max(...counts);
      answers.push({ label: rows.find((c) => counts[c] === best), confidences: counts.map((c) => c / k), distance: 1 - values[start] });
    }
    return answers;
  },

  // Pixels 0..255 -> float32 [1, H, W, 3] in the model's input range (call inside tf.tidy); an int32
  // input (COCO-SSD's image_tensor) takes the frame's own pixels untouched: the graph resizes them
  // (python/bridge/tensors.py prepare_input).
  input(source, manifest) {
    if (manifest.input.dtype === "int32") return tf.expandDims(tf.browser.fromPixels(source), 0);
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
