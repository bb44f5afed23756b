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
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HERE = path.join(ROOT, 'scripts', 'bench', 'hop');
const models = process.argv.slice(2).length ? process.argv.slice(2)
  : ['models/psb-80.int8.onnx', 'models/blazeface/face_detection_front_128x128_barracuda.onnx'];
const TYPES = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };

const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  let file = null;
  let m;
  if (u.pathname === '/') file = path.join(HERE, 'index.html');
  else if (u.pathname.startsWith('/hop/')) file = path.join(HERE, path.basename(u.pathname));
  else if (u.pathname.startsWith('/web/')) {
    const web = path.join(ROOT, 'build', 'web');
    file = path.join(web, path.normalize(decodeURIComponent(u.pathname.slice(5))));
    if (!file.startsWith(web + path.sep)) file = null;
  }
  else if (u.pathname.startsWith('/ort/')) file = path.join(ROOT, 'node_modules', 'onnxruntime-web', 'dist', path.basename(u.pathname));
  else if ((m = /^\/m\/(\d+)$/.exec(u.pathname))) file = path.resolve(ROOT, models[+m[1]] ?? '');
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
  if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404, headers);
    res.end();
    return;
  }
  headers['Content-Type'] = TYPES[path.extname(file)] || 'application/octet-stream';
  res.writeHead(200, headers);
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bonafide-hop-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.hop);
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
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
  server.close();
}
