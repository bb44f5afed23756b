// bonafide engine: starts the Go runtime (bonafide.wasm) and runs the operations the page asks
// for. It runs inside the Web Worker (bonafide.worker.mjs) or, with {worker: false}, in the page.
// Nothing here fetches anything: the page hands over the compiled WebAssembly.Module and the
// model's bytes, so that integrity checks and errors about URLs live in one place (bonafide.mjs).
//
// The Go side is reached only with plain data built here (see wasm/main.go for why), and one frame
// costs one call into Go: the RGBA bytes go in once, one blob comes out (wasm/blob.go), and the
// blob's buffer is what the worker transfers back to the page. Go keeps all session state (scores,
// verdict, the evidence frame's pixels); this side only decodes what Go decided.

const BLOB_MAGIC = 0x31464e42; // "BNF1", wasm/blob.go
const textDecoder = new TextDecoder();

/** Serialises any thrown value to {name, message, ...details} for postMessage. */
export function errorData(err) {
  if (err && typeof err === 'object') {
    const out = { name: String(err.name || 'Error'), message: String(err.message ?? err) };
    for (const k of ['op', 'opset', 'node', 'domain', 'field', 'modelVersion', 'what', 'got', 'limit', 'stack', 'url', 'status']) {
      if (err[k] !== undefined && typeof err[k] !== 'object') out[k] = err[k];
    }
    return out;
  }
  return { name: 'Error', message: String(err) };
}

function named(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** Reads the blob format of wasm/blob.go: the JSON header and the payload's start. */
export function decodeBlob(u8) {
  if (!(u8 instanceof Uint8Array) || u8.byteLength < 8) throw named('InternalError', 'bonafide: malformed result from Go');
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (dv.getUint32(0, true) !== BLOB_MAGIC) throw named('InternalError', 'bonafide: result from Go has a bad magic number');
  const n = dv.getUint32(4, true);
  const head = JSON.parse(textDecoder.decode(u8.subarray(8, 8 + n)));
  const start = u8.byteOffset + ((8 + n + 3) & ~3);
  const floats = (offset, length) => new Float32Array(u8.buffer, start + offset, length);
  floats.bytes = (offset, length) => new Uint8ClampedArray(u8.buffer, start + offset, length);
  return { head, floats };
}

const nan = (v) => (v === null || v === undefined ? NaN : v);

function scaleBox(b, k) {
  if (!b) return null;
  const out = { ...b, x: b.x * k, y: b.y * k, width: b.width * k, height: b.height * k };
  return out;
}

/** A face in the source's pixels: box, score, roll; with BlazeFace also yaw and named keypoints. */
function scaleFace(f, k) {
  const out = { ...scaleBox(f, k), score: f.score, angle: f.angle };
  if (f.keypoints) {
    out.yaw = f.yaw;
    out.keypoints = f.keypoints.map((p) => ({ name: p.name, x: p.x * k, y: p.y * k }));
  }
  return out;
}

/**
 * Turns an analyze blob into the Result the page sees. Coordinates are scaled back by 1/scale to the
 * source's pixels when the frame was shrunk for analysis.
 */
export function decodeResult(u8, scale = 1, sourceWidth, sourceHeight) {
  const { head: h, floats } = decodeBlob(u8);
  const k = 1 / scale;
  const maps = {};
  for (const m of h.maps) maps[m.label] = floats(m.offset, m.length);
  return {
    live: h.live,
    scored: h.scored,
    score: nan(h.score),
    threshold: h.threshold,
    face: h.face ? scaleFace(h.face, k) : null,
    faces: h.faces.map((f) => scaleFace(f, k)),
    crop: h.crop ? { ...scaleBox(h.crop, k), scale: h.crop.scale, outputWidth: h.crop.outputWidth, outputHeight: h.crop.outputHeight } : null,
    quality: { ok: h.quality.ok, reasons: h.quality.reasons.map((r) => ({ code: r.code, value: nan(r.value), limit: nan(r.limit) })) },
    maps,
    referenceScore: nan(h.referenceScore),
    timings: { ...h.timings },
    frame: { width: sourceWidth ?? h.frame.width, height: sourceHeight ?? h.frame.height, analyzedWidth: h.frame.width, analyzedHeight: h.frame.height },
    verdict: h.verdict ? decodeVerdict(h.verdict, k, floats) : undefined,
  };
}

/**
 * A session's verdict as Go decided it. bestFrame.image (the evidence's RGBA pixels in the blob) is
 * left as {width, height, data} for the engine to turn into an ImageBitmap.
 */
function decodeVerdict(v, k, floats) {
  const b = v.bestFrame;
  let bestFrame = null;
  if (b) {
    const img = b.image;
    bestFrame = {
      index: b.index,
      score: nan(b.score),
      box: b.box ? { ...scaleBox(b.box, k), scale: b.box.scale, outputWidth: b.box.outputWidth, outputHeight: b.box.outputHeight } : null,
      image: img ? { width: img.width, height: img.height, data: floats.bytes(img.offset, img.length) } : null,
    };
  }
  return { ...v, score: nan(v.score), frameScores: v.frameScores.map(nan), bestFrame };
}

/** Decodes a run blob into {name: {type, dims, data}} (onnxruntime-web's tensor shape). */
export function decodeOutputs(u8) {
  const { head, floats } = decodeBlob(u8);
  const out = {};
  for (const o of head.outputs) out[o.name] = { type: 'float32', dims: o.dims, data: floats(o.offset, o.length) };
  return out;
}

/** Loads Go's wasm_exec.js, which defines globalThis.Go, unless it is loaded already. */
async function loadGo(wasmExecUrl) {
  if (typeof globalThis.Go === 'function') return;
  // wasm_exec.js is a classic script; importing it as a module runs it the same way (it is
  // strict-mode already) without eval or importScripts. The URL comes from the page at run time:
  // bundlers must leave this import to the browser.
  await import(/* webpackIgnore: true */ /* @vite-ignore */ wasmExecUrl);
  if (typeof globalThis.Go !== 'function') throw named('LoadError', `bonafide: ${wasmExecUrl} did not define Go: is it Go's wasm_exec.js?`);
}

/** The Go runtime: one bonafide.wasm instance and its API object. */
class Runtime {
  static async start(module, wasmExecUrl) {
    await loadGo(wasmExecUrl);
    const go = new globalThis.Go();
    let exitCode = null;
    go.exit = (code) => { exitCode = code; };
    const hook = `__bonafide_${Date.now().toString(36)}_${Math.random().toString(36).slice(2)}`;
    const ready = new Promise((resolve) => { globalThis[hook] = resolve; });
    go.argv = ['bonafide', hook];
    const instance = await WebAssembly.instantiate(module, go.importObject);
    const done = go.run(instance);
    try {
      const api = await Promise.race([ready, done.then(() => {
        throw named('InternalError', `bonafide: the Go runtime exited during start-up (code ${exitCode}); see the console`);
      })]);
      return new Runtime(go, instance, api, done, () => exitCode);
    } finally {
      delete globalThis[hook];
    }
  }

  constructor(go, instance, api, done, exitCode) {
    this.go = go;
    this.instance = instance;
    this.api = api;
    this.done = done;
    this.exitCode = exitCode;
  }

  async call(name, ...args) {
    if (this.go.exited) {
      throw named('InternalError', `bonafide: the Go runtime has exited (code ${this.exitCode()}); see the console, then create a new checker`);
    }
    try {
      return await this.api[name](...args);
    } catch (err) {
      if (this.go.exited) throw named('InternalError', `bonafide: the Go runtime stopped (code ${this.exitCode()}) during ${name}; see the console`);
      throw err;
    }
  }

  memoryBytes() {
    return this.go.exited ? 0 : this.instance.exports.mem.buffer.byteLength;
  }

  /** JS values Go holds references to (wasm_exec.js's table); grows if js.Values or js.Funcs leak. */
  jsRefs() {
    return this.go._ids ? this.go._ids.size : 0;
  }

  async exit() {
    if (this.go.exited) return;
    await this.api.exit();
    await this.done;
  }
}

/** VideoFrame formats that copyPixels converts to RGBA (a canvas's bitmap is BGRA, a JPEG's BGRX). */
const RGB_FORMATS = new Set(['RGBA', 'RGBX', 'BGRA', 'BGRX']);

/**
 * Whether VideoFrame.copyTo(…, {format: 'RGBA'}) gives a canvas's bytes: a 2×1 bitmap of two known
 * colours must come back as RGBA in order (a browser that ignores the format option gives BGRX).
 */
async function videoFrameCopyWorks() {
  if (typeof VideoFrame !== 'function' || typeof OffscreenCanvas !== 'function') return false;
  let vf;
  try {
    const c = new OffscreenCanvas(2, 1);
    const ctx = c.getContext('2d', { alpha: false });
    ctx.fillStyle = 'rgb(200, 40, 10)';
    ctx.fillRect(0, 0, 1, 1);
    ctx.fillStyle = 'rgb(5, 90, 250)';
    ctx.fillRect(1, 0, 1, 1);
    vf = new VideoFrame(c, { timestamp: 0 });
    const px = new Uint8Array(8);
    await vf.copyTo(px, { format: 'RGBA', colorSpace: 'srgb' });
    return px.join() === '200,40,10,255,5,90,250,255';
  } catch {
    return false;
  } finally {
    vf?.close();
  }
}

/**
 * Whether every RGBA pixel (a little-endian word, alpha in the top byte) is opaque. A compare per
 * pixel, stopping at the first that is not: in Chromium 156 it took 0.2 ms for 640×480, where
 * four running ANDs without a branch took 0.27 (they were faster under node 24, 0.13 ms against
 * 0.23–0.32, which is why this was tried and undone; medians, load 6–8).
 */
export function opaque(px) {
  for (let i = 0; i < px.length; i++) if (px[i] < 0xff000000) return false;
  return true;
}

function makeCanvas(w, h) {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(w, h);
  const c = globalThis.document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}

/**
 * Engine executes the operations of the worker protocol one at a time (they share one canvas and
 * Go's frame buffer). dispatch(op, args) resolves to {value, transfer}.
 */
export class Engine {
  constructor() {
    this.rt = null;
    this.canvas = null;
    this.ctx = null;
    this.tail = Promise.resolve();
    this.videoFrameCopy = undefined; // whether copyPixels can use VideoFrame.copyTo (tested once)
    this.pixBuf = null;
    this.pixWords = null; // pixBuf as little-endian RGBA words, for the opacity check
  }

  dispatch(op, args) {
    const run = this.tail.then(() => this.run(op, args || {}));
    this.tail = run.catch(() => {});
    return run;
  }

  async run(op, a) {
    // The page sends prepare as soon as the Worker exists, while it still fetches and compiles the
    // wasm; init then finds Go's loader ready. A failed prepare fails init again, with its error.
    if (op === 'prepare') {
      await loadGo(a.wasmExecUrl);
      return { value: null };
    }
    if (op === 'init') {
      if (this.rt) throw named('InvalidStateError', 'bonafide: engine already started');
      this.rt = await Runtime.start(a.module, a.wasmExecUrl);
      return { value: await this.rt.call('version') };
    }
    if (!this.rt) throw named('InvalidStateError', 'bonafide: engine not started');
    switch (op) {
      case 'newChecker':
        return { value: await this.rt.call('newChecker', new Uint8Array(a.model), a.options, a.faceModel ? new Uint8Array(a.faceModel) : undefined) };
      case 'setOptions':
        return { value: await this.rt.call('setOptions', a.checker, a.options) };
      case 'analyze':
        return this.analyze(a);
      case 'startSession':
        return { value: await this.rt.call('startSession', a.checker, a.options) };
      case 'endSession':
        return { value: await this.rt.call('endSession', a.checker, a.session) };
      case 'closeChecker':
        return { value: await this.rt.call('closeChecker', a.checker) };
      case 'loadModel':
        return { value: await this.rt.call('loadModel', new Uint8Array(a.model), a.options) };
      case 'run': {
        const feeds = a.feeds.map((f) => ({ data: new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength), dims: f.dims }));
        const u8 = await this.rt.call('run', a.model, feeds);
        // a.recycle: the inputs came in one buffer of the page's (Model.run), which goes back with
        // the outputs for its next run; Go has copied them already.
        const spare = a.recycle ? a.feeds[0]?.data.buffer : undefined;
        return { value: { outputs: decodeOutputs(u8), spare }, transfer: spare ? [u8.buffer, spare] : [u8.buffer] };
      }
      case 'runShared': // SharedChannel: the feeds are views of the shared buffer, where Go also writes the blob if it fits (→ its length)
        return { value: await this.rt.call('run', a.model, a.feeds, a.out) };
      case 'closeModel':
        return { value: await this.rt.call('closeModel', a.model) };
      case 'stats': {
        const s = await this.rt.call('stats', !!a.gc);
        return { value: { ...s, wasmMemoryBytes: this.rt.memoryBytes(), jsRefs: this.rt.jsRefs() } };
      }
      case 'exit':
        await this.rt.exit();
        this.canvas = this.ctx = null;
        return { value: { exitCode: this.rt.exitCode() } };
      default:
        throw named('TypeError', `bonafide: unknown operation ${op}`);
    }
  }

  context(w, h) {
    if (!this.canvas) {
      this.canvas = makeCanvas(w, h);
      this.ctx = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false });
      if (!this.ctx) throw named('InternalError', 'bonafide: no 2D canvas context for reading frames');
    }
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    return this.ctx;
  }

  /**
   * Reads an opaque bitmap's RGBA pixels at its own size through a VideoFrame (copyTo converts to
   * RGBA itself), or returns null where that is not available. For a 640×480 frame this takes a
   * fraction of a millisecond in Chromium, where drawImage + getImageData took several (issue 12:
   * the pixels were a third of analyze()). The bytes are the canvas path's, checked once per engine
   * on a known colour, since a browser that ignores copyTo's format would silently hand over BGRX.
   * A bitmap that is not opaque goes through the canvas, which composites it over black.
   */
  async copyPixels(bm, w, h) {
    if (this.videoFrameCopy === undefined) this.videoFrameCopy = await videoFrameCopyWorks();
    if (!this.videoFrameCopy) return null;
    const own = !(bm instanceof VideoFrame); // the page's VideoFrame is closed by the caller
    let vf;
    try {
      vf = own ? new VideoFrame(bm, { timestamp: 0 }) : bm;
      const v = vf.visibleRect;
      if (!RGB_FORMATS.has(vf.format) || vf.codedWidth !== w || vf.codedHeight !== h || !v || v.x || v.y || v.width !== w || v.height !== h) return null;
      const n = 4 * w * h;
      if (!this.pixBuf || this.pixBuf.length !== n) {
        this.pixBuf = new Uint8Array(n);
        this.pixWords = new Uint32Array(this.pixBuf.buffer);
      }
      await vf.copyTo(this.pixBuf, { format: 'RGBA', colorSpace: 'srgb' });
      // A frame with an alpha channel (a canvas's bitmap has one) gives the canvas's bytes only
      // where it is opaque: the canvas composites over black.
      if ((vf.format === 'RGBA' || vf.format === 'BGRA') && !opaque(this.pixWords)) return null;
      return this.pixBuf;
    } catch {
      return null;
    } finally {
      if (own) vf?.close();
    }
  }

  // analyze: {checker, bitmap}, {checker, videoFrame} or {checker, pixels, width, height}; session, reset, maxSide,
  // timestampMs (a video frame's time, for the face tracker).
  async analyze(a) {
    const t0 = performance.now();
    let pixels;
    let w;
    let h;
    let scale = 1;
    let srcW;
    let srcH;
    let shrink = null;
    if (a.pixels && a.maxSide && Math.max(a.width, a.height) > a.maxSide && a.pixels.length === 4 * a.width * a.height) {
      // ImageData over maxFrameSide is shrunk like every other source, through a bitmap. (Pixels
      // that do not match their size go on to Go, which names the mismatch.)
      try {
        shrink = await createImageBitmap(new ImageData(new Uint8ClampedArray(a.pixels.buffer, a.pixels.byteOffset, a.pixels.length), a.width, a.height));
      } catch (e) {
        throw named('FrameError', `bonafide: cannot shrink the ${a.width}×${a.height} ImageData to maxFrameSide ${a.maxSide}: ${e.message}`);
      }
    }
    if (a.bitmap || a.videoFrame || shrink) {
      const bm = a.videoFrame || a.bitmap || shrink;
      srcW = a.videoFrame ? bm.displayWidth : bm.width;
      srcH = a.videoFrame ? bm.displayHeight : bm.height;
      if (!srcW || !srcH) {
        bm.close();
        throw named('FrameError', `bonafide: empty frame (${srcW}×${srcH})`);
      }
      scale = Math.min(1, (a.maxSide || Infinity) / Math.max(srcW, srcH));
      w = Math.max(1, Math.round(srcW * scale));
      h = Math.max(1, Math.round(srcH * scale));
      scale = w / srcW;
      pixels = w === srcW && h === srcH ? await this.copyPixels(bm, w, h) : null;
      if (!pixels) {
        const ctx = this.context(w, h);
        ctx.drawImage(bm, 0, 0, w, h);
        pixels = ctx.getImageData(0, 0, w, h).data;
      }
      bm.close();
    } else {
      pixels = a.pixels;
      w = srcW = a.width;
      h = srcH = a.height;
    }
    const t1 = performance.now();
    const ts = Number.isFinite(a.timestampMs) ? a.timestampMs : undefined;
    const u8 = await this.rt.call('analyze', a.checker, pixels, w, h, a.session || 0, !!a.reset, ts);
    const t2 = performance.now();
    const res = decodeResult(u8, scale, srcW, srcH);
    res.timings.pixels = t1 - t0;
    res.timings.wasm = t2 - t1;
    const transfer = [u8.buffer];
    const best = res.verdict?.bestFrame;
    if (best) {
      // The evidence's pixels become an ImageBitmap, which the worker hands over as it is.
      const img = best.image;
      best.crop = img ? await createImageBitmap(new ImageData(img.data, img.width, img.height)) : null;
      delete best.image;
      if (best.crop) transfer.push(best.crop);
    }
    return { value: res, transfer };
  }
}

// ------------------------------------------------------------------------- the shared-memory channel

/**
 * Model.run's channel through a SharedArrayBuffer, used when the page is cross-origin isolated
 * (bonafide.mjs's WorkerPort is the other end). The buffer starts with SHARED_HEAD bytes of Int32
 * slots, then the payload: the request's inputs (float32 bytes, one after the other), then, written
 * over them, the response (a run blob, or an error as JSON). One request at a time: the page waits
 * for each response before it writes the next.
 */
export const SHARED = Object.freeze({
  REQ: 0, // request number: the page bumps it (Atomics.store + notify) when a request is written
  RESP: 1, // response number: this side sets it to the request's when the response is written
  STATUS: 2, // the response: 0 a run blob, 1 an error as JSON, 2 too big: fetch it with channelTake
  LEN: 3, // the response's bytes
  MSGS: 4, // postMessage ops the page had sent before this request (they go first)
  MODEL: 5, // the model's handle
  NFEEDS: 6, // inputs; then per input: its byte length, rank, dims
  META: 7,
});
export const SHARED_HEAD = 1024;
export const SHARED_SLOTS = SHARED_HEAD / 4;
const textEncoder = new TextEncoder();

/** The Worker's end: waits (Atomics.waitAsync, never blocking) for requests and answers them. */
export class SharedChannel {
  constructor(sab, engine) {
    if (!(sab instanceof SharedArrayBuffer) || sab.byteLength < SHARED_HEAD + 4) throw named('TypeError', 'bonafide: channel: want a SharedArrayBuffer');
    this.sab = sab;
    this.i32 = new Int32Array(sab, 0, SHARED_SLOTS);
    // The payload, made once: every response is written here (by Go, or below), not into a new view per run.
    this.payload = new Uint8Array(sab, SHARED_HEAD);
    this.engine = engine;
    this.handled = Atomics.load(this.i32, SHARED.REQ);
    this.closed = false;
    this.held = null;
  }

  /** Waits for requests until close(); received() says how many postMessage ops have arrived. */
  async listen(received) {
    while (!this.closed) {
      const w = Atomics.waitAsync(this.i32, SHARED.REQ, Atomics.load(this.i32, SHARED.REQ));
      if (w.async) await w.value;
      if (this.closed) return;
      this.poll(received());
    }
  }

  close() {
    this.closed = true;
    Atomics.notify(this.i32, SHARED.REQ); // ends listen's wait
  }

  /**
   * Takes a new request if the postMessage ops the page sent before it have all arrived (received
   * of them): it joins the engine's queue behind them, so the page's order holds across channels.
   */
  poll(received) {
    const i32 = this.i32;
    const req = Atomics.load(i32, SHARED.REQ);
    if (this.closed || req === this.handled || Atomics.load(i32, SHARED.MSGS) > received) return;
    this.handled = req;
    const room = this.payload.length;
    const answer = (status, bytes) => {
      // A number: Go wrote the blob into the buffer itself (no fresh array in this Worker, whose
      // first touch of each page costs more than the copy).
      const len = typeof bytes === 'number' ? bytes : bytes.byteLength;
      if (typeof bytes !== 'number' && len > room) {
        this.held = { status, bytes };
        status = 2;
      } else if (typeof bytes !== 'number') {
        this.payload.set(bytes);
      }
      Atomics.store(i32, SHARED.STATUS, status);
      Atomics.store(i32, SHARED.LEN, len);
      Atomics.store(i32, SHARED.RESP, req);
      Atomics.notify(i32, SHARED.RESP);
    };
    let feeds;
    let model;
    try {
      model = i32[SHARED.MODEL];
      const n = i32[SHARED.NFEEDS];
      feeds = [];
      let slot = SHARED.META;
      let off = SHARED_HEAD;
      for (let k = 0; k < n; k++) {
        const bytes = i32[slot];
        const rank = i32[slot + 1];
        const dims = Array.from(i32.subarray(slot + 2, slot + 2 + rank));
        slot += 2 + rank;
        // A view of the shared buffer: Go copies the bytes in before the response overwrites them.
        feeds.push({ data: new Uint8Array(this.sab, off, bytes), dims });
        off += bytes;
      }
    } catch (err) {
      answer(1, textEncoder.encode(JSON.stringify(errorData(err))));
      return;
    }
    // Go reads the inputs before it writes the outputs over them.
    this.engine.dispatch('runShared', { model, feeds, out: this.payload }).then(
      ({ value }) => answer(0, value),
      (err) => answer(1, textEncoder.encode(JSON.stringify(errorData(err)))),
    );
  }

  /** The last response that did not fit, for channelTake (postMessage), which transfers it. */
  take() {
    const h = this.held;
    this.held = null;
    if (!h) throw named('InvalidStateError', 'bonafide: channel: no response is waiting');
    return { value: { status: h.status, bytes: h.bytes }, transfer: [h.bytes.buffer] };
  }
}
