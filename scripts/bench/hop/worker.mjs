// The hop measurement's Worker: bonafide's engine (web/engine.mjs) behind the same {id, op, args}
// protocol as bonafide.worker.mjs, with four timestamps on every reply (on the shared clock
// performance.timeOrigin + now()): message received, Go called, Go returned, reply posted.
import { Engine } from '/web/engine.mjs';

const engine = new Engine();
const now = () => performance.timeOrigin + performance.now();

self.onmessage = async (event) => {
  const recv = now();
  const { id, op, args } = event.data; // reading event.data deserialises the message
  const go0 = now();
  try {
    const { value, transfer } = await engine.dispatch(op, args);
    const go1 = now();
    self.postMessage({ id, ok: true, value, t: { recv, go0, go1, post: now() } }, transfer || []);
  } catch (err) {
    self.postMessage({ id, ok: false, error: String(err?.message ?? err), t: { recv, go0, go1: now(), post: now() } });
  }
};
