// Teach, plain JS: webcam -> embedding (the model's embedding node) -> k nearest examples -> class + bars,
// the same TF.js ops and vote as the Python page (python/models/embedder.py embed, python/bridge/tensors.py
// similarities and nearest, python/classifier/neighbours.py). `?model=` as on the Python page (mobilenet,
// centernet); by default the model the Python page runs by default.
// With a model that names classes (MobileNet), each frame also does what the Python page's "What
// MobileNet sees" does, on by default there: one run of both the embedding and the class-score nodes,
// the 5 best scores and their indices read back (python/models/embedder.py embed_and_scores, top), the
// 3 best names shown. `?sees=0` leaves it out, as the Python page with the view switched off.
"use strict";

(async () => {
  const CLASSES = ["A", "B", "C", "D"];
  await TYB.backend();
  const { model, manifest, labels } = await TYB.model(await TYB.modelName("model", "teach"));
  const node = manifest.outputs.embedding;
  const size = manifest.embedding_size;
  const video = document.getElementById("video");
  const embed = (source) => tf.tidy(() => tf.reshape(model.execute(TYB.input(source, manifest), node), [-1]));
  // The class scores: probabilities as the model gives them, else its logits through a softmax.
  const scoresNode = manifest.outputs.probabilities || manifest.outputs.logits;
  const embedAndScores = (source) => tf.tidy(() => {
    let [embedding, scores] = model.execute(TYB.input(source, manifest), [node, scoresNode]);
    if (!manifest.outputs.probabilities) scores = tf.softmax(scores);
    return [tf.reshape(embedding, [-1]), tf.reshape(scores, [-1])];
  });
  const sees = Boolean(scoresNode) && labels.length > 1 && TYB.params.get("sees") !== "0";
  document.body.dataset.sees = String(sees);

  // Warm-up (the first run compiles shaders) on a blank canvas at the model's input size, as the Python
  // page: with the class scores too where the model has them, each output read.
  const [, height, width] = manifest.input.shape;
  const blank = TYB.blank(width, height);
  const outputs = scoresNode ? embedAndScores(blank) : [embed(blank)];
  for (const output of outputs) await output.data();
  outputs.forEach((output) => output.dispose());

  // As many examples as the benchmark loads into the Python page (a dataset file): `?examples=3` per class A and B.
  const perClass = Number(TYB.params.get("examples") || 3);
  const examples = TYB.examples(perClass, 2, size);
  await TYB.calibrate(examples);
  const bars = CLASSES.slice(0, 2).map((name) => {
    const row = document.createElement("div");
    row.innerHTML = '<span class="label"></span><span class="track"><span class="fill"></span></span><span class="value">0%</span>';
    row.querySelector(".label").textContent = name;
    document.getElementById("bars").appendChild(row);
    return row.querySelector(".fill");
  });
  document.body.dataset.state = "ready";
  await TYB.camera(video);

  // The 5 best class scores, best first, as [index, probability] (python/models/embedder.py top); on
  // WebGL a wait for the values first, else TF.js's topk reads them synchronously.
  const top = async (scores, n) => {
    if (tf.getBackend() === "webgl") await scores.data();
    const packed = tf.tidy(() => {
      const best = tf.topk(tf.reshape(scores, [-1]), n);
      return tf.concat([best.values, tf.cast(best.indices, "float32")], 0);
    });
    try {
      const values = await packed.data();
      return Array.from(values.subarray(0, n), (p, i) => [values[n + i], p]);
    } finally {
      packed.dispose();
    }
  };
  let seen = "";

  const k = 3;
  TYB.run(async () => {
    if (!TYB.ready(video)) return false;
    const [embedding, scores] = sees ? embedAndScores(video) : [embed(video), null];
    try {
      const [{ label, confidences }] = await TYB.predict(examples, embedding, Math.min(k, perClass), 2);
      const name = CLASSES[label];
      document.getElementById("predicted").textContent = `${name} (${Math.round(confidences[label] * 100)}%)`;
      document.getElementById("prediction").dataset.label = name;
      bars.forEach((fill, i) => {
        const value = confidences[i] || 0;
        fill.style.width = `${(value * 100).toFixed(0)}%`;
        fill.parentElement.nextElementSibling.textContent = `${Math.round(value * 100)}%`;
        fill.parentElement.parentElement.dataset.top = String(i === label);
      });
      if (scores) {
        const text = (await top(scores, 5)).slice(0, 3).map(([i, p]) => `${labels[i]} ${Math.round(p * 100)}%`).join(", ");
        if (text !== seen) document.getElementById("sees").textContent = seen = text;
      }
    } finally {
      embedding.dispose();
      if (scores) scores.dispose();
    }
    return true;
  });

  // For the benchmark: KNN predict time with n stored examples vs one embedding inference (median ms).
  window.benchKnn = async (n, runs) => {
    const bench = TYB.examples(Math.ceil(n / 4), 4, size);
    const query = tf.randomNormal([size]);
    await TYB.predict(bench, query, k, 4); // warm-up
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await TYB.predict(bench, query, k, 4);
      times.push(performance.now() - t0);
    }
    query.dispose();
    bench.matrix.dispose();
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  };
  window.benchEmbed = async (runs) => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const e = embed(video);
      await e.data();
      e.dispose();
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  };
})().catch(TYB.fail);
