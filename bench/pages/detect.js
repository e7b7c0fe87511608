// Detect, plain JS: webcam -> detector -> CANDIDATES packed rows, one read -> threshold, best first,
// non-maximum suppression -> boxes + labels, as python/models/detector.py and detections.py do.
// `?detector=` as on the Python page (coco-ssd, centernet); by default the Python page's default.
// COCO-SSD runs with executeAsync on the frame's own int32 pixels, and the best class of each box,
// then the CANDIDATES best boxes, are packed in TF.js; CenterNet's graph already ends in 100 rows.
// With `?name=all` (or a COCO label: only those boxes) each box is also named by the nearest of
// `?examples=` random examples per class: its crop embedded with the others in one batch (128-px crops,
// python/models/embedder.py), one read, a vote; as the Python page's "Your classes" (CenterNet only:
// the crops are embedded by the detector's own backbone).
"use strict";

(async () => {
  const CANDIDATES = 100; // python/models/detector.py: rows read back per frame
  // Each detector's upstream defaults, as python/models/detector.py: score, boxes, IoU.
  const DEFAULTS = { centernet: [0.2, 10, 0.4], ssd: [0.5, 20, 0.5] };
  const NAMING = TYB.params.get("name");
  const CROP = 128;
  const k = 3;
  await TYB.backend();
  const { model, manifest, labels } = await TYB.model(await TYB.modelName("detector", "detect"));
  const ssd = manifest.decoder === "ssd";
  const [threshold, MAX, IOU] = DEFAULTS[manifest.decoder];
  const THRESHOLD = Number(TYB.params.get("threshold") || threshold);
  const [, height, width] = manifest.input.shape;
  const video = document.getElementById("video");
  const overlay = document.getElementById("overlay");
  const list = document.getElementById("detections");
  overlay.width = Math.round(overlay.clientWidth * devicePixelRatio);  // its shown size, as the Python page
  overlay.height = Math.round(overlay.clientHeight * devicePixelRatio);
  const ctx = overlay.getContext("2d");
  const name = (i) => (Array.isArray(labels) ? labels[i] : labels[String(i)]);
  // python/bridge/tensors.py best_class_per_box: each box's best class, the CANDIDATES best boxes.
  const bestClassPerBox = (scores, boxes) => {
    const perBox = tf.reshape(scores, [scores.shape[1], scores.shape[2]]);
    const best = tf.max(perBox, 1);
    const top = tf.topk(best, Math.min(CANDIDATES, best.shape[0]));
    const classes = tf.cast(tf.gather(tf.argMax(perBox, 1), top.indices), "float32");
    const picked = tf.gather(tf.reshape(boxes, [-1, 4]), top.indices);
    return tf.concat([picked, tf.expandDims(top.values, 1), tf.expandDims(classes, 1)], 1);
  };
  // One frame's packed rows, read back: tidied on both sides of executeAsync where the model needs it.
  const detect = async (source) => {
    let packed;
    if (ssd) {
      const input = tf.tidy(() => TYB.input(source, manifest));
      let outputs;
      try {
        outputs = await model.executeAsync(input, [manifest.outputs.scores, manifest.outputs.boxes]);
      } finally {
        input.dispose();
      }
      try {
        packed = tf.tidy(() => bestClassPerBox(outputs[0], outputs[1]));
      } finally {
        tf.dispose(outputs);
      }
    } else {
      packed = tf.tidy(() => model.execute(TYB.input(source, manifest), manifest.outputs.detections));
    }
    try {
      return await packed.data();
    } finally {
      packed.dispose();
    }
  };
  // python/models/detections.py centernet_rows / ssd_rows: boxes as fractions of the frame, clamped;
  // rows with no class or no area dropped.
  const clamp = (v) => Math.min(Math.max(v, 0), 1);
  const decode = (values) => {
    const found = [];
    for (let r = 0; r + 6 <= values.length; r += 6) {
      const row = values.subarray(r, r + 6);
      const [x1, y1, x2, y2] = ssd ? [row[1], row[0], row[3], row[2]]
        : [row[0] / width, row[1] / height, row[2] / width, row[3] / height];
      const [score, cls] = [row[4], row[5]];
      const label = Number.isNaN(cls) || Number.isNaN(score) ? null : name(Math.trunc(cls));
      const box = [clamp(x1), clamp(y1), clamp(x2), clamp(y2)];
      if (label && box[2] > box[0] && box[3] > box[1]) found.push({ label, score, box });
    }
    return found;
  };
  const iou = (a, b) => {
    const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
    const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
    if (w <= 0 || h <= 0) return 0;
    return (w * h) / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h);
  };
  // python/models/detections.py select: threshold, best first, greedy non-maximum suppression.
  const select = (candidates) => {
    const chosen = [];
    for (const d of candidates.filter((c) => c.score >= THRESHOLD).sort((a, b) => b.score - a.score)) {
      if (chosen.length >= MAX) break;
      if (chosen.every((kept) => iou(d.box, kept.box) < IOU)) chosen.push(d);
    }
    return chosen.map(({ label, score, box: [x1, y1, x2, y2] }) => ({ label, score, x: x1, y: y1, w: x2 - x1, h: y2 - y1 }));
  };

  await detect(TYB.blank(64, 48)); // the Python page warms up on the same blank canvas
  const perClass = Number(TYB.params.get("examples") || 3);
  if (NAMING && !manifest.outputs.embedding) throw new Error(`${manifest.name} has no embedding output to name boxes with`);
  const examples = NAMING && TYB.examples(perClass, 2, manifest.embedding_size);
  const [low, high] = manifest.input.range || [0, 255];
  const nameBoxes = async (source, boxes) => {
    const embeddings = tf.tidy(() => {
      const image = tf.expandDims(tf.cast(tf.browser.fromPixels(source), "float32"), 0);
      const corners = boxes.map((d) => [d.y, d.x, d.y + d.h, d.x + d.w]);
      const crops = tf.add(tf.mul(tf.image.cropAndResize(image, corners, boxes.map(() => 0), [CROP, CROP]), (high - low) / 255), low);
      return tf.reshape(model.execute(crops, manifest.outputs.embedding), [-1]);
    });
    try {
      const answers = await TYB.predict(examples, embeddings, Math.min(k, perClass), 2);
      answers.forEach((answer, i) => { boxes[i].name = `class ${answer.label}`; });
    } finally {
      embeddings.dispose();
    }
  };
  document.body.dataset.state = "ready";
  await TYB.camera(video);

  TYB.run(async () => {
    if (!TYB.ready(video)) return false;
    const found = select(decode(await detect(video)));
    const named = NAMING === "all" ? found : found.filter((d) => d.label === NAMING);
    if (NAMING && named.length) await nameBoxes(video, named);
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    ctx.strokeStyle = ctx.fillStyle = "#00e0a0";
    ctx.font = "14px sans-serif";
    list.textContent = "";
    for (const d of found) {
      const text = `${d.name ? `${d.label} · ${d.name}` : d.label} ${Math.round(d.score * 100)}%`;
      ctx.strokeRect(d.x * overlay.width, d.y * overlay.height, d.w * overlay.width, d.h * overlay.height);
      ctx.fillText(text, d.x * overlay.width + 4, d.y * overlay.height + 14);
      const item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    }
    list.dataset.count = String(found.length);
    return true;
  });
})().catch(TYB.fail);
