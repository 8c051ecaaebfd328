// `npm run bench`: builds waymark, then measures it against the floors and the
// peers, and writes bench/results/latest.md + latest.json and docs/bench-listing.svg.
//
//   node bench/run.mjs [--quick] [--only storage,listing,orchestra,browser,size]
//
// --quick: fewer rounds and no 1 MB / 10,000-session cases, for a smoke run.
// The peers live in bench/package.json; they are installed on first run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const only = onlyAt === -1 ? ['storage', 'listing', 'orchestra', 'browser', 'size'] : args[onlyAt + 1].split(',');
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

if (!existsSync(`${root}dist/index.js`)) throw new Error('dist/ is missing: run `npm run build` first (`npm run bench` does)');
if (!existsSync(`${benchDir}node_modules`)) {
  log('installing the peers (bench/package.json); without a prebuilt binary, better-sqlite3 compiles from source (minutes)');
  // Node's own headers, when installed, spare node-gyp a download (this machine reaches only the npm registry).
  const headers = '/usr/include/node/node_version.h';
  const env = { ...process.env };
  if (existsSync(headers) && readFileSync(headers, 'utf8').includes(`#define NODE_MAJOR_VERSION ${process.versions.node.split('.')[0]}\n`)) env.npm_config_nodedir = '/usr';
  execFileSync('npm', ['ci'], { cwd: benchDir, stdio: 'inherit', env });
}

// Measure a private copy of the build: a build started meanwhile (by a test run, say) cannot disturb it.
const { snapshotPackage } = await import('./lib/waymark.mjs');
if (process.env.WAYMARK_BENCH_PACKAGE === undefined) {
  const snapshot = snapshotPackage();
  process.env.WAYMARK_BENCH_PACKAGE = snapshot;
  process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
}
const { runStorage, SIZES } = await import('./suites/storage.mjs');
const { runListing, COUNTS } = await import('./suites/listing.mjs');
const { runOrchestra } = await import('./suites/orchestra.mjs');
const { runBrowser } = await import('./suites/browser.mjs');
const { runSize } = await import('./suites/size.mjs');
const { listingChart, markdown, verdicts } = await import('./lib/report.mjs');

const sizes = quick ? SIZES.slice(0, 2) : SIZES;
const results = {};
if (only.includes('size')) results.size = await runSize();
if (only.includes('storage')) results.storage = await runStorage({ rounds: quick ? 5 : 21, sizes, log });
if (only.includes('browser')) results.browser = await runBrowser({ sizes, rounds: quick ? 5 : 21, log });
if (only.includes('listing')) results.listing = await runListing({ counts: quick ? COUNTS.slice(0, 2) : COUNTS, coldRounds: quick ? 3 : 9, rounds: quick ? 5 : 15, log });
if (only.includes('orchestra')) results.orchestra = await runOrchestra({ rounds: quick ? 1 : 5, log });

const cpu = cpus();
const meta = {
  date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  machine: `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${process.platform === 'linux' ? execFileSync('uname', ['-r']).toString().trim() : process.platform}`,
  node: process.versions.node,
  quick,
};
const report = markdown(results, meta);
mkdirSync(`${benchDir}results`, { recursive: true });
writeFileSync(`${benchDir}results/latest.md`, `${report}\n`);
writeFileSync(`${benchDir}results/latest.json`, `${JSON.stringify({ meta, results, targets: verdicts(results) }, null, 2)}\n`);
if (results.listing) {
  mkdirSync(`${root}docs`, { recursive: true });
  writeFileSync(`${root}docs/bench-listing.svg`, `${listingChart(results.listing)}\n`);
}
process.stdout.write(`${report}\n`);
