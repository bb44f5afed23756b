// Does bonafide work, with the same answers, in Firefox? `node scripts/bench/browsers/run.mjs` (after
// `make web`) runs the public API in headless Firefox and Chromium, each in a cross-origin isolated page
// and in one that is not: Bonafide.create(), analyze() of one 640×480 frame, a camera session and the
// <bonafide-check> element on the browser's fake camera, Bonafide.loadModel() of the default model and
// run() on a fixed input. It prints what each returned, the times of analyze() (with its stages) and
// run() with both browsers open and taking turns (Firefox rounds performance.now() to 1 ms in a page
// that is not isolated) and the largest difference from Chromium's isolated page; exit status 1 when a
// step fails or an output differs by more than 1e-5.
//
// Not part of `make test`: the tests and `make bench` drive Chromium through playwright-core, which
// drives only its own patched Firefox builds. This drives the stock browsers through puppeteer-core
// (WebDriver BiDi for Firefox), which the project does not depend on. Set-up, once:
//   apt-get install -y firefox-esr                  ($FIREFOX, default /usr/bin/firefox-esr)
//   npm install --no-save puppeteer-core@25.19.0    (in the repository root)
// The frame: ../shared's first deepface photo letterboxed to 640×480 when ../shared is there
// ($BONAFIDE_SHARED), else a synthetic frame without a face (then analyze() reports no face).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveIsolated, under } from '../serve.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WEB = path.join(ROOT, 'build', 'web');
const MODEL = path.join(ROOT, 'models', 'psb-80.int8.onnx');
const SHARED = process.env.BONAFIDE_SHARED || path.join(ROOT, '..', 'shared');
const PHOTO = path.join(SHARED, 'data', 'faces', 'deepface-tests', 'img1.jpg');
const BROWSERS = [
  { name: 'chromium', browser: 'chrome', executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] },
  { name: 'firefox', browser: 'firefox', executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    extraPrefsFirefox: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true } },
];

let puppeteer;
try {
  puppeteer = (await import('puppeteer-core')).default;
} catch {
  console.error('browsers: needs puppeteer-core: npm install --no-save puppeteer-core@25.19.0');
  process.exit(2);
}
for (const b of BROWSERS) {
  if (!fs.existsSync(b.executablePath)) {
    console.error(`browsers: no ${b.name} at ${b.executablePath} (${b.name === 'firefox' ? 'apt-get install -y firefox-esr, or set FIREFOX' : 'make tools'})`);
    process.exit(2);
  }
}
if (!fs.existsSync(path.join(WEB, 'bonafide.wasm'))) {
  console.error('browsers: no build/web: run make web');
  process.exit(2);
}

function fileFor(p) {
  if (p === '/') return path.join(ROOT, 'web', 'test', 'pages', 'blank.html');
  if (p === '/model.onnx') return MODEL;
  if (p === '/frame.jpg') return fs.existsSync(PHOTO) ? PHOTO : null;
  if (p.startsWith('/web/')) return under(WEB, p.slice(5));
  return null;
}

/** What the page does: every step of the public API a KYC page uses, once each (timeRound times them). */
async function probe(given) {
  const out = { isolated: crossOriginIsolated, steps: [] };
  const step = async (name, f) => {
    try {
      return await f();
    } catch (e) {
      out.steps.push(`${name}: ${e.name}: ${e.message}`);
      throw e;
    }
  };
  try {
    const { Bonafide } = await step('import', () => import('/web/bonafide.mjs'));
    let t = performance.now();
    const checker = await step('create', () => Bonafide.create());
    out.createMs = performance.now() - t;
    const c = new OffscreenCanvas(640, 480);
    const ctx = c.getContext('2d');
    const photo = given ? null : await fetch('/frame.jpg');
    if (given) {
      ctx.putImageData(new ImageData(Uint8ClampedArray.from(atob(given), (ch) => ch.charCodeAt(0)), 640, 480), 0, 0);
    } else if (photo.ok) {
      const img = await createImageBitmap(await photo.blob());
      const s = Math.min(640 / img.width, 480 / img.height);
      ctx.drawImage(img, (640 - img.width * s) / 2, (480 - img.height * s) / 2, img.width * s, img.height * s);
    } else {
      const g = ctx.createLinearGradient(0, 0, 640, 480);
      g.addColorStop(0, '#203040');
      g.addColorStop(1, '#d0b090');
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, 640, 480);
    }
    const frame = ctx.getImageData(0, 0, 640, 480);
    if (!given) {
      let bin = '';
      for (let i = 0; i < frame.data.length; i += 0x8000) bin += String.fromCharCode(...frame.data.subarray(i, i + 0x8000));
      out.frame = btoa(bin);
    }
    const r = await step('analyze', () => checker.analyze(frame));
    out.analyze = { face: !!r.face, score: r.score ?? null, decision: r.decision ?? null, reasons: r.reasons ?? [],
      maps: Object.fromEntries(Object.entries(r.maps ?? {}).map(([k, m]) => [k, Array.from(m.data ?? m)])) };
    // The camera path a KYC page takes: getUserMedia, a playing <video>, startSession. The browsers'
    // fake cameras show no face (and not the same pictures), so this checks that a verdict comes,
    // not which.
    const stream = await step('getUserMedia', () => navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } }));
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    document.body.append(video);
    await step('play', () => video.play());
    t = performance.now();
    const v = await step('startSession', () => checker.startSession(video, { minFrames: 3, maxFrames: 8, timeoutMs: 20000 }));
    out.session = { verdict: `${v.decision} (${v.frames} frames)`, reasons: v.reasons ?? [], ms: performance.now() - t,
      size: `${video.videoWidth}×${video.videoHeight}` };
    stream.getTracks().forEach((tr) => tr.stop());
    // The same through the web component, which opens the camera itself and draws over the video.
    await step('import component', () => import('/web/bonafide-check.mjs'));
    const el = document.createElement('bonafide-check');
    el.setAttribute('min-frames', '3');
    el.setAttribute('max-frames', '8');
    el.setAttribute('heatmap', '');
    el.checker = checker;
    document.body.append(el);
    const ended = new Promise((resolve, reject) => {
      el.addEventListener('result', (e) => resolve(e.detail), { once: true });
      el.addEventListener('error', (e) => reject(e.detail), { once: true });
    });
    await step('component start', () => el.start());
    const cv = await step('component result', () => ended);
    out.component = `${cv.decision} (${cv.frames} frames)`;
    el.remove();
    const bytes = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer());
    t = performance.now();
    const model = await step('loadModel', () => Bonafide.loadModel(bytes));
    out.loadModelMs = performance.now() - t;
    const x = new Float32Array(3 * 80 * 80);
    for (let i = 0; i < x.length; i++) x[i] = (i * 37) % 256;
    const o = await step('run', () => model.run(x, [1, 3, 80, 80]));
    out.run = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.from(v.data)]));
    // Kept for the timed rounds (timeRound) and closed by closeAll.
    window.__bonafide = { checker, model, frame, x };
  } catch {
    // the step is in out.steps
  }
  return out;
}

/** One timed round in the page: n calls of analyze() (its per-stage timings) and n of run(). */
async function timeRound(n) {
  const { checker, model, frame, x } = window.__bonafide;
  const analyze = [];
  const run = [];
  for (let i = 0; i < n; i++) {
    const r = await checker.analyze(frame);
    analyze.push(r.timings);
  }
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await model.run(x, [1, 3, 80, 80]);
    run.push(performance.now() - t);
  }
  return { analyze, run };
}

async function closeAll() {
  const b = window.__bonafide;
  await b?.checker.close();
  await b?.model.close();
}

function maxDiff(a, b) {
  let d = 0;
  const walk = (x, y) => {
    if (Array.isArray(x) || (x && typeof x === 'object')) {
      for (const k of Object.keys(x)) walk(x[k], y?.[k]);
    } else if (typeof x === 'number') {
      d = Math.max(d, typeof y === 'number' ? Math.abs(x - y) : Infinity);
    }
  };
  walk(a, b);
  return d;
}

const WARM = 10;
const ROUNDS = 6;
const PER_ROUND = 10;
const results = [];
for (const isolated of [true, false]) {
  const server = await serveIsolated(fileFor, { isolated });
  const open = [];
  try {
    for (const b of BROWSERS) {
      const browser = await puppeteer.launch({ browser: b.browser, executablePath: b.executablePath, headless: true, args: b.args,
        extraPrefsFirefox: b.extraPrefsFirefox, protocolTimeout: 300000 });
      open.push(browser);
      const page = await browser.newPage();
      page.on('pageerror', (e) => console.error(`${b.name}: page error: ${e.message}`));
      await page.goto(`${server.origin}/`);
      // Every page after the first analyses the first page's pixels: JPEG decoders and canvas scaling
      // differ between browsers, and the comparison is of bonafide, not of them.
      const out = await page.evaluate(probe, results[0]?.frame ?? null);
      results.push({ name: b.name, version: await browser.version(), wantIsolated: isolated, page, analyzeT: [], runT: [], ...out });
    }
    // Both browsers stay open and take turns, so that a stretch of the host weighs on both alike.
    const mine = results.filter((r) => r.wantIsolated === isolated && !r.steps.length);
    for (const r of mine) await r.page.evaluate(timeRound, WARM);
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of mine) {
        const t = await r.page.evaluate(timeRound, PER_ROUND);
        r.analyzeT.push(...t.analyze);
        r.runT.push(...t.run);
      }
    }
    for (const r of mine) await r.page.evaluate(closeAll);
  } finally {
    for (const browser of open) await browser.close();
    server.close();
  }
}

const ref = results[0]; // Chromium, isolated
const median = (a) => {
  const v = [...a].sort((p, q) => p - q);
  return v.length ? v[v.length >> 1] : NaN;
};
const stage = (r, f) => median(r.analyzeT.map((t) => t[f]));
console.log(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`node scripts/bench/browsers/run.mjs\`; frame: ` +
  `${fs.existsSync(PHOTO) ? path.relative(path.join(SHARED, '..'), PHOTO) + ' letterboxed to 640×480' : 'synthetic, no face'}; run() input: a fixed pattern. ` +
  `Times: medians in ms of ${ROUNDS * PER_ROUND} calls in ${ROUNDS} rounds of ${PER_ROUND}, the two browsers taking turns (after ${WARM} calls to warm up); ` +
  'analyze() as the page sees it (its Go stages: detect + crop + infer).\n');
console.log('| browser | page isolated | create ms | analyze: face, score | analyze ms (detect + crop + infer) | run ms | camera session: verdict, frame size, ms | <bonafide-check>: verdict | loadModel ms | max abs diff from Chromium isolated | failed step |');
console.log('|---|---|---:|---|---|---:|---|---|---:|---:|---|');
let bad = false;
for (const r of results) {
  const diff = r === ref || !ref ? 0 : maxDiff({ a: ref.analyze, r: ref.run }, { a: r.analyze, r: r.run });
  const failed = r.steps.join('; ');
  if (failed || !r.session || !r.component || !(diff <= 1e-5) || r.isolated !== r.wantIsolated) bad = true;
  const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : '-');
  console.log(`| ${r.version} | ${r.isolated} | ${r.createMs?.toFixed(0) ?? '-'} | ${r.analyze ? `${r.analyze.face}, ${r.analyze.score?.toFixed(6)}` : '-'} | ` +
    `${f2(stage(r, 'roundTrip'))} (${f2(stage(r, 'detect'))} + ${f2(stage(r, 'crop'))} + ${f2(stage(r, 'infer'))}) | ${f2(median(r.runT))} | ` +
    `${r.session ? `${r.session.verdict} ${r.session.reasons.slice(0, 2).join(' ')}, ${r.session.size}, ${r.session.ms.toFixed(0)}` : '-'} | ${r.component ?? '-'} | ` +
    `${r.loadModelMs?.toFixed(0) ?? '-'} | ${r === ref ? '(reference)' : diff.toExponential(1)} | ${failed || ''} |`);
}
process.exit(bad ? 1 : 0);
