// `make bench`: bonafide against onnxruntime-web in the same headless Chromium page, same run, same
// ONNX files and inputs; then per-frame end-to-end figures through Checker.analyze. Prints the
// tables, writes build/bench/README-table.md (markdown) and build/bench/results.json (every sample),
// and regenerates the README's performance block (between its bench-table markers) and its download
// table (bench-sizes markers) unless BENCH_README=0. scripts/bench/README.md explains the method.
//
//   node scripts/bench/run.mjs          (after `make tools web`; `make bench` does both)
//
// Environment:
//   BENCH_RUNS=50        timed runs per engine and model (models over BENCH_HEAVY_MACS get a budget)
//   BENCH_WARMUP=10      untimed runs per engine first
//   BENCH_BUDGET_S=20    seconds per heavy model in the browser (runs shrink to fit, at least BENCH_MIN_RUNS)
//   BENCH_MIN_RUNS=30    timed runs per engine at the least, heavy models included (issue 12 asks medians of 30)
//   BENCH_HEAVY_MACS=1e9 models above this many MACs are heavy
//   BENCH_E2E_RUNS=60    analyze() calls per end-to-end case
//   BENCH_EXTRA=a.onnx,dir/*.onnx   more models (globs allowed), named by file
//   BENCH_SEARCH=dir1:dir2   more directories where models.json's candidates are looked up by name
//   BENCH_GAP_MS=0       idle gap before each timed run
//   BENCH_SETTLE_MS=20   untimed pause after each ORT 2-thread run, for its thread pool to park
//   BENCH_ONLY=a,b       only models whose name or path contains one of these
//   BENCH_SIZES_ONLY=1   only regenerate the README's download table from build/web/sizes.json (no timing)
//   BENCH_SKIP_E2E=1     skip the end-to-end table
//   BENCH_E2E_MODEL=f    the end-to-end model (default: the first of models.json's e2e list that exists)
//   BENCH_COLD=10        first runs per engine right after loading, reported as the cold start
//   BENCH_FPS_FRAMES=40  frames per block of the frames-per-second table (BENCH_FPS_ROUNDS=3 blocks each)
//   BENCH_ONLY_FPS=1     only the frames-per-second table (no inference table, no per-frame table)
//   BENCH_AFTER=1        also print each engine's median by the engine that ran just before it
//   BENCH_CHANNEL_AB=1   also time the Worker by postMessage ({sharedMemory: false}), interleaved
//   BENCH_README=1       regenerate the README's performance block (0: leave README.md alone)
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
const SETTLE_MS = +env('BENCH_SETTLE_MS', 20);
const COLD = +env('BENCH_COLD', 10);
const MIN_RUNS = +env('BENCH_MIN_RUNS', 30);
const FPS_FRAMES = +env('BENCH_FPS_FRAMES', 40);
const FPS_ROUNDS = +env('BENCH_FPS_ROUNDS', 3);
const ONLY_FPS = !!env('BENCH_ONLY_FPS', '');
const SHARED = path.resolve(env('BONAFIDE_SHARED', path.join(ROOT, '..', 'shared')));
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

/** A models.json path: {shared} is ../shared (BONAFIDE_SHARED); relative to the repository root. */
const resolvePath = (p, extra = {}) => {
  let q = p.replaceAll('{shared}', SHARED);
  for (const [k, v] of Object.entries(extra)) q = q.replaceAll(`{${k}}`, v);
  return path.resolve(ROOT, q);
};

/** Candidate paths, then each one's file name in every BENCH_SEARCH directory. */
function candidates(list) {
  const dirs = env('BENCH_SEARCH', '').split(':').filter(Boolean);
  return [...list.map((c) => resolvePath(c)), ...dirs.flatMap((d) => list.map((c) => path.resolve(d, path.basename(c))))];
}

/**
 * Runs an entry's `make` command to write its first candidate, when every file it needs exists.
 * Returns the file, or null.
 */
function make(e, tools) {
  if (!e.make) return null;
  const out = resolvePath(e.candidates[0]);
  const vars = { out, native: tools.native };
  const missing = (e.make.needs || []).map((n) => resolvePath(n, vars)).filter((n) => !fs.existsSync(n));
  if (missing.length) {
    log(`${e.name}: cannot make ${rel(out)} (missing ${missing.join(', ')})`);
    return null;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const [cmd, ...args] = e.make.cmd.map((a) => (a.startsWith('{') || a.includes('/') ? resolvePath(a, vars) : a));
  log(`${e.name}: making ${rel(out)}: ${[cmd, ...args].map((a) => (a.startsWith('/') ? rel(a) : a)).join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...goEnv(), BONAFIDE_SHARED: SHARED } });
  if (r.status !== 0 || !fs.existsSync(out)) {
    log(`${e.name}: making ${rel(out)} failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' / ')}`);
    return null;
  }
  return out;
}

function discover(cfg, tools) {
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
    const found = candidates(e.candidates).find((c) => fs.existsSync(c)) || make(e, tools);
    if (found) add({ name: e.name, file: found, group: e.group });
    else if (e.standin && fs.existsSync(path.resolve(ROOT, e.standin))) {
      add({ name: `${e.name} (stand-in: ${path.basename(e.standin, '.onnx')})`, file: path.resolve(ROOT, e.standin), group: e.group, standin: true });
      log(`${e.name}: none of ${e.candidates.join(', ')} exists; using the stand-in ${e.standin}`);
    } else if (!e.optional) log(`${e.name}: skipped, none of ${e.candidates.join(', ')} exists`);
    else log(`${e.name}: absent (${e.candidates.join(', ')}), skipped`);
  }
  // Comma-separated: models matching any of the substrings (one interleaved run of a few models).
  const only = env('BENCH_ONLY', '').split(',').filter(Boolean);
  return only.length ? list.filter((m) => only.some((o) => m.name.includes(o) || m.file.includes(o))) : list;
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

// ------------------------------------------------------------------------------ other sessions

/** The autogroup line of /proc/PID/autogroup ("/autogroup-N nice K"), or null. */
function autogroup(pid) {
  try {
    const m = /^(\S+) nice (-?\d+)/.exec(fs.readFileSync(`/proc/${pid}/autogroup`, 'utf8'));
    return m ? { group: m[1], nice: +m[2] } : null;
  } catch {
    return null;
  }
}

/** CPU ticks (user + system, all threads) of every process, with its command, nice and autogroup. */
function procTicks() {
  const out = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 80);
      out.set(d, { ticks: +f[11] + +f[12], nice: +f[16], cmd, ag: autogroup(d) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Other sessions busy on the CPU over `ms`. With autogroup scheduling (Linux's default for
 * desktop kernels, kernel.sched_autogroup_enabled = 1) the CPU is shared between sessions first:
 * a process's own nice (`nice -n 19`) only orders it against its own session, so a long job
 * started with nice 19 from another shell still takes half of the two cores whenever the browser
 * wants both, and every thread wake-up may wait behind it. bonafide's Worker pays two wake-ups a
 * run, which the engines on the page's thread do not. Only the group's nice (`echo 19 >
 * /proc/PID/autogroup`) makes such a job yield. Returns [{group, nice, cores, top}] for groups
 * other than this process's, busiest first, or null where there is no autogroup.
 */
async function otherSessions(ms = 1000) {
  let enabled = '';
  try {
    enabled = fs.readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim();
  } catch {
    // not Linux, or no autogroup
  }
  const own = enabled === '1' ? autogroup('self') : null;
  if (!own) return null;
  let hz = 100;
  try {
    hz = +execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }) || 100;
  } catch {
    // 100 on every Linux we run on
  }
  const a = procTicks();
  await new Promise((r) => setTimeout(r, ms));
  const b = procTicks();
  const groups = new Map();
  for (const [pid, p] of b) {
    if (!p.ag || p.ag.group === own.group) continue;
    const used = (p.ticks - (a.get(pid)?.ticks ?? p.ticks)) / hz / (ms / 1000);
    if (used <= 0) continue;
    const g = groups.get(p.ag.group) ?? { group: p.ag.group, nice: p.ag.nice, cores: 0, top: null, topCores: 0 };
    g.cores += used;
    if (used > g.topCores) Object.assign(g, { top: `${p.cmd} (pid ${pid}, nice ${p.nice})`, topCores: used });
    groups.set(p.ag.group, g);
  }
  return [...groups.values()].filter((g) => g.cores >= 0.1).sort((x, y) => y.cores - x.cores)
    .map(({ group, nice, cores, top }) => ({ group, nice, cores: +cores.toFixed(2), top }));
}

const sessionsText = (gs) => (gs?.length
  ? gs.map((g) => `${g.cores.toFixed(2)} cores in ${g.group.replace(/^\//, '')} at group nice ${g.nice} (mostly ${g.top})`).join('; ')
  : 'none');

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
  if (env('BENCH_SIZES_ONLY', '0') === '1') {
    // Sizes are a property of the build, not of a timing run: a model or wasm change can refresh them alone.
    const sizes = sizesTable();
    if (!sizes) throw new Error(`${rel(path.join(WEB, 'sizes.json'))} is missing: run \`make web\``);
    console.log(sizes);
    updateReadme('bench-sizes', sizes);
    return;
  }
  const t0 = Date.now();
  const started = new Date();
  const load0 = os.loadavg();
  const others0 = await otherSessions();
  if (others0?.length) {
    log(`other sessions busy on the CPU: ${sessionsText(others0)}. Their processes' nice does not apply across sessions (autogroup): ` +
      'every wake-up of the Worker may wait behind them; `echo 19 > /proc/PID/autogroup` makes such a job yield (scripts/bench/README.md)');
  }
  for (const need of [path.join(WEB, 'bonafide.wasm'), path.join(ORT_DIST, 'ort.wasm.min.mjs'), CHROMIUM]) {
    if (!fs.existsSync(need)) throw new Error(`${need} is missing: run \`make tools web\` (make bench does)`);
  }
  const cfg = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts', 'bench', 'models.json'), 'utf8'));
  const tools = buildTools();
  const models = discover(cfg, tools);
  if (!models.length) throw new Error('no models found (models/*.onnx, scripts/bench/models.json)');
  for (const m of models) {
    const info = inspect(tools.cli, m.file);
    if (info.error) throw new Error(`bonafide inspect ${rel(m.file)}: ${info.error}`);
    m.macs = info.macs;
    m.params = info.params;
    m.bytes = info.bytes;
  }
  log(`models: ${models.map((m) => `${m.name} [${rel(m.file)}, ${mmacs(m.macs)} MACs]`).join('; ')}`);

  // Native first (the browser is not running yet, so the two do not compete for the cores).
  if (!ONLY_FPS) {
    log('native Go engine (scripts/bench/native)...');
    const nat = JSON.parse(execFileSync(tools.native, ['-runs', String(RUNS), '-warmup', '3', '-budget', `${Math.round(BUDGET_MS / 3)}ms`,
      ...models.map((m) => m.file)], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    models.forEach((m, i) => { m.native = nat[i]; });
  }

  // Frame images for the end-to-end table: the photos in `faces`, else the generated face.
  const facesDir = resolvePath(cfg.faces);
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
    for (let i = 0; i < (ONLY_FPS ? 0 : models.length); i++) {
      const m = models[i];
      const heavy = m.macs > HEAVY;
      // Heavy models (seconds a run) get three cold runs, not ten: the budget is for the timed runs.
      const args = { url: `/m/${i}`, cold: COLD, warmup: heavy ? 1 : WARMUP, runs: Math.max(RUNS, MIN_RUNS), budgetMs: heavy ? BUDGET_MS : 0, minRuns: MIN_RUNS, gapMs: heavy ? 0 : GAP_MS, settleMs: SETTLE_MS, channelAB: !!env('BENCH_CHANNEL_AB', '') };
      const t = Date.now();
      const r = await page.evaluate((a) => window.bench.model(a), args);
      m.browser = r;
      if (env('BENCH_AFTER', '')) {
        for (const [k, v] of Object.entries(r.after)) log(`  ${k} by the engine before it: ${Object.entries(v).map(([p, xs]) => `${p} ${f1(median(xs))} (${xs.length})`).join(', ')}`);
      }
      if (r.times.bonafidePost) log(`  ${m.name}: Worker by ${r.channel} ${ms(r.times.bonafide)}, by postMessage ${ms(r.times.bonafidePost)} ms: ratio ${(median(r.times.bonafide) / median(r.times.bonafidePost)).toFixed(3)}`);
      log(`${m.name}: bonafide (${r.channel}) ${ms(r.times.bonafide)}, in page ${ms(r.times.bonafidePage ?? [])}, ORT 1t ${ms(r.times.ort1)}, 2t ${ms(r.times.ort2)} ms (median (p95), ${r.times.bonafide.length} runs, ${((Date.now() - t) / 1000).toFixed(0)} s); cold (first ${r.coldTimes.bonafide.length}) bonafide ${f1(median(r.coldTimes.bonafide))}, ORT 1t ${f1(median(r.coldTimes.ort1))} ms; max |Δ| ${r.maxAbsDiff.toExponential(1)} of ${r.maxAbsRef.toExponential(1)}`);
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
  results.otherSessions = { start: others0, end: await otherSessions() };
  results.seconds = (Date.now() - t0) / 1000;
  results.models = models.map((m) => ({ name: m.name, file: rel(m.file), group: m.group, standin: !!m.standin, macs: m.macs, params: m.params,
    native: m.native, browser: m.browser }));
  report(results, cfg, models);
}

async function e2e(page, file, images) {
  const setup = await page.evaluate((a) => window.bench.e2eSetup(a), { modelUrl: '/e2e.onnx', count: 1 });
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
  // The per-frame table's calls go in FPS_ROUNDS parts, each followed by a round of the
  // frames-per-second table, so that both tables sample the same stretches of the run: measured
  // one after the other (as they were until 2026-12-06), a few seconds of another job on this
  // 2-core machine made one table's Go time 50% above the other's for the very same calls.
  await page.evaluate((a) => window.bench.tpSetup(a), { url: `/img/${chosen}`, W, H, frames: FPS_FRAMES, faceModelUrl: '/web/models/blazeface.onnx' });
  const r = { cases: {}, wasmMemoryBytes: NaN };
  for (let part = 0; part < FPS_ROUNDS; part++) {
    if (!ONLY_FPS) {
      const runs = Math.round(E2E_RUNS * (part + 1) / FPS_ROUNDS) - Math.round(E2E_RUNS * part / FPS_ROUNDS);
      const p = await page.evaluate((a) => window.bench.e2e(a), { url: `/img/${chosen}`, W, H, warmup: part ? 3 : 10, runs });
      for (const [k, c] of Object.entries(p.cases)) {
        const o = (r.cases[k] ??= { scored: 0 });
        for (const [f, v] of Object.entries(c)) o[f] = f === 'scored' ? o.scored + v : [...(o[f] ?? []), ...v];
      }
      r.wasmMemoryBytes = p.wasmMemoryBytes;
    }
    await page.evaluate(() => window.bench.tpRound());
  }
  const tp = await page.evaluate(() => window.bench.tpFinish());
  log(`frames per second: ${Object.entries(tp.fps).map(([k, v]) => `${k} ${f1(v)}`).join(', ')}`);
  return { model: rel(file), macs: setup.info.macs, image: path.basename(images[chosen]), generatedImage: chosen === images.length - 1, ...r, throughput: tp };
}

/** The default model's file name: the one the web build ships (build/web/models/default.json), else models.json's. */
function defaultNames(cfg) {
  try {
    const d = JSON.parse(fs.readFileSync(path.join(WEB, 'models', 'default.json'), 'utf8'));
    if (d.source) return new Set([path.basename(d.source)]);
  } catch {
    // no web build: models.json says
  }
  return new Set(cfg.default.map((d) => path.basename(d)));
}

/** How the bench's Model.run reached its Worker (the page is cross-origin isolated, so shared memory unless that failed). */
function channelText(models) {
  const ch = [...new Set(models.map((m) => m.browser?.channel).filter(Boolean))];
  if (ch.length === 1 && ch[0] === 'sharedMemory') return 'the page is cross-origin isolated, so run() reaches the Worker through a SharedArrayBuffer: the input is copied into it, the outputs out of it';
  if (ch.length === 1 && ch[0] === 'postMessage') return 'run() reaches the Worker by postMessage: the input is copied into a buffer that goes to the Worker and back, the outputs come back transferred';
  return `run()'s channels to the Worker: ${ch.join(', ') || 'unknown'}`;
}

const ratio = (a, b) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '—');

function report(res, cfg, models) {
  // The default model is recognised by its file name, wherever it was found.
  const defaults = defaultNames(cfg);
  const ceil = models.find((m) => path.basename(m.file) === cfg.ceiling);
  const ceilGF = ceil?.browser ? 2 * ceil.macs / median(ceil.browser.times.bonafidePage ?? ceil.browser.times.bonafide) / 1e6 : NaN;
  const summary = [];
  const rows = models.map((m) => {
    const t = m.browser?.times;
    const c = m.browser?.coldTimes;
    const b = median(t?.bonafide ?? []);
    const o1 = median(t?.ort1 ?? []);
    const bp = median(t?.bonafidePage ?? []);
    const isDefault = defaults.has(path.basename(m.file));
    // GFLOP/s on the page's thread (no Worker hop), as a share of the ceiling's.
    const gf = 2 * m.macs / bp / 1e6;
    if (t && m !== ceil) summary.push({ name: m.name, steady: b / o1, cold: median(c?.bonafide ?? []) / median(c?.ort1 ?? []), page: bp / o1 });
    const rel = m.browser && m.browser.maxAbsRef > 0 ? ` (${(m.browser.maxAbsDiff / m.browser.maxAbsRef).toExponential(0)} rel)` : '';
    return [
      `${m.name}${isDefault ? ' **(default)**' : ''}`,
      mmacs(m.macs),
      t ? `${t.bonafide.length}` : '—',
      t ? ms(t.bonafide) : '—',
      t?.bonafidePage ? ms(t.bonafidePage) : '—',
      t ? ms(t.ort1) : '—',
      t ? ms(t.ort2) : '—',
      ratio(b, o1),
      c ? `${ratio(median(c.bonafide), median(c.ort1))} (${f1(median(c.bonafide))} / ${f1(median(c.ort1))})` : '—',
      ratio(bp, o1),
      Number.isFinite(gf) ? `${gf.toFixed(1)}${Number.isFinite(ceilGF) && m !== ceil ? ` (${Math.round(100 * gf / ceilGF)}%)` : ''}` : '—',
      m.native?.error ? 'error' : f1(m.native?.median_ms),
      m.browser ? `${m.browser.maxAbsDiff.toExponential(0)}${rel}` : '—',
    ];
  });
  const t1 = table(['model', 'MACs', 'runs', 'bonafide ms', 'in page ms', 'ORT-web 1t ms', 'ORT-web 2t ms', 'bonafide / ORT 1t', 'cold: first runs, ratio (ms / ms)', 'in page / ORT 1t', 'GFLOP/s in page (of ceiling)', 'native Go ms', 'max abs diff'],
    rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
  let t2 = '';
  if (res.e2e) {
    const e = res.e2e;
    const rows2 = Object.entries(e.cases).map(([name, c]) => [name, ms(c.wall), f1(median(c.detect)), f1(median(c.crop)), f1(median(c.infer)), f1(median(c.total)), f1(median(c.pixels ?? [])), `${c.scored}/${c.wall.length}`]);
    t2 = table(['640×480 frame', 'analyze() ms', 'detect', 'crop', 'infer', 'inside Go', 'pixels (JS)', 'scored'], rows2, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
    t2 += `\n\nFace detector: BlazeFace (front 128×128, the default), and pigo in the rows marked so; "detect" includes the quality gate. Model ${e.model} (${mmacs(e.macs)} MACs); frame from ${e.image}${e.generatedImage ? ' (generated: ../shared absent)' : ''}. ` +
      `analyze() is the page's wall time per call, median (p95) of ${E2E_RUNS}, taken in ${FPS_ROUNDS} parts, each followed by a round of the frames-per-second table below (both tables sample the same stretches of the run); stage columns are medians of the timings each result carries (Go's stages; "pixels" is the Worker reading the frame's pixels). ` +
      `wasm download: ${kb(res.wasm.raw)} raw, ${kb(res.wasm.gzip)} gzip -9. Peak wasm memory of the checker: ${kb(e.wasmMemoryBytes)}.`;
    const tp = e.throughput;
    if (tp?.fps) {
      const o2 = tp.fps['ORT-web 2 threads'];
      const st = (name, k) => f1(tp.stages?.[name]?.[k]);
      const rows3 = Object.entries(tp.fps).map(([name, v]) => [name, f1(v), ratio(v, o2), tp.blocks[name].map(f1).join(', '),
        tp.stages?.[name] ? `${st(name, 'roundTrip')} / ${st(name, 'total')} / ${st(name, 'pixels')}` : '—']);
      t2 += `\n\nFrames per second, the whole pipeline on the same 640×480 face frame (\`BENCH_FPS_ROUNDS\` = ${tp.rounds} blocks of ${tp.frames} frames per row, rows taking turns; median block): ` +
        'bonafide is `checker.analyze(frame)` with one Worker (one frame in flight) and with `Bonafide.create({workers: 2})` (two wasm instances, four frames in flight); ' +
        '"still" detects in every frame, "video" (`{video: true}`) tracks the face. ORT-web runs the same two models (BlazeFace front, then the liveness model on the face region) with canvas reading the pixels, one frame at a time, ' +
        'without box decoding, quality gate or maps: less work than analyze(), so its rate is an upper bound for an ORT pipeline.\n\n' +
        table(['pipeline', 'frames/s', '/ ORT-web 2 threads', 'blocks', 'per frame ms: analyze() / inside Go / pixels'], rows3, ['l', 'r', 'r', 'r', 'r']);
    }
  }
  const date = res.started.slice(0, 10);
  const load = `${res.load.start.map((x) => x.toFixed(1)).join(' ')} at the start, ${res.load.end.map((x) => x.toFixed(1)).join(' ')} at the end` +
    (res.otherSessions.start ? ` (other sessions on the CPU: ${sessionsText(res.otherSessions.start)} at the start, ${sessionsText(res.otherSessions.end)} at the end)` : '');
  const fast = summary.filter((x) => x.steady <= 1);
  const worst = summary.slice().sort((a, b) => b.steady - a.steady)[0];
  const reading = summary.length
    ? `Reading it: through the public API (its Worker) bonafide takes at most onnxruntime-web's one-thread time on ${fast.length} of ${summary.length} models` +
      (worst && worst.steady > 1 ? `; the slowest ratio is ${worst.steady.toFixed(2)} (${worst.name}, ${worst.page.toFixed(2)} on the page's thread)` : '') +
      `. On the page's thread, where ORT runs, the ratio is at most 1 on ${summary.filter((x) => x.page <= 1).length} of ${summary.length}; in the first runs after loading (cold) on ${summary.filter((x) => x.cold <= 1).length}.`
    : '';
  const md = [
    `Measured ${date} by \`make bench\` (\`node scripts/bench/run.mjs\`) on ${res.machine}, headless Chromium ${res.chromium}, onnxruntime-web 1.30.0 (wasm backend), load average ${load}; ${res.seconds.toFixed(0)} s.`,
    '',
    `Inference on the same ONNX file and input in the same page, engines interleaved run by run (after each ORT 2t run an untimed ${SETTLE_MS} ms pause lets its thread pool park before the next engine): median (p95) ms per \`run\` over the timed runs (after at least ${WARMUP} warm-up runs and 2 s). bonafide is \`Bonafide.loadModel(bytes).run(...)\` (its Worker, one thread, wasm SIMD; ${channelText(models)}), "in page" the same with \`{worker: false}\` on the page's thread, where ORT runs; "native Go" is the same engine built for the host (no SIMD kernels there), median. "cold" is the median of each engine's first ${COLD} runs right after loading; models over ${mmacs(HEAVY)} MACs get about ${BUDGET_MS / 1000} s for the timed runs but at least ${MIN_RUNS} runs (runs column): bonafide's Worker against ORT 1t. GFLOP/s counts 2 flops per MAC at the in-page median; the ceiling row is the packed GEMM (\`scripts/bench/native -gemm-onnx\`). max abs diff: largest output difference bonafide vs ORT 1t, and relative to ORT's largest output.`,
    '',
    t1,
    '',
    reading,
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
  if (env('BENCH_README', '1') !== '0' && !ONLY_FPS) {
    updateReadme('bench-table', md);
    const sizes = sizesTable();
    if (sizes) updateReadme('bench-sizes', sizes);
  }
}

/** The download table from build/web/sizes.json (make web writes it). */
function sizesTable() {
  let s;
  try {
    s = JSON.parse(fs.readFileSync(path.join(WEB, 'sizes.json'), 'utf8'));
  } catch {
    return '';
  }
  const n = (x) => (Number.isFinite(x) ? x.toLocaleString('en-US') : '—');
  const rows = [
    ['`bonafide.wasm` (lean decoder, `-ldflags=-s -w`)', n(s.wasm?.raw), n(s.wasm?.gzip)],
    [`JS (${(s.js?.files || []).map((f) => `\`${f}\``).join(', ')})`, n(s.js?.raw), n(s.js?.gzip)],
    ['of which the Worker, `bonafide.worker.mjs`', n(s.worker?.raw), n(s.worker?.gzip)],
    ['`<bonafide-check>` component', n(s.component?.raw), n(s.component?.gzip)],
    [`default model, \`${path.basename(s.model?.source || 'default.onnx')}\``, n(s.model?.raw), n(s.model?.gzip)],
  ];
  if (s.faceModel) rows.push([`face detector (BlazeFace), \`${path.basename(s.faceModel.source || '')}\``, n(s.faceModel.raw), n(s.faceModel.gzip)]);
  if (s.firstUse) rows.push(['**everything a page downloads on first use**', n(s.firstUse.raw), `**${n(s.firstUse.gzip)}**`]);
  for (const a of s.assets || []) {
    if (a.firstUse === false) rows.push([`only when asked for: \`${a.file}\` (from \`${a.source}\`)`, n(a.raw), n(a.gzip)]);
  }
  return `\`make web\` writes \`build/web/sizes.json\` (gzip -9); this table is its copy as of the last \`make bench\` (or \`BENCH_SIZES_ONLY=1 node scripts/bench/run.mjs\`):\n\n${table(['file', 'raw', 'gzip'], rows, ['l', 'r', 'r'])}\n`;
}

/** Replaces the text between <!-- NAME ... --> and <!-- /NAME --> in README.md with body. */
function updateReadme(name, body) {
  const file = path.join(ROOT, 'README.md');
  const text = fs.readFileSync(file, 'utf8');
  const re = new RegExp(`(<!-- ${name}[^>]*-->\\n)[\\s\\S]*?(<!-- /${name} -->)`);
  if (!re.test(text)) {
    log(`README.md has no <!-- ${name} --> … <!-- /${name} --> block; left alone`);
    return;
  }
  fs.writeFileSync(file, text.replace(re, (_, open, close) => `${open}${body.trim()}\n${close}`));
  log(`regenerated README.md's ${name} block`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
