// Shared helpers of the end-to-end tests: the server, Chromium launches, request and console
// recording, clip building, and suites on node:test.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { ok } from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD = path.join(ROOT, 'build');
export const ARTIFACTS = path.join(BUILD, 'test-artifacts');
export const SITE = path.join(BUILD, 'e2e-site');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** ../shared when present (BONAFIDE_SHARED or the sibling directory), else null. */
export function sharedDir() {
  for (const c of [process.env.BONAFIDE_SHARED, path.join(ROOT, '..', 'shared')]) {
    if (c && fs.existsSync(path.join(c, 'data', 'nuaa-train'))) return c;
  }
  // CI has ../shared: there its absence is a failure, not a reason to skip (internal/sharedtest).
  if (process.env.BONAFIDE_REQUIRE_SHARED === '1') throw new Error('BONAFIDE_REQUIRE_SHARED=1 and no shared/data/nuaa-train beside the repository or in BONAFIDE_SHARED');
  return null;
}

// ------------------------------------------------------------------------------------ the runner

/** Thrown by a check that cannot run here (the reason is its message); node:test reports it as skipped. */
export class Skip extends Error {}

export function assert(cond, msg) {
  ok(cond, `assertion failed: ${msg}`);
}

/** What the checks did, for build/test-artifacts/report.json. */
export const tally = { passed: 0, failed: 0, skipped: 0, failures: [] };

/**
 * Registers a suite with node:test: spec.setup and spec.teardown run before and after its checks
 * (a failing setup fails every check of the suite), spec.tests = [{name, fn, timeoutMs}] run in order
 * (default limit 240 s each); a check that throws Skip is reported as skipped with its reason.
 */
export function suite(name, { setup, teardown, tests }, ctx) {
  describe(name, () => {
    if (setup) before(() => setup(ctx));
    if (teardown) after(() => teardown(ctx));
    for (const t of tests) {
      test(t.name, { timeout: t.timeoutMs || 240000 }, async (tc) => {
        try {
          await t.fn(ctx);
          tally.passed++;
        } catch (e) {
          if (!(e instanceof Skip)) {
            tally.failed++;
            tally.failures.push(`${name}: ${t.name}`);
            throw e;
          }
          tally.skipped++;
          tc.skip(e.message);
        }
      });
    }
  });
}

// ------------------------------------------------------------------------------------ the server

let builtCLI = false;

/** Copies build/web and the fixture pages into build/e2e-site. */
export function prepareSite() {
  const web = path.join(BUILD, 'web');
  if (!fs.existsSync(path.join(web, 'bonafide.wasm'))) throw new Error('build/web is missing: run `make web` first');
  fs.rmSync(SITE, { recursive: true, force: true });
  fs.cpSync(web, SITE, { recursive: true });
  fs.cpSync(path.join(ROOT, 'web', 'test', 'pages'), path.join(SITE, 'test'), { recursive: true });
  for (const f of ['dev-pyramid-untrained.onnx', 'unsupported-op.onnx', 'broadcast-add.onnx']) fs.copyFileSync(path.join(ROOT, 'web', 'testdata', f), path.join(SITE, 'test', f));
  // This release's module claiming another release: its wasm must be refused as a stale copy.
  const mod = fs.readFileSync(path.join(web, 'bonafide.mjs'), 'utf8');
  const stale = mod.replace(/^export const version = '[^']*';$/m, "export const version = '9.9.9-stale';");
  if (stale === mod) throw new Error('build/web/bonafide.mjs has no "export const version = ..." line');
  fs.writeFileSync(path.join(SITE, 'bonafide-stale.mjs'), stale);
  // A copy of the module whose default model was swapped for another valid one: manifest.mjs no longer fits it.
  const tampered = path.join(SITE, 'tampered');
  fs.mkdirSync(path.join(tampered, 'models'), { recursive: true });
  for (const f of ['bonafide.mjs', 'bonafide.worker.mjs', 'engine.mjs', 'manifest.mjs', 'wasm_exec.js', 'bonafide.wasm']) fs.copyFileSync(path.join(web, f), path.join(tampered, f));
  fs.copyFileSync(path.join(ROOT, 'web', 'testdata', 'dev-pyramid-untrained.onnx'), path.join(tampered, 'models', 'default.onnx'));
  fs.copyFileSync(path.join(web, 'models', 'blazeface.onnx'), path.join(tampered, 'models', 'blazeface.onnx'));
  // The same with the face detector's model swapped (for BlazeFace's other, valid file).
  const tamperedFace = path.join(SITE, 'tampered-face');
  fs.mkdirSync(path.join(tamperedFace, 'models'), { recursive: true });
  for (const f of ['bonafide.mjs', 'bonafide.worker.mjs', 'engine.mjs', 'manifest.mjs', 'wasm_exec.js', 'bonafide.wasm', 'models/default.onnx']) fs.copyFileSync(path.join(web, f), path.join(tamperedFace, f));
  fs.copyFileSync(path.join(ROOT, 'models', 'blazeface', 'face_detection_back_256x256_barracuda.onnx'), path.join(tamperedFace, 'models', 'blazeface.onnx'));
  fs.mkdirSync(ARTIFACTS, { recursive: true });
}

/** Builds the CLI (once) and starts `bonafide serve` of dir on a free port; resolves to {origin, stop}. */
export async function startServer({ isolated = true, dir = SITE } = {}) {
  const bin = path.join(BUILD, 'bin', 'bonafide');
  if (!process.env.BONAFIDE_BIN && !builtCLI) {
    execFileSync('go', ['build', '-o', bin, './cmd/bonafide'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'auto' } });
    builtCLI = true;
  }
  const args = ['serve', '-addr', '127.0.0.1:0', '-dir', dir];
  if (isolated) args.push('-isolated');
  const proc = spawn(process.env.BONAFIDE_BIN || bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => proc.kill());
  let buf = '';
  const origin = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = /http:\/\/[^\s/]+/.exec(buf);
      if (m) resolve(m[0]);
    });
    proc.on('exit', (code) => reject(new Error(`bonafide serve exited with ${code}`)));
  });
  return {
    origin,
    async stop() {
      proc.kill('SIGINT');
      await once(proc, 'exit');
    },
  };
}

// ---------------------------------------------------------------------------------------- browser

const BASE_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let profiles = 0;

/**
 * Launches Chromium with a fresh profile. camera: a y4m path for the fake camera (with the fake
 * permission UI, i.e. granted), or {deny: true} for a fake camera whose permission is denied.
 */
export async function launch({ camera = null, deny = false, extraArgs = [] } = {}) {
  const userDataDir = path.join(BUILD, 'e2e-profiles', `p${process.pid}-${profiles++}`);
  fs.rmSync(userDataDir, { recursive: true, force: true });
  const args = [...BASE_FLAGS, ...extraArgs];
  if (camera || deny) args.push('--use-fake-device-for-media-stream');
  if (camera) args.push(`--use-file-for-fake-video-capture=${camera}`);
  if (camera && !deny) args.push('--use-fake-ui-for-media-stream');
  if (deny) args.push('--deny-permission-prompts');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args,
    viewport: { width: 1200, height: 1400 },
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Records every request and console error of a context. origin: the server's; anything else
 * (but data: and blob:) is a foreign request.
 */
export class Recorder {
  constructor(origin) {
    this.origin = origin;
    this.requests = [];
    this.errors = [];
    this.allowedErrors = [];
  }

  watch(context) {
    context.on('request', (r) => this.requests.push(r.url()));
    const onPage = (page) => {
      page.on('console', (m) => {
        if (m.type() === 'error') this.errors.push(`console.error on ${page.url()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => this.errors.push(`uncaught on ${page.url()}: ${e.message}`));
    };
    context.pages().forEach(onPage);
    context.on('page', onPage);
  }

  /** Lets console errors matching re through (for tests that provoke them on purpose). */
  allow(re) {
    this.allowedErrors.push(re);
  }

  foreign() {
    return this.requests.filter((u) => !u.startsWith(`${this.origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
  }

  unexpectedErrors() {
    return this.errors.filter((e) => !this.allowedErrors.some((re) => re.test(e)));
  }
}

// ------------------------------------------------------------------------------------------ clips

/**
 * Renders an image file (or, with file null, a generated picture) into W×H RGBA in the browser:
 * the image is scaled to cover the frame, like a webcam's view. Returns a Buffer of RGBA.
 */
export async function rgbaInBrowser(page, file, W, H) {
  const b64 = file ? fs.readFileSync(file).toString('base64') : null;
  const out = await page.evaluate(async ({ b64, W, H }) => {
    const c = new OffscreenCanvas(W, H);
    const ctx = c.getContext('2d');
    if (b64) {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const bm = await createImageBitmap(new Blob([bytes]));
      const k = Math.max(W / bm.width, H / bm.height);
      ctx.drawImage(bm, (W - bm.width * k) / 2, (H - bm.height * k) / 2, bm.width * k, bm.height * k);
    } else {
      // A generated scene with no face: gradients, shapes and text.
      const g = ctx.createLinearGradient(0, 0, W, H);
      g.addColorStop(0, '#8aa4c8');
      g.addColorStop(1, '#d9c7a1');
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, W, H);
      ctx.fillStyle = '#40506a';
      ctx.beginPath();
      ctx.ellipse(W / 2, H / 2, W / 6, H / 4, 0, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillStyle = '#f3efe6';
      ctx.fillRect(W / 8, H / 8, W / 5, H / 6);
      ctx.font = `${Math.round(H / 12)}px sans-serif`;
      ctx.fillText('bonafide', W / 2, H - H / 10);
    }
    const d = ctx.getImageData(0, 0, W, H).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
    return btoa(s);
  }, { b64, W, H });
  return Buffer.from(out, 'base64');
}

/** Writes RGBA frames as a YUV4MPEG2 (I420, BT.601 studio range) clip of n frames. */
export function writeY4M(file, rgba, W, H, n = 30) {
  const ySize = W * H;
  const cw = W / 2;
  const ch = H / 2;
  const frame = Buffer.alloc(ySize + 2 * cw * ch);
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      const p = 4 * (j * W + i);
      const r = rgba[p];
      const g = rgba[p + 1];
      const b = rgba[p + 2];
      frame[j * W + i] = Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
    }
  }
  for (let j = 0; j < ch; j++) {
    for (let i = 0; i < cw; i++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const p = 4 * ((2 * j + dy) * W + 2 * i + dx);
        r += rgba[p];
        g += rgba[p + 1];
        b += rgba[p + 2];
      }
      r /= 4;
      g /= 4;
      b /= 4;
      frame[ySize + j * cw + i] = Math.round(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      frame[ySize + cw * ch + j * cw + i] = Math.round(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, `YUV4MPEG2 W${W} H${H} F30:1 Ip A1:1 C420jpeg\n`);
  for (let k = 0; k < n; k++) {
    fs.writeSync(fd, 'FRAME\n');
    fs.writeSync(fd, frame);
  }
  fs.closeSync(fd);
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
