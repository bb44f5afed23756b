// The JS API in a page, without a camera: every source type, worker and in-page engines, options,
// errors, the low-level Model (checked against onnxruntime-node), sessions on a canvas stream.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { assert, launch, Recorder, Skip, ROOT, SITE } from './lib.mjs';
import { opaque } from '../engine.mjs';

/** Puts the test frame into the page as window.__frame (ImageData) and window.__png (Blob). */
async function installFrame(page, rgba, W, H) {
  await page.evaluate(async ({ b64, W, H }) => {
    const bytes = Uint8ClampedArray.from(atob(b64), (c) => c.charCodeAt(0));
    const img = new ImageData(bytes, W, H);
    const c = new OffscreenCanvas(W, H);
    c.getContext('2d').putImageData(img, 0, 0);
    window.__frame = img;
    window.__png = await c.convertToBlob({ type: 'image/png' });
    window.bonafide = await import('/bonafide.mjs');
  }, { b64: rgba.toString('base64'), W, H });
}

async function errorOf(page, fn, arg) {
  return page.evaluate(async ({ src, arg }) => {
    try {
      await (0, eval)(src)(arg); // test code only: the page under test has no CSP
      return null;
    } catch (e) {
      return { name: e.name, message: e.message, op: e.op, node: e.node, status: e.status, field: e.field, modelVersion: e.modelVersion, cls: e.constructor.name, isBonafide: e instanceof window.bonafide.BonafideError };
    }
  }, { src: `(${fn})`, arg });
}

export function apiTests({ origin, frame, hasFace, rec }) {
  let browser;
  let page;
  // A page with the test frame, shared by the checks.
  const setup = async () => {
    browser = await launch();
    rec.watch(browser.context);
    page = await browser.context.newPage();
    await page.goto(`${origin}/test/blank.html`);
    await installFrame(page, frame.rgba, frame.width, frame.height);
    assert(await page.evaluate(() => crossOriginIsolated), 'the server sends COOP/COEP (-isolated)');
  };
  const teardown = async () => {
    await browser?.close();
  };
  return { setup, teardown, tests: [
    {
      name: "the Worker's opacity check (which frames copyTo may read) finds a single pixel that is not opaque, wherever it is",
      async fn() {
        for (let n = 1; n <= 13; n++) {
          const px = new Uint32Array(n).fill(0xff80c0e0);
          assert(opaque(px), `${n} opaque pixels`);
          for (let i = 0; i < n; i++) {
            for (const alpha of [0x00, 0x7f, 0xfe]) {
              px[i] = (alpha << 24 | 0x80c0e0) >>> 0;
              assert(!opaque(px), `${n} pixels, pixel ${i} has alpha ${alpha}`);
            }
            px[i] = 0xff000000; // black, opaque
            assert(opaque(px), `${n} pixels, pixel ${i} black`);
          }
        }
      },
    },
    {
      name: 'analyze() takes every source type and returns the documented Result',
      async fn() {
        const out = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const d = await Bonafide.create();
          const img = window.__frame;
          const canvas = document.createElement('canvas');
          canvas.width = img.width;
          canvas.height = img.height;
          canvas.getContext('2d').putImageData(img, 0, 0);
          const off = new OffscreenCanvas(img.width, img.height);
          off.getContext('2d').putImageData(img, 0, 0);
          const imageEl = new Image();
          imageEl.src = URL.createObjectURL(window.__png);
          await imageEl.decode();
          // A canvas stream only produces frames when the canvas is drawn: keep drawing.
          const timer = setInterval(() => canvas.getContext('2d').putImageData(img, 0, 0), 30);
          const video = document.createElement('video');
          video.muted = true;
          video.srcObject = canvas.captureStream(30);
          await video.play();
          await new Promise((r) => (video.readyState >= 2 ? r() : video.addEventListener('loadeddata', r, { once: true })));
          const sources = {
            ImageBitmap: await createImageBitmap(img),
            ImageData: img,
            HTMLCanvasElement: canvas,
            OffscreenCanvas: off,
            HTMLImageElement: imageEl,
            VideoFrame: new VideoFrame(canvas, { timestamp: 0 }),
            Blob: window.__png,
            HTMLVideoElement: video,
          };
          const results = {};
          for (const [k, s] of Object.entries(sources)) {
            const r = await d.analyze(s);
            results[k] = {
              live: r.live, scored: r.scored, score: r.score, threshold: r.threshold, face: r.face, crop: r.crop,
              quality: r.quality, timings: r.timings, frame: r.frame,
              maps: Object.fromEntries(Object.entries(r.maps).map(([l, a]) => [l, { type: a.constructor.name, length: a.length, min: Math.min(...a), max: Math.max(...a) }])),
            };
          }
          const bitmapStillOpen = sources.ImageBitmap.width > 0; // not detached without {transfer: true}
          const modelThreshold = Number(d.info.metadata['bonafide.threshold'] ?? 0.5);
          sources.VideoFrame.close();
          clearInterval(timer);
          video.srcObject.getTracks().forEach((t) => t.stop());
          await d.close();
          return { results, bitmapStillOpen, modelThreshold };
        });
        assert(out.bitmapStillOpen, "the caller's ImageBitmap was detached");
        const ref = out.results.ImageData;
        for (const [k, r] of Object.entries(out.results)) {
          assert(typeof r.live === 'boolean' && typeof r.scored === 'boolean', `${k}: live/scored booleans`);
          assert(r.threshold === out.modelThreshold, `${k}: threshold ${r.threshold}, the model's bonafide.threshold is ${out.modelThreshold}`);
          assert(r.frame.width === frame.width && r.frame.height === frame.height, `${k}: frame ${JSON.stringify(r.frame)}`);
          assert(typeof r.quality.ok === 'boolean' && Array.isArray(r.quality.reasons), `${k}: quality`);
          for (const t of ['detect', 'crop', 'infer', 'total', 'pixels', 'roundTrip']) assert(Number.isFinite(r.timings[t]) && r.timings[t] >= 0, `${k}: timings.${t}`);
          if (hasFace) {
            assert(r.scored && r.face && r.crop, `${k}: the face was not found/scored: ${JSON.stringify(r.quality)}`);
            assert(r.score >= 0 && r.score <= 1, `${k}: score ${r.score}`);
            assert(JSON.stringify(Object.keys(r.maps)) === '["8x8","4x4","2x2"]', `${k}: map labels ${Object.keys(r.maps)}`);
            assert(r.maps['8x8'].type === 'Float32Array' && r.maps['8x8'].length === 64 && r.maps['4x4'].length === 16 && r.maps['2x2'].length === 4, `${k}: map sizes`);
            assert(r.maps['8x8'].min >= 0 && r.maps['8x8'].max <= 1, `${k}: map values are probabilities`);
            assert(r.crop.x >= 0 && r.crop.y >= 0 && r.crop.x + r.crop.width <= frame.width + 1, `${k}: crop window inside the frame`);
            // BlazeFace (the default detector): six named keypoints inside the frame, a yaw, a box inside the frame.
            const kp = r.face.keypoints;
            assert(Array.isArray(kp) && kp.map((p) => p.name).join() === 'right_eye,left_eye,nose_tip,mouth,right_ear,left_ear', `${k}: keypoints ${JSON.stringify(kp)}`);
            assert(kp.every((p) => p.x >= 0 && p.y >= 0 && p.x <= frame.width && p.y <= frame.height), `${k}: a keypoint outside the frame`);
            assert(kp[0].x < kp[1].x && kp[2].y > kp[0].y && kp[3].y > kp[2].y, `${k}: keypoints out of place ${JSON.stringify(kp)}`);
            assert(Number.isFinite(r.face.yaw) && Math.abs(r.face.yaw) <= 1, `${k}: yaw ${r.face.yaw}`);
            assert(r.face.x >= 0 && r.face.y >= 0 && r.face.x + r.face.width <= frame.width + 1e-6 && r.face.y + r.face.height <= frame.height + 1e-6, `${k}: face box outside the frame ${JSON.stringify(r.face)}`);
            // Lossless sources hold the same pixels, hence the same score; a video stream is re-encoded.
            if (k !== 'HTMLVideoElement') assert(Math.abs(r.score - ref.score) < 1e-6, `${k}: score ${r.score} differs from ImageData's ${ref.score}`);
          } else {
            assert(!r.scored && Number.isNaN(r.score) && r.face === null && Object.keys(r.maps).length === 0, `${k}: a frame without a face was scored`);
            assert(r.quality.reasons[0]?.code === 'no_face', `${k}: no_face expected on the generated frame`);
          }
        }
      },
    },
    {
      name: "detectors: BlazeFace by default (keypoints, its model fetched and checked), 'pigo' selectable (no keypoints, its cascade fetched: the wasm has none), a bad name a RangeError, a bad cascade a ModelError",
      async fn() {
        const out = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const a = await Bonafide.create();
          const b = await Bonafide.create({ detector: 'pigo' });
          const ra = await a.analyze(window.__frame);
          const rb = await b.analyze(window.__frame);
          // Video frames with timestamps, as startSession sends them: tracked, same face.
          const rv = [];
          for (let i = 0; i < 3; i++) rv.push(await a.analyze(window.__frame, { video: true, timestampMs: 1000 + 33 * i }));
          const info = [a.info.detector, b.info.detector];
          await a.close();
          await b.close();
          let bad = null;
          try {
            await Bonafide.create({ detector: 'haar' });
          } catch (e) {
            bad = e.name;
          }
          let badCascade = null;
          try {
            await Bonafide.create({ detector: 'pigo', faceModel: new Uint8Array(64) });
          } catch (e) {
            badCascade = `${e.name}: ${e.message}`;
          }
          const cascadeFetched = performance.getEntriesByType('resource').some((r) => r.name.endsWith('/models/facefinder'));
          return { info, a: ra.face, b: rb.face, video: rv.map((r) => r.face && r.face.keypoints.length), bad, badCascade, cascadeFetched };
        });
        assert(out.info[0] === 'blazeface' && out.info[1] === 'pigo', `info.detector ${out.info}`);
        assert(out.bad === 'RangeError', `unknown detector: ${out.bad}`);
        assert(/^ModelError: .*cascade/.test(out.badCascade || ''), `a cascade of 64 zero bytes: ${out.badCascade}`);
        assert(out.cascadeFetched, "detector 'pigo' did not fetch models/facefinder");
        if (!hasFace) throw new Skip('../shared is absent: the generated frame has no face to find');
        assert(out.a?.keypoints?.length === 6 && out.b && out.b.keypoints === undefined && out.b.yaw === undefined, `faces ${JSON.stringify(out)}`);
        assert(out.video.every((n) => n === 6), `video frames: ${out.video}`);
      },
    },
    {
      name: 'video frames: timestampMs reaches the face tracker (1 ms apart the box is held, 10 s apart it follows the face)',
      async fn() {
        if (!hasFace) throw new Skip('../shared is absent: the generated frame has no face to find');
        const out = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const img = window.__frame;
          // Frame B: the test frame moved 24 px to the right (the face with it).
          const c = new OffscreenCanvas(img.width, img.height);
          const ctx = c.getContext('2d');
          ctx.putImageData(img, 0, 0);
          const a = c.transferToImageBitmap();
          ctx.fillStyle = '#808080';
          ctx.fillRect(0, 0, img.width, img.height);
          ctx.drawImage(a, 24, 0);
          const b = ctx.getImageData(0, 0, img.width, img.height);
          const d = await Bonafide.create();
          const x = (r) => r.face && r.face.x + r.face.width / 2;
          const raw = [x(await d.analyze(img)), x(await d.analyze(b))]; // still images: no tracking
          const run = async (gapMs) => {
            const r0 = await d.analyze(img, { video: true, timestampMs: 1000 });
            const r1 = await d.analyze(b, { video: true, timestampMs: 1000 + gapMs });
            // A time that goes back restarts the track (the next pair starts afresh).
            await d.analyze(img, { video: true, timestampMs: 0 });
            return [x(r0), x(r1)];
          };
          const near = await run(1);
          const far = await run(10000);
          await d.close();
          return { raw, near, far };
        });
        const shift = out.raw[1] - out.raw[0];
        assert(shift > 12 && shift < 36, `the face moved ${shift} px on the frame moved 24 px: ${JSON.stringify(out)}`);
        // One Euro filter (core/face.Tracker): 1 ms after the last frame the box barely moves; 10 s
        // after, it is where the detector puts it. Without the timestamp both would be 33 ms apart.
        const moved = (p) => p[1] - p[0];
        assert(Math.abs(moved(out.near)) < 0.25 * shift, `1 ms apart the box moved ${moved(out.near)} of ${shift} px: ${JSON.stringify(out)}`);
        assert(Math.abs(out.far[1] - out.raw[1]) < 0.15 * shift, `10 s apart the box is at ${out.far[1]}, the detector's at ${out.raw[1]}: ${JSON.stringify(out)}`);
        console.log(`        face moved ${shift.toFixed(1)} px; tracked box moved ${moved(out.near).toFixed(2)} px 1 ms later, ${moved(out.far).toFixed(1)} px 10 s later`);
      },
    },
    {
      name: 'the in-page engine ({worker: false}) gives the worker\'s results',
      async fn() {
        const out = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const a = await Bonafide.create();
          const b = await Bonafide.create({ worker: false });
          const ra = await a.analyze(window.__frame);
          const rb = await b.analyze(window.__frame);
          const workers = a.info.worker && !b.info.worker;
          // The names before 1.0.0, kept for one release: Detector is Checker, element.detector is element.checker.
          await import('/bonafide-check.mjs');
          const el = document.createElement('bonafide-check');
          el.detector = b;
          const aliases = a instanceof window.bonafide.Checker && window.bonafide.Detector === window.bonafide.Checker && el.checker === b && el.detector === b;
          await a.close();
          await b.close();
          const same = ra.scored === rb.scored && (Number.isNaN(ra.score) ? Number.isNaN(rb.score) : ra.score === rb.score)
            && Object.keys(ra.maps).every((k) => ra.maps[k].every((v, i) => v === rb.maps[k][i]));
          return { same, workers, aliases };
        });
        assert(out.workers, 'info.worker reports where the engine runs');
        assert(out.aliases, 'the deprecated names Detector and element.detector do not reach Checker and element.checker');
        assert(out.same, 'worker and in-page results differ');
      },
    },
    {
      name: 'close() frees the worker and later calls reject with InvalidStateError',
      async fn() {
        // The workers of earlier checks may still be shutting down: count only the ones this check starts.
        const before = new Set(page.workers());
        const added = () => page.workers().filter((w) => !before.has(w)).length;
        const e = await errorOf(page, async () => {
          const d = await window.bonafide.Bonafide.create();
          window.__workersOpen = true;
          await d.close();
          await d.close(); // twice is fine
          await d.analyze(window.__frame);
        });
        assert(e?.name === 'InvalidStateError' && e.isBonafide, `got ${JSON.stringify(e)}`);
        for (let i = 0; i < 50 && added() > 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert(added() === 0, `${added()} worker(s) left running after close()`);
      },
    },
    {
      name: 'integrity: matching hashes load, a mismatch is an IntegrityError',
      async fn() {
        const sizes = JSON.parse(fs.readFileSync(path.join(SITE, 'sizes.json'), 'utf8'));
        const model = JSON.parse(fs.readFileSync(path.join(SITE, 'models', 'default.json'), 'utf8'));
        const sri = `sha256-${Buffer.from(model.sha256, 'hex').toString('base64')}`;
        const ok = await errorOf(page, async (h) => {
          const d = await window.bonafide.Bonafide.create({ integrity: h });
          await d.close();
        }, { wasm: sizes.wasm.sha256, model: sri });
        assert(ok === null, `valid hashes refused: ${JSON.stringify(ok)}`);
        const bad = '0'.repeat(64);
        for (const which of ['model', 'faceModel', 'wasm']) {
          const e = await errorOf(page, (w) => window.bonafide.Bonafide.create({ integrity: { [w]: '0'.repeat(64) } }), which);
          assert(e?.name === 'IntegrityError' && e.message.includes(bad) && e.message.includes(which), `${which}: got ${JSON.stringify(e)}`);
        }
      },
    },
    {
      name: "integrity defaults: the module's own files are checked against manifest.mjs, a file given by URL is not",
      async fn() {
        const manifest = JSON.parse(fs.readFileSync(path.join(SITE, 'manifest.json'), 'utf8'));
        const want = manifest.files['models/default.onnx'].sha256;
        const e = await errorOf(page, async () => (await import('/tampered/bonafide.mjs')).Bonafide.create());
        assert(e?.name === 'IntegrityError' && e.message.includes('manifest') && e.message.includes(want), `swapped default model: ${JSON.stringify(e)}`);
        const ok = await page.evaluate(async () => {
          const d = await window.bonafide.Bonafide.create({ modelUrl: '/tampered/models/default.onnx' });
          const v = d.info.version;
          await d.close();
          return v;
        });
        assert(ok === '0.0.0-dev', `a model given by URL is not checked against the manifest: loaded ${ok}`);
        // The face detector's model is checked the same way.
        const wantFace = manifest.files['models/blazeface.onnx'].sha256;
        const f = await errorOf(page, async () => (await import('/tampered-face/bonafide.mjs')).Bonafide.create());
        assert(f?.name === 'IntegrityError' && f.message.includes('manifest') && f.message.includes(wantFace), `swapped face model: ${JSON.stringify(f)}`);
        const okFace = await page.evaluate(async () => {
          const d = await window.bonafide.Bonafide.create({ faceModelUrl: '/tampered-face/models/blazeface.onnx' });
          const v = d.info.detector;
          await d.close();
          return v;
        });
        assert(okFace === 'blazeface', `a face model given by URL (the 256×256 file) is not checked against the manifest: ${okFace}`);
      },
    },
    {
      name: 'ModelError names the unsupported operator; bad bytes and missing metadata are ModelErrors',
      async fn() {
        const e = await errorOf(page, () => window.bonafide.Bonafide.create({ modelUrl: '/test/unsupported-op.onnx' }));
        assert(e?.name === 'ModelError' && e.op === 'Det' && e.node === 'the_det' && /unsupported operator Det \(opset 13\) in node "the_det"/.test(e.message), `got ${JSON.stringify(e)}`);
        const g = await errorOf(page, () => window.bonafide.Bonafide.create({ model: new TextEncoder().encode('not a model') }));
        assert(g?.name === 'ModelError', `garbage: ${JSON.stringify(g)}`);
        const m = await errorOf(page, async () => {
          const bytes = await (await fetch('/test/unsupported-op.onnx')).arrayBuffer();
          return window.bonafide.Bonafide.loadModel(bytes);
        });
        assert(m?.name === 'ModelError' && m.op === 'Det', `loadModel: ${JSON.stringify(m)}`);
      },
    },
    {
      name: 'releases: Bonafide.version is VERSION; a wasm of another release is a LoadError; a model for another major version a ModelError',
      async fn() {
        const want = fs.readFileSync(path.join(ROOT, 'VERSION'), 'utf8').trim();
        const got = await page.evaluate(() => [window.bonafide.version, window.bonafide.Bonafide.version]);
        assert(got[0] === want && got[1] === want, `version ${JSON.stringify(got)}, VERSION says ${want}`);
        // bonafide-stale.mjs: this release's module stamped with another version (lib.mjs, prepareSite).
        const e = await errorOf(page, async () => (await import('/bonafide-stale.mjs')).Bonafide.create());
        assert(e?.name === 'LoadError' && e.message.includes('9.9.9-stale') && e.message.includes(want), `stale module: ${JSON.stringify(e)}`);
        // The dev model with bonafide.version "0.0.0-dev" patched to "9.0.0-dev" (same length, so the file stays valid).
        const m = await errorOf(page, async () => {
          const bytes = new Uint8Array(await (await fetch('/test/dev-pyramid-untrained.onnx')).arrayBuffer());
          const text = new TextDecoder('latin1').decode(bytes);
          const at = text.indexOf('0.0.0-dev');
          if (at < 0 || text.indexOf('0.0.0-dev', at + 1) >= 0) throw new Error('the dev model should hold "0.0.0-dev" once');
          bytes[at] = '9'.charCodeAt(0);
          const d = await window.bonafide.Bonafide.create({ model: bytes });
          await d.close();
        });
        assert(m?.name === 'ModelError' && m.field === 'bonafide.version' && m.modelVersion === '9.0.0-dev' && m.message.includes(`${want.split('.')[0]}.x`), `other major: ${JSON.stringify(m)}`);
      },
    },
    {
      name: 'workers: 2: bad counts are RangeErrors, a bad worker URL a WorkerError, frames in flight at close() settle',
      async fn() {
        rec.allow(/status of 404/);
        const before = new Set(page.workers());
        const added = () => page.workers().filter((w) => !before.has(w)).length;
        const out = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const err = async (f) => {
            try {
              await f();
              return 'resolved';
            } catch (e) {
              return `${e.name}: ${e.message}`;
            }
          };
          const zero = await err(() => Bonafide.create({ workers: 0 }));
          const many = await err(() => Bonafide.create({ workers: 9 }));
          const half = await err(() => Bonafide.create({ workers: 1.5 }));
          const inPage = await err(() => Bonafide.create({ workers: 2, worker: false }));
          const model = await err(() => Bonafide.loadModel('/test/dev-pyramid-untrained.onnx', { workers: 2 }));
          const badUrl = await err(() => Bonafide.create({ workers: 2, workerUrl: '/no/such/worker.mjs', timeoutMs: 20000 }));
          // Frames still in flight when close() is called settle (resolved before the engines exit,
          // or InvalidStateError), and later calls reject: nothing hangs.
          const c = await Bonafide.create({ workers: 2 });
          const pending = Promise.allSettled([0, 1, 2, 3].map(() => c.analyze(window.__frame)));
          await c.close();
          const timeout = new Promise((r) => setTimeout(() => r('hung'), 15000));
          const settled = await Promise.race([pending, timeout]);
          const after = await err(() => c.analyze(window.__frame));
          return {
            zero, many, half, inPage, model, badUrl, after,
            settled: settled === 'hung' ? 'hung' : settled.map((x) => (x.status === 'fulfilled' ? 'ok' : x.reason.name)),
          };
        });
        assert(/^RangeError: .*workers/.test(out.zero) && /^RangeError: .*at most 8/.test(out.many) && /^RangeError/.test(out.half), `counts: ${out.zero} / ${out.many} / ${out.half}`);
        assert(/^RangeError: .*worker/.test(out.inPage), `workers 2 with worker false: ${out.inPage}`);
        assert(/^RangeError: .*loadModel/.test(out.model), `loadModel with workers: ${out.model}`);
        assert(/^WorkerError/.test(out.badUrl), `a bad workerUrl with two workers: ${out.badUrl}`);
        assert(Array.isArray(out.settled) && out.settled.every((x) => x === 'ok' || x === 'InvalidStateError'), `frames in flight at close(): ${JSON.stringify(out.settled)}`);
        assert(/^InvalidStateError/.test(out.after), `after close(): ${out.after}`);
        for (let i = 0; i < 50 && added() > 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert(added() === 0, `${added()} worker(s) left running`);
      },
    },
    {
      name: 'a missing asset is a LoadError with its URL and status',
      async fn() {
        rec.allow(/status of 404/);
        const e = await errorOf(page, () => window.bonafide.Bonafide.create({ modelUrl: '/no/such/model.onnx' }));
        assert(e?.name === 'LoadError' && e.status === 404 && e.message.includes('/no/such/model.onnx'), `got ${JSON.stringify(e)}`);
        const w = await errorOf(page, () => window.bonafide.Bonafide.create({ wasmUrl: '/no/such.wasm' }));
        assert(w?.name === 'LoadError' && w.status === 404, `wasm: ${JSON.stringify(w)}`);
      },
    },
    {
      name: 'a download cut short is a LoadError naming the file: the wasm (streamed, hashed or not, or read as bytes) and the model',
      async fn() {
        const out = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const realFetch = window.fetch;
          const wasm = new Uint8Array(await (await realFetch('/bonafide.wasm')).arrayBuffer());
          const hash = [...new Uint8Array(await crypto.subtle.digest('SHA-256', wasm))].map((b) => b.toString(16).padStart(2, '0')).join('');
          // URLs with "cut" answer 200 and the first 64 KiB, then the body fails, as a dropped
          // connection does (Chromium then rejects with a TypeError).
          window.fetch = async (url, init) => {
            if (!String(url).includes('cut')) return realFetch(url, init);
            const type = String(url).includes('octet') ? 'application/octet-stream' : 'application/wasm';
            const body = new ReadableStream({
              start(c) {
                c.enqueue(wasm.slice(0, 65536));
                c.error(new TypeError('network connection lost'));
              },
            });
            return new Response(body, { status: 200, headers: { 'Content-Type': type } });
          };
          const errorOf = async (f) => {
            try {
              await (await f()).close();
              return null;
            } catch (e) {
              return { name: e.name, message: e.message, url: e.url };
            }
          };
          try {
            return {
              streamed: await errorOf(() => Bonafide.loadModel('/models/default.onnx', { wasmUrl: '/bonafide.wasm?cut-a' })),
              hashed: await errorOf(() => Bonafide.loadModel('/models/default.onnx', { wasmUrl: '/bonafide.wasm?cut-b', integrity: { wasm: hash } })),
              bytes: await errorOf(() => Bonafide.loadModel('/models/default.onnx', { wasmUrl: '/bonafide.wasm?cut-octet' })),
              model: await errorOf(() => Bonafide.loadModel('/models/default.onnx?cut')),
            };
          } finally {
            window.fetch = realFetch;
          }
        });
        for (const [k, want] of Object.entries({ streamed: '?cut-a', hashed: '?cut-b', bytes: '?cut-octet', model: 'default.onnx?cut' })) {
          const e = out[k];
          assert(e?.name === 'LoadError' && e.message.includes('download') && e.message.includes(want), `${k}: ${JSON.stringify(e)}`);
        }
      },
    },
    {
      name: 'a second create() or loadModel() in the page reuses the compiled wasm: bonafide.wasm is fetched once, and both work',
      async fn() {
        const wasmFetches = () => rec.requests.filter((u) => new URL(u).pathname.endsWith('/bonafide.wasm')).length;
        await page.evaluate(async () => (await window.bonafide.Bonafide.create()).close());
        const before = wasmFetches();
        const out = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const d = await Bonafide.create();
          const r = await d.analyze(window.__frame);
          const info = d.info;
          await d.close();
          const m = await Bonafide.loadModel('/models/default.onnx');
          const inputs = m.inputs.length;
          await m.close();
          return { scored: typeof r.scored, kind: info.kind, inputs };
        });
        assert(wasmFetches() === before, `bonafide.wasm fetched ${wasmFetches() - before} more times`);
        assert(out.scored === 'boolean' && out.inputs >= 1, `the checker and the model made from the reused module work: ${JSON.stringify(out)}`);
      },
    },
    {
      name: 'create() and loadModel() record their steps as User Timing entries; the Worker starts before the wasm has compiled',
      async fn() {
        const out = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const RealWorker = window.Worker;
          const real = { compile: WebAssembly.compile, compileStreaming: WebAssembly.compileStreaming };
          const events = [];
          window.Worker = class extends RealWorker {
            constructor(...a) { events.push('worker'); super(...a); }
          };
          for (const k of Object.keys(real)) {
            WebAssembly[k] = async function compile(...a) {
              const m = await real[k].apply(this, a);
              events.push('compiled');
              return m;
            };
          }
          const steps = () => {
            const got = performance.getEntriesByType('measure').filter((e) => e.name.startsWith('bonafide '))
              .map((e) => ({ name: e.name, ok: Number.isFinite(e.duration) && e.duration >= 0 }));
            performance.clearMeasures();
            return got;
          };
          try {
            performance.clearMeasures();
            // Another URL than the page's earlier checkers: not the cached module, so it compiles.
            const d = await Bonafide.create({ wasmUrl: '/bonafide.wasm?steps' });
            await d.close();
            const created = steps();
            const m = await Bonafide.loadModel('/models/default.onnx');
            await m.close();
            return { events, created, loaded: steps() };
          } finally {
            window.Worker = RealWorker;
            Object.assign(WebAssembly, real);
          }
        });
        const names = (st) => st.map((e) => e.name.slice(9)).join(',');
        for (const [call, st] of [['create', out.created], ['loadModel', out.loaded]]) {
          assert(names(st) === 'wasm,start,models' && st.every((e) => e.ok), `${call}: ${JSON.stringify(st)}`);
        }
        // loadModel's module may be cached or not (held weakly), so only create()'s order is fixed.
        assert(out.events.slice(0, 2).join(',') === 'worker,compiled', `create(): the Worker after the compile: ${out.events}`);
      },
    },
    {
      name: 'the wasm compiles as it streams when served as application/wasm, from its bytes otherwise; a mismatched hash is an IntegrityError either way',
      async fn() {
        // The same file served as application/octet-stream: compileStreaming would refuse it.
        const wasm = await (await fetch(`${origin}/bonafide.wasm`)).arrayBuffer();
        await page.route('**/bonafide.wasm?octet*', (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from(wasm) }));
        try {
          const out = await page.evaluate(async () => {
            const { Bonafide } = window.bonafide;
            const real = { compile: WebAssembly.compile, compileStreaming: WebAssembly.compileStreaming };
            const calls = [];
            for (const k of Object.keys(real)) {
              WebAssembly[k] = function counted(...a) {
                calls.push(k);
                return real[k].apply(this, a);
              };
            }
            const wrong = '0'.repeat(64);
            const run = async (wasmUrl, integrity) => {
              calls.length = 0;
              try {
                const m = await Bonafide.loadModel('/models/default.onnx', { wasmUrl, integrity });
                const kind = m.inputs.length >= 1 ? 'ok' : 'no inputs';
                await m.close();
                return { kind, calls: calls.join(',') };
              } catch (e) {
                return { kind: e.name, calls: calls.join(',') };
              }
            };
            try {
              // Each URL is new to the page's module cache, so each compiles.
              return {
                stream: await run('/bonafide.wasm?stream'),
                octet: await run('/bonafide.wasm?octet'),
                streamBad: await run('/bonafide.wasm?stream-bad', { wasm: wrong }),
                octetBad: await run('/bonafide.wasm?octet-bad', { wasm: wrong }),
              };
            } finally {
              Object.assign(WebAssembly, real);
            }
          });
          const want = { stream: ['ok', 'compileStreaming'], octet: ['ok', 'compile'], streamBad: ['IntegrityError', 'compileStreaming'], octetBad: ['IntegrityError', ''] };
          for (const [k, [kind, calls]] of Object.entries(want)) {
            assert(out[k].kind === kind && out[k].calls === calls, `${k}: ${JSON.stringify(out[k])}, want ${kind} after [${calls}]`);
          }
        } finally {
          await page.unroute('**/bonafide.wasm?octet*');
        }
      },
    },
    {
      name: 'a load that fails before the engine has started stops its Workers once they start (create and loadModel)',
      async fn() {
        rec.allow(/status of 404/);
        const out = await page.evaluate(async () => {
          const Real = window.Worker;
          const count = { started: 0, live: 0 };
          window.Worker = class extends Real {
            constructor(...a) { super(...a); count.started++; count.live++; }
            terminate() { count.live--; super.terminate(); }
          };
          try {
            const names = [];
            names.push(await window.bonafide.Bonafide.create({ modelUrl: '/no/such/model.onnx' }).then(() => 'resolved', (e) => e.name));
            names.push(await window.bonafide.Bonafide.loadModel('/no/such/model.onnx').then(() => 'resolved', (e) => e.name));
            // The model's 404 settles the load before the wasm has compiled; the Workers come after.
            for (let t = 0; t < 200 && (count.started < 2 || count.live > 0); t++) await new Promise((r) => setTimeout(r, 50));
            return { names, ...count };
          } finally {
            window.Worker = Real;
          }
        });
        assert(JSON.stringify(out.names) === '["LoadError","LoadError"]', `errors ${out.names}`);
        assert(out.started >= 2 && out.live === 0, `${out.started} Workers started, ${out.live} still running`);
      },
    },
    {
      name: 'a browser without WebAssembly gets WebAssemblyUnsupportedError',
      async fn() {
        const p = await browser.context.newPage();
        await p.addInitScript(() => { delete globalThis.WebAssembly; });
        await p.goto(`${origin}/test/blank.html`);
        const e = await p.evaluate(async () => {
          try {
            const { Bonafide } = await import('/bonafide.mjs');
            const s = Bonafide.support();
            await Bonafide.create();
            return { support: s };
          } catch (err) {
            return { name: err.name, message: err.message };
          }
        });
        await p.close();
        assert(e.name === 'WebAssemblyUnsupportedError' && /no WebAssembly/.test(e.message), `got ${JSON.stringify(e)}`);
      },
    },
    {
      name: 'bad options and sources are TypeErrors and RangeErrors; a bad image is a FrameError, a huge one a LimitError',
      async fn() {
        const cases = [
          [() => window.bonafide.Bonafide.create({ threshold: 2 }), 'RangeError'],
          [() => window.bonafide.Bonafide.create({ tresholdd: 0.5 }), 'TypeError'],
          [() => window.bonafide.Bonafide.create({ quality: { minFaceFrac: 'big' } }), 'TypeError'],
          [() => window.bonafide.Bonafide.create({ quality: { skip: ['nope'] } }), 'RangeError'],
          [() => window.bonafide.Bonafide.create({ minFrames: 10, maxFrames: 5 }), 'RangeError'],
          [() => window.bonafide.Bonafide.create({ quality: { minBrightness: 300 } }), 'RangeError'], // checked by Go
        ];
        for (const [fn, want] of cases) {
          const e = await errorOf(page, fn);
          assert(e?.name === want, `${fn}: got ${JSON.stringify(e)}, want ${want}`);
        }
        const frameErrors = await page.evaluate(async () => {
          const d = await window.bonafide.Bonafide.create();
          const out = [];
          for (const [label, src] of [['object', {}], ['text blob', new Blob(['hello'], { type: 'text/plain' })], ['empty canvas', document.createElement('canvas')],
            ['video without frames', document.createElement('video')]]) {
            if (label === 'empty canvas') src.width = 0;
            try {
              await d.analyze(src);
              out.push([label, 'resolved']);
            } catch (e) {
              out.push([label, e.name]);
            }
          }
          // ImageData is shrunk to maxFrameSide like every other source, results in its own pixels ...
          const big = await d.analyze(new ImageData(2000, 1500)).then((r) => r.frame, (e) => e.name);
          out.push(['big ImageData', JSON.stringify(big)]);
          // ... and with maxFrameSide over Go's MaxImageSide, a frame wider than that is refused.
          await d.setOptions({ maxFrameSide: 20000 });
          const wide = await d.analyze(new ImageData(20000, 1)).then(() => null, (e) => e);
          out.push(['too wide', wide && `${wide.name} ${wide.what} ${wide.got} ${wide.limit}`]);
          await d.setOptions({ maxFrameSide: 1280 });
          const ok = await d.analyze(window.__frame).then(() => 'ok', (e) => e.name); // nothing was lost
          await d.close();
          return { out, ok };
        });
        const want = { object: 'TypeError', 'text blob': 'FrameError', 'empty canvas': 'FrameError', 'video without frames': 'FrameError',
          'big ImageData': JSON.stringify({ width: 2000, height: 1500, analyzedWidth: 1280, analyzedHeight: 960 }),
          'too wide': 'LimitError width 20000 16384' };
        for (const [label, got] of frameErrors.out) assert(got === want[label], `${label}: ${got}, want ${want[label]}`);
        assert(frameErrors.ok === 'ok', 'the detector broke after bad frames');
      },
    },
    {
      name: 'options come from Go, defaults filled in; setOptions changes the threshold and merges quality limits, all or nothing',
      async fn() {
        const out = await page.evaluate(async () => {
          const d = await window.bonafide.Bonafide.create();
          const initial = d.options;
          await d.setOptions({ threshold: 0.9, quality: { minBrightness: 20 } });
          await d.setOptions({ quality: { maxRoll: 30 } });
          const r = await d.analyze(window.__frame);
          const o = d.options;
          const errs = [];
          for (const bad of [{ wasmUrl: 'x' }, { threshold: 0.2, quality: { minBrightness: 300 } }, { quality: { maxOffCenter: 0.2 } }, { minFrames: 40 }]) {
            errs.push(await d.setOptions(bad).then(() => 'resolved', (e) => e.name));
          }
          const after = d.options;
          await d.setOptions({ threshold: 0 }); // 0 is the default, as in create() and sessions
          const reset = d.options.threshold;
          await d.close();
          return { threshold: r.threshold, live: r.live, initial, q: o.quality, errs, after, reset };
        });
        // The gate's defaults as Go has them (core/face's Default* constants), not a copy in JS.
        const q0 = out.initial.quality;
        assert(q0.maxOutside === 0.14 && q0.maxOffCentre === 0.35 && q0.minBrightness === 45 && q0.maxRoll === 12 && Array.isArray(q0.skip),
          `default quality ${JSON.stringify(q0)}`);
        assert(out.initial.minFrames === 5 && out.initial.maxFrames === 30 && out.initial.threshold > 0, `initial ${JSON.stringify(out.initial)}`);
        assert(out.threshold === 0.9, `threshold ${out.threshold}`);
        assert(out.q.minBrightness === 20 && out.q.maxRoll === 30 && out.q.maxOutside === 0.14, `quality ${JSON.stringify(out.q)}`);
        assert(JSON.stringify(out.errs) === JSON.stringify(['TypeError', 'RangeError', 'TypeError', 'RangeError']), `bad options: ${out.errs}`);
        assert(out.after.threshold === 0.9 && out.after.quality.minBrightness === 20 && out.after.minFrames === 5, `a refused setOptions changed ${JSON.stringify(out.after)}`);
        assert(out.reset === out.initial.threshold, `setOptions({threshold: 0}) gave ${out.reset}, not the model's ${out.initial.threshold}`);
      },
    },
    {
      name: 'Model.run matches onnxruntime-node on the dev model; {transfer: true} detaches the input and gives the same; input errors are InputErrors',
      async fn() {
        const x = new Float32Array(3 * 128 * 128);
        for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 1.5;
        const got = await page.evaluate(async (xs) => {
          const { Bonafide } = window.bonafide;
          const m = await Bonafide.loadModel('/test/dev-pyramid-untrained.onnx');
          const input = Float32Array.from(xs);
          const out = await m.run(input, [1, 3, 128, 128]);
          const out2 = await m.run({ input: { data: input, dims: [1, 3, 128, 128] } });
          const fresh = Float32Array.from(xs);
          const out3 = await m.run({ input: { data: fresh, dims: [1, 3, 128, 128] } }, { transfer: true });
          const detached = fresh.buffer.byteLength === 0 && input.buffer.byteLength > 0;
          const errs = [];
          for (const bad of [() => m.run(input, [1, 3, 64, 256]), () => m.run(input.subarray(10), [1, 3, 128, 128]), () => m.run({ nope: { data: input } })]) {
            try {
              await bad();
              errs.push('resolved');
            } catch (e) {
              errs.push(`${e.name}: ${e.message}`);
            }
          }
          const t0 = performance.now();
          for (let i = 0; i < 10; i++) await m.run(input, [1, 3, 128, 128]);
          const ms = (performance.now() - t0) / 10;
          // Model.run reuses one input buffer between runs (it goes to the Worker and back): another
          // input gives another answer, and the first input its first answer again.
          const other = await m.run(Float32Array.from(xs, (v) => 1 - v), [1, 3, 128, 128]);
          const again = await m.run(input, [1, 3, 128, 128]);
          await m.close();
          const plain = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { dims: v.dims, type: v.type, data: Array.from(v.data) }]));
          const eq = (a, b) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));
          return { out: plain(out), same: eq(out, out2), same3: eq(out, out3), reuse: !eq(other, out) && eq(again, out), detached, errs, ms, names: m.inputNames };
        }, Array.from(x));
        const session = await ort.InferenceSession.create(path.join(ROOT, 'web', 'testdata', 'dev-pyramid-untrained.onnx'));
        const want = await session.run({ input: new ort.Tensor('float32', x, [1, 3, 128, 128]) });
        for (const [name, t] of Object.entries(want)) {
          const g = got.out[name];
          assert(g && JSON.stringify(g.dims) === JSON.stringify(t.dims) && g.type === 'float32', `${name}: dims ${g?.dims} vs ${t.dims}`);
          let worst = 0;
          for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(g.data[i] - t.data[i]));
          assert(worst <= 1e-4, `${name}: max |bonafide − onnxruntime| = ${worst}`);
        }
        assert(got.same, 'run(data, dims) and run(feeds) differ');
        assert(got.same3 && got.detached, `run(feeds, {transfer: true}): same ${got.same3}, input detached ${got.detached}`);
        assert(got.reuse, 'runs after the first give stale or wrong outputs (the reused input buffer)');
        assert(/^InputError: .*\[1 3 64 256\].*\[1 3 128 128\]/.test(got.errs[0]), `bad dims: ${got.errs[0]}`);
        assert(/^InputError: .*values/.test(got.errs[1]), `short data: ${got.errs[1]}`);
        assert(/^InputError/.test(got.errs[2]), `unknown input: ${got.errs[2]}`);
        console.log(`        Model.run on the dev model (8.6 M MACs, 128×128): ${got.ms.toFixed(1)} ms per run in the worker`);
      },
    },
    {
      name: 'startSession on a video stream: verdict with per-frame scores, progress events, best crop',
      async fn() {
        const v = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const d = await Bonafide.create();
          const canvas = document.createElement('canvas');
          canvas.width = window.__frame.width;
          canvas.height = window.__frame.height;
          const ctx = canvas.getContext('2d');
          const draw = () => ctx.putImageData(window.__frame, 0, 0);
          draw();
          const timer = setInterval(draw, 30); // keep the stream producing frames
          const video = document.createElement('video');
          video.muted = true;
          video.srcObject = canvas.captureStream(30);
          await video.play();
          let progress = 0;
          d.addEventListener('progress', () => progress++);
          const verdict = await d.startSession(video, { minFrames: 3, maxFrames: 8, timeoutMs: 20000 });
          clearInterval(timer);
          video.srcObject.getTracks().forEach((t) => t.stop());
          await d.close();
          const b = verdict.bestFrame;
          return { ...verdict, progress, crop: b?.crop ? { w: b.crop.width, h: b.crop.height, cls: b.crop.constructor.name } : null,
            evidence: b && { index: b.index, score: b.score, box: b.box }, bestFrame: undefined };
        });
        assert(['live', 'spoof', 'retake'].includes(v.decision), `decision ${v.decision}`);
        assert(v.progress === v.frames && v.frameScores.length === v.frames && v.scores.length === v.usable, `counts ${JSON.stringify(v)}`);
        if (v.best >= 0) {
          assert(v.evidence.index === v.best && v.evidence.score === v.frameScores[v.best] && v.evidence.box?.width > 0, `evidence ${JSON.stringify(v.evidence)}`);
          assert(v.decision === 'live' ? v.evidence.score === Math.max(...v.scores) : v.evidence.score === Math.min(...v.scores), `evidence score ${v.evidence.score} of ${v.scores}`);
        }
        if (hasFace) {
          assert(v.decision !== 'retake' && v.usable === 3, `a clear face should decide in 3 usable frames: ${JSON.stringify(v)}`);
          assert(v.live === (v.decision === 'live') && v.best >= 0 && v.crop?.cls === 'ImageBitmap' && v.crop.w > 50, `best evidence ${JSON.stringify(v.crop)} best=${v.best}`);
        } else {
          assert(v.decision === 'retake' && v.reasons[0] === 'no_face' && v.frames === 8, `no face: ${JSON.stringify(v)}`);
        }
      },
    },
    {
      name: 'a session that cannot decide in time rejects with TimeoutError; an abort with AbortError',
      async fn() {
        const out = await page.evaluate(async () => {
          const { Bonafide } = window.bonafide;
          const d = await Bonafide.create();
          const canvas = document.createElement('canvas');
          canvas.width = 160;
          canvas.height = 120;
          const ctx = canvas.getContext('2d');
          const timer = setInterval(() => { ctx.fillStyle = `hsl(${Date.now() % 360},40%,50%)`; ctx.fillRect(0, 0, 160, 120); }, 30);
          const video = document.createElement('video');
          video.muted = true;
          video.srcObject = canvas.captureStream(30);
          await video.play();
          const res = {};
          try {
            await d.startSession(video, { frames: 3, maxFrames: 100000, timeoutMs: 800 }); // frames: minFrames' deprecated name
          } catch (e) {
            res.timeout = { name: e.name, message: e.message, verdict: e.verdict && e.verdict.decision };
          }
          const ac = new AbortController();
          setTimeout(() => ac.abort(), 300);
          try {
            await d.startSession(video, { frames: 3, maxFrames: 100000, timeoutMs: 60000, signal: ac.signal });
          } catch (e) {
            res.abort = e.name;
          }
          res.both = await d.startSession(video, { minFrames: 3, frames: 3 }).then(() => 'resolved', (e) => e.name);
          res.after = await d.analyze(video).then(() => 'ok', (e) => e.name);
          clearInterval(timer);
          video.srcObject.getTracks().forEach((t) => t.stop());
          await d.close();
          return res;
        });
        assert(out.timeout?.name === 'TimeoutError' && /no_face/.test(out.timeout.message) && out.timeout.verdict === 'pending', `timeout: ${JSON.stringify(out.timeout)}`);
        assert(out.abort === 'AbortError', `abort: ${out.abort}`);
        assert(out.both === 'TypeError', `minFrames and frames together: ${out.both}`);
        assert(out.after === 'ok', 'the detector broke after a timeout');
      },
    },
    {
      name: 'spoof maps of face-region models are drawn over the face box only (mapClip, drawSpoofMap clip)',
      async fn() {
        const out = await page.evaluate(async () => {
          const { mapClip, drawSpoofMap } = await import('/bonafide-check.mjs');
          const { Bonafide } = window.bonafide;
          const d = await Bonafide.create();
          const info = d.info;
          d.close();
          const result = { crop: { x: 10, y: 20, width: 80, height: 80 }, face: { x: 40, y: 50, width: 20, height: 20 } };
          const clips = {
            face: mapClip(result, { mapRegion: 'face' }),
            crop: mapClip(result, { mapRegion: 'crop' }),
            faceWithoutFace: mapClip({ crop: result.crop, face: null }, { mapRegion: 'face' }),
            noCrop: mapClip({ crop: null, face: result.face }, { mapRegion: 'crop' }),
          };
          // An all-spoof 8x8 map over the crop, clipped to the face box: alpha only inside it.
          const c = new OffscreenCanvas(100, 100);
          const ctx = c.getContext('2d');
          drawSpoofMap(ctx, { w: 8, h: 8, data: new Float32Array(64) }, 10, 20, 80, 80, 0.75, clips.face);
          const a = (x, y) => ctx.getImageData(x, y, 1, 1).data[3];
          return { info: info.mapRegion, clips, inFace: a(50, 60), inCropOutsideFace: a(15, 25), besideFace: a(35, 60) };
        });
        assert(['crop', 'face'].includes(out.info), `info.mapRegion ${out.info}`);
        assert(JSON.stringify(out.clips.face) === JSON.stringify({ x: 40, y: 50, width: 20, height: 20 }), `face clip ${JSON.stringify(out.clips.face)}`);
        assert(JSON.stringify(out.clips.crop) === JSON.stringify({ x: 10, y: 20, width: 80, height: 80 }), `crop clip ${JSON.stringify(out.clips.crop)}`);
        assert(out.clips.faceWithoutFace === null && out.clips.noCrop === null, `clips without face or crop: ${JSON.stringify(out.clips)}`);
        assert(out.inFace > 0 && out.inCropOutsideFace === 0 && out.besideFace === 0, `alpha in the face ${out.inFace}, outside ${out.inCropOutsideFace}, ${out.besideFace}`);
      },
    },
  ] };
}
