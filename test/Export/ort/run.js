// Runs an ONNX model in ONNX Runtime (onnxruntime-node) on the samples of a
// `predict --input` file (one sample of floats per line) and prints one line
// of outputs per sample, as the compiled binary's `predict` does.
// usage: node run.js MODEL.onnx INPUT
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, input] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model);
  const meta = session.inputMetadata[0] || {};
  const dims = (meta.shape || []).slice(1);
  const per = dims.reduce((a, b) => a * b, 1);
  const rows = fs.readFileSync(input, 'utf8').split('\n')
                   .filter((l) => l.trim())
                   .map((l) => l.trim().split(/\s+/).map(Number));
  for (const r of rows)
    if (r.length !== per)
      throw new Error(`${input}: ${r.length} values per sample, the model needs ${per}`);
  const type = meta.type === 'int32' ? 'int32' : 'float32';
  const data = type === 'int32' ? Int32Array.from(rows.flat())
                                : Float32Array.from(rows.flat());
  const feeds = {[session.inputNames[0]]: new ort.Tensor(type, data, [rows.length, ...dims])};
  const out = (await session.run(feeds))[session.outputNames[0]];
  const n = out.data.length / rows.length;
  for (let i = 0; i < rows.length; ++i)
    console.log(Array.from(out.data.slice(i * n, (i + 1) * n)).join(' '));
}
main().catch((e) => { console.error(`run.js: error: ${e.message}`); process.exit(1); });
