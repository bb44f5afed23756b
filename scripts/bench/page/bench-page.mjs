// The benchmark page of scripts/bench/run.mjs. It loads bonafide (build/web, served at /web/) and
// two independent copies of onnxruntime-web (the same files served at /ort1/ and /ort2/, so each
// copy has its own wasm instance and its own env.wasm.numThreads: 1 and 2), then exposes
// window.bench for the driver, which calls it through page.evaluate.
import { Bonafide } from '/web/bonafide.mjs';

async function loadOrt(prefix, threads) {
  const ort = await import(`${prefix}ort.wasm.min.mjs`);
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.wasmPaths = prefix;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  return ort;
}

const ready = (async () => {
  const [ort1, ort2] = await Promise.all([loadOrt('/ort1/', 1), loadOrt('/ort2/', 2)]);
  return { ort1, ort2 };
})();

/** Deterministic inputs in [-1, 1) (xorshift32), the same for every engine. */
function input(n, seed) {
  const x = new Float32Array(n);
  let s = (2463534242 + seed) >>> 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    x[i] = (s >>> 8) / (1 << 24) * 2 - 1;
  }
  return x;
}

const numel = (dims) => dims.reduce((a, b) => a * b, 1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function permutations(xs) {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

function maxAbsDiff(a, b) {
  if (!a || !b || a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * Times one model on bonafide (Model.run in its Worker, the default, and with inPage also on the
 * page's thread) and onnxruntime-web with one thread and with two, interleaved: every round runs
 * each engine once.
 */
async function model({ url, cold = 10, warmup, warmupMs = 2000, runs, budgetMs = 0, minRuns = 3, gapMs = 0, inPage = true, settleMs = 0, channelAB = false }) {
  const { ort1, ort2 } = await ready;
  const bytes = await fetchBytes(url);
  const engines = [];
  const bm = await Bonafide.loadModel(bytes.slice(), { batch: 1 });
  const feeds = bm.inputs.map((inp, i) => ({ name: inp.name, dims: inp.dims, data: input(numel(inp.dims), i) }));
  const bfeeds = Object.fromEntries(feeds.map((f) => [f.name, { data: f.data, dims: f.dims }]));
  engines.push({ name: 'bonafide', run: () => bm.run(bfeeds), out: (o, name) => o[name]?.data, close: () => bm.close() });
  if (channelAB) {
    // The Worker again by postMessage (BENCH_CHANNEL_AB=1): the A/B of Model.run's channels.
    const bpost = await Bonafide.loadModel(bytes.slice(), { batch: 1, sharedMemory: false });
    engines.push({ name: 'bonafidePost', run: () => bpost.run(bfeeds), out: (o, name) => o[name]?.data, close: () => bpost.close() });
  }
  if (inPage) {
    // The same engine on the page's thread ({worker: false}), as ORT runs here: no Worker hop.
    const bp = await Bonafide.loadModel(bytes.slice(), { batch: 1, worker: false });
    engines.push({ name: 'bonafidePage', run: () => bp.run(bfeeds), out: (o, name) => o[name]?.data, close: () => bp.close() });
  }
  for (const [name, ort] of [['ort1', ort1], ['ort2', ort2]]) {
    const s = await ort.InferenceSession.create(bytes.slice(), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const of = Object.fromEntries(feeds.map((f) => [f.name, new ort.Tensor('float32', f.data, f.dims)]));
    engines.push({ name, run: () => s.run(of), out: (o, n) => o[n]?.data, close: () => s.release() });
  }
  const times = Object.fromEntries(engines.map((e) => [e.name, []]));
  // Each timed run again under the engine that ran just before it: whether one engine's after-effects
  // (ORT's two-thread pool spinning on after its run) slow the next (BENCH_AFTER=1 prints it).
  const after = Object.fromEntries(engines.map((e) => [e.name, {}]));
  let prev = null;
  const coldTimes = Object.fromEntries(engines.map((e) => [e.name, []]));
  const last = {};
  const orders = permutations(engines.map((_, j) => j));
  // After a run of ORT with two threads, an untimed pause while its pool thread spins on and then
  // parks: spinning into the next engine's run, on two cores, it took about half of every other
  // engine's time (scripts/bench/README.md); ORT 2t then pays for waking its pool in its own run.
  const settle = (e) => (e.name === 'ort2' && settleMs > 0 ? sleep(settleMs) : null);
  // Cold start: the first `cold` runs of each engine right after loading, interleaved like the timed
  // runs (V8 still runs baseline code, the caches are cold), what a page sees on its first frames.
  for (let i = 0; i < cold; i++) {
    for (const j of orders[i % orders.length]) {
      const e = engines[j];
      const t0 = performance.now();
      last[e.name] = await e.run();
      coldTimes[e.name].push(performance.now() - t0);
      await settle(e);
    }
  }
  // Warm-up: at least `warmup` rounds and, for light models, at least warmupMs, so that V8 has
  // tiered every engine's hot code up (its first runs execute baseline code several times slower).
  let round = 0;
  const w0 = performance.now();
  for (let i = 0; i < warmup || (budgetMs === 0 && performance.now() - w0 < warmupMs && i < 500); i++) {
    const t0 = performance.now();
    for (const e of engines) {
      last[e.name] = await e.run();
      // Settled here too: the last warm-up run is ORT 2t's, and the first timed run (bonafide's
      // Worker, the first engine of the first order) otherwise ran into its spinning pool.
      await settle(e);
    }
    round = performance.now() - t0;
  }
  // A heavy model gets a time budget instead: as many rounds as the last warm-up round says fit.
  if (budgetMs > 0 && round > 0) runs = Math.max(minRuns, Math.min(runs, Math.floor(budgetMs / round)));
  // Rounds go through every order of the engines in turn (so each follows each other equally
  // often: ORT's two-thread pool keeps a thread spinning for a while after its run, which slows
  // whatever runs next on a two-core machine), and each run starts after an idle gap.
  for (let i = 0; i < runs; i++) {
    for (const j of orders[i % orders.length]) {
      const e = engines[j];
      if (gapMs > 0) await sleep(gapMs);
      const t0 = performance.now();
      last[e.name] = await e.run();
      const dt = performance.now() - t0;
      times[e.name].push(dt);
      if (prev) (after[e.name][prev] ??= []).push(dt);
      prev = e.name;
      await settle(e);
    }
  }
  // Agreement: the largest difference over every output, bonafide against ORT with one thread,
  // and the largest ORT output magnitude, for scale.
  let diff = 0;
  let scale = 0;
  const ref = engines.find((e) => e.name === 'ort1');
  for (const o of bm.outputs) {
    const r = ref.out(last.ort1, o.name);
    diff = Math.max(diff, maxAbsDiff(engines[0].out(last.bonafide, o.name), r));
    for (let i = 0; r && i < r.length; i++) scale = Math.max(scale, Math.abs(r[i]));
  }
  for (const e of engines) await e.close();
  return { times, after, coldTimes, maxAbsDiff: diff, maxAbsRef: scale, inputs: feeds.map((f) => ({ name: f.name, dims: f.dims })), channel: bm.channel };
}

/** A W×H frame: the image scaled to cover it (like a webcam's view), as an ImageBitmap. */
async function frame(url, W, H) {
  const bm = await createImageBitmap(new Blob([await fetchBytes(url)]));
  const c = new OffscreenCanvas(W, H);
  const ctx = c.getContext('2d');
  const k = Math.max(W / bm.width, H / bm.height);
  ctx.drawImage(bm, (W - bm.width * k) / 2, (H - bm.height * k) / 2, bm.width * k, bm.height * k);
  return c.transferToImageBitmap();
}

function blankFrame(W, H) {
  const c = new OffscreenCanvas(W, H);
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, W, H);
  g.addColorStop(0, '#8aa4c8');
  g.addColorStop(1, '#d9c7a1');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, W, H);
  return c.transferToImageBitmap();
}

const checkers = [];
let pigoChecker = null;
let pool = null;
let e2eBytes = null;

/**
 * Creates the checker(s) for the end-to-end runs on the model at modelUrl: `count` with the default
 * face detector (BlazeFace), one with pigo for the comparison rows, and one with two Workers
 * ({workers: 2}) for the frames-per-second rows.
 */
async function e2eSetup({ modelUrl, count }) {
  const bytes = await fetchBytes(modelUrl);
  e2eBytes = bytes;
  for (const d of checkers.splice(0)) await d.close();
  await pigoChecker?.close();
  await pool?.close();
  for (let i = 0; i < count; i++) checkers.push(await Bonafide.create({ model: bytes.slice() }));
  pigoChecker = await Bonafide.create({ model: bytes.slice(), detector: 'pigo' });
  pool = await Bonafide.create({ model: bytes.slice(), workers: 2 });
  return { info: { macs: checkers[0].info.macs, kind: checkers[0].info.kind, detector: checkers[0].info.detector } };
}

/** Finds whether an image gives a scored face at W×H. */
async function e2eProbe({ url, W, H }) {
  const f = await frame(url, W, H);
  const r = await checkers[0].analyze(f);
  return { scored: r.scored, ok: r.quality.ok, reasons: r.quality.reasons.map((x) => x.code), face: r.face };
}

const T = (r) => r.timings;

/**
 * Per-frame figures through checker.analyze (the Worker): each case analyses the same frame runs
 * times after warmup. Cases are interleaved in blocks of `block` consecutive calls, so that the video
 * case tracks the face from one call to the next as it does on a camera (a still call in between
 * would restart the tracker). Returns the wall time of each call and the stage timings Go reports.
 */
async function e2e({ url, W, H, warmup, runs, block = 10 }) {
  const face = await frame(url, W, H);
  const blank = blankFrame(W, H);
  const cases = [];
  for (const [d, suffix] of [[checkers[0], ''], [pigoChecker, ' (pigo)']]) {
    cases.push({ name: `face, video${suffix}`, src: face, opt: { video: true }, d },
      { name: `face, still${suffix}`, src: face, opt: {}, d },
      { name: `no face${suffix}`, src: blank, opt: {}, d });
  }
  const out = Object.fromEntries(cases.map((c) => [c.name, { wall: [], detect: [], crop: [], infer: [], total: [], pixels: [], wasm: [], scored: 0 }]));
  for (let i = 0; i < warmup; i++) for (const c of cases) await c.d.analyze(c.src, c.opt);
  for (let i = 0; i < runs; i += block) {
    for (const c of cases) {
      for (let j = i; j < Math.min(runs, i + block); j++) {
        const t0 = performance.now();
        const r = await c.d.analyze(c.src, c.opt);
        const o = out[c.name];
        o.wall.push(performance.now() - t0);
        for (const k of ['detect', 'crop', 'infer', 'total', 'pixels', 'wasm']) o[k].push(T(r)[k] ?? NaN);
        if (r.scored) o.scored++;
      }
    }
  }
  const stats = await checkers[0].stats({ gc: false });
  return { cases: out, wasmMemoryBytes: stats.wasmMemoryBytes };
}

/**
 * onnxruntime-web running the same two models on the same frame, as a page would without bonafide:
 * the frame drawn letterboxed into BlazeFace's 128×128 input (canvas, getImageData, to [-1, 1] NHWC),
 * BlazeFace run, then the face region drawn into the liveness model's input (canvas, getImageData,
 * to NCHW floats) and the model run. The detector's box decoding, the quality gate and the maps are
 * left out (the face region is the frame's centre square): it does less than analyze(), so its
 * frames per second are an upper bound on an ORT pipeline's.
 */
async function ortPipeline(ort, faceModelUrl) {
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const det = await ort.InferenceSession.create(await fetchBytes(faceModelUrl), opts);
  const live = await ort.InferenceSession.create(e2eBytes.slice(), opts);
  const [, C, MH, MW] = checkers[0].info.inputs[0].dims;
  const dc = new OffscreenCanvas(128, 128);
  const dctx = dc.getContext('2d', { willReadFrequently: true });
  const mc = new OffscreenCanvas(MW, MH);
  const mctx = mc.getContext('2d', { willReadFrequently: true });
  const dx = new Float32Array(128 * 128 * 3);
  const mx = new Float32Array(C * MH * MW);
  return {
    async analyze(bm) {
      const k = 128 / Math.max(bm.width, bm.height);
      dctx.fillStyle = '#000';
      dctx.fillRect(0, 0, 128, 128);
      dctx.drawImage(bm, (128 - bm.width * k) / 2, (128 - bm.height * k) / 2, bm.width * k, bm.height * k);
      const d = dctx.getImageData(0, 0, 128, 128).data;
      for (let p = 0, q = 0; p < d.length; p += 4) {
        dx[q++] = d[p] / 127.5 - 1;
        dx[q++] = d[p + 1] / 127.5 - 1;
        dx[q++] = d[p + 2] / 127.5 - 1;
      }
      const r = await det.run({ [det.inputNames[0]]: new ort.Tensor('float32', dx, [1, 128, 128, 3]) });
      const scores = r[det.outputNames[det.outputNames.length - 1]].data;
      let best = 0;
      for (let a = 1; a < scores.length; a++) if (scores[a] > scores[best]) best = a;
      const side = Math.min(bm.width, bm.height);
      mctx.drawImage(bm, (bm.width - side) / 2, (bm.height - side) / 2, side, side, 0, 0, MW, MH);
      const m = mctx.getImageData(0, 0, MW, MH).data;
      const plane = MW * MH;
      for (let p = 0, q = 0; q < plane; p += 4, q++) {
        mx[q] = m[p + 2];
        mx[plane + q] = m[p + 1];
        mx[2 * plane + q] = m[p];
      }
      const o = await live.run({ [live.inputNames[0]]: new ort.Tensor('float32', mx, [1, C, MH, MW]) });
      return { best, out: o[live.outputNames[0]].data[0] };
    },
    close: async () => { await det.release(); await live.release(); },
  };
}

/**
 * Frames per second of the whole analyze pipeline on one 640×480 face frame: bonafide with one
 * Worker (one frame in flight, like a loop that awaits each) and with two ({workers: 2}, two frames
 * per Worker in flight), on still frames (full detection every frame) and on video frames (tracked);
 * onnxruntime-web's pipeline above with one thread and with two (one frame at a time: an ORT
 * session runs one call at a time). Configurations take turns in blocks of `frames` frames, one
 * block each per round (tpRound), so load changes hit them all; each one's figure is the median of
 * its blocks. tpSetup makes the pipelines and runs one warm-up block each; tpFinish closes them and
 * returns the figures. The driver runs the rounds between the parts of the per-frame table (e2e),
 * so that both tables sample the same stretches of the run.
 */
let tp = null;

async function tpSetup({ url, W, H, frames, faceModelUrl }) {
  const { ort1, ort2 } = await ready;
  const face = await frame(url, W, H);
  const o1 = await ortPipeline(ort1, faceModelUrl);
  const o2 = await ortPipeline(ort2, faceModelUrl);
  // Where a frame's time goes: Go's total and the Worker's pixel reading, per configuration.
  const stages = {};
  const ours = (c, inFlight, opt, name) => async () => {
    let next = 0;
    const st = (stages[name] ??= { total: [], pixels: [], roundTrip: [] });
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < frames) {
        next++;
        const r = await c.analyze(face, opt);
        for (const k of ['total', 'pixels', 'roundTrip']) st[k].push(r.timings[k]);
      }
    }));
  };
  const theirs = (o) => async () => {
    for (let i = 0; i < frames; i++) await o.analyze(face);
  };
  const configs = {
    'bonafide, 1 Worker, still': ours(checkers[0], 1, {}, 'bonafide, 1 Worker, still'),
    'bonafide, 2 Workers, still': ours(pool, 4, {}, 'bonafide, 2 Workers, still'),
    'bonafide, 1 Worker, video': ours(checkers[0], 1, { video: true }, 'bonafide, 1 Worker, video'),
    'bonafide, 2 Workers, video': ours(pool, 4, { video: true }, 'bonafide, 2 Workers, video'),
    'ORT-web 1 thread': theirs(o1),
    'ORT-web 2 threads': theirs(o2),
  };
  const fps = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
  for (const f of Object.values(configs)) await f(); // warm-up: one block each
  for (const v of Object.values(stages)) for (const xs of Object.values(v)) xs.length = 0; // warm-up frames do not count
  tp = { o1, o2, configs, fps, stages, frames, rounds: 0 };
  return true;
}

async function tpRound() {
  for (const [name, f] of Object.entries(tp.configs)) {
    const t0 = performance.now();
    await f();
    tp.fps[name].push(tp.frames / ((performance.now() - t0) / 1000));
  }
  tp.rounds++;
  return true;
}

async function tpFinish() {
  await tp.o1.close();
  await tp.o2.close();
  const { fps, stages, frames, rounds } = tp;
  tp = null;
  const med = (xs) => xs.slice().sort((a, b) => a - b)[(xs.length - 1) >> 1];
  return {
    fps: Object.fromEntries(Object.entries(fps).map(([k, v]) => [k, med(v)])), blocks: fps, frames, rounds,
    stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Object.fromEntries(Object.entries(v).map(([s, xs]) => [s, med(xs)]))])),
  };
}

/** The frames-per-second table in one call: setup, `rounds` rounds, finish. */
async function throughput({ rounds = 3, ...a }) {
  await tpSetup(a);
  for (let r = 0; r < rounds; r++) await tpRound();
  return tpFinish();
}

window.bench = { ready: ready.then(() => true), model, e2eSetup, e2eProbe, e2e, throughput, tpSetup, tpRound, tpFinish, isolated: () => crossOriginIsolated };
document.getElementById('status').textContent = 'ready';
