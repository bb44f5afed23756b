// What the Worker hop of Model.run costs: `node scripts/bench/hop/run.mjs [model.onnx ...]` (after
// `make web`; default: the default model and BlazeFace front). For each model, in one headless
// Chromium page, one Worker runs bonafide's engine (web/engine.mjs, as bonafide.worker.mjs does) and
// the page runs it too; every round hands the inputs over three ways (structured clone, a fresh
// transferred buffer, Model.run's recycled buffer), then runs in the page and makes an empty round
// trip, and onnxruntime-web 1.30 runs it with one thread on the page's thread. Prints medians in ms
// (and each against ORT's): roundTrip (page), go (the engine's call in the Worker), hop =
// roundTrip − go, and its parts toWorker (postMessage until the Worker's onmessage), readMessage
// (reading event.data: deserialising) and toPage. Then what handing analyze() a 640×480 frame costs
// on the page's side (frameHop in page.mjs). HOP_RUNS (100), HOP_WARMUP (20).
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFresh, serveIsolated, under } from '../serve.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HERE = path.join(ROOT, 'scripts', 'bench', 'hop');
const models = process.argv.slice(2).length ? process.argv.slice(2)
  : ['models/psb-80.int8.onnx', 'models/blazeface/face_detection_front_128x128_barracuda.onnx'];

const server = await serveIsolated((p) => {
  let m;
  if (p === '/') return path.join(HERE, 'index.html');
  if (p.startsWith('/hop/')) return path.join(HERE, path.basename(p));
  if (p.startsWith('/web/')) return under(path.join(ROOT, 'build', 'web'), p.slice(5));
  if (p.startsWith('/ort/')) return path.join(ROOT, 'node_modules', 'onnxruntime-web', 'dist', path.basename(p));
  if ((m = /^\/m\/(\d+)$/.exec(p))) return path.resolve(ROOT, models[+m[1]] ?? '');
  return null;
});
const { page, close } = await openFresh(`${server.origin}/`, 'hop');
try {
  for (let i = 0; i < models.length; i++) {
    const load0 = os.loadavg()[0];
    const r = await page.evaluate((a) => window.hop(a), { url: `/m/${i}`, runs: +(process.env.HOP_RUNS || 100), warmup: +(process.env.HOP_WARMUP || 20) });
    const f = (x) => x.toFixed(2);
    console.log(`${path.basename(models[i])} (load ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}): in page ${f(r.inPage)} ms (${f(r.inPage / r.ort1)}× ORT 1t), ORT-web 1t ${f(r.ort1)} ms, empty round trip ${f(r.emptyRoundTrip)} ms`);
    for (const m of ['clone', 'transfer', 'recycle']) {
      console.log(`  ${m.padEnd(8)} roundTrip ${f(r[`${m}.roundTrip`])} (${f(r[`${m}.roundTrip`] / r.ort1)}× ORT 1t)  go ${f(r[`${m}.go`])}  hop ${f(r[`${m}.hop`])} (toWorker ${f(r[`${m}.toWorker`])}, readMessage ${f(r[`${m}.readMessage`])}, toPage ${f(r[`${m}.toPage`])})`);
    }
  }
  const load0 = os.loadavg()[0];
  const fr = await page.evaluate((a) => window.frameHop(a), { runs: +(process.env.HOP_RUNS || 100), warmup: +(process.env.HOP_WARMUP || 20) });
  console.log(`a 640×480 frame to the Worker (load ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}): making the transferable copy, then postMessage until the Worker's onmessage, medians in ms`);
  for (const [k, v] of Object.entries(fr)) console.log(`  ${k.padEnd(58)} make ${v.make.toFixed(2)}  toWorker ${v.toWorker.toFixed(2)}  sum ${(v.make + v.toWorker).toFixed(2)}`);
} finally {
  await close();
  server.close();
}
