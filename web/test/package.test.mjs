// The npm package as a user meets it. `npm install` of the tarball (build/pkg, `make package`) into
// an empty folder outside the repository, then two pages served from that folder alone: one imports
// the package through an import map, one is bundled by esbuild (the pinned devDependency, installed
// into the folder from the npm cache). Both pages start with the README's three lines and, for the
// bundle, its esbuild commands and its CSP, read from web/README.md, so the README stays true. On
// each page: a verdict from the fake camera, no request off the origin, no console error.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assert, BUILD, launch, Recorder, ROOT, startServer } from './lib.mjs';

/** The fenced block that follows `<!-- test:NAME -->` in web/README.md. */
export function readmeBlock(name) {
  const text = fs.readFileSync(path.join(ROOT, 'web', 'README.md'), 'utf8');
  const m = new RegExp(`<!-- test:${name} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!m) throw new Error(`web/README.md has no fenced block after <!-- test:${name} -->`);
  return m[1];
}

const PAGE_TAIL = `
// The test's part: hand the checker to the element, start the check, publish the outcome.
import 'bonafide-web/check';
const check = document.querySelector('bonafide-check');
check.checker = checker;
check.addEventListener('result', (e) => {
  const v = e.detail;
  window.verdict = { decision: v.decision, score: v.score, frames: v.frames, usable: v.usable, reasons: v.reasons };
  document.body.dataset.verdict = v.decision;
});
check.addEventListener('error', (e) => { document.body.dataset.verdict = \`error:\${e.detail?.name}: \${e.detail?.message}\`; });
document.body.dataset.release = Bonafide.version;
check.start();
`;

const page = (title, head, body) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${head}
<title>${title}</title>
<link rel="icon" href="/favicon.ico">
</head>
<body>
${body}
<bonafide-check min-frames="3" max-frames="40" timeout-ms="30000"></bonafide-check>
</body>
</html>
`;

export function packageTests({ clips, hasFace, devModel }) {
  const version = fs.readFileSync(path.join(ROOT, 'VERSION'), 'utf8').trim();
  const tgz = path.join(BUILD, 'pkg', `bonafide-web-${version}.tgz`);
  const devDeps = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies;
  const clip = clips[0]; // the live clip, or the generated one without ../shared
  let scratch;
  let server;

  const setup = async () => {
    assert(fs.existsSync(tgz), `${tgz} is missing: run make package`);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bonafide-pkg-'));
    const npm = (...args) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: scratch, stdio: ['ignore', 'ignore', 'inherit'] });
    // The package has no dependencies, so installing it needs no network.
    npm('install', '--offline', tgz);
    npm('install', '--prefer-offline', '--save-dev', `esbuild@${devDeps.esbuild}`, `typescript@${devDeps.typescript}`);

    const app = `${readmeBlock('three-lines')}${PAGE_TAIL}`;
    fs.writeFileSync(path.join(scratch, 'app.mjs'), app);
    fs.writeFileSync(path.join(scratch, 'favicon.ico'), ''); // the test pages' own: the README's CSP has no data: images
    // The import-map page, under a strict CSP that allows its import map by hash.
    const importMap = JSON.stringify({ imports: { 'bonafide-web': '/node_modules/bonafide-web/bonafide.mjs', 'bonafide-web/check': '/node_modules/bonafide-web/bonafide-check.mjs' } });
    const mapHash = createHash('sha256').update(importMap).digest('base64');
    const csp = readmeBlock('csp').trim();
    const importMapCSP = csp.replace("script-src 'self'", `script-src 'self' 'sha256-${mapHash}'`);
    assert(importMapCSP !== csp, `the README's CSP has no "script-src 'self'": ${csp}`);
    fs.writeFileSync(path.join(scratch, 'index.html'), page('bonafide-web through an import map',
      `<meta http-equiv="Content-Security-Policy" content="${importMapCSP}">\n<script type="importmap">${importMap}</script>\n<script type="module" src="app.mjs"></script>`, '<h1>import map</h1>'));
    // The bundled page: the README's esbuild commands, run as they are.
    execFileSync('bash', ['-euo', 'pipefail', '-c', readmeBlock('esbuild')], { cwd: scratch, stdio: ['ignore', 'inherit', 'inherit'] });
    assert(fs.existsSync(path.join(scratch, 'dist', 'app.js')), 'esbuild wrote no dist/app.js');
    fs.writeFileSync(path.join(scratch, 'dist', 'index.html'), page('bonafide-web bundled by esbuild',
      `<meta http-equiv="Content-Security-Policy" content="${csp}">\n<script type="module" src="app.js"></script>`, '<h1>bundled</h1>'));
    server = await startServer({ dir: scratch, isolated: false });
  };

  const teardown = async () => {
    await server?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  };

  /** Opens one page with the fake camera and checks what the issue asks of it. */
  const runPage = async (urlPath, assetPrefix) => {
    const b = await launch({ camera: clip.y4m });
    const rec = new Recorder(server.origin);
    rec.watch(b.context);
    try {
      const p = await b.context.newPage();
      await p.goto(`${server.origin}${urlPath}`);
      await p.waitForFunction(() => document.body.dataset.verdict, null, { timeout: 90000 });
      const out = await p.evaluate(() => ({ verdict: window.verdict, outcome: document.body.dataset.verdict, release: document.body.dataset.release }));
      console.log(`        ${urlPath}: ${out.outcome}, score ${out.verdict?.score?.toFixed?.(3)}, ${out.verdict?.frames} frames (${out.verdict?.usable} usable), ${rec.requests.length} requests`);
      assert(['live', 'spoof', 'retake'].includes(out.outcome), `no verdict: ${out.outcome}`);
      assert(out.release === version, `the page runs release ${out.release}, VERSION is ${version}`);
      if (hasFace && !devModel) assert(out.outcome === 'live', `the live clip gave ${JSON.stringify(out.verdict)}`);
      else if (!hasFace) assert(out.outcome === 'retake' && out.verdict.reasons[0] === 'no_face', `the generated clip has no face: ${JSON.stringify(out.verdict)}`);
      for (const f of ['bonafide.wasm', 'models/default.onnx', 'bonafide.worker.mjs', 'wasm_exec.js']) {
        assert(rec.requests.includes(`${server.origin}${assetPrefix}${f}`), `${f} was not loaded from ${assetPrefix}: ${rec.requests.join(', ')}`);
      }
      const foreign = rec.foreign();
      assert(foreign.length === 0, `requests off the origin: ${foreign.join(', ')}`);
      const errors = rec.unexpectedErrors();
      assert(errors.length === 0, `console errors: ${errors.join('\n')}`);
    } finally {
      await b.close();
    }
  };

  return { setup, teardown, tests: [
    {
      name: 'the installed package: package.json, exports, the files of manifest.json with their SHA-256, NOTICE, ≤ 3 MB',
      fn() {
        const dir = path.join(scratch, 'node_modules', 'bonafide-web');
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
        assert(pkg.name === 'bonafide-web' && pkg.version === version && pkg.type === 'module' && pkg.license, `package.json ${JSON.stringify(pkg)}`);
        assert(pkg.types === './bonafide.d.ts' && pkg.exports['.'].default === './bonafide.mjs' && pkg.exports['./check'].default === './bonafide-check.mjs'
          && pkg.exports['./worker'] === './bonafide.worker.mjs' && pkg.exports['./check'].types === './bonafide-check.d.ts', `exports ${JSON.stringify(pkg.exports)}`);
        for (const [k, v] of Object.entries(pkg.exports)) {
          for (const f of typeof v === 'string' ? [v] : Object.values(v)) {
            if (!f.includes('*')) assert(fs.existsSync(path.join(dir, f)), `exports ${k} → ${f} is not in the package`);
          }
        }
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
        assert(manifest.version === version, `manifest.json version ${manifest.version}`);
        for (const [f, want] of Object.entries(manifest.files)) {
          const got = createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
          assert(got === want.sha256, `${f}: SHA-256 ${got}, manifest.json says ${want.sha256}`);
        }
        for (const f of ['bonafide.wasm', 'wasm_exec.js', 'models/default.onnx', 'bonafide.d.ts', 'bonafide-check.d.ts']) assert(manifest.files[f], `${f} is not in the package`);
        const notice = fs.readFileSync(path.join(dir, 'NOTICE'), 'utf8');
        assert(/NUAA/.test(notice) && /academic\s+research\s+use\s+only/.test(notice), 'NOTICE lacks the NUAA terms of the default model');
        const sizes = JSON.parse(fs.readFileSync(path.join(BUILD, 'web', 'sizes.json'), 'utf8'));
        const bytes = fs.statSync(tgz).size;
        assert(sizes.package?.bytes === bytes && sizes.package.file === path.basename(tgz), `sizes.json package ${JSON.stringify(sizes.package)}, the tarball has ${bytes} B`);
        assert(bytes <= 3000000, `the tarball is ${bytes} B, over 3 MB`);
        console.log(`        ${path.basename(tgz)}: ${bytes} B`);
      },
    },
    {
      name: 'the types: a TypeScript user of "bonafide-web" and "bonafide-web/check" compiles (tsc --strict, moduleResolution bundler and node16); a wrong option does not',
      fn() {
        const good = `import { Bonafide, Checker, ModelError, type Detector, type Verdict } from 'bonafide-web';
import { BonafideCheck, finestMap } from 'bonafide-web/check';
const checker: Checker = await Bonafide.create({ threshold: 0.5, integrity: { model: 'sha256-x' } });
const check: BonafideCheck = document.createElement('bonafide-check');
check.checker = checker;
const old: Detector = checker; // the deprecated name still type-checks
await old.startSession(document.createElement('video'), { frames: 3 });
const release: string = Bonafide.version;
check.addEventListener('result', (e) => console.log((e as CustomEvent<Verdict>).detail.decision, release));
try { await Bonafide.create(); } catch (e) { if (e instanceof ModelError) console.log(e.field, e.modelVersion); }
const pool = await Bonafide.create({ workers: 2 });
const engines: number = pool.info.workers;
const by: number | undefined = (await pool.analyze(new ImageData(1, 1))).timings.worker;
const each: number | undefined = (await pool.stats()).workers?.length;
console.log(engines, by, each, finestMap({})?.label);
`;
        const tsc = (file, module, resolution) => {
          try {
            execFileSync(path.join(scratch, 'node_modules', '.bin', 'tsc'), ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom',
              '--module', module, '--moduleResolution', resolution, file], { cwd: scratch, encoding: 'utf8' });
            return '';
          } catch (e) {
            return `${e.stdout}${e.stderr}` || String(e);
          }
        };
        fs.writeFileSync(path.join(scratch, 'good.mts'), good);
        fs.writeFileSync(path.join(scratch, 'bad.mts'), `${good}await Bonafide.create({ modelURL: '/m.onnx' });\n`);
        // The element's helpers are "bonafide-web/check"'s: bonafide.mjs does not export them.
        fs.writeFileSync(path.join(scratch, 'bad-import.mts'), "import { finestMap } from 'bonafide-web';\nconsole.log(finestMap);\n");
        for (const [module, resolution] of [['esnext', 'bundler'], ['node16', 'node16']]) {
          const out = tsc('good.mts', module, resolution);
          assert(out === '', `tsc (${resolution}) refused good.mts:\n${out}`);
          assert(/modelURL/.test(tsc('bad.mts', module, resolution)), `tsc (${resolution}) accepted an unknown option`);
          assert(/finestMap/.test(tsc('bad-import.mts', module, resolution)), `tsc (${resolution}) accepted finestMap from "bonafide-web"`);
        }
      },
    },
    {
      name: 'a page importing the package through an import map: a verdict from the fake camera, nothing off the origin, no console error',
      timeoutMs: 180000,
      fn: () => runPage('/index.html', '/node_modules/bonafide-web/'),
    },
    {
      name: 'a page bundled by esbuild (the README\'s commands and CSP): a verdict from the fake camera, nothing off the origin, no console error',
      timeoutMs: 180000,
      fn: () => runPage('/dist/index.html', '/dist/'),
    },
  ] };
}
