// Model.run's two channels to its Worker: the SharedArrayBuffer one (a cross-origin isolated page)
// and postMessage (a page without COOP/COEP, or loadModel's {sharedMemory: false}). Both must give
// the same outputs, keep them valid after the next run, keep the order of runs and other ops, give
// the same typed errors, survive an idle page, grow for outputs bigger than the buffer, and reject
// (not hang) when the Worker dies.
import { assert, launch, startServer } from './lib.mjs';

/** The checks of one channel, in a page; returns what node compares. */
async function exercise(page, sharedMemory) {
  return page.evaluate(async (sharedMemory) => {
    const { Bonafide } = await import('/bonafide.mjs');
    const dims = [1, 3, 128, 128];
    const x = Float32Array.from({ length: 3 * 128 * 128 }, (_, i) => Math.sin(i * 0.37) * 1.5);
    const y = Float32Array.from(x, (v) => 1 - v);
    const plain = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { dims: v.dims, type: v.type, data: Array.from(v.data) }]));
    const same = (a, b) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));
    const error = async (f) => {
      try {
        await f();
        return 'resolved';
      } catch (e) {
        return `${e.name}: ${e.message} (${e.constructor.name})`;
      }
    };
    const m = await Bonafide.loadModel('/test/dev-pyramid-untrained.onnx', { sharedMemory });
    const out = {};
    out.channel = m.channel;
    const first = await m.run(x, dims);
    const firstCopy = plain(first);
    out.first = firstCopy;
    const second = await m.run(y, dims);
    // The first run's arrays still hold its results after the second run (copied out, as with ORT).
    out.firstKept = JSON.stringify(plain(first)) === JSON.stringify(firstCopy);
    out.secondDiffers = !same(first, second);
    // Runs in flight at once, the input array reused as soon as run() returned: each gets its own.
    const buf = Float32Array.from(x);
    const p1 = m.run(buf, dims);
    buf.set(y);
    const p2 = m.run(buf, dims);
    buf.set(x);
    const p3 = m.run({ input: { data: buf, dims } });
    const [r1, r2, r3] = await Promise.all([p1, p2, p3]);
    out.inFlight = same(r1, first) && same(r2, second) && same(r3, first);
    // Errors: Go's (shape, length) and the page's (names, types), by this channel.
    out.errors = [
      await error(() => m.run(x, [1, 3, 64, 256])),
      await error(() => m.run(x.subarray(10), dims)),
      await error(() => m.run({ input: { data: x, dims }, nope: { data: x } })),
      await error(() => m.run({ input: { data: new Float64Array(4), dims } })),
    ];
    out.afterErrors = same(await m.run(x, dims), first);
    // An idle page (the Worker's wait and Go's timers asleep for seconds), then a run.
    await new Promise((r) => setTimeout(r, 2500));
    out.afterIdle = same(await m.run(x, dims), first);
    // A run, then close() at once: the run was first, so it resolves; a run after close rejects.
    const last = m.run(y, dims);
    const closing = m.close();
    out.beforeClose = same(await last, second);
    await closing;
    out.closed = await error(() => m.run(x, dims));
    out.badOption = await error(() => Bonafide.loadModel('/test/dev-pyramid-untrained.onnx', { sharedMemory: 'no' }));

    // Two inputs of 1 KiB and an output of 256 KiB: bigger than the shared buffer (64 KiB) the
    // first time (it comes by postMessage and the buffer grows), then through the grown buffer.
    const add = await Bonafide.loadModel('/test/broadcast-add.onnx', { sharedMemory });
    const a = Float32Array.from({ length: 256 }, (_, i) => i);
    const b = Float32Array.from({ length: 256 }, (_, j) => 1000 * j);
    const check = (o) => {
      const z = o.z;
      if (!z || z.dims.join() !== '1,1,256,256' || z.data.length !== 65536) return false;
      for (let i = 0; i < 256; i++) for (let j = 0; j < 256; j++) if (z.data[256 * i + j] !== a[i] + b[j]) return false;
      return true;
    };
    const feeds = { x: { data: a, dims: [1, 1, 256, 1] }, y: { data: b, dims: [1, 1, 1, 256] } };
    const z1 = await add.run(feeds);
    const z2 = await add.run(feeds);
    out.big = check(z1) && check(z2);
    out.bigErrors = [await error(() => add.run({ x: feeds.x, y: { data: b, dims: [1, 1, 256, 1] } }))];
    await add.close();

    // A Worker that dies instead of answering: the pending run rejects.
    const dying = await Bonafide.loadModel('/test/dev-pyramid-untrained.onnx', { sharedMemory, workerUrl: '/test/dying-worker.mjs' });
    const t0 = performance.now();
    out.died = await error(() => dying.run(x, dims));
    out.diedMs = performance.now() - t0;
    out.diedChannel = dying.channel;
    await dying.close();
    return out;
  }, sharedMemory);
}

export function channelTests({ origin, rec }) {
  let browser;
  let plainServer;
  let isolated;
  let plainBrowser;
  let notIsolated;
  const results = {};
  const setup = async () => {
    browser = await launch();
    rec.watch(browser.context);
    rec.allow(/bonafide test: the worker dies/);
    isolated = await browser.context.newPage();
    await isolated.goto(`${origin}/test/blank.html`);
    assert(await isolated.evaluate(() => crossOriginIsolated), 'the server sends COOP/COEP (-isolated)');
    // The same site without COOP/COEP, on another origin (its requests are its own, like the package suite's).
    plainServer = await startServer({ isolated: false });
    plainBrowser = await launch();
    notIsolated = await plainBrowser.context.newPage();
    const errors = [];
    notIsolated.on('pageerror', (e) => errors.push(e.message));
    notIsolated.on('console', (m) => { if (m.type() === 'error' && !/the worker dies/.test(m.text())) errors.push(m.text()); });
    notIsolated.errors = errors;
    await notIsolated.goto(`${plainServer.origin}/test/blank.html`);
    assert(!(await notIsolated.evaluate(() => crossOriginIsolated)), 'a server without -isolated still isolates the page');
  };
  const teardown = async () => {
    await browser?.close();
    await plainBrowser?.close();
    await plainServer?.stop();
  };
  const checkOne = (name, r, channel) => {
    assert(r.channel === channel, `${name}: channel ${r.channel}, want ${channel}`);
    assert(r.firstKept, `${name}: the first run's outputs changed after the second run`);
    assert(r.secondDiffers, `${name}: two inputs gave the same outputs`);
    assert(r.inFlight, `${name}: runs in flight at once gave wrong or mixed-up outputs`);
    assert(/^InputError: .*\[1 3 64 256\].*\[1 3 128 128\] \(InputError\)$/.test(r.errors[0]), `${name}: bad dims: ${r.errors[0]}`);
    assert(/^InputError: .*values.* \(InputError\)$/.test(r.errors[1]), `${name}: short data: ${r.errors[1]}`);
    assert(/^InputError: .*no input "nope"/.test(r.errors[2]), `${name}: unknown input: ${r.errors[2]}`);
    assert(/^TypeError: .*Float32Array/.test(r.errors[3]), `${name}: Float64Array: ${r.errors[3]}`);
    assert(r.afterErrors, `${name}: a run after the errors gave other outputs`);
    assert(r.afterIdle, `${name}: a run after 2.5 s idle gave other outputs`);
    assert(r.beforeClose, `${name}: the run before close() did not resolve to its outputs`);
    assert(/^InvalidStateError: .*closed/.test(r.closed), `${name}: run after close: ${r.closed}`);
    assert(/^TypeError: .*sharedMemory/.test(r.badOption), `${name}: sharedMemory: 'no': ${r.badOption}`);
    assert(r.big, `${name}: the 256 KiB output (bigger than the shared buffer) is wrong`);
    assert(/^InputError: .*shape \[1 1 256 1\], the model wants \[1 1 1 256\]/.test(r.bigErrors[0]), `${name}: second input's dims: ${r.bigErrors[0]}`);
    assert(r.diedChannel === channel, `${name}: the dying Worker's channel ${r.diedChannel}`);
    assert(/^WorkerError: .*the worker dies/.test(r.died), `${name}: a run on a Worker that died: ${r.died}`);
  };
  return { setup, teardown, tests: [
    {
      name: "Model.run in a cross-origin isolated page goes through shared memory: outputs kept after the next run, runs in flight in order, Go's typed errors, an idle page, close() after a run, a 256 KiB output, a Worker that dies",
      async fn() {
        results.shared = await exercise(isolated, true);
        checkOne('sharedMemory', results.shared, 'sharedMemory');
      },
    },
    {
      name: 'Model.run by postMessage, in the isolated page with {sharedMemory: false} and in a page without COOP/COEP: the same checks, the same outputs and error messages',
      async fn() {
        results.off = await exercise(isolated, false);
        checkOne('{sharedMemory: false}', results.off, 'postMessage');
        results.plain = await exercise(notIsolated, true);
        checkOne('not isolated', results.plain, 'postMessage');
        assert(notIsolated.errors.length === 0, `errors on the page without COOP/COEP: ${notIsolated.errors.join('; ')}`);
        if (!results.shared) return;
        for (const [k, r] of [['{sharedMemory: false}', results.off], ['not isolated', results.plain]]) {
          assert(JSON.stringify(r.first) === JSON.stringify(results.shared.first), `${k}: outputs differ from the shared-memory channel's`);
          assert(JSON.stringify(r.errors) === JSON.stringify(results.shared.errors), `${k}: errors differ: ${r.errors} vs ${results.shared.errors}`);
        }
      },
    },
  ] };
}
