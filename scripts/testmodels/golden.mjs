#!/usr/bin/env node
// golden.mjs: fills in the outputs of every CASE.golden.json in the given folders by running CASE.onnx
// in onnxruntime-node (scripts/ort/run.mjs does the work).
//
//   node scripts/testmodels/golden.mjs [--check] DIR...
//
// Each case runs twice: with graph optimisations disabled (that run is written: every op computed as
// the graph says, no fusion) and with all of them (ORT fuses Conv+BN, Conv+Relu, ...). The two must
// agree within the case's own tolerance; if they do not, the tolerance is too tight to be met by an
// engine that computes the same thing in another order, and the case fails. Outputs must be finite.
//
// --check writes nothing: it recomputes every case and fails when a stored output differs from
// onnxruntime's by more than the tolerance (for CI: the committed goldens still match the oracle).

import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import {
  GoldenError, UsageError, compareTensors, decodeTensor, parseArgs, readGolden, runModel, writeGolden,
} from '../ort/run.mjs';

function tolOf(g, file) {
  const t = g.tolerance;
  if (!t || typeof t.abs !== 'number' || typeof t.rel !== 'number' || !(t.abs >= 0) || !(t.rel >= 0)) {
    throw new GoldenError(`${file}: "tolerance" must be {"abs": number >= 0, "rel": number >= 0}`);
  }
  return t;
}

function compareAll(got, want, tol) {
  const bad = [];
  if (got.length !== want.length) return [`${got.length} outputs vs ${want.length}`];
  got.forEach((o, i) => {
    if (o.name !== want[i].name) {
      bad.push(`output ${i} is "${o.name}", want "${want[i].name}"`);
      return;
    }
    const c = compareTensors(o, want[i], tol);
    if (!c.ok) bad.push(`"${o.name}": ${c.count} elements out of tolerance, worst ${c.worst}`);
  });
  return bad;
}

function nonFinite(outputs) {
  const bad = [];
  for (const o of outputs) {
    const t = decodeTensor(o, 'output');
    if (t.dtype !== 'float32' && t.dtype !== 'float64') continue;
    const n = t.data.reduce((k, v) => k + (Number.isFinite(v) ? 0 : 1), 0);
    if (n > 0) bad.push(`"${o.name}" has ${n} non-finite elements`);
  }
  return bad;
}

async function oneCase(file, check) {
  const g = readGolden(file);
  if (typeof g.model !== 'string' || g.model.includes('/') || g.model.includes('\\')) {
    throw new GoldenError(`${file}: "model" must be a file name next to the golden file`);
  }
  const tol = tolOf(g, file);
  const model = path.join(path.dirname(file), g.model);
  const plain = await runModel(model, g.inputs, { opt: 'disabled' });
  const fused = await runModel(model, g.inputs, { opt: 'all' });
  const problems = [
    ...nonFinite(plain),
    ...compareAll(fused, plain, tol).map((m) => `optimised run disagrees: ${m}`),
  ];
  if (check) {
    problems.push(...compareAll(plain, g.outputs || [], tol).map((m) => `stored golden disagrees: ${m}`));
  } else if (problems.length === 0) {
    writeGolden(file, { ...g, outputs: plain });
  }
  return problems;
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2), { check: false });
    if (parsed.rest.length === 0) throw new UsageError('want at least one folder');
  } catch (e) {
    process.stderr.write(`golden.mjs: ${e.message}\nusage: node scripts/testmodels/golden.mjs [--check] DIR...\n`);
    process.exit(2);
  }
  let files = [];
  for (const dir of parsed.rest) {
    let names;
    try {
      names = fs.readdirSync(dir);
    } catch (e) {
      throw new GoldenError(`cannot list ${dir}: ${e.code || e.message}`);
    }
    files.push(...names.filter((n) => n.endsWith('.golden.json')).sort().map((n) => path.join(dir, n)));
  }
  if (files.length === 0) throw new GoldenError(`no *.golden.json in ${parsed.rest.join(', ')}`);
  let failed = 0;
  for (const f of files) {
    let problems;
    try {
      problems = await oneCase(f, parsed.opts.check);
    } catch (e) {
      if (!(e instanceof GoldenError)) throw e;
      problems = [e.message];
    }
    if (problems.length > 0) {
      failed++;
      for (const p of problems) process.stderr.write(`golden.mjs: ${path.basename(f)}: ${p}\n`);
    }
  }
  const verb = parsed.opts.check ? 'checked' : 'wrote';
  process.stdout.write(`golden.mjs: ${verb} ${files.length - failed} of ${files.length} cases in ${parsed.rest.join(', ')}\n`);
  if (failed > 0) process.exit(1);
}

main().catch((e) => {
  process.stderr.write(`golden.mjs: ${e instanceof GoldenError ? e.message : (e && e.stack) || e}\n`);
  process.exit(1);
});
