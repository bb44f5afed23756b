// bonafide's Web Worker: runs the engine (Go runtime + frame reading) off the page's main thread.
// The page talks to it with {id, op, args} messages and gets {id, ok, value} or {id, ok: false,
// error: {name, message, ...}} back; ImageBitmaps and result buffers travel as transferables.
//
// Model.run may also come through a SharedArrayBuffer when the page is cross-origin isolated
// (SharedChannel in engine.mjs): the page writes the inputs and bumps a request number, this side
// wakes from Atomics.waitAsync, runs, writes the outputs and bumps the response number, about half
// postMessage's hop (internal/kernel/BENCH.md round 10). The Worker never blocks: waitAsync leaves
// its event loop free for the postMessage ops and Go's timers, at about the cost of a blocking
// Atomics.wait (0.14-0.20 against 0.10-0.16 ms per round trip: scripts/bench/channel/probe).
import { Engine, SharedChannel, errorData } from './engine.mjs';

const engine = new Engine();
let channel = null;
// postMessage ops received: a shared request carries how many the page had sent before it, and
// is taken only after those (and before any later one), so both ways keep the page's order.
let received = 0;

self.onmessage = async (event) => {
  const { id, op, args } = event.data || {};
  channel?.poll(received);
  received++;
  if (op === 'channel' || op === 'channelTake') {
    try {
      let value = null;
      let transfer = [];
      if (op === 'channel') {
        channel?.close();
        channel = new SharedChannel(args.sab, engine);
        channel.listen(() => received);
      } else {
        ({ value, transfer } = channel.take());
      }
      self.postMessage({ id, ok: true, value }, transfer);
    } catch (err) {
      self.postMessage({ id, ok: false, error: errorData(err) });
    }
    return;
  }
  const done = engine.dispatch(op, args);
  channel?.poll(received);
  try {
    const { value, transfer } = await done;
    self.postMessage({ id, ok: true, value }, transfer || []);
  } catch (err) {
    self.postMessage({ id, ok: false, error: errorData(err) });
  }
};
