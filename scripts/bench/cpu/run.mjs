// CPU time per run under node (process.cpuUsage), for A/B tests of the engine when the machine is
// too loaded for wall-clock times in Chromium (internal/kernel/BENCH.md, rounds 3-5). Each engine is
// a bonafide.wasm loaded through web/engine.mjs (what Bonafide.loadModel().run runs in its Worker)
// or onnxruntime-web 1.30 (wasm, one thread, graph optimization 'all'); all run the same input
// (sin(i)), once untimed (outputs compared with the first engine's), then interleaved round by
// round, the order reversed every other round.
//
// usage: WASM_EXEC=$(go env GOROOT)/lib/wasm/wasm_exec.js \
//   node scripts/bench/cpu/run.mjs model.onnx ROUNDS RUNS_PER_ROUND NAME=bonafide.wasm... [ort]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
if (!process.env.WASM_EXEC) throw new Error('set WASM_EXEC to Go\'s wasm_exec.js: $(go env GOROOT)/lib/wasm/wasm_exec.js');
const { Engine } = await import(pathToFileURL(root + '/web/engine.mjs'));
const [modelPath, roundsS, runsS, ...engines] = process.argv.slice(2);
const rounds = +roundsS, runs = +runsS;
const bytes = fs.readFileSync(modelPath);
const subjects = [];
let dims;
for (const e of engines) {
  if (e === 'ort') {
    const ort = await import(pathToFileURL(root + '/node_modules/onnxruntime-web/dist/ort.node.min.mjs').href);
    ort.env.wasm.numThreads = 1;
    const sess = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const inName = sess.inputNames[0];
    subjects.push({ name: 'ort', run: async (x, d) => { const o = await sess.run({ [inName]: new ort.Tensor('float32', x, d) }); return o[sess.outputNames[0]].data; } });
    continue;
  }
  const [name, wasmPath] = e.split('=');
  const eng = new Engine();
  const module = await WebAssembly.compile(fs.readFileSync(wasmPath));
  await eng.dispatch('init', { module, wasmExecUrl: pathToFileURL(process.env.WASM_EXEC).href });
  const info = (await eng.dispatch('loadModel', { model: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), options: {} })).value;
  dims = info.inputs[0].dims;
  subjects.push({ name, run: async (x, d) => { const r = await eng.dispatch('run', { model: info.id, feeds: [{ data: x, dims: d }] }); return Object.values(r.value.outputs)[0].data; } });
}
const n = dims.reduce((a, b) => a * b, 1);
const x = new Float32Array(n);
for (let i = 0; i < n; i++) x[i] = Math.sin(i);
const outs = [];
for (const s of subjects) outs.push(await s.run(x, dims)); // warm-up + parity
for (let i = 1; i < outs.length; i++) {
  let m = 0, big = 0;
  for (let j = 0; j < outs[0].length; j++) { m = Math.max(m, Math.abs(outs[i][j] - outs[0][j])); big = Math.max(big, Math.abs(outs[0][j])); }
  console.log(`max abs diff ${subjects[i].name} vs ${subjects[0].name}: ${m.toExponential(2)} (largest output ${big.toExponential(2)})`);
}
const times = Object.fromEntries(subjects.map((s) => [s.name, []]));
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [...subjects].reverse() : subjects;
  for (const s of order) {
    await s.run(x, dims);
    const c0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) await s.run(x, dims);
    const c = process.cpuUsage(c0);
    times[s.name].push((c.user + c.system) / 1000 / runs);
  }
  console.log(`round ${r}: ` + subjects.map((s) => `${s.name} ${times[s.name].at(-1).toFixed(1)}`).join(', ') + ' ms CPU/run');
}
const med = (a) => { const b = [...a].sort((p, q) => p - q); return b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2; };
for (const s of subjects) console.log(`${s.name}: median ${med(times[s.name]).toFixed(1)} min ${Math.min(...times[s.name]).toFixed(1)} ms CPU/run`);
