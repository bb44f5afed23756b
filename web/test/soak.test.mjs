// Soak: 2,000 frames through checker.analyze (worker engine), checking that memory stays flat:
// the Go heap after a GC and the wasm linear memory (from Go's runtime.ReadMemStats and the
// WebAssembly.Memory, via checker.stats), the JS references Go holds (wasm_exec.js's table; grows
// if js.Values or js.Funcs leak) and the live js.Func count, the worker's and the page's JS heaps
// (performance.measureUserAgentSpecificMemory, and CDP for the page).
import fs from 'node:fs';
import path from 'node:path';
import { assert, launch, ARTIFACTS } from './lib.mjs';

export const SOAK_FLAGS = ['--enable-blink-features=ForceEagerMeasureMemory', '--js-flags=--expose-gc'];

export function soakTests({ origin, soakFrame, hasFace, rec, frames = 2000, every = 250, warmup = 100 }) {
  return { tests: [{
    name: `soak: ${frames} frames of ${soakFrame.width}×${soakFrame.height}${hasFace ? ' with a face' : ' (no face: ../shared is absent, so detection only)'}; memory stays flat`,
    async fn() {
      const b = await launch({ extraArgs: SOAK_FLAGS });
      rec.watch(b.context);
      try {
        const page = await b.context.newPage();
        await page.goto(`${origin}/test/blank.html`);
        const cdp = await b.context.newCDPSession(page);
        await page.evaluate(async ({ b64, W, H, total }) => {
          const { Bonafide } = await import('/bonafide.mjs');
          window.__img = new ImageData(Uint8ClampedArray.from(atob(b64), (c) => c.charCodeAt(0)), W, H);
          window.__d = await Bonafide.create();
          // Preallocated, so that the test's own bookkeeping does not grow the page's heap.
          window.__timings = Object.fromEntries(['detect', 'crop', 'infer', 'total', 'pixels', 'wasm', 'roundTrip'].map((k) => [k, new Float64Array(total)]));
          window.__n = 0;
          window.__run = async (n) => {
            let scored = 0;
            for (let i = 0; i < n; i++) {
              const r = await window.__d.analyze(window.__img);
              if (r.scored) scored++;
              for (const k in window.__timings) window.__timings[k][window.__n] = r.timings[k];
              window.__n++;
            }
            return scored;
          };
        }, { b64: soakFrame.rgba.toString('base64'), W: soakFrame.width, H: soakFrame.height, total: warmup + frames });

        const samples = [];
        const sample = async (frame, ms) => {
          const s = await page.evaluate(async () => {
            const st = await window.__d.stats({ gc: true });
            gc();
            const m = await performance.measureUserAgentSpecificMemory();
            const js = (scope) => m.breakdown.filter((x) => x.types.includes('JavaScript') && x.attribution.some((a) => a.scope === scope)).reduce((a, x) => a + x.bytes, 0);
            return { ...st, workerJS: js('DedicatedWorkerGlobalScope'), windowJS: js('Window') };
          });
          await cdp.send('HeapProfiler.collectGarbage');
          const heap = await cdp.send('Runtime.getHeapUsage');
          const row = {
            frame, msPerFrame: ms, goHeapAlloc: s.heapAlloc, goHeapSys: s.heapSys, goSys: s.sys, numGC: s.numGC,
            wasmMemory: s.wasmMemoryBytes, funcs: s.funcs, jsRefs: s.jsRefs, workerJS: s.workerJS, windowJS: s.windowJS, pageHeapCDP: heap.usedSize,
          };
          samples.push(row);
          return row;
        };

        const scoredWarm = await page.evaluate((n) => window.__run(n), warmup);
        if (hasFace) assert(scoredWarm === warmup, `the soak frame should have a face: ${scoredWarm}/${warmup} scored`);
        await sample(0, NaN);
        let scored = 0;
        for (let done = 0; done < frames; done += every) {
          const t0 = Date.now();
          scored += await page.evaluate((n) => window.__run(n), every);
          await sample(done + every, (Date.now() - t0) / every);
        }
        const stages = await page.evaluate(() => {
          const med = (a) => a.slice(0, window.__n).sort()[window.__n >> 1];
          return Object.fromEntries(Object.entries(window.__timings).map(([k, v]) => [k, med(v)]));
        });
        await page.evaluate(() => window.__d.close());
        console.log(`        median per-stage ms over ${warmup + frames} frames: ${Object.entries(stages).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);

        const mb = (v) => (v / 1048576).toFixed(2);
        console.log('        frame  ms/frame  goHeap(MB)  goSys(MB)  wasmMem(MB)  funcs  jsRefs  workerJS(MB)  windowJS(MB)  pageHeapCDP(MB)');
        for (const r of samples) {
          console.log(`        ${String(r.frame).padStart(5)}  ${Number.isFinite(r.msPerFrame) ? r.msPerFrame.toFixed(1).padStart(8) : '       –'}  ${mb(r.goHeapAlloc).padStart(10)}  ${mb(r.goSys).padStart(9)}  ${mb(r.wasmMemory).padStart(11)}  ${String(r.funcs).padStart(5)}  ${String(r.jsRefs).padStart(6)}  ${mb(r.workerJS).padStart(12)}  ${mb(r.windowJS).padStart(12)}  ${mb(r.pageHeapCDP).padStart(15)}`);
        }
        fs.writeFileSync(path.join(ARTIFACTS, 'soak.json'), JSON.stringify({ frames, hasFace, scored, width: soakFrame.width, height: soakFrame.height, medianStageMs: stages, samples }, null, 1));

        const first = samples[0];
        const last = samples[samples.length - 1];
        const spread = (k) => Math.max(...samples.map((r) => r[k])) - Math.min(...samples.map((r) => r[k]));
        if (hasFace) assert(scored === frames, `${scored}/${frames} frames scored`);
        assert(samples.every((r) => r.funcs === first.funcs), `live js.Funcs changed: ${samples.map((r) => r.funcs)}`);
        assert(spread('jsRefs') <= 16, `JS references held by Go drift: ${samples.map((r) => r.jsRefs)}`);
        assert(last.wasmMemory - first.wasmMemory <= 1 << 20, `wasm memory grew by ${mb(last.wasmMemory - first.wasmMemory)} MB`);
        assert(last.goHeapAlloc - first.goHeapAlloc <= 512 << 10, `Go heap (after GC) grew by ${mb(last.goHeapAlloc - first.goHeapAlloc)} MB`);
        assert(last.workerJS - first.workerJS <= 1 << 20, `worker JS heap grew by ${mb(last.workerJS - first.workerJS)} MB`);
        assert(last.pageHeapCDP - first.pageHeapCDP <= 1 << 20, `page JS heap grew by ${mb(last.pageHeapCDP - first.pageHeapCDP)} MB`);
      } finally {
        await b.close();
      }
    },
  }] };
}
