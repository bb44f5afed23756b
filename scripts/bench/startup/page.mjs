// The page of scripts/bench/startup/run.mjs: how long a page waits before it can check a face, with
// bonafide and with onnxruntime-web, each the first time in a fresh page and again in the same page.
// Model files are fetched before the clocks start (a page downloads them either way); bonafide's
// wasm and onnxruntime-web's are fetched and compiled inside the timed calls, as a page sees them.
import { Bonafide } from '/web/bonafide.mjs';

async function bytesOf(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function timed(f) {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

/** The steps bonafide.mjs recorded for the last call ("bonafide wasm", "start", "models"), in ms. */
function steps() {
  const out = {};
  for (const e of performance.getEntriesByType('measure')) if (e.name.startsWith('bonafide ')) out[e.name.slice(9)] = e.duration;
  performance.clearMeasures();
  return out;
}

/** bonafide: Bonafide.create (wasm, Worker, BlazeFace and the liveness model), twice, then loadModel. */
window.bonafideStartup = async ({ modelUrl }) => {
  const model = await bytesOf(modelUrl);
  performance.clearMeasures();
  const [first, c1] = await timed(() => Bonafide.create({ model: model.slice() }));
  const firstSteps = steps();
  await c1.close();
  const [again, c2] = await timed(() => Bonafide.create({ model: model.slice() }));
  const againSteps = steps();
  await c2.close();
  const [loadModel, m] = await timed(() => Bonafide.loadModel(model.slice()));
  const loadSteps = steps();
  await m.close();
  return { first, again, loadModel, steps: { first: firstSteps, again: againSteps, loadModel: loadSteps } };
};

/** onnxruntime-web, one thread: the same two files as sessions (its wasm compiles in the first). */
window.ortStartup = async ({ modelUrl, faceUrl }) => {
  const [model, face] = await Promise.all([bytesOf(modelUrl), bytesOf(faceUrl)]);
  const ort = await import('/ort/ort.wasm.min.mjs');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.logLevel = 'error';
  const both = async () => Promise.all([ort.InferenceSession.create(face.slice(), { executionProviders: ['wasm'] }),
    ort.InferenceSession.create(model.slice(), { executionProviders: ['wasm'] })]);
  const [first, s1] = await timed(both);
  for (const s of s1) await s.release();
  const [again, s2] = await timed(both);
  for (const s of s2) await s.release();
  return { first, again };
};
window.startupReady = true;
