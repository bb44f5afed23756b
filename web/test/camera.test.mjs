// The demo page and <bonafide-check> with Chromium's fake camera: a verdict for each clip, the
// verdict direction (trained model only), the heatmap screenshot, offline use after load, and a
// denied or missing camera.
import path from 'node:path';
import { assert, launch, Skip, ARTIFACTS } from './lib.mjs';

async function openDemo(context, origin) {
  const page = await context.newPage();
  await page.goto(`${origin}/demo/`);
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout: 60000 });
  const state = await page.evaluate(() => [document.body.dataset.state, document.getElementById('error').textContent]);
  assert(state[0] === 'ready', `the demo did not load: ${state[1]}`);
  return page;
}

async function runCheck(page) {
  await page.evaluate(() => { delete document.body.dataset.verdict; });
  await page.click('bonafide-check button.start');
  await page.waitForFunction(() => document.body.dataset.verdict, null, { timeout: 60000 });
  return page.evaluate(() => ({
    outcome: document.body.dataset.verdict,
    verdict: window.bonafideDemo.lastVerdict,
    status: document.querySelector('bonafide-check').shadowRoot.querySelector('.status').textContent,
  }));
}

/** Runs f(page) in a fresh browser with the fake camera showing clip, on the test site's blank page. */
async function onBlankPage({ origin, rec, clip }, f) {
  const b = await launch({ camera: clip.y4m });
  rec.watch(b.context);
  try {
    const page = await b.context.newPage();
    await page.goto(`${origin}/test/blank.html`);
    return await f(page);
  } finally {
    await b.close();
  }
}

async function strings(page) {
  return page.evaluate(async () => (await import('/bonafide-check.mjs')).bundles.en);
}

/** Counts heatmap pixels drawn over the face (the overlay canvas of the component). */
async function heatPixels(page) {
  return page.evaluate(() => {
    const c = document.querySelector('bonafide-check').shadowRoot.querySelector('canvas.heat');
    if (!c.width) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
}

export function cameraTests({ origin, clips, turnedClip, hasFace, devModel, rec }) {
  const outcomes = {};
  const tests = [];
  for (const clip of clips) {
    tests.push({
      name: `the component reaches a verdict on the ${clip.label} clip (${clip.source})`,
      async fn() {
        const b = await launch({ camera: clip.y4m });
        rec.watch(b.context);
        try {
          const page = await openDemo(b.context, origin);
          const en = await strings(page);
          const r = await runCheck(page);
          outcomes[clip.label] = r;
          console.log(`        ${clip.label}: ${r.outcome}, median score ${r.verdict?.score?.toFixed?.(3)}, ${r.verdict?.frames} frames (${r.verdict?.usable} usable), reasons [${r.verdict?.reasons}]`);
          assert(['live', 'spoof', 'retake'].includes(r.outcome), `no verdict: ${r.outcome} (${r.status})`);
          const want = r.outcome === 'retake' ? null : en[r.outcome];
          if (want) assert(r.status === want, `status "${r.status}", want "${want}"`);
          if (hasFace) {
            assert(r.outcome !== 'retake', `a clear face gave retake: ${JSON.stringify(r.verdict)}`);
            assert(r.verdict.hasCrop, 'no best-evidence crop');
          } else {
            assert(r.outcome === 'retake' && r.verdict.reasons[0] === 'no_face', `the generated clip has no face: ${JSON.stringify(r.verdict)}`);
          }
          if (clip.label === 'live' || !hasFace) {
            if (hasFace) assert(await heatPixels(page) > 1000, 'no heatmap drawn over the face');
            await page.screenshot({ path: path.join(ARTIFACTS, 'demo.png'), fullPage: true });
            await page.locator('bonafide-check').screenshot({ path: path.join(ARTIFACTS, 'component.png') });

            // Offline after load: score a photo and run a second check with the network down.
            await b.context.setOffline(true);
            await page.setInputFiles('#file', clip.image);
            await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.photo), null, { timeout: 30000 });
            const photo = await page.evaluate(() => [document.body.dataset.photo, document.getElementById('p-score').textContent]);
            assert(photo[0] === 'done', `photo scoring failed offline: ${photo[1]}`);
            const again = await runCheck(page);
            assert(['live', 'spoof', 'retake'].includes(again.outcome), `offline check: ${again.outcome}`);
            await page.screenshot({ path: path.join(ARTIFACTS, 'demo-photo.png'), fullPage: true });
            await b.context.setOffline(false);
          }
        } finally {
          await b.close();
        }
      },
    });
  }
  tests.push({
    name: 'verdicts differ the right way: live clip → live, printed-photo clip → spoof',
    async fn() {
      if (!hasFace) throw new Skip('../shared is absent: the clips come from a generated picture with no face, so there is no direction to check');
      if (devModel) throw new Skip('DEFAULT_MODEL is the untrained dev model (scripts/build-web.sh): its scores are random, so only "a verdict is reached" is checked');
      assert(outcomes.live?.outcome === 'live', `live clip: ${outcomes.live?.outcome}`);
      assert(outcomes.spoof?.outcome === 'spoof', `spoof clip: ${outcomes.spoof?.outcome}`);
      assert(outcomes.live.verdict.score > outcomes.spoof.verdict.score, 'live scored below spoof');
    },
  });
  tests.push({
    name: 'a turned head on the fake camera: the whole pipeline reports face_turned, the keypoints are drawn, the element says "look at the camera"',
    async fn() {
      if (!turnedClip) throw new Skip(hasFace ? 'no replay live frame with face_turned as its only reason among the first of each source' : '../shared is absent: no turned head to film');
      const b = await launch({ camera: turnedClip.y4m });
      rec.watch(b.context);
      try {
        const page = await openDemo(b.context, origin);
        const en = await strings(page);
        await page.evaluate(() => {
          const el = document.querySelector('bonafide-check');
          el.heatmap = false; // only the keypoints are drawn on the overlay
          window.__seen = { frames: 0, keypoints: 0, turned: 0, pixels: 0, statuses: new Set() };
          el.addEventListener('progress', (e) => {
            const r = e.detail.result;
            const s = window.__seen;
            s.frames++;
            if (r.face?.keypoints?.length === 6) s.keypoints++;
            if (r.quality.reasons.some((q) => q.code === 'face_turned')) s.turned++;
            setTimeout(() => { // the element draws after dispatching the event
              const c = el.shadowRoot.querySelector('canvas.heat');
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let j = 3; j < d.length; j += 4) if (d[j] > 0) n++;
              s.pixels = Math.max(s.pixels, n);
              s.statuses.add(el.shadowRoot.querySelector('.status').textContent);
            }, 0);
          });
        });
        const r = await runCheck(page);
        const seen = await page.evaluate(() => ({ ...window.__seen, statuses: [...window.__seen.statuses] }));
        const why = `${turnedClip.source}: ${JSON.stringify({ r, seen })}`;
        assert(seen.frames > 0 && seen.keypoints === seen.frames, `keypoints on every frame: ${why}`);
        assert(seen.turned > seen.frames / 2, `face_turned on most frames: ${why}`);
        assert(seen.pixels > 20, `no keypoints drawn: ${why}`);
        assert(r.outcome === 'retake' && r.verdict.reasons.includes('face_turned'), `verdict: ${why}`);
        assert(r.status.includes(en.face_turned), `final status "${r.status}", want "${en.face_turned}": ${why}`);
        console.log(`        ${turnedClip.source}: ${seen.turned}/${seen.frames} frames face_turned; "${r.status}"`);
      } finally {
        await b.close();
      }
    },
  });
  tests.push({
    name: 'the component draws the keypoints and says "look at the camera" for a turned head (face_turned)',
    async fn() {
      // The element's side alone, with or without ../shared: a checker that reports a turned head
      // (the check above films a real one when ../shared is there), the drawing and the words.
      const b = await launch({ camera: clips[0].y4m });
      rec.watch(b.context);
      try {
        const page = await openDemo(b.context, origin);
        const en = await strings(page);
        const out = await page.evaluate(async () => {
          const el = document.createElement('bonafide-check');
          document.body.append(el);
          const face = {
            x: 220, y: 120, width: 200, height: 200, score: 0.95, angle: 0, yaw: 0.7,
            keypoints: [['right_eye', 280, 190], ['left_eye', 350, 190], ['nose_tip', 345, 235], ['mouth', 330, 270], ['right_ear', 240, 205], ['left_ear', 372, 205]].map(([name, x, y]) => ({ name, x, y })),
          };
          const reasons = [{ code: 'face_turned', value: 0.7, limit: 0.6 }];
          const statuses = [];
          let pixels = 0;
          el.checker = {
            closed: false,
            async startSession(video, o) {
              for (let i = 0; i < 4; i++) {
                const result = { live: false, scored: true, score: 0.5, face, faces: [face], crop: null, maps: {}, quality: { ok: false, reasons }, frame: { width: 640, height: 480 } };
                o.onProgress({ result, verdict: { decision: 'pending', reasons: ['face_turned'] }, frame: i });
                if (i === 1) {
                  const c = el.shadowRoot.querySelector('canvas.heat');
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  for (let j = 3; j < d.length; j += 4) if (d[j] > 0) pixels++;
                }
                await new Promise((r) => setTimeout(r, 700));
                statuses.push(el.shadowRoot.querySelector('.status').textContent);
              }
              return { decision: 'retake', live: false, score: NaN, frames: 4, usable: 0, scores: [], reasons: ['face_turned'], best: -1, bestFrame: null };
            },
          };
          await el.start();
          const final = el.shadowRoot.querySelector('.status').textContent;
          el.remove();
          return { statuses, final, pixels };
        });
        assert(out.pixels > 20, `no keypoints drawn (${out.pixels} pixels)`);
        assert(out.statuses.includes(en.face_turned), `statuses ${JSON.stringify(out.statuses)}, want "${en.face_turned}"`);
        assert(out.final.includes(en.face_turned), `final status "${out.final}"`);
      } finally {
        await b.close();
      }
    },
  });
  tests.push({
    name: 'workers: 2 on the fake camera: frames in flight on both Workers, results in frame order and equal to one Worker\'s, a session, clean close',
    async fn() {
      await onBlankPage({ origin, rec, clip: clips[0] }, async (page) => {
        const out = await page.evaluate(async () => {
          const { Bonafide } = await import('/bonafide.mjs');
          const video = document.createElement('video');
          await Bonafide.openCamera(video);
          const frames = [];
          for (let i = 0; i < 8; i++) {
            await new Promise((r) => video.requestVideoFrameCallback(r));
            frames.push(await createImageBitmap(video));
          }
          const pool = await Bonafide.create({ workers: 2 });
          const one = await Bonafide.create();
          // All eight in flight at once: each goes to the less busy Worker; they resolve in order.
          const resolved = [];
          const many = await Promise.all(frames.map((f, i) => pool.analyze(f).then((r) => { resolved.push(i); return r; })));
          const single = [];
          for (const f of frames) single.push(await one.analyze(f));
          const same = many.every((r, i) => r.scored === single[i].scored
            && (Number.isNaN(r.score) ? Number.isNaN(single[i].score) : r.score === single[i].score)
            && JSON.stringify(r.face) === JSON.stringify(single[i].face));
          const video2 = await Promise.all(frames.map((f) => pool.analyze(f, { video: true })));
          const stats = await pool.stats();
          const verdict = await pool.startSession(video, { minFrames: 3, maxFrames: 12, timeoutMs: 30000 });
          await one.close();
          await pool.close();
          let after = '';
          try {
            await pool.analyze(frames[0]);
          } catch (e) {
            after = e.name;
          }
          return {
            info: pool.info.workers, resolved, same, scored: single.filter((r) => r.scored).length,
            engines: many.map((r) => r.timings.worker), videoEngines: video2.map((r) => r.timings.worker),
            statsWorkers: stats.workers?.length, decision: verdict.decision, after,
          };
        });
        console.log(`        engines per frame ${out.engines.join('')} (video ${out.videoEngines.join('')}), ${out.scored}/8 scored, session: ${out.decision}`);
        assert(out.info === 2 && out.statsWorkers === 2, `info.workers ${out.info}, stats.workers ${out.statsWorkers}`);
        assert(JSON.stringify(out.resolved) === JSON.stringify([0, 1, 2, 3, 4, 5, 6, 7]), `resolved in order ${out.resolved}`);
        assert(out.engines.includes(0) && out.engines.includes(1), `both Workers analysed frames: ${out.engines}`);
        assert(out.videoEngines.includes(0) && out.videoEngines.includes(1), `video frames: ${out.videoEngines}`);
        assert(out.same, 'two Workers give other results than one for the same frames');
        assert(['live', 'spoof', 'retake'].includes(out.decision), `session: ${out.decision}`);
        assert(out.after === 'InvalidStateError', `after close(): ${out.after}`);
        for (let i = 0; i < 50 && page.workers().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert(page.workers().length === 0, `${page.workers().length} worker(s) left running after close()`);
      });
    },
  });
  tests.push({
    name: 'a <bonafide-check> with no checker loads the engine while the browser asks for the camera, and reaches a verdict',
    async fn() {
      await onBlankPage({ origin, rec, clip: clips[0] }, async (page) => {
        const out = await page.evaluate(async () => {
          const md = navigator.mediaDevices;
          const gum = md.getUserMedia.bind(md);
          let asked = null;
          md.getUserMedia = async (c) => {
            asked = performance.now();
            await new Promise((r) => setTimeout(r, 300)); // a person answering the prompt
            return gum(c);
          };
          performance.clearMeasures();
          await import('/bonafide-check.mjs');
          const el = document.createElement('bonafide-check');
          document.body.append(el);
          try {
            const verdict = await el.start();
            const models = performance.getEntriesByName('bonafide models')[0];
            return { decision: verdict?.decision, asked, modelsEnd: models && models.startTime + models.duration };
          } finally {
            md.getUserMedia = gum;
            el.remove();
          }
        });
        assert(['live', 'spoof', 'retake'].includes(out.decision), `no verdict: ${JSON.stringify(out)}`);
        assert(out.asked !== null && out.modelsEnd > out.asked, `the camera was asked for after the engine had loaded: ${JSON.stringify(out)}`);
      });
    },
  });
  tests.push({
    name: 'a denied camera shows NotAllowedError in the UI',
    async fn() {
      const b = await launch({ deny: true });
      rec.watch(b.context);
      try {
        const page = await openDemo(b.context, origin);
        const en = await strings(page);
        const r = await runCheck(page);
        assert(r.outcome === 'error:NotAllowedError', `outcome ${r.outcome}`);
        assert(r.status === en.NotAllowedError, `status "${r.status}"`);
      } finally {
        await b.close();
      }
    },
  });
  tests.push({
    name: 'no camera at all shows NotFoundError in the UI',
    async fn() {
      const b = await launch({ extraArgs: ['--use-fake-ui-for-media-stream'] });
      rec.watch(b.context);
      try {
        const page = await openDemo(b.context, origin);
        const cams = await page.evaluate(async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').length);
        if (cams > 0) throw new Skip(`this machine has ${cams} real camera(s)`);
        const en = await strings(page);
        const r = await runCheck(page);
        assert(r.outcome === 'error:NotFoundError', `outcome ${r.outcome}`);
        assert(r.status === en.NotFoundError, `status "${r.status}"`);
      } finally {
        await b.close();
      }
    },
  });
  return { tests };
}
