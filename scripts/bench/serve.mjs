// What the small bench harnesses (hop/, startup/, channel/) share: a static server of the files a function
// names, on 127.0.0.1, with the headers that make the page cross-origin isolated (SharedArrayBuffer,
// ORT's threads) and without caching, so that every fetch is a fetch (or, for a returning visit, with
// revalidation); and a headless Chromium with an empty profile, open at a page of it.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.jpg': 'image/jpeg', '.json': 'application/json' };

/**
 * Serves fileFor(pathname) (null: 404) and resolves to { origin, close }. With { revalidate: true }
 * the browser may keep what it fetched but asks each time whether it changed (Cache-Control:
 * no-cache, Last-Modified, 304), as `bonafide serve` does: what a returning visitor's page meets.
 * With { isolated: false } the COOP/COEP headers are left out: a page as most sites serve it.
 */
export async function serveIsolated(fileFor, { revalidate = false, isolated = true } = {}) {
  const server = http.createServer((req, res) => {
    const file = fileFor(new URL(req.url, 'http://x').pathname);
    const headers = { 'Cache-Control': revalidate ? 'no-cache' : 'no-store',
      ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}) };
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    headers['Content-Type'] = TYPES[path.extname(file)] || 'application/octet-stream';
    if (revalidate) {
      const modified = new Date(Math.floor(fs.statSync(file).mtimeMs / 1000) * 1000);
      headers['Last-Modified'] = modified.toUTCString();
      if (Date.parse(req.headers['if-modified-since'] ?? '') >= modified.getTime()) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** The file rel (URL-encoded, relative) names inside dir, or null when it would leave dir. */
export function under(dir, rel) {
  const f = path.join(dir, path.normalize(decodeURIComponent(rel)));
  return f.startsWith(dir + path.sep) ? f : null;
}

/**
 * Starts Debian's Chromium ($CHROMIUM) headless with an empty profile, opens url and, given a
 * readyFlag, waits until the page sets window[readyFlag]. Resolves to { page, context, close }: a
 * second page of the context shares the profile and its caches.
 */
export async function openFresh(url, readyFlag) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bonafide-bench-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(url);
    if (readyFlag) await page.waitForFunction((flag) => window[flag], readyFlag);
    return { page, context, close };
  } catch (e) {
    await close();
    throw e;
  }
}
