// Run TF.js graph models on fixed inputs in node: the wasm backend (the page's wasm kernels; ~30x faster
// than the pure-JS cpu backend), or cpu when @tensorflow/tfjs-backend-wasm is not installed.
// Reads a JSON job on stdin: {tfjs, models: [dir], input: {path, shape, dtype, count}, outputs: [node], out_dir}
// Writes <out_dir>/<model index>.<output index>.bin (float32, all inputs concatenated) and prints shapes as JSON.
'use strict';
const fs = require('fs');
const path = require('path');

async function main() {
  const job = JSON.parse(fs.readFileSync(0, 'utf8'));
  const tf = require(job.tfjs);
  let backend = 'cpu';
  if (job.wasm) {
    try {
      require(job.wasm);
      if (await tf.setBackend('wasm')) backend = 'wasm';
    } catch (err) { backend = 'cpu'; }
  }
  await tf.setBackend(backend);
  await tf.ready();
  const raw = fs.readFileSync(job.input.path);
  const per = job.input.shape.reduce((a, b) => a * b, 1);
  const Typed = job.input.dtype === 'int32' ? Int32Array : Float32Array;
  const all = new Typed(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const report = {version: tf.version.tfjs, backend: tf.getBackend(), shapes: []};
  for (let m = 0; m < job.models.length; m++) {
    const dir = job.models[m];
    const mj = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const specs = [];
    const bufs = [];
    for (const group of mj.weightsManifest) {
      specs.push(...group.weights);
      for (const p of group.paths) bufs.push(fs.readFileSync(path.join(dir, p)));
    }
    const data = Buffer.concat(bufs);
    const weightData = data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
    const model = await tf.loadGraphModel(tf.io.fromMemory({modelTopology: mj.modelTopology, weightSpecs: specs, weightData}));
    const collected = job.outputs.map(() => []);
    let shapes = null;
    for (let i = 0; i < job.input.count; i++) {
      const x = tf.tensor(all.subarray(i * per, (i + 1) * per), job.input.shape, job.input.dtype);
      const res = job.async ? await model.executeAsync(x, job.outputs) : model.execute(x, job.outputs);
      const list = Array.isArray(res) ? res : [res];
      shapes = list.map(t => t.shape);
      list.forEach((t, k) => collected[k].push(Float32Array.from(t.dataSync())));
      tf.dispose(list);
      x.dispose();
    }
    collected.forEach((chunks, k) => {
      const buf = Buffer.concat(chunks.map(c => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
      fs.writeFileSync(path.join(job.out_dir, `${m}.${k}.bin`), buf);
    });
    report.shapes.push(shapes);
    model.dispose();
  }
  process.stdout.write(JSON.stringify(report));
}

main().catch(err => { process.stderr.write(String(err && err.message || err) + '\n'); process.exit(1); });
