// Tests for run.mjs: `node --test scripts/ort/` (needs `make npm`).
// The CLI is run as Go tests run it, as a child process, and judged by exit status, stderr and output.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compareTensors, decodeTensor, encodeTensor, formatGolden, readGolden } from './run.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const ops = path.join(root, 'core', 'model', 'testdata', 'ops');
const runJs = path.join(here, 'run.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runmjs-'));

function run(...args) {
  const r = spawnSync(process.execPath, [runJs, ...args], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

function writeJSON(name, obj) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return p;
}

const relu = path.join(ops, 'relu9.onnx');
const reluGolden = readGolden(path.join(ops, 'relu9.golden.json'));

test('reproduces a committed golden, at both optimisation levels', () => {
  for (const opt of ['disabled', 'all']) {
    const out = path.join(tmp, `relu-${opt}.json`);
    const r = run(`--opt=${opt}`, relu, path.join(ops, 'relu9.golden.json'), out);
    assert.equal(r.code, 0, r.stderr);
    const g = readGolden(out);
    assert.equal(g.model, 'relu9.onnx');
    assert.equal(g.opset, 9);
    assert.deepEqual(g.inputs, reluGolden.inputs);
    assert.equal(g.outputs.length, 1);
    assert.ok(compareTensors(g.outputs[0], reluGolden.outputs[0], { abs: 0, rel: 0 }).ok);
  }
});

test('writes every output in graph order, int64 included', () => {
  const out = path.join(tmp, 'two.json');
  const r = run(path.join(ops, 'same_tensor_twice13.onnx'), path.join(ops, 'same_tensor_twice13.golden.json'), out);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readGolden(out).outputs.map((o) => o.name), ['y', 'a']);
  const s = run(path.join(ops, 'shape13.onnx'), path.join(ops, 'shape13.golden.json'), '-');
  assert.equal(s.code, 0, s.stderr);
  const y = decodeTensor(JSON.parse(s.stdout).outputs[0], 'y');
  assert.equal(y.dtype, 'int64');
  assert.deepEqual(Array.from(y.data, Number), [2, 3, 4, 5]);
});

test('feeds int64 graph inputs', () => {
  const r = run(path.join(ops, 'gather13_indices_input.onnx'), path.join(ops, 'gather13_indices_input.golden.json'), '-');
  assert.equal(r.code, 0, r.stderr);
});

test('fails clearly', async (t) => {
  const good = reluGolden.inputs[0];
  const cases = [
    { name: 'usage', args: [relu], code: 2, msg: /want three arguments/ },
    { name: 'unknown flag', args: ['--fast', relu, 'a', 'b'], code: 2, msg: /unknown flag --fast/ },
    { name: 'bad opt', args: ['--opt=max', relu, 'a', 'b'], code: 2, msg: /--opt wants one of/ },
    { name: 'bad threads', args: ['--threads=0', relu, 'a', 'b'], code: 2, msg: /--threads/ },
    { name: 'missing input file', args: [relu, path.join(tmp, 'nope.json'), '-'], code: 1, msg: /cannot read .*nope.json: ENOENT/ },
    { name: 'not JSON', args: [relu, writeJSON('bad.json', '{"inputs": ['), '-'], code: 1, msg: /is not JSON/ },
    { name: 'no inputs array', args: [relu, writeJSON('noin.json', { outputs: [] }), '-'], code: 1, msg: /"inputs" must be an array/ },
    { name: 'missing model', args: [path.join(tmp, 'nope.onnx'), path.join(ops, 'relu9.golden.json'), '-'], code: 1, msg: /cannot read model/ },
    { name: 'not a model', args: [writeJSON('junk.onnx', 'this is not protobuf'), path.join(ops, 'relu9.golden.json'), '-'], code: 1,
      msg: /onnxruntime refused/ },
    { name: 'wrong byte count', args: [relu, writeJSON('short.json', { inputs: [{ ...good, shape: [2, 3, 4, 6] }] }), '-'], code: 1,
      msg: /data has 480 bytes, shape \[2,3,4,6\] of float32 needs 576/ },
    { name: 'bad base64', args: [relu, writeJSON('b64.json', { inputs: [{ ...good, data: 'a$b' }] }), '-'], code: 1, msg: /not base64/ },
    { name: 'bad dtype', args: [relu, writeJSON('dt.json', { inputs: [{ ...good, dtype: 'float8' }] }), '-'], code: 1, msg: /unsupported dtype "float8"/ },
    { name: 'bad shape', args: [relu, writeJSON('sh.json', { inputs: [{ ...good, shape: [2, -3] }] }), '-'], code: 1, msg: /bad dimension -3/ },
    { name: 'unknown input', args: [relu, writeJSON('name.json', { inputs: [{ ...good, name: 'z' }] }), '-'], code: 1, msg: /has no input "z" \(its inputs: x\)/ },
    { name: 'missing input', args: [relu, writeJSON('none.json', { inputs: [] }), '-'], code: 1, msg: /no data for model input\(s\) x/ },
    { name: 'input twice', args: [relu, writeJSON('twice.json', { inputs: [good, good] }), '-'], code: 1, msg: /given twice/ },
    { name: 'wrong dtype for model', args: [relu, writeJSON('i64.json', { inputs: [encodeTensor('x', 'int64', [1], new BigInt64Array(1))] }), '-'], code: 1,
      msg: /onnxruntime failed to run relu9.onnx/ },
    { name: 'wrong rank for model', args: [relu, writeJSON('rank.json', { inputs: [encodeTensor('x', 'float32', [4], new Float32Array(4))] }), '-'], code: 1,
      msg: /onnxruntime failed to run/ },
    { name: 'unwritable output', args: [relu, path.join(ops, 'relu9.golden.json'), path.join(tmp, 'no', 'dir', 'out.json')], code: 1,
      msg: /cannot write/ },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const r = run(...c.args);
      assert.equal(r.code, c.code, r.stderr);
      assert.match(r.stderr, /^run\.mjs: /);
      assert.match(r.stderr, c.msg);
    });
  }
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left behind');
});

test('compareTensors applies abs OR rel', () => {
  const want = encodeTensor('y', 'float32', [3], new Float32Array([1, 100, 0]));
  const got = encodeTensor('y', 'float32', [3], new Float32Array([1.00005, 100.009, 0.00005]));
  assert.ok(compareTensors(got, want, { abs: 1e-4, rel: 1e-4 }).ok);
  const far = encodeTensor('y', 'float32', [3], new Float32Array([1.001, 100.02, 0.0002]));
  const c = compareTensors(far, want, { abs: 1e-4, rel: 1e-4 });
  assert.equal(c.count, 3);
  const shape = encodeTensor('y', 'float32', [1, 3], new Float32Array([1, 100, 0]));
  assert.equal(compareTensors(shape, want, { abs: 1, rel: 1 }).ok, false);
});

test('formatGolden keeps the key order and one tensor per line', () => {
  const text = formatGolden({ outputs: [], inputs: [reluGolden.inputs[0]], model: 'm.onnx', extra: 1, opset: 9 });
  const keys = text.split('\n').filter((l) => /^ "/.test(l)).map((l) => l.split('"')[1]);
  assert.deepEqual(keys, ['model', 'opset', 'inputs', 'outputs', 'extra']);
  assert.deepEqual(JSON.parse(text).inputs, reluGolden.inputs);
});
