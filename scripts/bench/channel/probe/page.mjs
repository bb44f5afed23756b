const median = (xs) => xs.slice().sort((a, b) => a - b)[(xs.length - 1) >> 1];
const q = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
async function atomicsWorker(loop) {
  const w = new Worker('/worker.mjs', { type: 'module' });
  const sab = new SharedArrayBuffer(8);
  const i32 = new Int32Array(sab);
  await new Promise((r) => { w.onmessage = r; w.postMessage({ sab, loop }); });
  let n = 0;
  const call = async () => {
    n++;
    Atomics.store(i32, 0, n);
    Atomics.notify(i32, 0);
    for (;;) {
      const cur = Atomics.load(i32, 1);
      if (cur === n) return;
      const wa = Atomics.waitAsync(i32, 1, cur);
      if (wa.async) await wa.value;
    }
  };
  const stop = () => { Atomics.store(i32, 0, -1); Atomics.notify(i32, 0); w.terminate(); };
  return { call, stop };
}
async function run(runs) {
  const pm = new Worker('/worker.mjs', { type: 'module' });
  await new Promise((r) => { pm.onmessage = r; pm.postMessage({ sab: new SharedArrayBuffer(8), loop: false }); });
  const blk = await atomicsWorker(true);
  const asy = await atomicsWorker('async');
  let pending = null;
  pm.onmessage = () => pending();
  const viaPost = () => new Promise((r) => { pending = r; pm.postMessage({ id: 1 }); });
  const rows = { post: [], atomicsWait: [], atomicsWaitAsync: [] };
  for (let i = 0; i < runs + 50; i++) {
    for (const [k, f] of [['post', viaPost], ['atomicsWait', blk.call], ['atomicsWaitAsync', asy.call]]) {
      { const t = performance.now(); while (performance.now() - t < 4); }
      await new Promise((r) => setTimeout(r, 0));
      const t0 = performance.now();
      await f();
      const dt = performance.now() - t0 - 4;
      if (i >= 50) rows[k].push(dt);
    }
    // an idle gap, like a page between runs (the threads go to sleep)
    if (i % 2) await new Promise((r) => setTimeout(r, 2));
  }
  blk.stop(); asy.stop();
  pm.terminate();
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { median: +median(v).toFixed(3), p90: +q(v, 0.9).toFixed(3) }]));
}
window.run = run;
document.getElementById('s').textContent = 'ready ' + crossOriginIsolated;
