const busy = (ms) => { const t = performance.now(); while (performance.now() - t < ms); };
let i32;
self.onmessage = async (e) => {
  if (e.data.sab) {
    i32 = new Int32Array(e.data.sab);
    self.postMessage({ ready: true });
    if (e.data.loop === true) {
      // Atomics loop: wait for a new request number in slot 0, answer it in slot 1.
      let seen = 0;
      for (;;) {
        Atomics.wait(i32, 0, seen);
        seen = Atomics.load(i32, 0);
        if (seen < 0) return;
        busy(4);
        Atomics.store(i32, 1, seen);
        Atomics.notify(i32, 1);
      }
    }
    if (e.data.loop === 'async') {
      // Same, but the Worker never blocks: Atomics.waitAsync, its event loop stays free.
      let seen = 0;
      for (;;) {
        const w = Atomics.waitAsync(i32, 0, seen);
        if (w.async) await w.value;
        seen = Atomics.load(i32, 0);
        if (seen < 0) return;
        busy(4);
        Atomics.store(i32, 1, seen);
        Atomics.notify(i32, 1);
      }
    }
    return;
  }
  busy(4);
  self.postMessage({ id: e.data.id });
};
