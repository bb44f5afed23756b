// The page of scripts/bench/hop/run.mjs: what a Model.run costs between the page and bonafide's
// Worker, beside the same engine on the page's thread and onnxruntime-web with one thread. One model,
// one Worker; every round runs each way of handing the inputs over once, then the in-page run, an
// empty round trip and ORT.
import { Engine } from '/web/engine.mjs';

const now = () => performance.timeOrigin + performance.now();

function input(n) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i);
  return x;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[(xs.length - 1) >> 1];

/**
 * Starts the hop Worker and returns call(op, args, transfer), which resolves with the Worker's reply
 * and `recv`, the page's clock when the reply arrived; call.terminate() stops the Worker.
 */
function hopWorker() {
  const w = new Worker('/hop/worker.mjs', { type: 'module' });
  let nextId = 1;
  const pending = new Map();
  w.onmessage = (e) => {
    const p = pending.get(e.data.id);
    pending.delete(e.data.id);
    p({ ...e.data, recv: now() });
  };
  const call = (op, args, transfer = []) => new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    w.postMessage({ id, op, args }, transfer);
  });
  call.terminate = () => w.terminate();
  return call;
}

async function hop({ url, runs, warmup }) {
  const wasm = await WebAssembly.compile(await (await fetch('/web/bonafide.wasm')).arrayBuffer());
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const call = hopWorker();
  await call('init', { module: wasm, wasmExecUrl: '/web/wasm_exec.js' });
  const info = (await call('loadModel', { model: bytes.slice().buffer, options: { batch: 1 } })).value;
  const local = new Engine();
  await local.dispatch('init', { module: wasm, wasmExecUrl: '/web/wasm_exec.js' });
  const linfo = (await local.dispatch('loadModel', { model: bytes.slice().buffer, options: { batch: 1 } })).value;
  const feeds = info.inputs.map((i) => ({ data: input(i.dims.reduce((a, b) => a * b, 1)), dims: i.dims }));
  // onnxruntime-web 1.30 with one thread on the page's thread, as in make bench: the yardstick.
  const ort = await import('/ort/ort.wasm.min.mjs');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(bytes.slice(), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const ortFeeds = Object.fromEntries(feeds.map((f, i) => [info.inputs[i].name, new ort.Tensor('float32', f.data, f.dims)]));
  let spare = null;
  const modes = {
    // Before 2026-12-06, Model.run's default: postMessage structured-clones every input's buffer.
    clone: () => call('run', { model: info.id, feeds }),
    // run(..., {transfer: true}) with a fresh input each time: the caller's buffer is moved.
    transfer: () => {
      const fs = feeds.map((f) => ({ data: f.data.slice(), dims: f.dims }));
      return call('run', { model: info.id, feeds: fs }, fs.map((f) => f.data.buffer));
    },
    // Model.run's default now: one copy into a buffer that goes to the Worker and comes back.
    recycle: async () => {
      const n = feeds.reduce((a, f) => a + f.data.byteLength, 0);
      const buf = spare && spare.byteLength >= n ? spare : new ArrayBuffer(n);
      spare = null;
      let off = 0;
      const fs = feeds.map((f) => {
        const v = new Float32Array(buf, off, f.data.length);
        v.set(f.data);
        off += v.byteLength;
        return { data: v, dims: f.dims };
      });
      const r = await call('run', { model: info.id, feeds: fs, recycle: true }, [buf]);
      spare = r.value.spare;
      return r;
    },
  };
  const rows = { inPage: [], emptyRoundTrip: [], ort1: [] };
  for (const m of Object.keys(modes)) for (const k of ['roundTrip', 'go', 'hop', 'toWorker', 'readMessage', 'toPage']) rows[`${m}.${k}`] = [];
  for (let i = 0; i < warmup + runs; i++) {
    for (const [m, f] of Object.entries(modes)) {
      const t0 = now();
      const r = await f();
      const t1 = now();
      if (i < warmup) continue;
      const go = r.t.go1 - r.t.go0;
      rows[`${m}.roundTrip`].push(t1 - t0);
      rows[`${m}.go`].push(go);
      rows[`${m}.hop`].push(t1 - t0 - go);
      rows[`${m}.toWorker`].push(r.t.recv - t0);
      rows[`${m}.readMessage`].push(r.t.go0 - r.t.recv);
      rows[`${m}.toPage`].push(r.recv - r.t.post);
    }
    const p0 = now();
    await local.dispatch('run', { model: linfo.id, feeds });
    const p1 = now();
    await call('none', {}); // an unknown operation: the engine answers with an error at once
    const q1 = now();
    await session.run(ortFeeds);
    const o1 = now();
    if (i >= warmup) {
      rows.inPage.push(p1 - p0);
      rows.emptyRoundTrip.push(q1 - p1);
      rows.ort1.push(o1 - q1);
    }
  }
  call.terminate();
  await local.dispatch('exit', {});
  await session.release();
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
}

/**
 * What handing a 640×480 frame to the Worker costs on the page's side, for analyze(): each way of
 * making a transferable copy (createImageBitmap of an ImageBitmap, with and without
 * premultiplyAlpha 'none'; of a playing video; the RGBA bytes in an ArrayBuffer), the time to make it
 * and the time until the Worker's onmessage runs (the engine is not called: an unknown operation).
 */
async function frameHop({ runs, warmup }) {
  const W = 640;
  const H = 480;
  const c = new OffscreenCanvas(W, H);
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, W, H);
  g.addColorStop(0, '#8aa4c8');
  g.addColorStop(1, '#d9c7a1');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, W, H);
  const rgba = ctx.getImageData(0, 0, W, H).data;
  const frame = c.transferToImageBitmap();
  // A playing video, as from a camera: a canvas stream redrawn every 30 ms.
  const vc = document.createElement('canvas');
  vc.width = W;
  vc.height = H;
  const vctx = vc.getContext('2d');
  const draw = () => vctx.drawImage(frame, 0, 0);
  draw();
  const timer = setInterval(draw, 30);
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = vc.captureStream(30);
  await video.play();
  const toWorker = hopWorker();
  const call = (args, transfer) => toWorker('none', args, transfer);
  const ways = {
    'createImageBitmap(ImageBitmap)': async () => { const b = await createImageBitmap(frame); return [{ bitmap: b }, [b]]; },
    'createImageBitmap(ImageBitmap, {premultiplyAlpha: none})': async () => { const b = await createImageBitmap(frame, { premultiplyAlpha: 'none' }); return [{ bitmap: b }, [b]]; },
    'createImageBitmap(video)': async () => { const b = await createImageBitmap(video); return [{ bitmap: b }, [b]]; },
    'RGBA bytes copied into an ArrayBuffer': async () => { const p = new Uint8ClampedArray(rgba); return [{ pixels: p }, [p.buffer]]; },
  };
  const rows = Object.fromEntries(Object.keys(ways).map((k) => [k, { make: [], toWorker: [] }]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const [k, f] of Object.entries(ways)) {
      const t0 = now();
      const [args, transfer] = await f();
      const t1 = now();
      const r = await call(args, transfer);
      if (i >= warmup) {
        rows[k].make.push(t1 - t0);
        rows[k].toWorker.push(r.t.recv - t1);
      }
    }
  }
  clearInterval(timer);
  toWorker.terminate();
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { make: median(v.make), toWorker: median(v.toWorker) }]));
}

window.hop = hop;
window.frameHop = frameHop;
document.getElementById('status').textContent = 'ready';
