#!/usr/bin/env node
// run.mjs: the onnxruntime oracle. It runs one ONNX model in onnxruntime-node (CPU execution provider)
// on the inputs of a golden JSON file and writes a golden JSON file with those inputs and every graph
// output, in graph order.
//
//   node scripts/ort/run.mjs [--opt=all|extended|basic|disabled] [--threads=N] MODEL.onnx IN.json OUT.json
//
// OUT.json may be "-" for stdout. Exit status: 0 on success, 1 when the model or inputs fail, 2 on a
// usage error; the reason goes to stderr as one line starting with "run.mjs: ".
//
// Go tests call this at test time (for example to check that a model written by our quantizer still
// loads in onnxruntime and gives the same outputs), so it does one job quickly: no optimisation passes
// it does not need to run, one thread (results do not depend on thread scheduling), and an output file
// that appears whole or not at all.
//
// The golden format (core/model/testdata/README.md):
//   {"model": "case.onnx", "opset": 13, "description": "...", "tolerance": {"abs": 1e-4, "rel": 1e-4},
//    "inputs":  [{"name": "x", "shape": [1,3,8,8], "dtype": "float32", "data": "<base64 LE>"}],
//    "outputs": [...same shape...]}
// The functions below are exported for scripts/testmodels/golden.mjs.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export class GoldenError extends Error {
  constructor(message) {
    super(message);
    this.name = 'GoldenError';
  }
}

// Element types a golden file may carry. Typed arrays use the platform's byte order, and the format is
// little-endian: checked once below rather than byte-swapping on every platform.
export const DTYPES = {
  float32: { array: Float32Array, size: 4 },
  float64: { array: Float64Array, size: 8 },
  int64: { array: BigInt64Array, size: 8 },
  int32: { array: Int32Array, size: 4 },
  int8: { array: Int8Array, size: 1 },
  uint8: { array: Uint8Array, size: 1 },
  bool: { array: Uint8Array, size: 1 },
};

const OPT_LEVELS = ['disabled', 'basic', 'extended', 'all'];

function checkEndianness() {
  if (os.endianness() !== 'LE') {
    throw new GoldenError(`golden tensors are little-endian and this ${os.endianness()} platform is not supported`);
  }
}

function loadOrt() {
  try {
    return require('onnxruntime-node');
  } catch (e) {
    throw new GoldenError(`cannot load onnxruntime-node (${e.code || e.message}); run \`make npm\` in the repository root`);
  }
}

function elementCount(shape, where) {
  if (!Array.isArray(shape)) throw new GoldenError(`${where}: shape must be an array, got ${JSON.stringify(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new GoldenError(`${where}: bad dimension ${JSON.stringify(d)} in shape ${JSON.stringify(shape)}`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new GoldenError(`${where}: shape ${JSON.stringify(shape)} is too large`);
  return n;
}

// decodeTensor turns one golden tensor entry into {name, dtype, shape, data: TypedArray}.
export function decodeTensor(entry, where) {
  if (entry === null || typeof entry !== 'object') throw new GoldenError(`${where}: tensor entry must be an object`);
  const { name, shape, dtype, data } = entry;
  if (typeof name !== 'string' || name === '') throw new GoldenError(`${where}: tensor has no name`);
  where = `${where} "${name}"`;
  const t = DTYPES[dtype];
  if (!t) throw new GoldenError(`${where}: unsupported dtype ${JSON.stringify(dtype)} (want one of ${Object.keys(DTYPES).join(', ')})`);
  const n = elementCount(shape, where);
  if (typeof data !== 'string') throw new GoldenError(`${where}: data must be a base64 string`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new GoldenError(`${where}: data is not base64`);
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length !== n * t.size) {
    throw new GoldenError(`${where}: data has ${bytes.length} bytes, shape ${JSON.stringify(shape)} of ${dtype} needs ${n * t.size}`);
  }
  // Copy into a fresh, aligned buffer: Buffer.from may return a view at an unaligned offset of its pool.
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  return { name, dtype, shape: shape.slice(), data: new t.array(buf) };
}

// encodeTensor is decodeTensor's inverse.
export function encodeTensor(name, dtype, shape, data) {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { name, shape: Array.from(shape, Number), dtype, data: bytes.toString('base64') };
}

export function readGolden(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new GoldenError(`cannot read ${file}: ${e.code || e.message}`);
  }
  let g;
  try {
    g = JSON.parse(text);
  } catch (e) {
    throw new GoldenError(`${file} is not JSON: ${e.message}`);
  }
  if (g === null || typeof g !== 'object' || Array.isArray(g)) throw new GoldenError(`${file}: top level must be an object`);
  if (!Array.isArray(g.inputs)) throw new GoldenError(`${file}: "inputs" must be an array`);
  return g;
}

// formatGolden writes one key per line and one tensor per line, so that diffs stay readable.
export function formatGolden(g) {
  const order = ['model', 'opset', 'description', 'tolerance', 'inputs', 'outputs'];
  const keys = [...order, ...Object.keys(g).filter((k) => !order.includes(k))].filter((k) => g[k] !== undefined);
  const lines = keys.map((k) => {
    const v = g[k];
    if (Array.isArray(v) && (k === 'inputs' || k === 'outputs')) {
      if (v.length === 0) return ` ${JSON.stringify(k)}: []`;
      return ` ${JSON.stringify(k)}: [\n` + v.map((t) => `  ${JSON.stringify(t)}`).join(',\n') + '\n ]';
    }
    return ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`;
  });
  return '{\n' + lines.join(',\n') + '\n}\n';
}

// writeGolden writes through a temporary file and a rename, so that readers never see half a file.
export function writeGolden(file, g) {
  const text = formatGolden(g);
  if (file === '-') {
    process.stdout.write(text);
    return;
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* nothing to remove */ }
    throw new GoldenError(`cannot write ${file}: ${e.code || e.message}`);
  }
}

// runModel runs modelPath on the golden input entries and returns the output entries, in graph order.
export async function runModel(modelPath, inputEntries, { opt = 'all', threads = 1 } = {}) {
  checkEndianness();
  if (!OPT_LEVELS.includes(opt)) throw new GoldenError(`unknown optimisation level ${JSON.stringify(opt)} (want ${OPT_LEVELS.join(', ')})`);
  const ort = loadOrt();
  let model;
  try {
    model = fs.readFileSync(modelPath);
  } catch (e) {
    throw new GoldenError(`cannot read model ${modelPath}: ${e.code || e.message}`);
  }
  let session;
  try {
    session = await ort.InferenceSession.create(new Uint8Array(model.buffer, model.byteOffset, model.byteLength), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: opt,
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
    });
  } catch (e) {
    throw new GoldenError(`onnxruntime refused ${modelPath}: ${oneLine(e)}`);
  }
  try {
    const feeds = {};
    const seen = new Set();
    inputEntries.forEach((entry, i) => {
      const t = decodeTensor(entry, `input ${i}`);
      if (seen.has(t.name)) throw new GoldenError(`input "${t.name}" is given twice`);
      seen.add(t.name);
      if (!session.inputNames.includes(t.name)) {
        throw new GoldenError(`model ${path.basename(modelPath)} has no input "${t.name}" (its inputs: ${session.inputNames.join(', ')})`);
      }
      feeds[t.name] = new ort.Tensor(t.dtype, t.data, t.shape);
    });
    // With initializers listed as graph inputs (IR version 3 style, keep_initializers_as_inputs) ORT
    // reports only the inputs that have no initializer, so every name here must be fed.
    const missing = session.inputNames.filter((n) => !seen.has(n));
    if (missing.length > 0) throw new GoldenError(`no data for model input(s) ${missing.join(', ')}`);
    let results;
    try {
      results = await session.run(feeds);
    } catch (e) {
      throw new GoldenError(`onnxruntime failed to run ${path.basename(modelPath)}: ${oneLine(e)}`);
    }
    return session.outputNames.map((name) => {
      const t = results[name];
      if (!DTYPES[t.type]) throw new GoldenError(`output "${name}" has dtype ${t.type}, which the golden format does not carry`);
      return encodeTensor(name, t.type, t.dims, t.data);
    });
  } finally {
    await session.release();
  }
}

// compareTensors returns {ok, count, maxAbs, worst} for two entries under the golden rule: an element
// passes when |got-want| <= abs or |got-want| <= rel*|want|. NaN matches only NaN.
export function compareTensors(got, want, tol) {
  const g = decodeTensor(got, 'got');
  const w = decodeTensor(want, 'want');
  if (g.dtype !== w.dtype || JSON.stringify(g.shape) !== JSON.stringify(w.shape)) {
    return { ok: false, count: 1, maxAbs: Infinity, worst: `${g.dtype}${JSON.stringify(g.shape)} vs ${w.dtype}${JSON.stringify(w.shape)}` };
  }
  let count = 0;
  let maxAbs = 0;
  let worst = '';
  for (let i = 0; i < w.data.length; i++) {
    const a = Number(g.data[i]);
    const b = Number(w.data[i]);
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (a === b) continue;
    const d = Math.abs(a - b);
    if (!(d <= tol.abs || d <= tol.rel * Math.abs(b))) {
      count++;
      if (!(d <= maxAbs)) {
        maxAbs = d;
        worst = `[${i}] got ${a} want ${b}`;
      }
    }
  }
  return { ok: count === 0, count, maxAbs, worst };
}

function oneLine(e) {
  return String(e && e.message ? e.message : e).replace(/\s+/g, ' ').trim();
}

export function parseArgs(argv, flags) {
  const opts = {};
  const rest = [];
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    if (!(m[1] in flags)) throw new UsageError(`unknown flag ${a}`);
    opts[m[1]] = m[2] === undefined ? true : m[2];
  }
  return { opts: { ...flags, ...opts }, rest };
}

export class UsageError extends Error {}

const USAGE = 'usage: node scripts/ort/run.mjs [--opt=all|extended|basic|disabled] [--threads=N] MODEL.onnx IN.json OUT.json';

async function main() {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2), { opt: 'all', threads: '1' });
    if (parsed.rest.length !== 3) throw new UsageError('want three arguments');
    const th = Number(parsed.opts.threads);
    if (!Number.isInteger(th) || th < 1 || th > 64) throw new UsageError(`--threads wants an integer in 1..64, got ${parsed.opts.threads}`);
    parsed.opts.threads = th;
    if (!OPT_LEVELS.includes(parsed.opts.opt)) throw new UsageError(`--opt wants one of ${OPT_LEVELS.join(', ')}, got ${parsed.opts.opt}`);
  } catch (e) {
    process.stderr.write(`run.mjs: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const [modelPath, inPath, outPath] = parsed.rest;
  const g = readGolden(inPath);
  const outputs = await runModel(modelPath, g.inputs, parsed.opts);
  // Everything else in IN.json (opset, description, tolerance) is carried over as it is.
  writeGolden(outPath, { ...g, model: path.basename(modelPath), outputs });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`run.mjs: ${e instanceof GoldenError ? e.message : (e && e.stack) || e}\n`);
    process.exit(1);
  });
}
