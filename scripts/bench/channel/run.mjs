// A/B of Model.run's two channels to its Worker (web/bonafide.mjs): the SharedArrayBuffer one and
// postMessage ({sharedMemory: false}), with the same engine on the page's thread for the floor.
// `node scripts/bench/channel/run.mjs [model.onnx ...]` after `make web`; CHANNEL_RUNS (300),
// CHANNEL_GAP_MS (4: an idle gap before each run, so both threads go to sleep as between frames).
// One cross-origin isolated headless Chromium page; per model the three are interleaved run by run,
// each order in turn. Prints medians (p90) in ms and the ratio shared / postMessage.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFresh, serveIsolated, under } from '../serve.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WEB = path.join(ROOT, 'build', 'web');
const models = process.argv.slice(2).length ? process.argv.slice(2)
  : ['models/psb-80.int8.onnx', 'models/blazeface/face_detection_front_128x128_barracuda.onnx'];
const RUNS = +(process.env.CHANNEL_RUNS || 300);
const GAP = +(process.env.CHANNEL_GAP_MS || 4);
const HERE = path.join(ROOT, 'scripts', 'bench', 'channel');

const server = await serveIsolated((p) => {
  if (p === '/') return path.join(HERE, 'index.html');
  if (p.startsWith('/web/')) return under(WEB, p.slice(5));
  if (/^\/m\/\d+$/.test(p)) return path.resolve(ROOT, models[+p.slice(3)] ?? '');
  return null;
});
const { page, close } = await openFresh(`${server.origin}/`);
if (!await page.evaluate(() => crossOriginIsolated)) throw new Error('the page is not cross-origin isolated');
console.log(`channel A/B: ${RUNS} runs each, gap ${GAP} ms, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (let i = 0; i < models.length; i++) {
  const r = await page.evaluate(async ({ url, runs, gap }) => {
    const { Bonafide } = await import('/web/bonafide.mjs');
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const engines = {
      shared: await Bonafide.loadModel(bytes.slice(), { batch: 1 }),
      post: await Bonafide.loadModel(bytes.slice(), { batch: 1, sharedMemory: false }),
      page: await Bonafide.loadModel(bytes.slice(), { batch: 1, worker: false }),
    };
    const m = engines.shared;
    const feeds = Object.fromEntries(m.inputs.map((inp, k) => [inp.name, { data: Float32Array.from({ length: inp.dims.reduce((a, b) => a * b, 1) }, (_, j) => Math.sin(j * 0.1 + k)), dims: inp.dims }]));
    const orders = [['shared', 'post', 'page'], ['post', 'page', 'shared'], ['page', 'shared', 'post'], ['shared', 'page', 'post'], ['post', 'shared', 'page'], ['page', 'post', 'shared']];
    const times = { shared: [], post: [], page: [] };
    const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
    for (let k = 0; k < 30 + runs; k++) {
      for (const name of orders[k % orders.length]) {
        if (gap) await sleep(gap);
        const t0 = performance.now();
        await engines[name].run(feeds);
        if (k >= 30) times[name].push(performance.now() - t0);
      }
    }
    const channel = m.channel;
    for (const e of Object.values(engines)) await e.close();
    return { times, channel };
  }, { url: `/m/${i}`, runs: RUNS, gap: GAP });
  const q = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
  const f = (xs) => `${q(xs, 0.5).toFixed(3)} (${q(xs, 0.9).toFixed(2)})`;
  const { shared, post, page: inPage } = r.times;
  console.log(`${path.basename(models[i])}: Worker by ${r.channel} ${f(shared)}, by postMessage ${f(post)}, in page ${f(inPage)} ms; shared / postMessage ${(q(shared, 0.5) / q(post, 0.5)).toFixed(3)}; hop over the page: shared ${(q(shared, 0.5) - q(inPage, 0.5)).toFixed(3)}, postMessage ${(q(post, 0.5) - q(inPage, 0.5)).toFixed(3)} ms; load ${os.loadavg()[0].toFixed(2)}`);
}
await close();
server.close();
