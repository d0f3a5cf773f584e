// The viewer benchmark (see scripts/bench-viewer). Serves dist/, this
// folder's three.js page and the generated models from 127.0.0.1, then
// opens each model as a link would, in headless Chromium with a cold cache:
//  - ours (link): our embed page with the model's web-optimized levels
//    (`?model=<name>.opt.glb&coarse=<name>.coarse.glb&embed=1`), as share
//    and embed links open a generated model;
//  - ours (raw): our embed page with the raw GLB (`?model=<name>.glb`);
//  - three.js: bench/three.html loading the raw GLB with GLTFLoader.
// Both pages fill the same window (equal canvas pixels, printed), with the
// same framing, FOV, lights and tone mapping (see three.html). Times run
// from the navigation's start (performance.now()) to the first visible
// model (ours: coarse or clay level; three.js draws only the full one) and
// to the full-detail textured frame, each after a one-pixel readback so the
// GPU has really drawn it. three.js's page waits for its environment's GPU
// work before loading (see three.html); its time after that is reported
// too. Network profiles are applied with the DevTools
// protocol (Network.emulateNetworkConditions). Bytes are the page's
// resource-timing transfer sizes. Every ratio is ours ÷ three.js.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');
const threeDir = join(here, 'node_modules', 'three');
const models = join(here, 'models');
/// Window (and so canvas) size, CSS pixels at device pixel ratio 1.
const WIDTH = 1000;
const HEIGHT = 800;
/// Runs per page, model and network profile; medians are printed.
const RUNS = Number(process.env.BENCH_RUNS || 3);
const THROTTLED_RUNS = Number(process.env.BENCH_THROTTLED_RUNS || 1);
/// Models to run (default: all in bench/models).
const MODELS = process.env.BENCH_MODELS ? process.env.BENCH_MODELS.split(',') : null;
/// Models also run on the throttled profiles (all take minutes on 10 Mbit/s).
const THROTTLED_MODELS = (process.env.BENCH_THROTTLED_MODELS || '1m-4096').split(',');
/// A 1M-triangle model on 10 Mbit/s under SwiftShader takes over a minute.
const RUN_TIMEOUT_MS = 600_000;
/// Network profiles (DevTools protocol units: bytes/s and ms of latency).
const PROFILES = {
  unthrottled: null,
  '50mbit-40ms': { latency: 40, downloadThroughput: 50e6 / 8, uploadThroughput: 20e6 / 8 },
  'phone-10mbit-100ms': { latency: 100, downloadThroughput: 10e6 / 8, uploadThroughput: 5e6 / 8 },
};
/// The recipe's flags: WebGL2 through SwiftShader, no GPU.
const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.glb': 'model/gltf-binary', '.json': 'application/json',
};
/// Every file is sent brotli-compressed (quality 5, made once and kept) to
/// both pages alike, as a static host or our proxy would.
const compressed = new Map();
function body(file) {
  if (!compressed.has(file)) {
    compressed.set(file, brotliCompressSync(readFileSync(file), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: statSync(file).size },
    }));
  }
  return compressed.get(file);
}

function serve() {
  const routes = [['/three/', threeDir], ['/models/', models], ['/three.html', join(here, 'three.html')], ['/', dist]];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    for (const [prefix, dir] of routes) {
      if (!path.startsWith(prefix)) continue;
      let file = prefix.endsWith('/') ? join(dir, path.slice(prefix.length)) : dir;
      if (!file.startsWith(dir)) break;
      try {
        if (statSync(file).isDirectory()) file = join(file, 'index.html');
        const plain = process.env.BENCH_PLAIN === '1';
        const data = plain ? readFileSync(file) : body(file);
        res.writeHead(200, {
          'content-type': TYPES[extname(file)] || 'application/octet-stream',
          ...(plain ? {} : { 'content-encoding': 'br' }), 'cache-control': 'no-store',
        });
        return res.end(data);
      } catch { break; }
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Before the page's scripts: finishGpuWork reads one pixel back, so a time
// is taken when the frame has really been drawn, not when its commands were
// queued (under SwiftShader the difference is seconds); for our viewer, the
// first and the full-detail frames are timed off #viewer's data-state.
const RECORDER = `window.finishGpuWork = (gl) => gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
window.__bench = {};
new MutationObserver(() => {
  const viewer = document.getElementById('viewer');
  if (!viewer) return;
  const state = viewer.getAttribute('data-state');
  const gl = () => viewer.querySelector('canvas').getContext('webgl2');
  if (['coarse', 'clay', 'rendered'].includes(state) && !window.__bench.firstMs) {
    window.finishGpuWork(gl());
    window.__bench.firstMs = performance.now();
  }
  if (state === 'rendered' && !window.benchDone) {
    window.finishGpuWork(gl());
    window.benchDone = { firstMs: window.__bench.firstMs, fullMs: performance.now() };
  }
  if (state === 'error' && !window.benchDone) window.benchDone = { error: viewer.textContent };
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });`;

async function run(browser, url, profile) {
  const context = await browser.newContext({ viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.addInitScript(RECORDER);
  if (PROFILES[profile]) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...PROFILES[profile] });
  }
  await page.goto(url);
  await page.waitForFunction(() => window.benchDone, null, { timeout: RUN_TIMEOUT_MS, polling: 100 });
  const result = await page.evaluate(() => {
    const canvas = document.querySelector('canvas');
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    return {
      ...window.benchDone,
      canvas: `${canvas.width}×${canvas.height}`,
      envReadyMs: window.envReadyMs ?? null,
      parsedMs: window.parsedMs ?? null,
      bytes: entries.reduce((sum, e) => sum + e.transferSize, 0),
    };
  });
  await context.close();
  if (result.error) throw new Error(`${url}: ${result.error}`);
  result.firstMs ??= result.fullMs;
  return result;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const ms = (x) => `${x.toFixed(0)}`.padStart(7);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`.padStart(6);
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`.padStart(9);

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
try {
  const names = readdirSync(models).filter((f) => /^[^.]+\.glb$/.test(f)).map((f) => f.slice(0, -4)).sort();
  console.log(`window ${WIDTH}×${HEIGHT} at DPR 1; times in ms from navigation start, medians; ratios are ours ÷ three.js`);
  console.log('profile             model       page         canvas     first   full  transferred   first÷three  full÷three  bytes÷three  (runs: first/full)');
  for (const [profile] of Object.entries(PROFILES)) {
    const runs = profile === 'unthrottled' ? RUNS : THROTTLED_RUNS;
    for (const name of names) {
      if (MODELS && !MODELS.includes(name)) continue;
      if (profile !== 'unthrottled' && !THROTTLED_MODELS.includes(name)) continue;
      const pages = {
        'ours (link)': `${base}/?model=/models/${name}.opt.glb&coarse=/models/${name}.coarse.glb&embed=1`,
        'ours (raw)': `${base}/?model=/models/${name}.glb&embed=1`,
        'three.js': `${base}/three.html?model=/models/${name}.glb`,
      };
      const results = Object.fromEntries(Object.keys(pages).map((p) => [p, []]));
      // Alternating, so a slow spell of the machine hits every page alike.
      for (let i = 0; i < runs; i++) {
        for (const [label, url] of Object.entries(pages)) results[label].push(await run(browser, url, profile));
      }
      const summary = (label) => ({
        first: median(results[label].map((r) => r.firstMs)),
        full: median(results[label].map((r) => r.fullMs)),
        bytes: median(results[label].map((r) => r.bytes)),
        canvas: results[label][0].canvas,
        runs: results[label].map((r) => `${r.firstMs.toFixed(0)}/${r.fullMs.toFixed(0)}`).join(' '),
        env: results[label][0].envReadyMs,
        parsed: results[label][0].parsedMs,
      });
      const three = summary('three.js');
      // three.js without its environment set-up (see three.html).
      const threeModel = median(results['three.js'].map((r) => r.fullMs - r.envReadyMs));
      for (const label of Object.keys(pages)) {
        const s = summary(label);
        const env = s.env === null
          ? `; ÷ three.js after its environment (${threeModel.toFixed(0)} ms): first ${(s.first / threeModel).toFixed(2)}×, full ${(s.full / threeModel).toFixed(2)}×`
          : `; environment ready at ${s.env.toFixed(0)} ms, scene loaded at ${s.parsed.toFixed(0)} ms`;
        console.log(`${profile.padEnd(19)} ${name.padEnd(11)} ${label.padEnd(12)} ${s.canvas.padEnd(9)} ${ms(s.first)} ${ms(s.full)}  ${mb(s.bytes)}  ${ratio(s.first, three.first).padStart(11)} ${ratio(s.full, three.full).padStart(11)} ${ratio(s.bytes, three.bytes).padStart(12)}  (${s.runs}${env})`);
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}
