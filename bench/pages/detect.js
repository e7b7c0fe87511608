// Detect, plain JS: webcam -> CenterNet (100 decoded rows) -> threshold -> boxes + labels; with
// `?name=all` (or a COCO label: only those boxes) each box is also named by the nearest of
// `?examples=` random examples per class: its crop embedded with the others in one batch (128-px crops,
// python/embedder.py), one read, a vote; as the Python page's "Your classes".
"use strict";

(async () => {
  const THRESHOLD = Number(TYB.params.get("threshold") || 0.2); // 0.2: CenterNet's upstream default
  const MAX = 10;
  const NAMING = TYB.params.get("name");
  const CROP = 128;
  const k = 3;
  await TYB.backend();
  const { model, manifest, labels } = await TYB.model(TYB.params.get("detector") || "centernet");
  const node = manifest.outputs.detections;
  const [, height, width] = manifest.input.shape;
  const video = document.getElementById("video");
  const overlay = document.getElementById("overlay");
  const list = document.getElementById("detections");
  const ctx = overlay.getContext("2d");
  const detect = (source) => tf.tidy(() => model.execute(TYB.input(source, manifest), node));
  const name = (i) => (Array.isArray(labels) ? labels[i] : labels[String(i)]) || `class ${i}`;

  const warm = detect(TYB.blank(64, 48)); // the Python page warms up on the same blank canvas
  await warm.data();
  warm.dispose();
  const perClass = Number(TYB.params.get("examples") || 3);
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
    const rows = detect(video);
    let values;
    try {
      values = await rows.data();
    } finally {
      rows.dispose();
    }
    const found = [];
    for (let r = 0; r < values.length; r += 6) {
      const [x1, y1, x2, y2, score, cls] = values.subarray(r, r + 6);
      if (score >= THRESHOLD) found.push({ x: x1 / width, y: y1 / height, w: (x2 - x1) / width, h: (y2 - y1) / height, score, label: name(Math.round(cls)) });
    }
    found.sort((a, b) => b.score - a.score).splice(MAX);
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
