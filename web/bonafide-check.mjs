// <bonafide-check>: a drop-in liveness check for a KYC page. No framework, no build step.
//
//   <script type="module" src="/bonafide/bonafide-check.mjs"></script>
//   <bonafide-check model-url="/bonafide/models/default.onnx" min-frames="5"></bonafide-check>
//   check.addEventListener('result', (e) => e.detail.decision); // "live" | "spoof" | "retake"
//
// It shows the camera with a face guide, tells the user what to fix ("move closer", "more light")
// from the quality gate's reason codes, announces status changes through an aria-live region,
// and can draw the spoof map over the face. Events: progress (each analysed frame), result (the
// verdict), error (an Error with a name: NotAllowedError, NotFoundError, ModelError, ...).

import { Bonafide, qualityCodes } from './bonafide.mjs';

/** Built-in strings; `lang` picks a bundle, the `strings` property overrides single keys. */
export const bundles = {
  en: {
    idle: 'Press “Start” to check that you are here in person.',
    start: 'Start',
    retry: 'Try again',
    stop: 'Stop',
    heatmap: 'Show spoof map',
    loading: 'Loading the check…',
    camera: 'Starting the camera…',
    checking: 'Hold still and look at the camera…',
    live: 'Done: you are verified as present.',
    spoof: 'We could not verify that a live person is in front of the camera. Please try again without photos or screens.',
    retake: 'We could not get a clear view. {hint} Then try again.',
    retakeGeneric: 'We could not get a clear view. Please try again.',
    NotAllowedError: 'Camera access was denied. Allow the camera for this site in your browser settings, then try again.',
    NotFoundError: 'No camera was found. Connect a camera and try again.',
    NotReadableError: 'The camera is in use by another application. Close it and try again.',
    TimeoutError: 'That took too long. {hint}',
    ModelError: 'The check could not load its model. Please reload the page.',
    WebAssemblyUnsupportedError: 'This browser cannot run the check. Please update it or use another browser.',
    error: 'Something went wrong: {message}',
    no_face: 'Place your face inside the oval.',
    multiple_faces: 'Make sure only you are in view.',
    face_too_small: 'Move closer to the camera.',
    face_too_large: 'Move back a little.',
    face_partly_outside: 'Keep your whole face in the frame.',
    face_off_centre: 'Centre your face in the oval.',
    too_dark: 'More light, please: face a window or a lamp.',
    too_bright: 'Too bright: move away from direct light.',
    clipped: 'Avoid strong light shining on your face.',
    low_contrast: 'More even light on your face, please.',
    blurry: 'Hold still: the image is blurry.',
    rotated: 'Keep your head upright.',
    face_turned: 'Look at the camera.',
    eyes_not_visible: 'Keep your eyes visible: no sunglasses, hair or hand over them.',
    videoLabel: 'Camera preview',
  },
  fr: {
    idle: 'Appuyez sur « Commencer » pour vérifier votre présence.',
    start: 'Commencer',
    retry: 'Réessayer',
    stop: 'Arrêter',
    heatmap: 'Afficher la carte de fraude',
    loading: 'Chargement de la vérification…',
    camera: 'Démarrage de la caméra…',
    checking: 'Ne bougez pas et regardez la caméra…',
    live: 'Terminé : votre présence est vérifiée.',
    spoof: 'Nous n’avons pas pu vérifier qu’une personne est devant la caméra. Réessayez sans photo ni écran.',
    retake: 'Image peu claire. {hint} Puis réessayez.',
    retakeGeneric: 'Image peu claire. Veuillez réessayer.',
    NotAllowedError: 'L’accès à la caméra a été refusé. Autorisez la caméra pour ce site dans les réglages du navigateur, puis réessayez.',
    NotFoundError: 'Aucune caméra trouvée. Branchez une caméra et réessayez.',
    NotReadableError: 'La caméra est utilisée par une autre application. Fermez-la et réessayez.',
    TimeoutError: 'Cela a pris trop de temps. {hint}',
    ModelError: 'Le modèle de vérification n’a pas pu être chargé. Rechargez la page.',
    WebAssemblyUnsupportedError: 'Ce navigateur ne peut pas exécuter la vérification. Mettez-le à jour ou changez de navigateur.',
    error: 'Une erreur est survenue : {message}',
    no_face: 'Placez votre visage dans l’ovale.',
    multiple_faces: 'Vous devez être seul·e dans l’image.',
    face_too_small: 'Rapprochez-vous de la caméra.',
    face_too_large: 'Reculez un peu.',
    face_partly_outside: 'Gardez tout votre visage dans l’image.',
    face_off_centre: 'Centrez votre visage dans l’ovale.',
    too_dark: 'Plus de lumière, s’il vous plaît : tournez-vous vers une fenêtre ou une lampe.',
    too_bright: 'Trop lumineux : évitez la lumière directe.',
    clipped: 'Évitez une lumière forte sur le visage.',
    low_contrast: 'Un éclairage plus uniforme, s’il vous plaît.',
    blurry: 'Ne bougez pas : l’image est floue.',
    rotated: 'Gardez la tête droite.',
    face_turned: 'Regardez la caméra.',
    eyes_not_visible: 'Gardez les yeux visibles : sans lunettes de soleil, cheveux ni main devant.',
    videoLabel: 'Aperçu de la caméra',
  },
};

const css = `
:host { display: block; max-width: 480px; font: 16px/1.4 system-ui, sans-serif; color: #1b1f24; }
:host([hidden]) { display: none; }
.stage { position: relative; aspect-ratio: 4 / 3; background: #20242a; border-radius: 12px; overflow: hidden; }
.stage video, .stage canvas, .stage svg { position: absolute; inset: 0; width: 100%; height: 100%; }
.stage video, .stage canvas { object-fit: cover; transform: scaleX(-1); }
.stage canvas.still { display: none; }
.stage.frozen canvas.still { display: block; }
.stage.frozen video { visibility: hidden; }
.heat { opacity: 0.6; pointer-events: none; }
.guide { pointer-events: none; }
.guide .shade { fill: rgba(0, 0, 0, 0.45); }
.guide .ring { fill: none; stroke: #c8ccd2; stroke-width: 0.8; vector-effect: non-scaling-stroke; transition: stroke 0.4s; }
.guide.ok .ring { stroke: #2f81f7; stroke-width: 3; }
.guide.live .ring { stroke: #1a7f37; stroke-width: 3; }
.guide.spoof .ring, .guide.error .ring { stroke: #cf222e; stroke-width: 3; }
.status { min-height: 2.8em; margin: 0.75em 0 0.5em; }
.controls { display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
button { font: inherit; padding: 0.45em 1.2em; border-radius: 8px; border: 1px solid #1f6feb; background: #1f6feb; color: #fff; cursor: pointer; }
button:disabled { opacity: 0.5; cursor: default; }
button:focus-visible, input:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
label { display: inline-flex; gap: 0.4em; align-items: center; cursor: pointer; }
@media (prefers-reduced-motion: reduce) { .guide .ring { transition: none; } }
`;

let sheet = null;
function styles() {
  // A constructed stylesheet: allowed under a CSP without 'unsafe-inline' for styles.
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
  }
  return sheet;
}

const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, parent = null, ns = null) {
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

/** Fills {placeholders}. */
function fill(s, vars) {
  return s.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');
}

/** The finest map (largest grid) of a result, or null. */
export function finestMap(maps) {
  let best = null;
  for (const [label, data] of Object.entries(maps || {})) {
    const m = /^(\d+)x(\d+)$/.exec(label);
    if (!m) continue;
    const w = +m[1];
    const h = +m[2];
    if (w * h === data.length && (!best || w * h > best.w * best.h)) best = { label, w, h, data };
  }
  return best;
}

/**
 * The rectangle of the frame a result's maps may be drawn in, or null when there is nothing to draw.
 * Models whose maps carry evidence on the face only (info.mapRegion 'face': the cells outside the
 * face box were not trained) are shown over the face box, so that the overlay says where the medium
 * looks fake and not where the face is not; other models over their whole crop.
 */
export function mapClip(result, info) {
  if (!result?.crop) return null;
  if (info?.mapRegion === 'face') return result.face ? { x: result.face.x, y: result.face.y, width: result.face.width, height: result.face.height } : null;
  return { x: result.crop.x, y: result.crop.y, width: result.crop.width, height: result.crop.height };
}

/**
 * Draws a live-probability map as a spoof heatmap into the rectangle (x, y, w, h) of ctx: clear
 * where the model sees a live face, red where it sees an attack. Smoothed, as the map is coarse.
 * With clip ({x, y, width, height} in ctx's coordinates, see mapClip) nothing is drawn outside it.
 */
export function drawSpoofMap(ctx, map, x, y, w, h, alpha = 0.75, clip = null) {
  const grid = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(map.w, map.h) : Object.assign(document.createElement('canvas'), { width: map.w, height: map.h });
  const g = grid.getContext('2d');
  const img = g.createImageData(map.w, map.h);
  for (let i = 0; i < map.w * map.h; i++) {
    const spoof = Math.min(1, Math.max(0, 1 - map.data[i]));
    img.data[4 * i] = 255;
    img.data[4 * i + 1] = Math.round(220 * (1 - spoof));
    img.data[4 * i + 2] = 0;
    img.data[4 * i + 3] = Math.round(255 * alpha * spoof);
  }
  g.putImageData(img, 0, 0);
  ctx.save();
  if (clip) {
    ctx.beginPath();
    ctx.rect(clip.x, clip.y, clip.width, clip.height);
    ctx.clip();
  }
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(grid, x, y, w, h);
  ctx.restore();
}

/**
 * Draws a face's keypoints (BlazeFace: eyes, nose tip, mouth, ear tragions) as dots sized to the
 * face, the eyes joined by their line (the roll). Nothing for a face without keypoints (pigo).
 */
export function drawKeypoints(ctx, face, color = '#2f81f7') {
  const k = face?.keypoints;
  if (!k || k.length < 6) return;
  const r = Math.max(2, face.width / 60);
  ctx.save();
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  ctx.lineWidth = Math.max(1, r / 2);
  ctx.beginPath();
  ctx.moveTo(k[0].x, k[0].y);
  ctx.lineTo(k[1].x, k[1].y);
  ctx.stroke();
  for (const p of k) {
    ctx.beginPath();
    ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.restore();
}

export class BonafideCheck extends HTMLElement {
  static observedAttributes = ['heatmap', 'lang', 'no-keypoints'];

  #shadow;
  #ui = {};
  #checker = null;
  #ownsChecker = false;
  #checkerLoad = null; // the Bonafide.create() in flight, which a start() after a failed one reuses
  #stream = null;
  #abort = null;
  #running = false;
  #strings = {};
  #status = { key: '', shownAt: 0, pending: null, timer: 0 };
  #hintCounts = new Map();
  #lastResult = null;
  #okRun = 0;

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: 'open' });
    this.#shadow.adoptedStyleSheets = [styles()];
    const stage = el('div', { class: 'stage', part: 'stage' }, this.#shadow);
    const video = el('video', { playsinline: '', muted: '', autoplay: '', 'aria-hidden': 'true' }, stage);
    video.muted = true;
    const still = el('canvas', { class: 'still', 'aria-hidden': 'true' }, stage);
    const heat = el('canvas', { class: 'heat', 'aria-hidden': 'true' }, stage);
    const guide = el('svg', { class: 'guide', viewBox: '0 0 100 100', preserveAspectRatio: 'none', 'aria-hidden': 'true' }, stage, SVG);
    const defs = el('defs', {}, guide, SVG);
    const mask = el('mask', { id: 'm' }, defs, SVG);
    el('rect', { x: 0, y: 0, width: 100, height: 100, fill: 'white' }, mask, SVG);
    el('ellipse', { cx: 50, cy: 48, rx: 23, ry: 38, fill: 'black' }, mask, SVG);
    el('rect', { class: 'shade', x: 0, y: 0, width: 100, height: 100, mask: 'url(#m)' }, guide, SVG);
    el('ellipse', { class: 'ring', cx: 50, cy: 48, rx: 23, ry: 38 }, guide, SVG);
    const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite', part: 'status' }, this.#shadow);
    const controls = el('div', { class: 'controls', part: 'controls' }, this.#shadow);
    const button = el('button', { type: 'button', class: 'start', part: 'button' }, controls);
    const label = el('label', { part: 'heatmap-toggle' }, controls);
    const toggle = el('input', { type: 'checkbox', class: 'heat-toggle' }, label);
    const labelText = el('span', {}, label);
    this.#ui = { stage, video, still, heat, guide, status, button, toggle, labelText };
    button.addEventListener('click', () => (this.#running ? this.stop() : this.start()));
    toggle.addEventListener('change', () => { this.heatmap = toggle.checked; });
  }

  connectedCallback() {
    this.#applyStrings();
    this.#say('idle', {}, true);
    if (this.hasAttribute('autostart')) queueMicrotask(() => this.start());
  }

  disconnectedCallback() {
    this.stop();
    if (this.#ownsChecker) {
      this.#checker?.close();
      this.#checker = null;
    }
  }

  attributeChangedCallback(name) {
    if (name === 'heatmap') this.#ui.toggle.checked = this.heatmap;
    if (name === 'heatmap' || name === 'no-keypoints') {
      if (this.#lastResult) this.#drawOverlay(this.#lastResult);
      else this.#clearHeat();
    }
    if (name === 'lang') {
      this.#applyStrings();
      this.#say(this.#status.key || 'idle', this.#status.vars || {}, true);
    }
  }

  /** Whether the spoof map is drawn over the face (attribute `heatmap`). */
  get heatmap() { return this.hasAttribute('heatmap'); }
  set heatmap(on) { this.toggleAttribute('heatmap', !!on); }

  /** Whether the face's keypoints (eyes, nose, mouth, ears; BlazeFace) are drawn: yes unless attribute `no-keypoints`. */
  get keypoints() { return !this.hasAttribute('no-keypoints'); }
  set keypoints(on) { this.toggleAttribute('no-keypoints', !on); }

  /** Overrides of single strings, e.g. {too_dark: 'Turn on a light'}. */
  get strings() { return { ...this.#strings }; }
  set strings(s) {
    this.#strings = { ...(s || {}) };
    this.#applyStrings();
    this.#say(this.#status.key || 'idle', this.#status.vars || {}, true);
  }

  /**
   * A Checker to use instead of creating one from the attributes (e.g. created at page load, so
   * that the check also works if the network drops). The element does not close it.
   */
  get checker() { return this.#checker; }
  set checker(c) {
    if (this.#ownsChecker) this.#checker?.close();
    this.#checker = c;
    this.#ownsChecker = false;
  }

  /** @deprecated Since 1.0.0: `checker` (the alias goes in the next release). */
  get detector() { return this.checker; }
  set detector(c) { this.checker = c; }

  /** The last per-frame result (with maps), or null. */
  get lastResult() { return this.#lastResult; }

  #t(key) {
    const lang = (this.getAttribute('lang') || this.closest('[lang]')?.getAttribute('lang') || 'en').toLowerCase().split('-')[0];
    return this.#strings[key] ?? bundles[lang]?.[key] ?? bundles.en[key] ?? key;
  }

  #applyStrings() {
    this.#ui.button.textContent = this.#t(this.#running ? 'stop' : (this.#status.key && this.#status.key !== 'idle' ? 'retry' : 'start'));
    this.#ui.labelText.textContent = this.#t('heatmap');
    this.#ui.video.setAttribute('aria-label', this.#t('videoLabel'));
  }

  // #say changes the status line. Hints from frames change at most every 1.2 s and only after the
  // same hint was seen on two frames, so that the text does not flicker; other states show at once.
  #say(key, vars = {}, now = false) {
    const s = this.#status;
    if (!now && key === s.key) return;
    const show = () => {
      s.key = key;
      s.vars = vars;
      s.shownAt = performance.now();
      s.pending = null;
      const text = fill(this.#t(key), Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, k === 'hint' ? this.#t(v) : v])));
      if (this.#ui.status.textContent !== text) this.#ui.status.textContent = text;
    };
    clearTimeout(s.timer);
    const wait = 1200 - (performance.now() - s.shownAt);
    if (now || wait <= 0) show();
    else {
      s.pending = key;
      s.timer = setTimeout(show, wait);
    }
  }

  #attr(name, parse) {
    const v = this.getAttribute(name);
    if (v === null || v === '') return undefined;
    const p = parse(v);
    if (Number.isNaN(p)) throw new RangeError(`bonafide-check: attribute ${name}="${v}" is not a number`);
    return p;
  }

  async #ensureChecker() {
    if (this.#checker && !this.#checker.closed) return this.#checker;
    const opts = {};
    const url = this.getAttribute('model-url');
    if (url) opts.modelUrl = url;
    for (const [attr, key] of [['wasm-url', 'wasmUrl'], ['worker-url', 'workerUrl'], ['wasm-exec-url', 'wasmExecUrl']]) {
      const v = this.getAttribute(attr);
      if (v) opts[key] = v;
    }
    const th = this.#attr('threshold', Number);
    if (th !== undefined) opts.threshold = th;
    const det = this.getAttribute('face-detector');
    if (det) opts.detector = det;
    const fm = this.getAttribute('face-model-url');
    if (fm) opts.faceModelUrl = fm;
    this.#checkerLoad ??= Bonafide.create(opts).then((c) => {
      if (this.#checker && !this.#checker.closed) {
        c.close(); // the page set `checker` meanwhile: that one is used
        return this.#checker;
      }
      this.#checker = c;
      this.#ownsChecker = true;
      return c;
    }).finally(() => { this.#checkerLoad = null; });
    return this.#checkerLoad;
  }

  /** Starts the camera and a session; resolves with the verdict (also sent as a `result` event). */
  async start() {
    if (this.#running) return null;
    this.#running = true;
    this.#abort = new AbortController();
    this.#lastResult = null;
    this.#hintCounts.clear();
    this.#okRun = 0;
    this.#clearHeat();
    this.#ui.stage.classList.remove('frozen');
    this.#setGuide('');
    this.#applyStrings();
    try {
      // The engine loads while the browser asks for the camera (a person answers its prompt), so
      // a first start() waits for the longer of the two, not one after the other. A camera that
      // fails first is the error shown; the load goes on for the next start().
      const checkerReady = this.#ensureChecker();
      let ready = false;
      checkerReady.then(() => { ready = true; }, () => {});
      this.#say('camera', {}, true);
      this.#stream = await Bonafide.openCamera(this.#ui.video);
      if (!ready) this.#say('loading', {}, true);
      const checker = await checkerReady;
      this.#say('checking', {}, true);
      // `frames` is the attribute's name before 1.0.0, kept for one release.
      const minFrames = this.#attr(this.hasAttribute('min-frames') ? 'min-frames' : 'frames', (v) => parseInt(v, 10));
      const maxFrames = this.#attr('max-frames', (v) => parseInt(v, 10));
      const timeoutMs = this.#attr('timeout-ms', (v) => parseInt(v, 10));
      const onProgress = (detail) => this.#progress(detail);
      const verdict = await checker.startSession(this.#ui.video, { minFrames, maxFrames, timeoutMs, signal: this.#abort.signal, onProgress });
      this.#freeze();
      this.#setGuide(verdict.decision === 'live' ? 'live' : verdict.decision === 'spoof' ? 'spoof' : '');
      if (verdict.decision === 'retake') {
        const hint = verdict.reasons.find((r) => qualityCodes.includes(r));
        this.#say(hint ? 'retake' : 'retakeGeneric', { hint }, true);
      } else this.#say(verdict.decision, {}, true);
      this.dispatchEvent(new CustomEvent('result', { detail: verdict, bubbles: true, composed: true }));
      return verdict;
    } catch (err) {
      if (err?.name === 'AbortError') return null;
      this.#setGuide('error');
      const known = ['NotAllowedError', 'NotFoundError', 'NotReadableError', 'TimeoutError', 'ModelError', 'WebAssemblyUnsupportedError'];
      const hint = err?.verdict?.reasons?.find((r) => qualityCodes.includes(r)) || 'no_face';
      this.#say(known.includes(err?.name) ? err.name : 'error', { message: err?.message ?? String(err), hint }, true);
      this.dispatchEvent(new CustomEvent('error', { detail: err, bubbles: true, composed: true }));
      return null;
    } finally {
      this.#stopCamera();
      this.#running = false;
      this.#abort = null;
      this.#applyStrings();
    }
  }

  /** Stops the camera and any session in progress. */
  stop() {
    this.#abort?.abort(new DOMException('stopped', 'AbortError'));
    this.#stopCamera();
  }

  #stopCamera() {
    if (this.#stream) {
      for (const t of this.#stream.getTracks()) t.stop();
      this.#stream = null;
    }
    this.#ui.video.srcObject = null;
  }

  // Keeps the last camera frame on screen after the camera stops, so that the heatmap stays over it.
  #freeze() {
    const v = this.#ui.video;
    if (!v.videoWidth) return;
    const c = this.#ui.still;
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    c.getContext('2d').drawImage(v, 0, 0);
    this.#ui.stage.classList.add('frozen');
  }

  #setGuide(state) {
    this.#ui.guide.setAttribute('class', `guide ${state}`);
  }

  #progress(detail) {
    const { result } = detail;
    this.#lastResult = result;
    this.dispatchEvent(new CustomEvent('progress', { detail, bubbles: true, composed: true }));
    // The ring turns blue only after two good frames in a row and back after two bad ones, so that
    // a frame that flips the quality gate does not make it blink.
    this.#okRun = result.quality.ok ? Math.max(1, this.#okRun + 1) : Math.min(-1, this.#okRun - 1);
    if (this.#okRun >= 2) this.#setGuide('ok');
    else if (this.#okRun <= -2) this.#setGuide('');
    this.#drawOverlay(result);
    const code = result.quality.reasons[0]?.code;
    if (!code) {
      this.#hintCounts.clear();
      this.#say('checking');
      return;
    }
    const n = (this.#hintCounts.get(code) || 0) + 1;
    this.#hintCounts.clear();
    this.#hintCounts.set(code, n);
    if (n >= 2) this.#say(code);
  }

  #clearHeat() {
    const c = this.#ui.heat;
    c.getContext('2d').clearRect(0, 0, c.width, c.height);
  }

  // #drawOverlay draws over the video, in the frame's pixels (the canvas is mirrored like the video):
  // the spoof map when `heatmap` is set, and the face's keypoints unless `no-keypoints` is.
  #drawOverlay(result) {
    const c = this.#ui.heat;
    const { width, height } = result.frame;
    if (c.width !== width || c.height !== height) {
      c.width = width;
      c.height = height;
    }
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, width, height);
    const map = finestMap(result.maps);
    const clip = map && result.crop ? mapClip(result, this.#checker?.info) : null;
    if (this.heatmap && clip) {
      const { x, y, width: w, height: h } = result.crop;
      drawSpoofMap(ctx, map, x, y, w, h, 0.75, clip);
    }
    if (this.keypoints) drawKeypoints(ctx, result.face);
  }
}

if (!customElements.get('bonafide-check')) customElements.define('bonafide-check', BonafideCheck);
