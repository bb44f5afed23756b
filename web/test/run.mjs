// End-to-end tests of the browser module in headless Chromium (playwright-core, /usr/bin/chromium),
// on node:test. `make test-e2e` builds build/web first, then runs:
//   node --test-reporter=spec web/test/run.mjs
//
// It serves a copy of build/web (plus web/test/pages) with `bonafide serve -isolated`, builds the
// fake-camera clips from ../shared/data/nuaa-train (a live frame and a printed-photo attack; a turned
// head from data/replay) or,
// without ../shared, from a generated picture, then runs the suites. Every request of every page is
// recorded (none may leave the origin) and so is every console error (none may happen).
// Artifacts (screenshots, clips, soak.json, report.json) go to build/test-artifacts.
//
// Environment: E2E_ONLY=api,channel,camera,soak,package runs some suites; SOAK_FRAMES (default 2000).
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { ARTIFACTS, SITE, Recorder, Skip, assert, launch, prepareSite, rgbaInBrowser, sharedDir, startServer, suite, tally, writeY4M } from './lib.mjs';
import { apiTests } from './api.test.mjs';
import { channelTests } from './channel.test.mjs';
import { cameraTests } from './camera.test.mjs';
import { soakTests } from './soak.test.mjs';
import { packageTests } from './package.test.mjs';

const only = (process.env.E2E_ONLY || 'api,channel,camera,soak,package').split(',');
const W = 640;
const H = 480;

/**
 * Picks the first frame of a NUAA class whose face is found, passes the quality gate and, as a still
 * image, gets its class's verdict from the default model: the clips then check that the camera path
 * (I420 fake camera, sessions, the component) keeps the still's verdict. Without the last condition the
 * live clip was 0001_00_00_01_0.jpg, one of the ~2% of NUAA session-01 live frames psb-80 rejected at its
 * earlier x2.7 crop (`bonafide scan`: 0.27 against its threshold 0.575); its neighbours score 0.82-0.90. With the
 * untrained dev model (verdict false) the verdict is not asked for: its scores are random.
 */
async function pickFrame(page, dir, label, verdict) {
  const files = [];
  for (const subject of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, subject);
    if (!fs.statSync(sub).isDirectory()) continue;
    files.push(...fs.readdirSync(sub).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, 4).map((f) => path.join(sub, f)));
  }
  for (const file of files.slice(0, 36)) {
    const rgba = await rgbaInBrowser(page, file, W, H);
    const ok = await page.evaluate(async ({ b64, live }) => {
      const img = new ImageData(Uint8ClampedArray.from(atob(b64), (c) => c.charCodeAt(0)), 640, 480);
      const r = await window.__picker.analyze(img);
      return r.scored && r.quality.ok && (live === null || r.live === live);
    }, { b64: rgba.toString('base64'), live: verdict ? label === 'live' : null });
    if (ok) return { file, rgba };
    console.log(`        ${label} clip: skipped ${path.basename(file)} (no face, gate, or the still's verdict is not ${label})`);
  }
  throw new Error(`no usable ${label} frame among the first files of ${dir}`);
}

/**
 * Picks a live frame of ../shared/data/replay whose only quality reason is face_turned (a head
 * turned away from the camera, in a real room), for the "look at the camera" check; null if none
 * among the first frames of each source.
 */
async function pickTurned(page, replay) {
  const files = [];
  for (const src of fs.readdirSync(replay).sort()) {
    const live = path.join(replay, src, 'live');
    if (!fs.existsSync(live)) continue;
    files.push(...fs.readdirSync(live).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, 40).map((f) => path.join(live, f)));
  }
  for (const file of files) {
    const rgba = await rgbaInBrowser(page, file, W, H);
    const codes = await page.evaluate(async (b64) => {
      const img = new ImageData(Uint8ClampedArray.from(atob(b64), (c) => c.charCodeAt(0)), 640, 480);
      const r = await window.__picker.analyze(img);
      return r.quality.reasons.map((q) => q.code);
    }, rgba.toString('base64'));
    if (codes.length === 1 && codes[0] === 'face_turned') return { file, rgba };
  }
  return null;
}

async function buildInputs(origin, shared, devModel) {
  const clipsDir = path.join(ARTIFACTS, 'clips');
  fs.mkdirSync(clipsDir, { recursive: true });
  const b = await launch();
  try {
    const page = await b.context.newPage();
    await page.goto(`${origin}/test/blank.html`);
    if (shared) {
      await page.evaluate(async () => {
        const { Bonafide } = await import('/bonafide.mjs');
        window.__picker = await Bonafide.create();
      });
      const nuaa = path.join(shared, 'data', 'nuaa-train');
      const live = await pickFrame(page, path.join(nuaa, 'live'), 'live', !devModel);
      const spoof = await pickFrame(page, path.join(nuaa, 'spoof'), 'spoof', !devModel);
      const turned = await pickTurned(page, path.join(shared, 'data', 'replay'));
      await page.evaluate(() => window.__picker.close());
      const clips = [];
      for (const [label, f] of [['live', live], ['spoof', spoof]]) {
        const y4m = path.join(clipsDir, `${label}.y4m`);
        writeY4M(y4m, f.rgba, W, H);
        clips.push({ label, y4m, image: f.file, source: path.relative(shared, f.file) });
      }
      let turnedClip = null;
      if (turned) {
        turnedClip = { label: 'turned', y4m: path.join(clipsDir, 'turned.y4m'), image: turned.file, source: path.relative(shared, turned.file) };
        writeY4M(turnedClip.y4m, turned.rgba, W, H);
      }
      const soak = await rgbaInBrowser(page, live.file, 320, 240);
      return { clips, turnedClip, frame: { rgba: live.rgba, width: W, height: H }, soakFrame: { rgba: soak, width: 320, height: 240 } };
    }
    const rgba = await rgbaInBrowser(page, null, W, H);
    const y4m = path.join(clipsDir, 'generated.y4m');
    writeY4M(y4m, rgba, W, H);
    const png = await page.evaluate(async (b64) => {
      const c = new OffscreenCanvas(640, 480);
      c.getContext('2d').putImageData(new ImageData(Uint8ClampedArray.from(atob(b64), (ch) => ch.charCodeAt(0)), 640, 480), 0, 0);
      const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      return btoa(s);
    }, rgba.toString('base64'));
    const image = path.join(clipsDir, 'generated.png');
    fs.writeFileSync(image, Buffer.from(png, 'base64'));
    const soak = await rgbaInBrowser(page, null, 320, 240);
    return {
      clips: [{ label: 'generated', y4m, image, source: 'a generated picture without a face' }],
      frame: { rgba, width: W, height: H },
      soakFrame: { rgba: soak, width: 320, height: 240 },
    };
  } finally {
    await b.close();
  }
}

// Set-up before any check: the site, the server, the clips. A failure here fails the run.
const t0 = Date.now();
prepareSite();
const server = await startServer({ isolated: true });
const shared = sharedDir();
const manifest = JSON.parse(fs.readFileSync(path.join(SITE, 'models', 'default.json'), 'utf8'));
console.log(`e2e: serving ${SITE} at ${server.origin}; model ${manifest.source}${manifest.dev ? ' (untrained dev model)' : ''}`);
if (!shared) console.log('e2e: ../shared is absent (set BONAFIDE_SHARED): clips come from a generated picture without a face; the verdict-direction check is skipped');
const rec = new Recorder(server.origin);
let inputs;
try {
  inputs = await buildInputs(server.origin, shared, !!manifest.dev);
} catch (e) {
  await server.stop();
  throw e;
}
console.log(`e2e: clips ${[...inputs.clips, inputs.turnedClip].filter(Boolean).map((c) => `${c.label} ← ${c.source}`).join('; ')}`);
const ctx = { origin: server.origin, hasFace: !!shared, devModel: manifest.dev, rec, ...inputs };

if (only.includes('api')) suite('api', apiTests(ctx), ctx);
if (only.includes('channel')) suite('channel', channelTests(ctx), ctx);
if (only.includes('camera')) suite('camera', cameraTests(ctx), ctx);
if (only.includes('soak')) suite('soak', soakTests({ ...ctx, frames: +(process.env.SOAK_FRAMES || 2000) }), ctx);
// The npm package installed in a scratch folder, served on its own origin (its checks are its own).
if (only.includes('package')) suite('package', packageTests(ctx), ctx);
// Last: what every page of the suites above did.
suite('pages', { tests: [
  {
    name: `no request left the origin`,
    fn() {
      const f = rec.foreign();
      assert(f.length === 0, `foreign requests: ${f.join(', ')}`);
      if (rec.requests.length === 0) throw new Skip('no requests recorded');
      console.log(`        ${rec.requests.length} requests recorded, all to ${server.origin}`);
    },
  },
  {
    name: 'no console errors or uncaught exceptions',
    fn() {
      const e = rec.unexpectedErrors();
      assert(e.length === 0, e.join('\n'));
    },
  },
] }, ctx);

after(async () => {
  await server.stop();
  const report = { ...tally, seconds: (Date.now() - t0) / 1000, shared: !!shared, model: manifest.source, requests: rec.requests.length };
  fs.writeFileSync(path.join(ARTIFACTS, 'report.json'), JSON.stringify(report, null, 1));
  console.log(`e2e: ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped in ${report.seconds.toFixed(0)} s; artifacts in ${ARTIFACTS}`);
});
