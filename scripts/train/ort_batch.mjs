#!/usr/bin/env node
// ort_batch.mjs: run an ONNX model in onnxruntime-node (CPU, one thread) on a batch of inputs, one
// sample at a time, with the same file formats as enginerun (scripts/train/enginerun/main.go).
//
//   node scripts/train/ort_batch.mjs [--opt=basic] MODEL.onnx X.f32 N Y.f32
//
// X.f32: N samples of the model's single input, raw little-endian float32. Y.f32: for each sample,
// every output in graph order, flattened and concatenated. Prints [{name, shape}] as JSON.
// "basic" keeps a QDQ graph's float meaning (see internal/oracle); "all" is what a deployment of
// onnxruntime would run.
import { createRequire } from 'node:module';
import fs from 'node:fs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

let args = process.argv.slice(2);
let opt = 'basic';
args = args.filter((a) => (a.startsWith('--opt=') ? ((opt = a.slice(6)), false) : true));
if (args.length !== 4) {
  console.error('usage: ort_batch.mjs [--opt=basic] MODEL.onnx X.f32 N Y.f32');
  process.exit(2);
}
const [modelPath, inPath, nStr, outPath] = args;
const n = Number(nStr);
const session = await ort.InferenceSession.create(modelPath, {
  graphOptimizationLevel: opt, intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
});
const inName = session.inputNames[0];
const raw = fs.readFileSync(inPath);
const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const per = all.length / n;
if (!Number.isInteger(per)) throw new Error(`${inPath}: ${all.length} floats do not split into ${n} samples`);
// The input's shape: from the model metadata when static.
const meta = session.inputMetadata ? session.inputMetadata[0] : null;
let shape = meta && meta.shape && meta.shape.every((d) => typeof d === 'number') ? meta.shape : null;
if (!shape) throw new Error('model input has no static shape');
const chunks = [];
let info = null;
for (let i = 0; i < n; i++) {
  const x = new ort.Tensor('float32', all.slice(i * per, (i + 1) * per), shape);
  const res = await session.run({ [inName]: x });
  if (!info) info = session.outputNames.map((k) => ({ name: k, shape: res[k].dims }));
  for (const k of session.outputNames) chunks.push(Buffer.from(new Float32Array(res[k].data).buffer));
}
fs.writeFileSync(outPath, Buffer.concat(chunks));
console.log(JSON.stringify(info));
