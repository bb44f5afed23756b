// bonafide: face liveness in the browser. Plain ES module, no build step; types in bonafide.d.ts.
//
//   import { Bonafide } from './bonafide.mjs';
//   const checker = await Bonafide.create({ modelUrl: '/bonafide/models/default.onnx' });
//   const result = await checker.analyze(videoElement);      // one frame
//   const verdict = await checker.startSession(videoElement); // several frames → live | spoof | retake
//   await checker.close();
//
// The shape follows MediaPipe tasks-vision (async static factory, setOptions, close) and
// onnxruntime-web (a URL or the bytes; asset paths and worker use are options, so that strict CSPs
// and self-hosting work). Inference runs in a Web Worker by default; frames travel to it as
// transferable ImageBitmaps. Every failure rejects with a named error class exported below.

import { Engine, SHARED, SHARED_HEAD, SHARED_SLOTS, decodeOutputs, errorData } from './engine.mjs';
import { assets } from './manifest.mjs';

// The release, from the repository's VERSION file: scripts/build-web.sh writes it here.
export const version = '0.0.0-unbuilt';

// ------------------------------------------------------------------------------------------ errors

/** Base class of bonafide's errors; `name` says which one. */
export class BonafideError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = new.target.errorName || 'BonafideError';
    if (options && options.details) Object.assign(this, options.details);
  }
}
/** The camera permission was denied (by the user or by a policy). */
export class NotAllowedError extends BonafideError { static errorName = 'NotAllowedError'; }
/** No camera is connected, or none matches the constraints. */
export class NotFoundError extends BonafideError { static errorName = 'NotFoundError'; }
/** The camera exists but cannot be opened (in use by another application, hardware error). */
export class NotReadableError extends BonafideError { static errorName = 'NotReadableError'; }
/** The model cannot be decoded or used; for an unsupported operator, `op`, `opset` and `node` say which. */
export class ModelError extends BonafideError { static errorName = 'ModelError'; }
/** A model or wasm file does not match the SHA-256 given in options.integrity. */
export class IntegrityError extends BonafideError { static errorName = 'IntegrityError'; }
/** This browser cannot run bonafide.wasm (no WebAssembly, no SIMD, or a CSP without 'wasm-unsafe-eval'). */
export class WebAssemblyUnsupportedError extends BonafideError { static errorName = 'WebAssemblyUnsupportedError'; }
/** Something did not finish in time (loading, or a session without a verdict); `verdict` holds a session's state. */
export class TimeoutError extends BonafideError { static errorName = 'TimeoutError'; }
/** An asset (wasm, wasm_exec.js, worker, model) could not be fetched, or its download was cut short; `url` and `status` say which. */
export class LoadError extends BonafideError { static errorName = 'LoadError'; }
/** The Web Worker could not be started (wrong URL, MIME type, or a CSP without worker-src for it). */
export class WorkerError extends BonafideError { static errorName = 'WorkerError'; }
/** A frame that cannot be analysed: not decodable, empty, a video with no frame yet. */
export class FrameError extends BonafideError { static errorName = 'FrameError'; }
/** A frame, model or tensor over one of bonafide's named limits; `what`, `got` and `limit` say which. */
export class LimitError extends BonafideError { static errorName = 'LimitError'; }
/** Model.run: tensors that do not fit the model's inputs. */
export class InputError extends BonafideError { static errorName = 'InputError'; }
/** The checker or model was closed. */
export class InvalidStateError extends BonafideError { static errorName = 'InvalidStateError'; }
/** A bug in bonafide (a recovered Go panic or a stopped Go runtime): please report it. */
export class InternalError extends BonafideError { static errorName = 'InternalError'; }

const errorClasses = {
  NotAllowedError, NotFoundError, NotReadableError, ModelError, IntegrityError, WebAssemblyUnsupportedError,
  TimeoutError, LoadError, WorkerError, FrameError, LimitError, InputError, InvalidStateError, InternalError,
};

/** Rebuilds an error that crossed the worker boundary as {name, message, ...details}. */
function fromData(d) {
  const { name, message, ...details } = d || {};
  if (name === 'TypeError') return new TypeError(message);
  if (name === 'RangeError') return Object.assign(new RangeError(message), details);
  const C = errorClasses[name];
  if (C) return new C(message, { details });
  const e = new BonafideError(message, { details });
  e.name = name || 'BonafideError';
  return e;
}

// ----------------------------------------------------------------------------------------- options

// Every asset resolves next to this module, written as `new URL('./file', import.meta.url)` literally:
// that is the form bundlers (webpack, Vite) recognise and copy, and what works unbundled. The URL
// options override each.

/**
 * Defaults of Bonafide.create's own options (see bonafide.d.ts for each). The liveness options
 * (threshold, quality, minFrames, maxFrames, profile) have their defaults and their checks in Go,
 * once, when the checker is created: `checker.options` reports them as Go filled them in.
 */
export const defaults = Object.freeze({
  modelUrl: new URL('./models/default.onnx', import.meta.url).href,
  // BlazeFace, the face detector's model (models/blazeface in the repository: MediaPipe, Apache-2.0).
  faceModelUrl: new URL('./models/blazeface.onnx', import.meta.url).href,
  detector: 'blazeface',
  wasmUrl: new URL('./bonafide.wasm', import.meta.url).href,
  wasmExecUrl: new URL('./wasm_exec.js', import.meta.url).href,
  workerUrl: new URL('./bonafide.worker.mjs', import.meta.url).href,
  worker: true,
  workers: 1,
  track: true,
  maxFrameSide: 1280,
  timeoutMs: 30000,
  integrity: Object.freeze({}),
});

// pico's cascade, the face detector's file for options.detector 'pigo' (faceModelUrl's default then):
// the browser's wasm leaves it out (233 KB gzip that only pigo uses), so it is fetched like a model.
const pigoCascadeUrl = new URL('./models/facefinder', import.meta.url).href;

/** Reason codes of the quality gate, in report order (core/face/reasons.go). */
export const qualityCodes = Object.freeze(['no_face', 'multiple_faces', 'face_too_small', 'face_too_large',
  'face_partly_outside', 'face_off_centre', 'too_dark', 'too_bright', 'clipped', 'low_contrast', 'blurry', 'rotated',
  'face_turned', 'eyes_not_visible']);

// Options Go checks and fills in (liveness.Config): they are handed over as plain data.
const goOptionKeys = ['threshold', 'minFrames', 'maxFrames', 'quality', 'profile'];
const optionKeys = new Set([...Object.keys(defaults), ...goOptionKeys, 'model', 'faceModel']);

/** The most engines options.workers may start (each is a Worker with its own wasm memory). */
const maxWorkers = 8;

/** The face detectors options.detector names. */
export const detectors = Object.freeze(['blazeface', 'pigo']);

function checkInt(name, v, min) {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`bonafide: ${name} must be an integer ≥ ${min}, got ${v}`);
}

/**
 * Copies quality limits into a fresh plain object, reading each property once here: Go reads only
 * plain data (wasm/main.go says why). Names, types and ranges are Go's to check.
 */
function plainQuality(q) {
  if (q === undefined || q === null) return undefined;
  if (typeof q !== 'object') return q; // Go names the type error
  const out = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out;
}

function cleanOptions(options, base = defaults) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw new TypeError('bonafide: options must be an object');
  for (const k of Object.keys(options)) {
    if (!optionKeys.has(k)) throw new TypeError(`bonafide: unknown option "${k}" (known: ${[...optionKeys].join(', ')})`);
  }
  const o = { ...base };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) o[k] = v;
  if (base === defaults && options.faceModelUrl === undefined && o.detector === 'pigo') o.faceModelUrl = pigoCascadeUrl;
  // Which assets are this package's own (their URL not given): only those get the manifest's hashes.
  const own = base === defaults ? (k) => options[k] === undefined : () => false;
  o.ownAssets = {
    wasm: own('wasmUrl'), worker: own('workerUrl'), model: own('modelUrl') && options.model === undefined,
    faceModel: own('faceModelUrl') && options.faceModel === undefined,
  };
  for (const k of ['modelUrl', 'faceModelUrl', 'wasmUrl', 'wasmExecUrl', 'workerUrl']) {
    if (typeof o[k] !== 'string' && !(o[k] instanceof URL)) throw new TypeError(`bonafide: options.${k} must be a string or URL`);
    o[k] = new URL(o[k], globalThis.location?.href).href;
  }
  for (const k of ['model', 'faceModel']) {
    if (o[k] !== undefined && !(o[k] instanceof ArrayBuffer || ArrayBuffer.isView(o[k]))) {
      throw new TypeError(`bonafide: options.${k} must be an ArrayBuffer or a Uint8Array`);
    }
  }
  if (!detectors.includes(o.detector)) throw new RangeError(`bonafide: options.detector: unknown detector "${o.detector}" (known: ${detectors.join(', ')})`);
  checkInt('options.maxFrameSide', o.maxFrameSide, 16);
  checkInt('options.timeoutMs', o.timeoutMs, 1);
  checkInt('options.workers', o.workers, 1);
  if (o.workers > maxWorkers) throw new RangeError(`bonafide: options.workers must be at most ${maxWorkers}, got ${o.workers}`);
  o.worker = !!o.worker;
  if (o.workers > 1 && !o.worker) throw new RangeError(`bonafide: options.workers ${o.workers} needs Web Workers: leave options.worker true`);
  o.track = !!o.track;
  o.quality = plainQuality(o.quality);
  if (typeof o.integrity !== 'object' || o.integrity === null) throw new TypeError('bonafide: options.integrity must be an object {model?, faceModel?, wasm?}');
  o.integrity = { ...o.integrity };
  for (const k of Object.keys(o.integrity)) {
    if (k !== 'model' && k !== 'faceModel' && k !== 'wasm') throw new TypeError(`bonafide: options.integrity: unknown key "${k}" (model, faceModel, wasm)`);
  }
  // The package's own files are checked against the SHA-256 in manifest.mjs unless a hash was given.
  o.integrityDefaults = {};
  const faceFile = o.detector === 'pigo' ? 'models/facefinder' : 'models/blazeface.onnx';
  for (const [key, file] of [['wasm', 'bonafide.wasm'], ['model', 'models/default.onnx'], ['faceModel', faceFile]]) {
    if (o.integrity[key] === undefined && o.ownAssets[key] && assets[file]) o.integrityDefaults[key] = assets[file].sha256;
  }
  return o;
}

// --------------------------------------------------------------------------------- loading assets

// A module using one v128.const: WebAssembly.validate says whether the browser has wasm SIMD,
// which bonafide.wasm (GOEXPERIMENT=simd) needs.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);

/** Whether this browser can run bonafide, and if not, why. */
function support() {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') {
    return { ok: false, reason: 'this browser has no WebAssembly' };
  }
  try {
    if (!WebAssembly.validate(SIMD_PROBE)) return { ok: false, reason: 'this browser lacks WebAssembly SIMD (Chrome/Edge 91+, Firefox 89+, Safari 16.4+)' };
  } catch (e) {
    return { ok: false, reason: `WebAssembly.validate failed: ${e.message}` };
  }
  if (typeof createImageBitmap !== 'function') return { ok: false, reason: 'this browser has no createImageBitmap' };
  return { ok: true, reason: '' };
}

async function fetchOk(url, what) {
  let resp;
  try {
    resp = await fetch(url, { credentials: 'same-origin' });
  } catch (e) {
    throw new LoadError(`bonafide: could not fetch the ${what} from ${url}: ${e.message} (offline, or blocked by the page's CSP connect-src?)`,
      { cause: e, details: { url } });
  }
  if (!resp.ok) throw new LoadError(`bonafide: the ${what} at ${url} answered HTTP ${resp.status}`, { details: { url, status: resp.status } });
  return resp;
}

/** The body of a fetched response; a download cut short is a LoadError, not fetch's bare TypeError. */
async function readBytes(resp, url, what) {
  try {
    return new Uint8Array(await resp.arrayBuffer());
  } catch (e) {
    throw downloadError(e, url, what);
  }
}

function downloadError(e, url, what) {
  return new LoadError(`bonafide: the download of the ${what} from ${url} failed: ${e.message}`, { cause: e, details: { url } });
}

async function fetchBytes(url, what) {
  return readBytes(await fetchOk(url, what), url, what);
}

function toBytes(src) {
  if (src instanceof ArrayBuffer) return new Uint8Array(src.slice(0));
  return new Uint8Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength)); // a copy: it is transferred
}

function hex(buf) {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The hash a file must have: options.integrity[what], else the manifest's where it can be checked, else none. */
function wantedHash(o, what) {
  if (o.integrity[what]) return o.integrity[what];
  return o.integrityDefaults[what] && globalThis.crypto?.subtle ? o.integrityDefaults[what] : '';
}

/**
 * Checks bytes against options.integrity[what] ("sha256-BASE64" (SRI) or 64 hex digits) or, for the
 * package's own files, against manifest.mjs. Without crypto.subtle (an insecure context) a given hash
 * cannot be checked, which is an error; the manifest's check is then skipped.
 */
async function checkIntegrity(bytes, o, what) {
  const want = wantedHash(o, what);
  if (!want) return;
  if (typeof want !== 'string') throw new TypeError(`bonafide: options.integrity.${what} must be a string`);
  let wantHex;
  if (/^[0-9a-f]{64}$/i.test(want)) wantHex = want.toLowerCase();
  else if (want.startsWith('sha256-')) {
    try {
      wantHex = hex(Uint8Array.from(atob(want.slice(7)), (c) => c.charCodeAt(0)));
    } catch {
      throw new TypeError(`bonafide: options.integrity.${what}: "${want}" is not valid base64`);
    }
  } else throw new TypeError(`bonafide: options.integrity.${what}: want "sha256-BASE64" or 64 hex digits, got "${want}"`);
  if (!globalThis.crypto?.subtle) {
    throw new IntegrityError(`bonafide: cannot check the ${what}'s integrity: crypto.subtle is unavailable (it needs a secure context: https or localhost)`);
  }
  const got = hex(await crypto.subtle.digest('SHA-256', bytes));
  if (got !== wantHex) {
    const source = o.integrity[what] ? `options.integrity.${what}` : `this release's manifest (manifest.mjs): the file beside bonafide.mjs was changed or comes from another release`;
    throw new IntegrityError(`bonafide: the ${what} does not match ${source}: SHA-256 ${got}, expected ${wantHex}. Refusing to run it.`,
      { details: { expected: wantHex, actual: got } });
  }
}

/** Compiles bytes, or a fetch Response as it streams in, with bonafide's errors. */
async function compileWasm(source, url) {
  try {
    return await (source instanceof Uint8Array ? WebAssembly.compile(source) : WebAssembly.compileStreaming(source));
  } catch (e) {
    const csp = /Content Security Policy|unsafe-eval|wasm-unsafe-eval/i.test(e.message);
    // Bad bytes are a CompileError; a TypeError while streaming is the download failing.
    if (!csp && source instanceof Response && e instanceof TypeError) throw downloadError(e, url, 'wasm');
    throw new WebAssemblyUnsupportedError(csp
      ? `bonafide: the page's Content-Security-Policy forbids WebAssembly: add 'wasm-unsafe-eval' to script-src (${e.message})`
      : `bonafide: this browser cannot compile bonafide.wasm: ${e.message}`, { cause: e });
  }
}

/**
 * Fetches, checks and compiles the wasm. Served as application/wasm, it compiles from the response
 * itself (compileStreaming), while a copy of the stream is hashed: Chromium then keeps the code it
 * optimised with its HTTP cache entry, and a returning visitor's page skips compiling what it ran
 * last time (its first create() took about half as long; web/README "Measured timings"). The
 * module is returned only once the whole file's hash checked out; compiling untrusted bytes runs
 * none of them. Served otherwise, or where compileStreaming is missing, the bytes are read first.
 */
async function fetchWasm(o) {
  const resp = await fetchOk(o.wasmUrl, 'wasm');
  const streams = typeof WebAssembly.compileStreaming === 'function'
    && /^application\/wasm\s*(;|$)/i.test(resp.headers.get('Content-Type') ?? '');
  if (!streams) {
    const bytes = await readBytes(resp, o.wasmUrl, 'wasm');
    await checkIntegrity(bytes, o, 'wasm');
    return compileWasm(bytes);
  }
  if (!wantedHash(o, 'wasm')) return compileWasm(resp, o.wasmUrl);
  const copy = resp.clone();
  const compiled = compileWasm(resp, o.wasmUrl);
  compiled.catch(() => {}); // a failed check below is the error to report
  await checkIntegrity(await readBytes(copy, o.wasmUrl, 'wasm'), o, 'wasm');
  return compiled;
}

function withTimeout(promise, ms, what, onTimeout) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new TimeoutError(`bonafide: ${what} took longer than ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------------------------------- ports

/** Talks to the engine in a Web Worker. */
class WorkerPort {
  constructor(url, own) {
    if (typeof Worker !== 'function') throw new WorkerError('bonafide: this environment has no Web Workers; pass {worker: false} to run in the page');
    this.url = url;
    this.pending = new Map();
    this.nextId = 1;
    this.dead = null;
    this.sent = 0; // postMessage ops sent: a shared-memory request says how many went before it
    this.shared = null; // Model.run's SharedArrayBuffer channel, made on its first run: {sab, i32, seq}
    this.sharedTail = Promise.resolve(); // shared runs, one at a time
    this.sharedQueued = 0;
    this.sharedNeed = 0; // the largest response so far that did not fit
    // The literal `new Worker(new URL(...), {type: 'module'})` is what bundlers turn into a worker
    // bundle of its own (with engine.mjs); a given workerUrl is used as it is.
    this.worker = own
      ? new Worker(new URL('./bonafide.worker.mjs', import.meta.url), { type: 'module', name: 'bonafide' })
      : new Worker(url, { type: 'module', name: 'bonafide' });
    this.worker.onmessage = (e) => {
      const { id, ok, value, error } = e.data;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (ok) p.resolve(value);
      else p.reject(fromData(error));
    };
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      this.fail(new WorkerError(`bonafide: the worker at ${url} failed${e.message ? `: ${e.message}` : ' to start (not found, wrong MIME type, or blocked by the CSP worker-src)'}`));
    };
    this.worker.onmessageerror = () => this.fail(new InternalError('bonafide: a message from the worker could not be read'));
  }

  fail(err) {
    this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    if (this.shared) Atomics.notify(this.shared.i32, SHARED.RESP); // a waiting shared run sees this.dead
  }

  call(op, args, transfer = []) {
    if (this.dead) return Promise.reject(this.dead);
    // Shared-memory runs called before this op go first: it is posted once they are answered.
    if (this.sharedQueued > 0) return this.sharedTail.then(() => this.post(op, args, transfer));
    return this.post(op, args, transfer);
  }

  post(op, args, transfer = []) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ id, op, args }, transfer);
        this.sent++;
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof DOMException && e.name === 'DataCloneError' ? new TypeError(`bonafide: ${e.message}`) : e);
      }
    });
  }

  terminate() {
    this.worker.terminate();
    this.fail(new InvalidStateError('bonafide: closed'));
  }

  /**
   * Model.run through the shared-memory channel (SharedChannel in engine.mjs): resolves to the
   * outputs, or to null where the request does not fit the channel's slots (then postMessage).
   * Runs go one at a time; a run queued behind another gets a copy of its inputs now, so that the
   * caller may reuse its arrays as soon as run() returned, as with postMessage.
   */
  runShared(model, feeds) {
    if (this.sharedQueued > 0) feeds = feeds.map((f) => ({ data: f.data.slice(), dims: f.dims }));
    this.sharedQueued++;
    const job = this.sharedTail.then(() => this.#runShared(model, feeds));
    this.sharedTail = job.catch(() => {}).finally(() => { this.sharedQueued--; });
    return job;
  }

  async #runShared(model, feeds) {
    if (this.dead) throw this.dead;
    let slots = SHARED.META;
    let bytes = 0;
    for (const f of feeds) {
      slots += 2 + f.dims.length;
      bytes += f.data.byteLength;
      if (f.dims.some((d) => d > 0x7fffffff)) return null;
    }
    if (slots > SHARED_SLOTS) return null;
    const room = Math.max(bytes, this.sharedNeed);
    if (!this.shared || this.shared.sab.byteLength - SHARED_HEAD < room) {
      // A new buffer, a quarter bigger than needed and at least 64 KiB, handed to the Worker by
      // postMessage (which also ends its wait on the old one).
      const size = SHARED_HEAD + Math.max(65536, Math.ceil(room * 1.25 / 4096) * 4096);
      const sab = new SharedArrayBuffer(size);
      await this.post('channel', { sab });
      this.shared = { sab, i32: new Int32Array(sab, 0, SHARED_SLOTS), seq: 0, lastLen: 0 };
    }
    const { sab, i32 } = this.shared;
    i32[SHARED.MODEL] = model;
    i32[SHARED.NFEEDS] = feeds.length;
    let slot = SHARED.META;
    let off = SHARED_HEAD;
    for (const f of feeds) {
      i32[slot] = f.data.byteLength;
      i32[slot + 1] = f.dims.length;
      i32.set(f.dims, slot + 2);
      slot += 2 + f.dims.length;
      new Float32Array(sab, off, f.data.length).set(f.data);
      off += f.data.byteLength;
    }
    Atomics.store(i32, SHARED.MSGS, this.sent);
    const req = this.shared.seq = (this.shared.seq + 1) & 0x7fffffff;
    Atomics.store(i32, SHARED.REQ, req);
    Atomics.notify(i32, SHARED.REQ);
    // While the Worker runs: the array for the outputs, the size of the last ones, touched page by
    // page now, since the first write to a fresh buffer's pages costs more than copying into it
    // (0.2 ms for BlazeFace front's 61 KB in Chromium 156; BENCH.md round 10).
    let fresh = null;
    if (this.shared.lastLen > 0) {
      fresh = new Uint8Array(this.shared.lastLen);
      for (let i = 0; i < fresh.length; i += 4096) fresh[i] = 0;
    }
    for (;;) {
      // The response first: one that arrived before the Worker was closed is still the answer.
      const cur = Atomics.load(i32, SHARED.RESP);
      if (cur === req) break;
      if (this.dead) throw this.dead;
      const w = Atomics.waitAsync(i32, SHARED.RESP, cur);
      if (w.async) await w.value;
    }
    let status = Atomics.load(i32, SHARED.STATUS);
    const len = Atomics.load(i32, SHARED.LEN);
    let out;
    if (status === 2) {
      // Too big for the buffer: it comes by postMessage, and the next run gets a bigger buffer.
      this.sharedNeed = Math.max(this.sharedNeed, len);
      ({ status, bytes: out } = await this.post('channelTake', {}));
    } else {
      // Copied out of the shared buffer: the results stay valid after the next run (as ORT's do).
      out = fresh?.length === len ? fresh : new Uint8Array(len);
      out.set(new Uint8Array(sab, SHARED_HEAD, len));
      if (status === 0) this.shared.lastLen = len;
    }
    if (status !== 0) throw fromData(JSON.parse(new TextDecoder().decode(out)));
    return decodeOutputs(out);
  }
}

/**
 * Whether Model.run can use a SharedArrayBuffer with its Worker: the page is cross-origin isolated
 * (COOP same-origin + COEP require-corp or credentialless) and has Atomics.waitAsync.
 */
const sharedMemoryWorks = () => globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' &&
  typeof Atomics === 'object' && typeof Atomics.waitAsync === 'function';

/** Runs the engine in the page ({worker: false}). */
class LocalPort {
  constructor() {
    this.engine = new Engine();
  }

  async call(op, args) {
    try {
      return (await this.engine.dispatch(op, args)).value;
    } catch (e) {
      throw fromData(errorData(e));
    }
  }

  terminate() {
    this.engine = null;
  }
}

/**
 * Several engines behind one port ({workers: n}): each a Worker with its own wasm instance and its
 * own copy of the checker, so that n frames are analysed at once. A frame outside a session goes to
 * the engine with the fewest calls in flight (round robin among equals), and results resolve in the
 * order the frames were given, whichever engine finishes first. A session lives in one engine (its
 * frames are scored in turn, Go keeps its state), so the pool maps its own session handles to each
 * engine's. Options and closing go to every engine. An engine whose Worker died is skipped; when all
 * are dead every call rejects with the first one's error (a WorkerError, or InvalidStateError once
 * closed), never hangs.
 */
class PoolPort {
  constructor(ports) {
    this.ports = ports;
    this.inFlight = ports.map(() => 0);
    this.next = 0;
    this.checkerIds = null; // each engine's handle of the one checker, by engine
    this.sessions = new Map(); // pool session handle → {engine, id}
    this.nextSession = 1;
    this.order = Promise.resolve(); // the last frame's settlement: results resolve in frame order
  }

  get dead() {
    return this.ports.every((p) => p.dead) ? this.ports[0].dead : null;
  }

  /** The live engine with the fewest calls in flight, starting the search after the last pick. */
  pick() {
    let best = -1;
    for (let k = 0; k < this.ports.length; k++) {
      const i = (this.next + k) % this.ports.length;
      if (this.ports[i].dead) continue;
      if (best < 0 || this.inFlight[i] < this.inFlight[best]) best = i;
    }
    if (best >= 0) this.next = (best + 1) % this.ports.length;
    return best;
  }

  async on(i, op, args, transfer) {
    this.inFlight[i]++;
    try {
      return await this.ports[i].call(op, args, transfer);
    } finally {
      this.inFlight[i]--;
    }
  }

  /** args with the checker handle (and session) of engine i. */
  mapped(i, args, session) {
    const a = { ...args };
    if (this.checkerIds && a.checker !== undefined) a.checker = this.checkerIds[i];
    if (session !== undefined) a.session = session;
    return a;
  }

  all(op, args) {
    return Promise.all(this.ports.map((_, i) => this.on(i, op, this.mapped(i, args))));
  }

  async call(op, args, transfer = []) {
    if (this.dead) throw this.dead;
    switch (op) {
      case 'newChecker': {
        // The model's bytes are transferred: every engine but the last gets its own copy.
        const n = this.ports.length;
        const copy = (b, i) => (b && i < n - 1 ? b.slice(0) : b);
        const infos = await Promise.all(this.ports.map((_, i) => {
          const a = { ...args, model: copy(args.model, i), faceModel: copy(args.faceModel, i) };
          return this.on(i, op, a, [a.model, a.faceModel].filter((b) => b instanceof ArrayBuffer));
        }));
        this.checkerIds = infos.map((x) => x.id);
        return infos[0];
      }
      case 'analyze': {
        let i;
        let a;
        if (args.session) {
          const s = this.sessions.get(args.session);
          if (!s) throw new InvalidStateError(`bonafide: session ${args.session} is closed`);
          i = s.engine;
          a = this.mapped(i, args, s.id);
        } else {
          i = this.pick();
          if (i < 0) throw this.dead;
          a = this.mapped(i, args);
        }
        const p = this.on(i, op, a, transfer).then((v) => {
          if (v?.timings) v.timings.worker = i;
          return v;
        });
        const prev = this.order;
        const ordered = p.then((v) => prev.then(() => v), (e) => prev.then(() => { throw e; }));
        this.order = ordered.then(() => {}, () => {});
        return ordered;
      }
      case 'startSession': {
        const i = this.pick();
        if (i < 0) throw this.dead;
        const id = await this.on(i, op, this.mapped(i, args));
        const sid = this.nextSession++;
        this.sessions.set(sid, { engine: i, id });
        return sid;
      }
      case 'endSession': {
        const s = this.sessions.get(args.session);
        this.sessions.delete(args.session);
        return s ? this.on(s.engine, op, this.mapped(s.engine, args, s.id)) : null;
      }
      case 'stats': {
        // The first engine's figures, and every engine's in `workers`.
        const all = await this.all(op, args);
        return { ...all[0], workers: all };
      }
      case 'exit':
        return (await Promise.allSettled(this.ports.map((_, i) => this.on(i, op, args))))[0].value ?? {};
      default: // setOptions, closeChecker: every engine; Go checks the same options the same way
        return (await this.all(op, args))[0];
    }
  }

  terminate() {
    for (const p of this.ports) p.terminate();
  }
}

const now = () => globalThis.performance?.now() ?? Date.now();

/**
 * Records how long a step of create() or loadModel() took since start, as a User Timing entry
 * "bonafide NAME" (DevTools' performance panel shows it; scripts/bench/startup reads it): "wasm"
 * (fetch, hash and compile, or the compiled module reused), "start" (the wasm instance and Go's
 * start, once the wasm is ready: the Worker started meanwhile), "models" (the engine loading the
 * model files, once they and the engine are ready). Returns the end time.
 */
function measure(name, start) {
  const end = now();
  try {
    globalThis.performance?.measure?.(`bonafide ${name}`, { start, end });
  } catch {
    // a browser without User Timing Level 3's options
  }
  return end;
}

// Compiled wasm modules by URL and expected hash, held weakly. A page that creates a checker again
// (a retake) or a checker and a model skips fetching, hashing and compiling 5 MB again (50–75, 8–12
// and 29–45 ms on the bench machine), and a page done with bonafide lets the compiled code go.
const compiledWasm = new Map();

async function wasmModule(o) {
  const key = JSON.stringify([o.wasmUrl, o.integrity.wasm ?? '', o.integrityDefaults.wasm ?? '']);
  const cached = compiledWasm.get(key)?.deref();
  if (cached) return cached;
  const module = await fetchWasm(o);
  if (typeof WeakRef === 'function') compiledWasm.set(key, new WeakRef(module));
  return module;
}

/** Starts the engine's ports, fetches, checks and compiles the wasm (or reuses it), and starts Go on them. */
async function startEngine(o) {
  const s = support();
  if (!s.ok) throw new WebAssemblyUnsupportedError(`bonafide: ${s.reason}`);
  // options.workers > 1: one compiled module, one Worker and wasm instance each (Bonafide.create).
  // The Workers start, and load Go's wasm_exec.js, while the wasm is fetched and compiled: after
  // it, their scripts added about 60 ms to a first create() (scripts/bench/startup).
  const ports = [];
  try {
    for (let i = 0; i < (o.worker ? o.workers : 1); i++) ports.push(o.worker ? new WorkerPort(o.workerUrl, o.ownAssets.worker) : new LocalPort());
    for (const p of ports) p.call('prepare', { wasmExecUrl: o.wasmExecUrl }).catch(() => {}); // init reports its failure
    const t0 = now();
    const module = await wasmModule(o);
    const t1 = measure('wasm', t0);
    const infos = await Promise.all(ports.map((p) => p.call('init', { module, wasmExecUrl: o.wasmExecUrl })));
    measure('start', t1);
    const info = infos[0];
    if (info.version !== version) {
      throw new LoadError(`bonafide: bonafide.mjs is release ${version} but the wasm at ${o.wasmUrl} is release ${info.version}: `
        + 'the files come from different releases (a stale cache or a partial upgrade?); serve the files of one release together',
      { details: { url: o.wasmUrl } });
    }
    return { port: ports.length > 1 ? new PoolPort(ports) : ports[0], info };
  } catch (e) {
    for (const p of ports) p.terminate();
    throw e;
  }
}

/**
 * Stops the Workers of an engine whose load failed, now or whenever it finishes starting: a model
 * that fails to fetch (or its integrity check, or a timeout) settles the load before the wasm has
 * compiled, and the Workers started after that would otherwise run on, one more per retry.
 */
function stopEngine(engine) {
  engine.then((started) => started.port.terminate(), () => {});
}

async function modelBytes(o) {
  const bytes = o.model !== undefined ? toBytes(o.model) : await fetchBytes(o.modelUrl, 'model');
  await checkIntegrity(bytes, o, 'model');
  return bytes;
}

/** The face detector's file (BlazeFace's model, or pigo's cascade), fetched beside the liveness model. */
async function faceModelBytes(o) {
  const what = o.detector === 'pigo' ? "face detector's cascade (pigo)" : 'face detection model (BlazeFace)';
  const bytes = o.faceModel !== undefined ? toBytes(o.faceModel) : await fetchBytes(o.faceModelUrl, what);
  await checkIntegrity(bytes, o, 'faceModel');
  return bytes;
}

// ------------------------------------------------------------------------------------------ frames

const has = (name) => typeof globalThis[name] === 'function';

/**
 * Turns an analyze() source into what the engine reads: an ImageBitmap to transfer, or raw RGBA
 * pixels (ImageData). The caller's objects are never detached unless transfer is true.
 */
async function toFrame(source, transfer) {
  const bitmap = async (src, what) => {
    try {
      return await createImageBitmap(src);
    } catch (e) {
      throw new FrameError(`bonafide: cannot read the ${what}: ${e.message}`, { cause: e });
    }
  };
  // A VideoFrame of the source shares its pixels (no copy) and transfers to the Worker at once;
  // an ImageBitmap copy took about 6 ms per 640×480 frame in Chromium, made and transferred. Where
  // VideoFrame is missing or refuses the source, the bitmap copy.
  const frameOf = (src) => {
    if (!has('VideoFrame')) return null;
    try {
      return { videoFrame: src instanceof VideoFrame ? src.clone() : new VideoFrame(src, { timestamp: 0 }) };
    } catch {
      return null;
    }
  };
  if (has('ImageBitmap') && source instanceof ImageBitmap) {
    if (!source.width || !source.height) throw new FrameError('bonafide: the ImageBitmap is empty or closed');
    return transfer ? { bitmap: source } : frameOf(source) ?? { bitmap: await bitmap(source, 'ImageBitmap') };
  }
  if (has('ImageData') && source instanceof ImageData) {
    const pixels = source.data.slice(); // a copy, transferred (a memcpy: the typed-array constructor took ~4 ms for 640×480)
    return { pixels, width: source.width, height: source.height };
  }
  if (has('HTMLVideoElement') && source instanceof HTMLVideoElement) {
    if (source.readyState < 2 || !source.videoWidth) {
      throw new FrameError(`bonafide: the video has no frame yet (readyState ${source.readyState}): wait for its 'loadeddata' event`);
    }
    return { bitmap: await bitmap(source, 'video frame') };
  }
  if ((has('HTMLCanvasElement') && source instanceof HTMLCanvasElement) || (has('OffscreenCanvas') && source instanceof OffscreenCanvas)) {
    if (!source.width || !source.height) throw new FrameError(`bonafide: the canvas is empty (${source.width}×${source.height})`);
    return frameOf(source) ?? { bitmap: await bitmap(source, 'canvas') };
  }
  if (has('HTMLImageElement') && source instanceof HTMLImageElement) {
    if (!source.complete || !source.naturalWidth) throw new FrameError('bonafide: the image has not loaded (or failed to): wait for its load event');
    return { bitmap: await bitmap(source, 'image') };
  }
  if (has('VideoFrame') && source instanceof VideoFrame) {
    return frameOf(source) ?? { bitmap: await bitmap(source, 'VideoFrame') };
  }
  if (has('Blob') && source instanceof Blob) {
    if (!source.size) throw new FrameError('bonafide: the file is empty');
    return { bitmap: await bitmap(source, `file${source.type ? ` (${source.type})` : ''}: is it an image`) };
  }
  throw new TypeError('bonafide: analyze() takes an ImageBitmap, ImageData, HTMLVideoElement, HTMLCanvasElement, OffscreenCanvas, HTMLImageElement, VideoFrame or Blob');
}

function transferList(frame) {
  if (frame.videoFrame) return [frame.videoFrame];
  return frame.bitmap ? [frame.bitmap] : [frame.pixels.buffer];
}

/** Resolves at the video's next frame (requestVideoFrameCallback), or after at most maxMs. */
function nextVideoFrame(video, maxMs) {
  return new Promise((resolve) => {
    let handle = 0;
    const timer = setTimeout(() => {
      if (handle && video.cancelVideoFrameCallback) video.cancelVideoFrameCallback(handle);
      resolve();
    }, maxMs);
    if (typeof video.requestVideoFrameCallback === 'function') {
      handle = video.requestVideoFrameCallback(() => {
        clearTimeout(timer);
        resolve();
      });
    }
  });
}

function waitForVideo(video, ms) {
  if (video.readyState >= 2 && video.videoWidth) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      video.removeEventListener('loadeddata', ok);
      reject(new TimeoutError(`bonafide: the video produced no frame within ${ms} ms (is the camera stream attached and playing?)`));
    }, ms);
    const ok = () => {
      clearTimeout(timer);
      resolve();
    };
    video.addEventListener('loadeddata', ok, { once: true });
  });
}

/** The Verdict the page sees: Go's, evidence included, with the session's duration. */
function publicVerdict(v, t0) {
  return {
    decision: v.decision,
    live: v.decision === 'live',
    score: v.score,
    threshold: v.threshold,
    frames: v.frames,
    usable: v.usable,
    scores: v.scores,
    frameScores: v.frameScores,
    reasons: v.reasons,
    best: v.best,
    bestFrame: v.bestFrame,
    durationMs: performance.now() - t0,
  };
}

// ----------------------------------------------------------------------------------------- Checker

/**
 * A loaded liveness model. Create it with Bonafide.create(); it emits 'progress' events during
 * sessions. Methods reject with the named errors above; close() frees everything.
 */
export class Checker extends EventTarget {
  #port;
  #checker;
  #opts;
  #info;
  #closed = false;
  #busy = Promise.resolve();

  /** @internal Use Bonafide.create(). */
  constructor(port, checkerInfo, opts, engineInfo) {
    super();
    this.#port = port;
    this.#checker = checkerInfo.id;
    this.#opts = opts;
    const p = checkerInfo.profile;
    const m = checkerInfo.model;
    this.#info = Object.freeze({
      kind: p.kind,
      version: p.version,
      crop: p.crop,
      cropWidth: p.cropWidth,
      cropHeight: p.cropHeight,
      maps: p.maps,
      mapRegion: p.mapRegion,
      modelThreshold: p.threshold,
      inputs: m.inputs,
      outputs: m.outputs,
      metadata: m.metadata,
      opset: m.opset,
      params: m.params,
      macs: m.macs,
      go: engineInfo.go,
      worker: opts.worker,
      workers: opts.worker ? opts.workers : 0,
      detector: checkerInfo.detector,
    });
    this.#carry(checkerInfo.options);
  }

  /** Takes the liveness options as Go has them (checked, defaults filled in). */
  #carry(goOpts) {
    const { threshold, minFrames, maxFrames, quality } = goOpts;
    this.#opts = { ...this.#opts, threshold, minFrames, maxFrames, quality };
  }

  /** What was loaded: model kind, version, crop, maps, inputs/outputs, metadata, size. */
  get info() { return this.#info; }

  /** The options in effect (a copy). */
  get options() {
    const { model, faceModel, ownAssets, integrityDefaults, ...o } = this.#opts;
    return structuredClone(o);
  }

  get closed() { return this.#closed; }

  #alive() {
    if (this.#closed) throw new InvalidStateError('bonafide: the checker is closed');
  }

  /**
   * Analyses one image or video frame. Without {video: true} each call is an independent image; with
   * it, the face is tracked from the previous call (smoother boxes on a live stream), with the
   * frame's time (options.timestampMs, or when it was read) for the tracker's smoothing.
   */
  async analyze(source, options = {}) {
    this.#alive();
    const video = !!options.video;
    let timestampMs;
    if (video) {
      timestampMs = options.timestampMs ?? performance.now();
      if (typeof timestampMs !== 'number') throw new TypeError('bonafide: analyze: timestampMs must be a number (milliseconds)');
    }
    const frame = await toFrame(source, !!options.transfer);
    let res;
    try {
      this.#alive();
      const t0 = performance.now();
      res = await this.#port.call('analyze', {
        checker: this.#checker, ...frame, maxSide: this.#opts.maxFrameSide, reset: !video, timestampMs,
      }, transferList(frame));
      res.timings.roundTrip = performance.now() - t0;
    } finally {
      frame.videoFrame?.close(); // ours; a no-op once transferred
    }
    delete res.verdict;
    return res;
  }

  /**
   * Samples frames from a playing video (a camera stream) into a Go liveness.Session, which skips
   * unusable ones and aggregates the usable ones into a verdict: the median score against the
   * threshold once `minFrames` usable frames were seen, or "retake" after `maxFrames` frames without
   * enough usable ones. This side carries Go's verdict; it decides nothing.
   */
  async startSession(video, options = {}) {
    this.#alive();
    if (!(has('HTMLVideoElement') && video instanceof HTMLVideoElement)) throw new TypeError('bonafide: startSession() takes an HTMLVideoElement');
    const o = options || {};
    for (const k of Object.keys(o)) {
      if (!['minFrames', 'frames', 'maxFrames', 'timeoutMs', 'threshold', 'signal', 'onProgress'].includes(k)) throw new TypeError(`bonafide: startSession: unknown option "${k}"`);
    }
    const timeoutMs = o.timeoutMs ?? 20000;
    checkInt('timeoutMs', timeoutMs, 1);
    if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError('bonafide: onProgress must be a function');
    const signal = o.signal;
    signal?.throwIfAborted();

    const t0 = performance.now();
    const deadline = t0 + timeoutMs;
    // Absent options are the checker's (Go fills them in and checks them).
    const sessionOpts = {};
    if (o.frames !== undefined && o.minFrames !== undefined) throw new TypeError('bonafide: startSession: give minFrames only (frames is its deprecated name)');
    const minFrames = o.minFrames ?? o.frames; // `frames`: the name before 1.0.0, kept for one release
    if (minFrames !== undefined) sessionOpts.minFrames = minFrames;
    if (o.maxFrames !== undefined) sessionOpts.maxFrames = o.maxFrames;
    if (o.threshold !== undefined) sessionOpts.threshold = o.threshold;
    const sid = await this.#port.call('startSession', { checker: this.#checker, options: sessionOpts });
    let last = null;
    try {
      await Promise.race([waitForVideo(video, Math.max(1, deadline - performance.now())), this.#aborted(signal)]);
      for (;;) {
        this.#alive();
        signal?.throwIfAborted();
        if (performance.now() >= deadline) {
          const why = last ? ` ${last.frames} frames seen, ${last.usable} usable${last.reasons.length ? `; most frequent problems: ${last.reasons.slice(0, 3).join(', ')}` : ''}` : ' no frame analysed';
          throw new TimeoutError(`bonafide: no verdict within ${timeoutMs} ms:${why}`, { details: { verdict: last ? publicVerdict(last, t0) : null } });
        }
        await Promise.race([nextVideoFrame(video, Math.min(250, Math.max(1, deadline - performance.now()))), this.#aborted(signal)]);
        if (performance.now() >= deadline) continue;
        const timestampMs = performance.now(); // when the frame was read: the tracker's clock
        const frame = await toFrame(video, false);
        this.#alive();
        const res = await this.#port.call('analyze', {
          checker: this.#checker, ...frame, session: sid, maxSide: this.#opts.maxFrameSide, timestampMs,
        }, transferList(frame));
        res.timings.roundTrip = performance.now() - timestampMs;
        const v = res.verdict;
        delete res.verdict;
        last = v;
        const verdict = publicVerdict(v, t0);
        const detail = { result: res, verdict, frame: v.frames - 1 };
        o.onProgress?.(detail);
        this.dispatchEvent(new CustomEvent('progress', { detail }));
        if (v.decision !== 'pending') return verdict;
      }
    } finally {
      if (!this.#closed) this.#port.call('endSession', { checker: this.#checker, session: sid }).catch(() => {});
    }
  }

  #aborted(signal) {
    if (!signal) return new Promise(() => {});
    return new Promise((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  /**
   * Changes options on a live checker: threshold, quality (merged into the current limits),
   * minFrames, maxFrames (for later sessions), maxFrameSide. Asset and worker options are fixed.
   */
  async setOptions(partial) {
    this.#alive();
    if (!partial || typeof partial !== 'object') throw new TypeError('bonafide: setOptions takes an object');
    const allowed = ['threshold', 'quality', 'minFrames', 'maxFrames', 'maxFrameSide'];
    for (const k of Object.keys(partial)) {
      if (!allowed.includes(k)) throw new TypeError(`bonafide: setOptions: "${k}" cannot change after create (changeable: ${allowed.join(', ')})`);
    }
    if (partial.maxFrameSide !== undefined) checkInt('maxFrameSide', partial.maxFrameSide, 16);
    // Go checks the liveness options and changes nothing unless all are valid; partial ones are
    // merged over what Go reported last.
    const goOpts = {};
    if (partial.threshold !== undefined) goOpts.threshold = partial.threshold;
    if (partial.quality !== undefined) {
      const q = plainQuality(partial.quality);
      goOpts.quality = q && typeof q === 'object' ? { ...this.#opts.quality, ...q } : q;
    }
    if (partial.minFrames !== undefined || partial.maxFrames !== undefined) {
      goOpts.minFrames = partial.minFrames ?? this.#opts.minFrames;
      goOpts.maxFrames = partial.maxFrames ?? this.#opts.maxFrames;
    }
    if (Object.keys(goOpts).length) this.#carry(await this.#port.call('setOptions', { checker: this.#checker, options: goOpts }));
    if (partial.maxFrameSide !== undefined) this.#opts.maxFrameSide = partial.maxFrameSide;
  }

  /** Debug figures: Go heap (after a GC with {gc: true}), wasm memory, live js.Funcs and JS references held by Go. */
  async stats(options = {}) {
    this.#alive();
    return this.#port.call('stats', { gc: !!options.gc });
  }

  /** Frees everything: the Go side exits and the worker is terminated. Safe to call twice. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await withTimeout(this.#port.call('exit', {}), 5000, 'closing the engine');
    } catch {
      // The worker is terminated below whatever happened.
    } finally {
      this.#port.terminate();
    }
  }
}

/**
 * @deprecated Since 1.0.0 the class is named Checker, as in Go (liveness.Checker); "detector" now
 * means only the face detector. This alias goes in the next release.
 */
export const Detector = Checker;

// ------------------------------------------------------------------------------------------- Model

/** A low-level model: run your own ONNX model on Float32Array inputs (Bonafide.loadModel). */
export class Model {
  #port;
  #id;
  #closed = false;
  #spare = null; // the buffer the Worker handed back: the next run's inputs are copied into it
  #channel;

  /** @internal Use Bonafide.loadModel(). */
  constructor(port, info, sharedMemory = true) {
    this.#port = port;
    this.#channel = !(port instanceof WorkerPort) ? 'page' : sharedMemory && sharedMemoryWorks() ? 'sharedMemory' : 'postMessage';
    this.#id = info.id;
    this.inputs = info.inputs;
    this.outputs = info.outputs;
    this.metadata = info.metadata;
    this.opset = info.opset;
    this.params = info.params;
    this.macs = info.macs;
    this.inputNames = info.inputs.map((i) => i.name);
    this.outputNames = info.outputs.map((o) => o.name);
  }

  /**
   * How run() reaches the engine: 'sharedMemory' (a SharedArrayBuffer with its Worker: the page is
   * cross-origin isolated, and loadModel's sharedMemory option was not false), 'postMessage' (its
   * Worker otherwise) or 'page' ({worker: false}).
   */
  get channel() {
    return this.#channel;
  }

  /**
   * run(data, dims, options?) for a one-input model, or run({name: {data, dims}}, options?) like
   * onnxruntime-web. Resolves to {outputName: {type: 'float32', dims, data: Float32Array}}.
   * options.transfer: hand the inputs' ArrayBuffers to the Worker instead of copying them (they
   * are detached here afterwards): one copy fewer per run, for callers that build a fresh input
   * each time; such a run goes by postMessage. Otherwise, with the 'sharedMemory' channel, the
   * inputs are copied into the shared buffer and the outputs out of it into fresh arrays.
   */
  async run(data, dims, options) {
    if (this.#closed) throw new InvalidStateError('bonafide: the model is closed');
    let feeds;
    if (data instanceof Float32Array) {
      if (this.inputs.length !== 1) throw new InputError(`bonafide: the model has ${this.inputs.length} inputs (${this.inputNames.join(', ')}): pass {name: {data, dims}}`);
      feeds = { [this.inputNames[0]]: { data, dims } };
    } else if (data && typeof data === 'object') {
      feeds = data;
      options = dims;
    } else {
      throw new TypeError('bonafide: run() takes (Float32Array, dims) or {name: {data, dims}}');
    }
    const list = this.inputs.map((inp) => {
      const f = feeds[inp.name];
      if (!f) throw new InputError(`bonafide: input "${inp.name}" is missing (inputs: ${this.inputNames.join(', ')})`);
      if (!(f.data instanceof Float32Array)) throw new TypeError(`bonafide: input "${inp.name}": data must be a Float32Array`);
      const d = f.dims ?? inp.dims;
      if (!Array.isArray(d) || d.some((x) => !Number.isInteger(x) || x < 0)) throw new TypeError(`bonafide: input "${inp.name}": dims must be an array of integers`);
      return { data: f.data, dims: [...d] };
    });
    for (const k of Object.keys(feeds)) if (!this.inputNames.includes(k)) throw new InputError(`bonafide: the model has no input "${k}" (inputs: ${this.inputNames.join(', ')})`);
    if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeError('bonafide: run()\'s options must be an object {transfer?}');
    if (this.#channel === 'sharedMemory' && !options?.transfer) {
      const out = await this.#port.runShared(this.#id, list);
      if (out) return out;
    }
    let transfer = [];
    let recycle = false;
    if (options?.transfer) {
      // Each buffer once: two inputs may share one (a transfer list with a duplicate throws).
      transfer = [...new Set(list.map((f) => f.data.buffer))].filter((b) => b instanceof ArrayBuffer);
    } else if (this.#port instanceof WorkerPort) {
      // The inputs are copied into one buffer that is transferred to the Worker and comes back with
      // the outputs for the next run: one copy of the inputs' bytes here, where postMessage's
      // structured clone would copy each input's whole ArrayBuffer out and again into the Worker,
      // allocating both, on every run.
      const bytes = list.reduce((n, f) => n + f.data.byteLength, 0);
      const buf = this.#spare && this.#spare.byteLength >= bytes ? this.#spare : new ArrayBuffer(Math.max(4, bytes));
      this.#spare = null;
      let off = 0;
      for (const f of list) {
        const v = new Float32Array(buf, off, f.data.length);
        v.set(f.data);
        f.data = v;
        off += v.byteLength;
      }
      transfer = [buf];
      recycle = true;
    }
    const { outputs, spare } = await this.#port.call('run', { model: this.#id, feeds: list, recycle }, transfer);
    if (spare) this.#spare = spare;
    return outputs;
  }

  /** Frees the model and its runtime. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await withTimeout(this.#port.call('exit', {}), 5000, 'closing the engine');
    } catch {
      // terminated below
    } finally {
      this.#port.terminate();
    }
  }
}

// ---------------------------------------------------------------------------------------- Bonafide

/** The options Go checks and fills in, as plain data (absent ones are left to Go's defaults). */
const goOptions = (o) => {
  const g = { track: o.track, detector: o.detector };
  for (const k of goOptionKeys) if (o[k] !== undefined) g[k] = o[k];
  return g;
};

export const Bonafide = Object.freeze({
  version,

  /** Whether this browser can run bonafide: {ok, reason}. */
  support,

  /** Loads the wasm engine and a liveness model; resolves to a Checker. */
  async create(options) {
    const o = cleanOptions(options);
    let timedOut = false;
    const engine = startEngine(o);
    const work = (async () => {
      const [bytes, faceBytes, started] = await Promise.all([modelBytes(o), faceModelBytes(o), engine]);
      if (timedOut) throw new TimeoutError('bonafide: timed out');
      const transfer = faceBytes ? [bytes.buffer, faceBytes.buffer] : [bytes.buffer];
      const t = now();
      const info = await started.port.call('newChecker', { model: bytes.buffer, faceModel: faceBytes?.buffer, options: goOptions(o) }, transfer);
      measure('models', t);
      return new Checker(started.port, info, o, started.info);
    })();
    try {
      return await withTimeout(work, o.timeoutMs, 'loading bonafide (wasm, worker and model)', () => { timedOut = true; });
    } catch (e) {
      stopEngine(engine);
      work.then((d) => d.close(), () => {}); // a checker made after the timeout
      throw e;
    }
  },

  /**
   * Loads any ONNX model for Model.run (bring your own model, benchmarks). source: a URL, an
   * ArrayBuffer or a Uint8Array. options: wasmUrl, wasmExecUrl, workerUrl, worker, integrity,
   * timeoutMs, batch/dims for symbolic dimensions, and sharedMemory (default true: run() goes
   * through a SharedArrayBuffer when the page is cross-origin isolated; false: by postMessage).
   */
  async loadModel(source, options = {}) {
    const { batch, dims, sharedMemory = true, ...rest } = options || {};
    const o = cleanOptions(typeof source === 'string' || source instanceof URL ? { ...rest, modelUrl: source } : { ...rest, model: source });
    if (o.workers > 1) throw new RangeError('bonafide: loadModel: options.workers is for Bonafide.create; a Model runs in one Worker (load it twice to run two at once)');
    checkInt('batch', batch, 0);
    if (typeof sharedMemory !== 'boolean') throw new TypeError(`bonafide: options.sharedMemory must be true or false, got ${typeof sharedMemory}`);
    const mopts = {};
    if (batch) mopts.batch = batch;
    if (dims !== undefined) {
      if (typeof dims !== 'object' || !dims) throw new TypeError('bonafide: options.dims must be an object {name: size}');
      mopts.dims = {};
      for (const [k, v] of Object.entries(dims)) {
        checkInt(`dims.${k}`, v, 1);
        mopts.dims[k] = v;
      }
    }
    let timedOut = false;
    const engine = startEngine(o);
    const work = (async () => {
      const [bytes, started] = await Promise.all([modelBytes(o), engine]);
      if (timedOut) throw new TimeoutError('bonafide: timed out');
      const t = now();
      const info = await started.port.call('loadModel', { model: bytes.buffer, options: mopts }, [bytes.buffer]);
      measure('models', t);
      return new Model(started.port, info, sharedMemory);
    })();
    try {
      return await withTimeout(work, o.timeoutMs, 'loading the model', () => { timedOut = true; });
    } catch (e) {
      stopEngine(engine);
      work.then((m) => m.close(), () => {}); // a model loaded after the timeout
      throw e;
    }
  },

  /**
   * Opens the camera (getUserMedia) with bonafide's errors: NotAllowedError, NotFoundError,
   * NotReadableError, each with a message a page can show. With a video element, attaches and
   * plays the stream.
   */
  async openCamera(video, constraints) {
    if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
      throw new NotFoundError('bonafide: this page cannot use a camera (it needs a secure context: https or localhost)');
    }
    const c = constraints || { video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false };
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(c);
    } catch (e) {
      switch (e?.name) {
        case 'NotAllowedError':
        case 'SecurityError':
          throw new NotAllowedError('bonafide: camera access was denied: allow the camera for this site in the browser settings and try again', { cause: e });
        case 'NotFoundError':
        case 'OverconstrainedError':
          throw new NotFoundError('bonafide: no camera was found: connect a camera and try again', { cause: e });
        case 'NotReadableError':
        case 'AbortError':
          throw new NotReadableError('bonafide: the camera could not be opened: close other applications that use it and try again', { cause: e });
        default:
          throw e;
      }
    }
    if (video) {
      video.muted = true;
      video.playsInline = true;
      video.srcObject = stream;
      try {
        await video.play();
      } catch (e) {
        if (e?.name !== 'AbortError') {
          // The caller never gets the stream: stop it here, or the camera stays on.
          for (const t of stream.getTracks()) t.stop();
          video.srcObject = null;
          throw e;
        }
      }
    }
    return stream;
  },
});

export default Bonafide;
