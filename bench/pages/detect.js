// Detect, plain JS: webcam -> CenterNet (100 decoded rows) -> threshold -> boxes + labels.
"use strict";

(async () => {
  const THRESHOLD = 0.2; // CenterNet's upstream default, as the Python page uses
  const MAX = 10;
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
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    ctx.strokeStyle = ctx.fillStyle = "#00e0a0";
    ctx.font = "14px sans-serif";
    list.textContent = "";
    for (const d of found) {
      const text = `${d.label} ${Math.round(d.score * 100)}%`;
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
