import fs from 'node:fs'; import http from 'node:http'; import os from 'node:os'; import path from 'node:path';
// The repo's playwright-core (make npm) and Debian's chromium, as the web tests use.
import { chromium } from '../../../../node_modules/playwright-core/index.mjs';
const H = path.dirname(new URL(import.meta.url).pathname);
const server = http.createServer((req, res) => {
  const f = path.join(H, req.url === '/' ? 'index.html' : path.basename(req.url));
  const h = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Content-Type': f.endsWith('.html') ? 'text/html' : 'text/javascript' };
  if (!fs.existsSync(f)) { res.writeHead(404, h); return res.end(); }
  res.writeHead(200, h); fs.createReadStream(f).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const p = await b.newPage();
p.on('pageerror', (e) => console.error(e));
await p.goto(`http://127.0.0.1:${server.address().port}/`);
await p.waitForFunction(() => window.run);
console.log('isolated', await p.evaluate(() => crossOriginIsolated));
for (let k = 0; k < 3; k++) console.log('load', os.loadavg()[0].toFixed(1), JSON.stringify(await p.evaluate(() => window.run(300))));
await b.close(); server.close();
