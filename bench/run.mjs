// The viewer benchmark (see scripts/bench-viewer): serves dist/, this
// folder's three.js page and the generated models from 127.0.0.1, then
// loads each model in headless Chromium with our viewer and with three.js,
// alternately, and prints medians. Both start from the GLB's bytes already
// in page memory and stop at the first textured frame drawn.
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
/// Runs per viewer and model: enough for a stable median on a busy machine.
const RUNS = Number(process.env.BENCH_RUNS || 5);
/// A 1M-triangle model under SwiftShader takes seconds; leave room.
const RUN_TIMEOUT_MS = 300_000;
/// The recipe's flags: WebGL2 through SwiftShader, no GPU, no network;
/// precise memory info so the heap numbers are not bucketed.
const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-precise-memory-info',
];
const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.glb': 'model/gltf-binary', '.json': 'application/json',
};

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
        const body = readFileSync(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
        return res.end(body);
      } catch { break; }
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// In the page: samples the JS heap every 20 ms, so the peak is seen; and
// finishGpuWork, which reads one pixel back so a run ends when the frame
// has really been drawn, not when its commands were queued (under
// SwiftShader the difference is seconds).
const SAMPLER = `window.finishGpuWork = (gl) => gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
window.__peakHeap = 0; setInterval(() => {
  window.__peakHeap = Math.max(window.__peakHeap, performance.memory.usedJSHeapSize); }, 20);`;

async function runOurs(browser, base, model) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  await page.addInitScript(SAMPLER);
  await page.goto(`${base}/`);
  await page.waitForFunction(() => typeof window.trellisViewerShow === 'function');
  await page.evaluate(async (url) => {
    window.__bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  }, `${base}/models/${model}`);
  const result = await page.evaluate(() => new Promise((resolve) => {
    const viewer = document.getElementById('viewer');
    const start = performance.now();
    new MutationObserver(() => {
      const state = viewer.getAttribute('data-state');
      if (state === 'rendered' || state === 'error') {
        window.finishGpuWork(viewer.querySelector('canvas').getContext('webgl2'));
        resolve({
          state, texturedMs: performance.now() - start,
          clayMs: viewer.hasAttribute('data-clay-ms') ? Number(viewer.getAttribute('data-clay-ms')) : null,
          wasm: Number(viewer.getAttribute('data-wasm-memory-bytes')),
          heap: Math.max(window.__peakHeap, performance.memory.usedJSHeapSize),
        });
      }
    }).observe(viewer, { attributes: true, attributeFilter: ['data-state'] });
    window.trellisViewerShow(window.__bytes);
  }), { timeout: RUN_TIMEOUT_MS });
  await page.close();
  if (result.state !== 'rendered') throw new Error(`our viewer failed on ${model}`);
  return result;
}

async function runThree(browser, base, model) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  await page.addInitScript(SAMPLER);
  await page.goto(`${base}/three.html`);
  await page.waitForFunction(() => window.benchReady === true);
  await page.evaluate(async (url) => {
    window.__bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  }, `${base}/models/${model}`);
  const result = await page.evaluate(async () => {
    const { texturedMs } = await window.benchShow(window.__bytes);
    return { texturedMs, heap: Math.max(window.__peakHeap, performance.memory.usedJSHeapSize), wasm: 0 };
  });
  await page.close();
  return result;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
// Our viewer skips the clay stand-in when textures decode at once.
const clayColumn = (runs) => {
  const drawn = runs.map((r) => r.clayMs).filter((ms) => ms !== null);
  return drawn.length ? `${median(drawn).toFixed(0)}${drawn.length < runs.length ? '*' : ''}` : 'skipped';
};
const mb = (bytes) => (bytes / 1e6).toFixed(1);
const brotli = (files) => files.reduce((sum, f) => sum + brotliCompressSync(readFileSync(f), {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length, 0);

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: FLAGS });
try {
  console.log(`runs per viewer and model: ${RUNS} (alternating); times from bytes in page memory, ms`);
  console.log('model            ours:clay  ours:textured  three:textured  ratio  ours:peak heap+wasm MB  three:peak heap MB');
  for (const model of readdirSync(models).filter((f) => f.endsWith('.glb')).sort()) {
    const ours = []; const three = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(await runOurs(browser, base, model));
      three.push(await runThree(browser, base, model));
    }
    const o = median(ours.map((r) => r.texturedMs)); const t = median(three.map((r) => r.texturedMs));
    const oursPeak = Math.max(...ours.map((r) => r.heap + r.wasm)); const threePeak = Math.max(...three.map((r) => r.heap));
    console.log(`${model.padEnd(16)} ${clayColumn(ours).padStart(9)}  ${o.toFixed(0).padStart(13)}  ${t.toFixed(0).padStart(14)}  ${(o / t).toFixed(2).padStart(5)}  ${mb(oursPeak).padStart(22)}  ${mb(threePeak).padStart(18)}`);
    console.log(`  ours textured runs: ${ours.map((r) => r.texturedMs.toFixed(0)).join(' ')}; three: ${three.map((r) => r.texturedMs.toFixed(0)).join(' ')}`);
  }
  const ourFiles = readdirSync(dist).filter((f) => f.endsWith('.wasm') || f.endsWith('.js')).map((f) => join(dist, f));
  const threeFiles = ['build/three.module.min.js', 'build/three.core.min.js', 'examples/jsm/loaders/GLTFLoader.js', 'examples/jsm/environments/RoomEnvironment.js', 'examples/jsm/utils/BufferGeometryUtils.js'].map((f) => join(threeDir, f));
  console.log(`brotli -q 11: our wasm + JS glue ${brotli(ourFiles)} B; three.module.min.js + three.core.min.js + GLTFLoader + RoomEnvironment + BufferGeometryUtils ${brotli(threeFiles)} B`);
} finally {
  await browser.close();
  server.close();
}
