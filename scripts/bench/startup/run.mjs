// How long a page waits before it can check a face: `node scripts/bench/startup/run.mjs [model.onnx]`
// (after `make web`; default: the default model). Each round opens a fresh headless Chromium (an
// empty profile: no cached compiled code) and times, in one cross-origin isolated page,
// Bonafide.create({model}) the first time and again, then Bonafide.loadModel; then, in another fresh
// browser, onnxruntime-web 1.30 (one thread) creating sessions for BlazeFace and the same model, first
// and again; then, in a third, a first visit that creates a checker and uses it for STARTUP_USE_MS
// (4000) and a returning visit (a new page, same profile: the HTTP cache, and the compiled code the
// browser keeps with it) that creates one again, from a server that lets the browser revalidate what it
// keeps. Prints the median, min and max of STARTUP_ROUNDS (5) rounds, in ms, and the steps
// bonafide.mjs records (its User Timing entries).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFresh, serveIsolated, under } from '../serve.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HERE = path.join(ROOT, 'scripts', 'bench', 'startup');
const WEB = path.resolve(ROOT, process.env.STARTUP_WEB || 'build/web');
const model = path.resolve(ROOT, process.argv[2] || 'models/psb-80.int8.onnx');
const face = path.join(WEB, 'models', 'blazeface.onnx');
const rounds = +(process.env.STARTUP_ROUNDS || 5);
function fileFor(p) {
  if (p === '/') return path.join(HERE, 'index.html');
  if (p === '/model.onnx') return model;
  if (p.startsWith('/startup/')) return under(HERE, p.slice(9));
  if (p.startsWith('/web/')) return under(WEB, p.slice(5));
  if (p.startsWith('/ort/')) return under(path.join(ROOT, 'node_modules', 'onnxruntime-web', 'dist'), p.slice(5));
  return null;
}

const server = await serveIsolated(fileFor);
const origin = server.origin;
// For the returning visit: the browser keeps what it fetched and revalidates it, as with `bonafide serve`.
const cached = await serveIsolated(fileFor, { revalidate: true });
const useMs = +(process.env.STARTUP_USE_MS || 4000);

/** Runs f(page) in a fresh browser with an empty profile. */
async function fresh(f) {
  const { page, close } = await openFresh(`${origin}/`, 'startupReady');
  try {
    return await f(page);
  } finally {
    await close();
  }
}

/**
 * A first visit and a return in one fresh profile: a page creates a checker and uses it for useMs,
 * is closed, and a new page of the same origin creates one again.
 */
async function revisit() {
  const { page, context, close } = await openFresh(`${cached.origin}/`, 'startupReady');
  try {
    const args = { modelUrl: '/model.onnx', useMs };
    const first = await page.evaluate((a) => window.bonafideVisit(a), args);
    await page.close();
    const again = await context.newPage();
    await again.goto(`${cached.origin}/`);
    await again.waitForFunction(() => window.startupReady);
    return { first, returning: await again.evaluate((a) => window.bonafideVisit(a), { ...args, useMs: 0 }) };
  } finally {
    await close();
  }
}

const runs = { 'bonafide create, first in the page': [], 'bonafide create, again': [], 'bonafide loadModel (wasm compiled)': [],
  'ORT-web 1t: both sessions, first in the page': [], 'ORT-web 1t: both sessions, again': [],
  'bonafide create, first visit (revalidating server)': [], 'bonafide create, returning visit': [] };
// The steps bonafide.mjs records as User Timing entries (its measure()), per call.
const stepRuns = {};
const load0 = os.loadavg()[0];
try {
  for (let i = 0; i < rounds; i++) {
    const b = await fresh((page) => page.evaluate((a) => window.bonafideStartup(a), { modelUrl: '/model.onnx' }));
    const o = await fresh((page) => page.evaluate((a) => window.ortStartup(a), { modelUrl: '/model.onnx', faceUrl: '/web/models/blazeface.onnx' }));
    const r = Object.values(runs);
    [b.first, b.again, b.loadModel, o.first, o.again].forEach((v, j) => r[j].push(v));
    const v = await revisit();
    r[5].push(v.first.create);
    r[6].push(v.returning.create);
    for (const [call, st] of Object.entries({ ...b.steps, returning: v.returning.steps })) {
      for (const [name, ms] of Object.entries(st)) (stepRuns[`${call}: ${name}`] ??= []).push(ms);
    }
  }
} finally {
  server.close();
  cached.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
console.log(`${path.relative(ROOT, model)} with BlazeFace (${path.relative(ROOT, face)}), ${rounds} rounds, load ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}: median (min–max) ms`);
// STARTUP_JSON=FILE keeps every round's figures, to pool runs of two builds taken in turn.
if (process.env.STARTUP_JSON) fs.writeFileSync(process.env.STARTUP_JSON, JSON.stringify({ load: [load0, os.loadavg()[0]], runs, steps: stepRuns }));
const row = (k, v) => console.log(`  ${k.padEnd(48)} ${median(v).toFixed(0)} (${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)})`);
for (const [k, v] of Object.entries(runs)) row(k, v);
console.log('bonafide\'s steps (wasm: fetch, hash, compile or reuse; start: instance and Go, once the wasm is ready; models: the engine loading them):');
for (const [k, v] of Object.entries(stepRuns)) row(k, v);
