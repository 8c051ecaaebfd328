// The IndexedDB rows: waymark on waymark/idb against raw idb-keyval set/get of
// the same JSON string, in real Chromium (headless), interleaved in the page.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import { chromium } from 'playwright-core';
import { rollup } from 'rollup';
import { join } from 'node:path';
import { PACKAGE } from '../lib/waymark.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const PAGE = fileURLToPath(new URL('../browser/page.mjs', import.meta.url));
const DIST = join(PACKAGE, 'dist/');

/** `waymark` and `waymark/idb` are the built package, as an app would import it. */
const builtWaymark = {
  name: 'built-waymark',
  resolveId(source) {
    if (source === 'waymark') return `${DIST}index.js`;
    if (source === 'waymark/idb') return `${DIST}idb.js`;
    return null;
  },
};

async function bundlePage() {
  const bundle = await rollup({
    input: PAGE,
    plugins: [builtWaymark, nodeResolve({ browser: true, exportConditions: ['browser'] })],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es', inlineDynamicImports: true });
  await bundle.close();
  return output[0].code;
}

function serve(script) {
  const html = '<!doctype html><meta charset="utf-8"><title>waymark bench</title><script type="module" src="/page.js"></script>';
  const server = createServer((request, response) => {
    if (request.url === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else response.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Sessions listed in the browser's listing row. */
export const LISTING_COUNT = 1_000;

/**
 * Rows of { size, bytes, op, floor, waymark } in ms, the listing row
 * ({ count, floor, cold, warm, afterSave } in ms) and the browser's version.
 */
export async function runBrowser({ sizes, rounds = 15, log = () => {} }) {
  const script = await bundlePage();
  const server = await serve(script);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    // localhost is a secure context: crypto.subtle is there, as on an https site.
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.benchReady === true);
    const results = await page.evaluate((config) => window.runBench(config), { sizes, rounds });
    const listing = await page.evaluate((config) => window.runListing(config), { count: LISTING_COUNT, rounds: Math.max(5, Math.round(rounds / 3)) });
    const rows = [];
    for (const size of sizes) {
      const { bytes, medians } = results[size];
      for (const op of ['save', 'load', 'checkpoint', 'restore']) {
        rows.push({ size, bytes, op, floor: medians[op === 'restore' ? 'floor:load' : `floor:${op}`], waymark: medians[`waymark:${op}`] });
      }
    }
    return { version: browser.version(), rows, listing };
  } finally {
    await browser.close();
    server.close();
  }
}
