// The models part: one model with plain TF.js (tf.loadGraphModel on its model.json; none of the
// site's file checks, no Python), driven by bench/models.py. Its frames do what the site's pages do
// per frame (python/models/detector.py, embedder.py): pixels -> resized input in the model's range
// -> model -> the packed detection rows or the embedding, read back. The rows are decoded in Python
// by the page's own functions (python/models/detections.py), so they are returned raw.
"use strict";

const CANDIDATES = 100; // python/models/detector.py: rows read back per frame

const BENCH = {
  model: null,
  manifest: null,
  images: new Map(),

  // Load the model under `base` (a folder URL ending in "/"): ms to load, and to run a first frame
  // on the image at `url`.
  async load(base, url) {
    this.manifest = await (await fetch(base + "manifest.json")).json();
    const source = await this.image(url);
    const started = performance.now();
    this.model = await tf.loadGraphModel(base + "model.json");
    const loaded = performance.now();
    await this.frame(source);
    return { load_ms: loaded - started, first_frame_ms: performance.now() - loaded };
  },

  async image(url) {
    if (!this.images.has(url)) {
      const image = new Image();
      image.src = url;
      await image.decode();
      this.images.set(url, image);
    }
    return this.images.get(url);
  },

  // As python/bridge/tensors.py prepare_input: stretched to the input size; int32 inputs kept as pixels.
  input(source) {
    const [, height, width] = this.manifest.input.shape;
    const [low, high] = this.manifest.input.range || [0, 255];
    const resized = tf.image.resizeBilinear(tf.browser.fromPixels(source), [height, width]);
    if (this.manifest.input.dtype === "int32") return tf.expandDims(tf.cast(resized, "int32"), 0);
    return tf.expandDims(tf.add(tf.mul(tf.cast(resized, "float32"), (high - low) / 255), low), 0);
  },

  // As python/bridge/tensors.py best_class_per_box: the CANDIDATES boxes with the best class score.
  bestClassPerBox(scores, boxes) {
    const perBox = tf.reshape(scores, [scores.shape[1], scores.shape[2]]);
    const top = tf.topk(tf.max(perBox, 1), Math.min(CANDIDATES, perBox.shape[0]));
    const classes = tf.cast(tf.gather(tf.argMax(perBox, 1), top.indices), "float32");
    const picked = tf.gather(tf.reshape(boxes, [-1, 4]), top.indices);
    return tf.concat([picked, tf.expandDims(top.values, 1), tf.expandDims(classes, 1)], 1);
  },

  async packedRows(source) {
    const { outputs, execution } = this.manifest;
    if (execution !== "async") return tf.tidy(() => this.model.execute(this.input(source), outputs.detections));
    const input = tf.tidy(() => this.input(source));
    const [scores, boxes] = await this.model.executeAsync(input, [outputs.scores, outputs.boxes]);
    input.dispose();
    const packed = tf.tidy(() => this.bestClassPerBox(scores, boxes));
    scores.dispose();
    boxes.dispose();
    return packed;
  },

  // One frame: a detector's packed rows, or an embedder's embedding, as flat numbers.
  async frame(source) {
    const result = this.manifest.task === "detection" ? await this.packedRows(source)
      : tf.tidy(() => tf.reshape(this.model.execute(this.input(source), this.manifest.outputs.embedding), [-1]));
    const values = await result.data();
    result.dispose();
    return values;
  },

  // ms of each of `frames` frames on `url`, after `warm` unmeasured ones.
  async timeFrames(url, warm, frames) {
    const source = await this.image(url);
    for (let i = 0; i < warm; i++) await this.frame(source);
    const times = [];
    for (let i = 0; i < frames; i++) {
      const started = performance.now();
      await this.frame(source);
      times.push(performance.now() - started);
    }
    return times;
  },

  async detections(urls) {
    const rows = [];
    for (const url of urls) rows.push(Array.from(await this.frame(await this.image(url))));
    return rows;
  },

  // Per image, the named outputs (manifest output roles) flattened.
  async embeddings(urls, roles) {
    const nodes = roles.map((role) => this.manifest.outputs[role]);
    const out = [];
    for (const url of urls) {
      const source = await this.image(url);
      const tensors = tf.tidy(() => [].concat(this.model.execute(this.input(source), nodes)).map((t) => tf.reshape(t, [-1])));
      out.push(await Promise.all(tensors.map(async (t) => Array.from(await t.data()))));
      tf.dispose(tensors);
    }
    return out;
  },
};

(async () => {
  await TYB.backend();
  document.body.dataset.state = "ready";
})().catch(TYB.fail);
