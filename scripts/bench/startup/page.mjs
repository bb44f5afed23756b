// The page of scripts/bench/startup/run.mjs: how long a page waits before it can check a face, with
// bonafide and with onnxruntime-web, each the first time in a fresh page and again in the same page,
// and bonafide on a returning visit.
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
/**
 * A visit: create() timed, then the engine used for useMs (BlazeFace on a blank 640×480 frame and the
 * model run on zeros, in turn, as a session's frames exercise both), so that the browser optimises
 * and may cache the code a page runs.
 */
window.bonafideVisit = async ({ modelUrl, useMs }) => {
  const model = await bytesOf(modelUrl);
  performance.clearMeasures();
  const [create, c] = await timed(() => Bonafide.create({ model: model.slice() }));
  const st = steps();
  const m = await Bonafide.loadModel(model.slice());
  const frame = new ImageData(640, 480);
  const x = new Float32Array(m.inputs[0].dims.reduce((a, b) => a * b, 1));
  const t0 = performance.now();
  while (performance.now() - t0 < useMs) {
    await c.analyze(frame);
    await m.run(x, m.inputs[0].dims);
  }
  await m.close();
  await c.close();
  return { create, steps: st };
};
window.startupReady = true;
