// bonafide's Web Worker: runs the engine (Go runtime + frame reading) off the page's main thread.
// The page talks to it with {id, op, args} messages and gets {id, ok, value} or {id, ok: false,
// error: {name, message, ...}} back; ImageBitmaps and result buffers travel as transferables.
import { Engine, errorData } from './engine.mjs';

const engine = new Engine();

self.onmessage = async (event) => {
  const { id, op, args } = event.data || {};
  try {
    const { value, transfer } = await engine.dispatch(op, args);
    self.postMessage({ id, ok: true, value }, transfer || []);
  } catch (err) {
    self.postMessage({ id, ok: false, error: errorData(err) });
  }
};
