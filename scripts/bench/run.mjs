// `make bench`: bonafide against onnxruntime-web in the same headless Chromium page, same run, same
// ONNX files and inputs; then per-frame end-to-end figures through Checker.analyze. Prints two
// tables and writes build/bench/README-table.md (markdown, for the README) and
// build/bench/results.json (every sample). scripts/bench/README.md explains the method.
//
//   node scripts/bench/run.mjs          (after `make tools web`; `make bench` does both)
//
// Environment:
//   BENCH_RUNS=50        timed runs per engine and model (models over BENCH_HEAVY_MACS get a budget)
//   BENCH_WARMUP=10      untimed runs per engine first
//   BENCH_BUDGET_S=20    seconds per heavy model in the browser (runs shrink to fit, at least 3)
//   BENCH_HEAVY_MACS=1e9 models above this many MACs are heavy
//   BENCH_E2E_RUNS=60    analyze() calls per end-to-end case
//   BENCH_EXTRA=a.onnx,dir/*.onnx   more models (globs allowed), named by file
//   BENCH_SEARCH=dir1:dir2   more directories where models.json's candidates are looked up by name
//   BENCH_GAP_MS=0       idle gap before each timed run
//   BENCH_ONLY=substr    only models whose name or path contains this
//   BENCH_SKIP_E2E=1     skip the end-to-end table
//   BENCH_E2E_MODEL=f    the end-to-end model (default: the first of models.json's e2e list that exists)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = path.join(ROOT, 'build', 'bench');
const WEB = path.join(ROOT, 'build', 'web');
const ORT_DIST = path.join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');
const PAGE = path.join(ROOT, 'scripts', 'bench', 'page');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const env = (k, d) => (process.env[k] === undefined || process.env[k] === '' ? d : process.env[k]);
const RUNS = +env('BENCH_RUNS', 50);
const WARMUP = +env('BENCH_WARMUP', 10);
const BUDGET_MS = 1000 * +env('BENCH_BUDGET_S', 20);
const HEAVY = +env('BENCH_HEAVY_MACS', 1e9);
const E2E_RUNS = +env('BENCH_E2E_RUNS', 60);
const GAP_MS = +env('BENCH_GAP_MS', 0);
const W = 640;
const H = 480;

const log = (...a) => console.log('bench:', ...a);
const rel = (p) => path.relative(ROOT, p) || '.';

// ------------------------------------------------------------------------------------ statistics

/** Nearest-rank quantile (the same rule as scripts/bench/native). */
function quantile(xs, q) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const median = (xs) => quantile(xs, 0.5);
const p95 = (xs) => quantile(xs, 0.95);

// ---------------------------------------------------------------------------------------- models

/** Expands a glob with * and ? in the last path element only (all models.json needs). */
function glob(pattern) {
  const abs = path.resolve(ROOT, pattern);
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  if (!/[*?]/.test(base)) return fs.existsSync(abs) ? [abs] : [];
  if (!fs.existsSync(dir)) return [];
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return fs.readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => path.join(dir, f));
}

/** Candidate paths, then each one's file name in every BENCH_SEARCH directory. */
function candidates(list) {
  const dirs = env('BENCH_SEARCH', '').split(':').filter(Boolean);
  return [...list.map((c) => path.resolve(ROOT, c)), ...dirs.flatMap((d) => list.map((c) => path.resolve(d, path.basename(c))))];
}

function discover(cfg) {
  const list = [];
  const seen = new Set();
  // One model per file name: the same model may sit in models/ and in an export directory.
  const add = (m) => {
    const key = path.basename(m.file);
    if (seen.has(key)) return;
    seen.add(key);
    list.push(m);
  };
  const entries = [...cfg.models];
  for (const e of env('BENCH_EXTRA', '').split(',').filter(Boolean)) entries.push({ glob: e, group: 'extra' });
  for (const e of entries) {
    if (e.glob) {
      for (const f of glob(e.glob)) add({ name: path.basename(f, '.onnx'), file: f, group: e.group });
      continue;
    }
    const found = candidates(e.candidates).find((c) => fs.existsSync(c));
    if (found) add({ name: e.name, file: found, group: e.group });
    else if (e.standin && fs.existsSync(path.resolve(ROOT, e.standin))) {
      add({ name: `${e.name} (stand-in: ${path.basename(e.standin, '.onnx')})`, file: path.resolve(ROOT, e.standin), group: e.group, standin: true });
      log(`${e.name}: none of ${e.candidates.join(', ')} exists; using the stand-in ${e.standin}`);
    } else if (!e.optional) log(`${e.name}: skipped, none of ${e.candidates.join(', ')} exists`);
    else log(`${e.name}: absent (${e.candidates.join(', ')}), skipped`);
  }
  const only = env('BENCH_ONLY', '');
  return only ? list.filter((m) => m.name.includes(only) || m.file.includes(only)) : list;
}

// --------------------------------------------------------------------------------------- helpers

function goEnv() {
  return { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'auto', GOFLAGS: process.env.GOFLAGS || '-buildvcs=false' };
}

function buildTools() {
  const bin = path.join(ROOT, 'build', 'bin');
  fs.mkdirSync(bin, { recursive: true });
  execFileSync('go', ['build', '-o', path.join(bin, 'bonafide'), './cmd/bonafide'], { cwd: ROOT, stdio: 'inherit', env: goEnv() });
  // The native column runs the same decoder as the browser build (bonafide_lean).
  execFileSync('go', ['build', '-tags', 'bonafide_lean', '-o', path.join(bin, 'bench-native'), './scripts/bench/native'], { cwd: ROOT, stdio: 'inherit', env: goEnv() });
  return { cli: path.join(bin, 'bonafide'), native: path.join(bin, 'bench-native') };
}

function inspect(cli, file) {
  const r = spawnSync(cli, ['inspect', '-json', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim() };
  return JSON.parse(r.stdout);
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json', '.onnx': 'application/octet-stream', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

/**
 * A static server on 127.0.0.1 with COOP/COEP (cross-origin isolation, for ORT's threads): / is the
 * page, /web/ build/web, /ort1/ and /ort2/ onnxruntime-web's dist (twice, see the page), /m/N the
 * models, /img/N the frame images, and the paths in named.
 */
async function serve(models, images, named) {
  const routes = [['/web/', WEB], ['/ort1/', ORT_DIST], ['/ort2/', ORT_DIST], ['/', PAGE]];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = null;
    let m;
    if ((m = /^\/m\/(\d+)$/.exec(url.pathname))) file = models[+m[1]]?.file;
    else if ((m = /^\/img\/(\d+)$/.exec(url.pathname))) file = images[+m[1]];
    else if (named[url.pathname]) file = named[url.pathname];
    else {
      for (const [prefix, dir] of routes) {
        if (!url.pathname.startsWith(prefix)) continue;
        const p = path.normalize(path.join(dir, decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html'));
        if (p.startsWith(dir)) file = p;
        break;
      }
    }
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store' };
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, headers);
      res.end('not found');
      return;
    }
    headers['Content-Type'] = TYPES[path.extname(file)] || 'application/octet-stream';
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

// ---------------------------------------------------------------------------------------- tables

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : '—');
const ms = (xs) => `${f1(median(xs))} (${f1(p95(xs))})`;
const mmacs = (m) => (m >= 1e9 ? `${(m / 1e9).toFixed(2)} G` : `${(m / 1e6).toFixed(1)} M`);
const kb = (b) => `${(b / 1e6).toFixed(2)} MB`;

function table(head, rows, align) {
  const lines = [`| ${head.join(' | ')} |`, `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------ main

async function main() {
  const t0 = Date.now();
  const started = new Date();
  const load0 = os.loadavg();
  for (const need of [path.join(WEB, 'bonafide.wasm'), path.join(ORT_DIST, 'ort.wasm.min.mjs'), CHROMIUM]) {
    if (!fs.existsSync(need)) throw new Error(`${need} is missing: run \`make tools web\` (make bench does)`);
  }
  const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'bench', 'models.json'), 'utf8'));
  const models = discover(cfg);
  if (!models.length) throw new Error('no models found (models/*.onnx, scripts/bench/models.json)');
  const tools = buildTools();
  for (const m of models) {
    const info = inspect(tools.cli, m.file);
    if (info.error) throw new Error(`bonafide inspect ${rel(m.file)}: ${info.error}`);
    m.macs = info.macs;
    m.params = info.params;
    m.bytes = info.bytes;
  }
  log(`models: ${models.map((m) => `${m.name} [${rel(m.file)}, ${mmacs(m.macs)} MACs]`).join('; ')}`);

  // Native first (the browser is not running yet, so the two do not compete for the cores).
  log('native Go engine (scripts/bench/native)...');
  const nat = JSON.parse(execFileSync(tools.native, ['-runs', String(RUNS), '-warmup', '3', '-budget', `${Math.round(BUDGET_MS / 3)}ms`,
    ...models.map((m) => m.file)], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  models.forEach((m, i) => { m.native = nat[i]; });

  // Frame images for the end-to-end table: the photos in `faces`, else the generated face.
  const facesDir = path.resolve(ROOT, cfg.faces);
  const images = fs.existsSync(facesDir) ? glob(path.join(facesDir, '*.jpg')) : [];
  const generated = path.join(OUT, 'generated-face.png');
  fs.mkdirSync(OUT, { recursive: true });
  execFileSync(tools.native, ['-face-png', generated]);
  images.push(generated);

  const e2eModel = [path.resolve(ROOT, env('BENCH_E2E_MODEL', '') || '/nonexistent'), ...candidates(cfg.e2e)].find((c) => fs.existsSync(c));
  const server = await serve(models, images, e2eModel ? { '/e2e.onnx': e2eModel } : {});
  const profile = path.join(OUT, 'profile');
  fs.rmSync(profile, { recursive: true, force: true });
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  const browserVersion = context.browser()?.version() ?? '';
  const results = { started: started.toISOString(), machine: `${os.cpus()[0]?.model} ×${os.cpus().length}`, chromium: browserVersion, models: [], e2e: null };
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (msg) => { if (msg.type() === 'error') log(`page console: ${msg.text()}`); });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    await page.goto(`${server.origin}/`);
    await page.evaluate(() => window.bench.ready);
    if (!await page.evaluate(() => window.bench.isolated())) throw new Error('the page is not cross-origin isolated: ORT cannot use 2 threads');
    results.chromium = results.chromium || await page.evaluate(() => navigator.userAgent);

    // ---- Table 1: one model at a time, the three engines interleaved.
    for (let i = 0; i < models.length; i++) {
      const m = models[i];
      const heavy = m.macs > HEAVY;
      const args = { url: `/m/${i}`, warmup: heavy ? 1 : WARMUP, runs: RUNS, budgetMs: heavy ? BUDGET_MS : 0, minRuns: 3, gapMs: heavy ? 0 : GAP_MS };
      const t = Date.now();
      const r = await page.evaluate((a) => window.bench.model(a), args);
      m.browser = r;
      log(`${m.name}: bonafide ${ms(r.times.bonafide)}, in page ${ms(r.times.bonafidePage ?? [])}, ORT 1t ${ms(r.times.ort1)}, 2t ${ms(r.times.ort2)} ms (median (p95), ${r.times.bonafide.length} runs, ${((Date.now() - t) / 1000).toFixed(0)} s); max |Δ| ${r.maxAbsDiff.toExponential(1)}`);
    }

    // ---- Table 2: end to end.
    if (env('BENCH_SKIP_E2E', '')) log('end to end: skipped (BENCH_SKIP_E2E)');
    else if (!e2eModel) log(`end to end: none of ${cfg.e2e.join(', ')} exists; skipped`);
    else results.e2e = await e2e(page, e2eModel, images);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
    await server.close();
  }
  const wasm = fs.readFileSync(path.join(WEB, 'bonafide.wasm'));
  results.wasm = { raw: wasm.length, gzip: zlib.gzipSync(wasm, { level: 9 }).length };
  results.load = { start: load0, end: os.loadavg() };
  results.seconds = (Date.now() - t0) / 1000;
  results.models = models.map((m) => ({ name: m.name, file: rel(m.file), group: m.group, standin: !!m.standin, macs: m.macs, params: m.params,
    native: m.native, browser: m.browser }));
  report(results, cfg, models);
}

async function e2e(page, file, images) {
  const setup = await page.evaluate((a) => window.bench.e2eSetup(a), { modelUrl: '/e2e.onnx', count: 2 });
  let chosen = -1;
  for (let i = 0; i < images.length; i++) {
    const p = await page.evaluate((a) => window.bench.e2eProbe(a), { url: `/img/${i}`, W, H });
    if (p.scored && p.ok) {
      chosen = i;
      break;
    }
  }
  if (chosen < 0) {
    log('end to end: no image gave a face that passes the quality gate; using the generated one anyway');
    chosen = images.length - 1;
  }
  log(`end to end: model ${rel(file)} (${mmacs(setup.info.macs)} MACs), frame ${W}×${H} from ${path.basename(images[chosen])}`);
  const r = await page.evaluate((a) => window.bench.e2e(a), { url: `/img/${chosen}`, W, H, warmup: 10, runs: E2E_RUNS });
  const tp = await page.evaluate((a) => window.bench.throughput(a), { url: `/img/${chosen}`, W, H, frames: 2 * E2E_RUNS });
  return { model: rel(file), macs: setup.info.macs, image: path.basename(images[chosen]), generatedImage: chosen === images.length - 1, ...r, throughput: tp };
}

function report(res, cfg, models) {
  // The default model is recognised by its file name, wherever it was found.
  const defaults = new Set(cfg.default.map((d) => path.basename(d)));
  const rows = models.map((m) => {
    const t = m.browser?.times;
    const b = median(t?.bonafide ?? []);
    const o1 = median(t?.ort1 ?? []);
    const ratio = b / o1;
    const bp = median(t?.bonafidePage ?? []);
    const isDefault = defaults.has(path.basename(m.file));
    return [
      `${m.name}${isDefault ? ' **(default)**' : ''}`,
      mmacs(m.macs),
      t ? `${t.bonafide.length}` : '—',
      t ? ms(t.bonafide) : '—',
      t?.bonafidePage ? ms(t.bonafidePage) : '—',
      t ? ms(t.ort1) : '—',
      t ? ms(t.ort2) : '—',
      Number.isFinite(ratio) ? ratio.toFixed(2) : '—',
      Number.isFinite(bp / o1) ? (bp / o1).toFixed(2) : '—',
      m.native?.error ? 'error' : f1(m.native?.median_ms),
      Number.isFinite(b) ? (2 * m.macs / b / 1e6).toFixed(1) : '—',
      m.browser ? m.browser.maxAbsDiff.toExponential(0) : '—',
    ];
  });
  const t1 = table(['model', 'MACs', 'runs', 'bonafide ms', 'bonafide in page ms', 'ORT-web 1t ms', 'ORT-web 2t ms', 'bonafide / ORT 1t', 'in page / ORT 1t', 'native Go ms', 'bonafide GFLOP/s', 'max abs diff'],
    rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
  let t2 = '';
  if (res.e2e) {
    const e = res.e2e;
    const rows2 = Object.entries(e.cases).map(([name, c]) => [name, ms(c.wall), f1(median(c.detect)), f1(median(c.crop)), f1(median(c.infer)), f1(median(c.total)), `${c.scored}/${c.wall.length}`]);
    t2 = table(['640×480 frame', 'analyze() ms', 'detect', 'crop', 'infer', 'inside Go', 'scored'], rows2, ['l', 'r', 'r', 'r', 'r', 'r', 'r']);
    const tp = e.throughput;
    t2 += `\n\nFace detector: BlazeFace (front 128×128, the default), and pigo in the rows marked so; "detect" includes the quality gate. Model ${e.model} (${mmacs(e.macs)} MACs); frame from ${e.image}${e.generatedImage ? ' (generated: ../shared absent)' : ''}. ` +
      `analyze() is the page's wall time per call, median (p95) of ${E2E_RUNS}; stage columns are medians of Go's own timings. ` +
      `wasm download: ${kb(res.wasm.raw)} raw, ${kb(res.wasm.gzip)} gzip -9. Peak wasm memory of the checker: ${kb(e.wasmMemoryBytes)}. ` +
      `Throughput (video frames, face tracked): ${f1(tp[1])} frames/s with one Worker, ${f1(tp[2])} with two Workers (two wasm instances).`;
  }
  const date = res.started.slice(0, 10);
  const load = `${res.load.start.map((x) => x.toFixed(1)).join(' ')} at the start, ${res.load.end.map((x) => x.toFixed(1)).join(' ')} at the end`;
  const md = [
    `Measured ${date} by \`make bench\` (\`node scripts/bench/run.mjs\`) on ${res.machine}, headless Chromium ${res.chromium}, onnxruntime-web 1.30.0 (wasm backend), load average ${load}; ${res.seconds.toFixed(0)} s.`,
    '',
    `Inference on the same ONNX file and input in the same page, engines interleaved run by run: median (p95) ms per \`run\`. bonafide is \`Bonafide.loadModel(bytes).run(...)\` (its Worker, one thread, wasm SIMD; the input is copied to the Worker and the outputs come back), "in page" the same with \`{worker: false}\` on the page's thread, where ORT runs; "native Go" is the same engine built for the host (no SIMD kernels there), median. Models over ${mmacs(HEAVY)} MACs get about ${BUDGET_MS / 1000} s each (all engines together; runs column). GFLOP/s counts 2 flops per MAC at bonafide's median. max abs diff: largest output difference bonafide vs ORT.`,
    '',
    t1,
    '',
    t2 ? 'End to end, `checker.analyze(ImageBitmap)` through the Worker (detect + crop + infer + maps):' : '',
    '',
    t2,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(OUT, 'README-table.md'), md);
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(res, null, 1));
  console.log(`\n${md}`);
  log(`wrote ${rel(path.join(OUT, 'README-table.md'))} and ${rel(path.join(OUT, 'results.json'))}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
