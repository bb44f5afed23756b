// Runs every model written by make_cases.py with onnxruntime-node (CPU) and writes the cases with
// their outputs to ../ort_goldens.json. See README.md.
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const cases = JSON.parse(readFileSync('cases.json', 'utf8'));
for (const c of cases) {
  const session = await ort.InferenceSession.create(`cases/${c.name}.onnx`);
  const feeds = {};
  for (const name of session.inputNames) {
    const t = c.inputs[name];
    feeds[name] = new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
  }
  const out = (await session.run(feeds)).y;
  c.output = { shape: out.dims.map(Number), data: Array.from(out.data) };
}
const meta = { generator: 'internal/kernel/kerneltest/testdata/ort/run_ort.mjs', onnxruntime: 'onnxruntime-node ' + ort.env.versions.common };
writeFileSync('../ort_goldens.json', JSON.stringify({ meta, cases }));
console.log(`${cases.length} cases, ${meta.onnxruntime}`);
