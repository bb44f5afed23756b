// A bonafide Worker that dies (an uncaught error) instead of answering Model.run, by either channel:
// it takes the shared buffer but never answers on it, or drops the postMessage run. The page's
// pending run must reject with a WorkerError instead of hanging (web/test/channel.test.mjs).
import '/bonafide.worker.mjs';

const real = self.onmessage;
const die = () => setTimeout(() => { throw new Error('bonafide test: the worker dies'); }, 100);
self.onmessage = (event) => {
  const { id, op } = event.data || {};
  if (op === 'channel') {
    self.postMessage({ id, ok: true, value: null });
    die();
    return undefined;
  }
  if (op === 'run') {
    die();
    return undefined;
  }
  return real(event);
};
