// The demo page: an onboarding step with <bonafide-check>, plus what a developer wants to see —
// the raw score per frame, the pyramid maps, per-stage timings and a drop zone for photos. The
// checker is created at load and handed to the element, so the page keeps working offline.
import { Bonafide } from '../bonafide.mjs';
import { bundles, drawKeypoints, drawSpoofMap, finestMap, mapClip } from '../bonafide-check.mjs';

const $ = (id) => document.getElementById(id);
const check = $('check');
const fmt = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');

function showError(err) {
  const box = $('error');
  box.textContent = `${err.name}: ${err.message}`;
  box.hidden = false;
}

async function json(url) {
  try {
    const r = await fetch(url);
    return r.ok ? await r.json() : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------- score over time

const frames = []; // {score, usable}
function drawChart(threshold) {
  const c = $('chart');
  const ctx = c.getContext('2d');
  const W = c.width;
  const H = c.height;
  const pad = 24;
  ctx.clearRect(0, 0, W, H);
  ctx.strokeStyle = '#d0d7de';
  ctx.fillStyle = '#57606a';
  ctx.font = '11px system-ui, sans-serif';
  for (const v of [0, 0.5, 1]) {
    const y = H - pad - v * (H - 2 * pad);
    ctx.beginPath();
    ctx.moveTo(pad, y);
    ctx.lineTo(W - 4, y);
    ctx.stroke();
    ctx.fillText(v.toFixed(1), 2, y + 4);
  }
  const ty = H - pad - threshold * (H - 2 * pad);
  ctx.save();
  ctx.setLineDash([6, 4]);
  ctx.strokeStyle = '#8250df';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(pad, ty);
  ctx.lineTo(W - 4, ty);
  ctx.stroke();
  ctx.restore();
  const n = Math.max(frames.length, 10);
  const x = (i) => pad + (i + 0.5) * ((W - pad - 4) / n);
  const y = (s) => H - pad - s * (H - 2 * pad);
  ctx.strokeStyle = '#1f6feb';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  let started = false;
  frames.forEach((f, i) => {
    if (!Number.isFinite(f.score)) return;
    if (started) ctx.lineTo(x(i), y(f.score));
    else ctx.moveTo(x(i), y(f.score));
    started = true;
  });
  ctx.stroke();
  frames.forEach((f, i) => {
    const s = Number.isFinite(f.score) ? f.score : 0;
    ctx.fillStyle = f.usable ? '#1a7f37' : '#afb8c1';
    ctx.beginPath();
    ctx.arc(x(i), y(s), 3.5, 0, 2 * Math.PI);
    ctx.fill();
  });
  ctx.fillStyle = '#57606a';
  ctx.fillText('frame →', W - 60, H - 6);
}

// ------------------------------------------------------------------------------------------ maps

function colour(live) {
  const s = Math.min(1, Math.max(0, 1 - live));
  return `rgb(${Math.round(26 + s * (207 - 26))}, ${Math.round(127 - s * (127 - 34))}, ${Math.round(55 - s * (55 - 46))})`;
}

function drawMaps(maps) {
  const box = $('maps');
  for (const [label, data] of Object.entries(maps)) {
    const m = /^(\d+)x(\d+)$/.exec(label);
    if (!m) continue;
    const w = +m[1];
    const h = +m[2];
    let fig = box.querySelector(`figure[data-label="${label}"]`);
    if (!fig) {
      fig = document.createElement('figure');
      fig.dataset.label = label;
      const c = document.createElement('canvas');
      c.width = 128;
      c.height = 128;
      c.setAttribute('aria-label', `${label} live-probability map`);
      const cap = document.createElement('figcaption');
      fig.append(c, cap);
      box.append(fig);
    }
    const c = fig.querySelector('canvas');
    const ctx = c.getContext('2d');
    const cw = c.width / w;
    const ch = c.height / h;
    let sum = 0;
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const v = data[j * w + i];
        sum += v;
        ctx.fillStyle = colour(v);
        ctx.fillRect(i * cw, j * ch, Math.ceil(cw), Math.ceil(ch));
      }
    }
    fig.querySelector('figcaption').textContent = `${label} · mean ${fmt(sum / data.length, 2)}`;
  }
}

// --------------------------------------------------------------------------------------- timings

const stages = ['detect', 'crop', 'infer', 'total', 'pixels', 'roundTrip'];
const history = Object.fromEntries(stages.map((s) => [s, []]));
function showTimings(t) {
  const body = $('timings').tBodies[0];
  for (const s of stages) {
    const h = history[s];
    h.push(t[s]);
    if (h.length > 30) h.shift();
    let row = body.querySelector(`tr[data-stage="${s}"]`);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.stage = s;
      row.innerHTML = `<td>${s}</td><td></td><td></td>`;
      body.append(row);
    }
    row.cells[1].textContent = fmt(t[s], 1);
    row.cells[2].textContent = fmt(h.reduce((a, b) => a + b, 0) / h.length, 1);
  }
}

// ----------------------------------------------------------------------------------------- photo

async function scorePhoto(file, checker) {
  const res = await checker.analyze(file);
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 640 / bitmap.width);
  const c = $('photocanvas');
  c.width = Math.round(bitmap.width * scale);
  c.height = Math.round(bitmap.height * scale);
  const ctx = c.getContext('2d');
  ctx.drawImage(bitmap, 0, 0, c.width, c.height);
  bitmap.close();
  const map = finestMap(res.maps);
  const clip = mapClip(res, checker.info);
  if (map && clip) {
    const k = (r) => ({ x: r.x * scale, y: r.y * scale, width: r.width * scale, height: r.height * scale });
    const c = k(res.crop);
    drawSpoofMap(ctx, map, c.x, c.y, c.width, c.height, 0.75, k(clip));
  }
  if (res.face) {
    ctx.strokeStyle = '#2f81f7';
    ctx.lineWidth = 2;
    ctx.strokeRect(res.face.x * scale, res.face.y * scale, res.face.width * scale, res.face.height * scale);
    ctx.save();
    ctx.scale(scale, scale);
    drawKeypoints(ctx, res.face);
    ctx.restore();
  }
  $('p-score').textContent = res.scored ? fmt(res.score) : 'no face scored';
  $('p-live').textContent = res.live ? 'live' : res.scored && res.quality.ok ? 'spoof' : 'retake';
  // The codes with their measures, then the advice the element gives for the first one (e.g.
  // face_turned: "Look at the camera.").
  const first = res.quality.reasons[0]?.code;
  $('p-quality').textContent = res.quality.ok ? 'ok' : `${res.quality.reasons.map((r) => `${r.code} (${fmt(r.value, 2)} vs ${fmt(r.limit, 2)})`).join(', ')}: ${bundles.en[first] ?? ''}`;
  $('p-time').textContent = `${fmt(res.timings.roundTrip, 1)} ms`;
  $('photo').hidden = false;
  if (Object.keys(res.maps).length) drawMaps(res.maps);
  document.body.dataset.photo = 'done';
}

function wireDrop(checker) {
  const drop = $('drop');
  const input = $('file');
  const take = (file) => {
    if (!file) return;
    document.body.dataset.photo = 'busy';
    scorePhoto(file, checker).catch((e) => {
      document.body.dataset.photo = 'error';
      showError(e);
    });
  };
  input.addEventListener('change', () => take(input.files[0]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    take(e.dataTransfer.files[0]);
  });
}

// ------------------------------------------------------------------------------------------ main

function showModel(checker, manifest, sizes) {
  const i = checker.info;
  const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
  const rows = [
    ['model', manifest ? `${manifest.source} (${mb(manifest.bytes)})` : 'default'],
    ['kind', i.kind],
    ['version', i.version || '–'],
    ['crop', `${i.cropWidth}×${i.cropHeight}`],
    ['maps', i.maps.join(', ') || 'none'],
    ['threshold', fmt(checker.options.threshold, 2)],
    ['params / MACs', `${(i.params / 1e3).toFixed(1)} k / ${(i.macs / 1e6).toFixed(1)} M`],
    ['runs in', i.worker ? `a Web Worker (${i.go})` : `the page (${i.go})`],
    ['face detector', i.detector === 'blazeface' ? 'BlazeFace (MediaPipe, front 128×128), with keypoints' : 'pigo (pico cascade)'],
  ];
  if (sizes) {
    rows.push(['bonafide.wasm', `${mb(sizes.wasm.raw)} (${mb(sizes.wasm.gzip)} gzip)`]);
    rows.push(['JS (module + worker + engine)', `${(sizes.js.raw / 1e3).toFixed(1)} kB (${(sizes.js.gzip / 1e3).toFixed(1)} kB gzip)`]);
  }
  const dl = $('model');
  dl.replaceChildren();
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
}

async function main() {
  document.body.dataset.state = 'loading';
  const [manifest, sizes] = await Promise.all([json('../models/default.json'), json('../sizes.json')]);
  if (manifest?.dev) {
    const b = $('devbanner');
    b.textContent = `Development model (${manifest.source}): random weights, for wiring only. Its scores and maps mean nothing.`;
    b.hidden = false;
  }
  const integrity = manifest ? { model: manifest.sha256, wasm: sizes?.wasm?.sha256 } : {};
  const checker = await Bonafide.create({ integrity });
  check.checker = checker;
  window.bonafideDemo = { checker };
  showModel(checker, manifest, sizes);
  drawChart(checker.options.threshold);
  wireDrop(checker);

  check.addEventListener('progress', (e) => {
    const { result, frame } = e.detail;
    if (frame === 0) frames.length = 0;
    frames.push({ score: result.score, usable: result.scored && result.quality.ok });
    drawChart(result.threshold);
    if (Object.keys(result.maps).length) drawMaps(result.maps);
    showTimings(result.timings);
  });
  check.addEventListener('result', (e) => {
    const v = e.detail;
    $('verdict').hidden = false;
    $('v-decision').textContent = v.decision;
    $('v-score').textContent = `${fmt(v.score)} (threshold ${fmt(v.threshold, 2)})`;
    $('v-frames').textContent = `${v.frames} (${v.usable})`;
    $('v-reasons').textContent = v.reasons.join(', ') || '–';
    $('v-time').textContent = `${(v.durationMs / 1000).toFixed(1)} s`;
    const c = $('bestcrop');
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, c.width, c.height);
    if (v.bestFrame?.crop) ctx.drawImage(v.bestFrame.crop, 0, 0, c.width, c.height);
    window.bonafideDemo.lastVerdict = { decision: v.decision, score: v.score, threshold: v.threshold, frames: v.frames,
      usable: v.usable, scores: v.scores, frameScores: v.frameScores, reasons: v.reasons, hasCrop: !!v.bestFrame?.crop };
    document.body.dataset.verdict = v.decision;
  });
  check.addEventListener('error', (e) => {
    document.body.dataset.verdict = `error:${e.detail?.name}`;
  });
  document.body.dataset.state = 'ready';
}

main().catch((e) => {
  document.body.dataset.state = 'error';
  showError(e);
});
