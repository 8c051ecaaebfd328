// The built waymark the benchmark measures. `npm run bench` builds dist/, then
// bench/run.mjs copies it (with package.json, for the "#default-fs" import) to
// a private directory and points WAYMARK_BENCH_PACKAGE at it, so that another
// build starting in the meantime cannot pull files from under a long run.
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Copies dist/ and package.json into a fresh package directory; returns its path. */
export function snapshotPackage() {
  const dir = mkdtempSync(join(tmpdir(), 'waymark-bench-package-'));
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  // The peers (memfs, idb-keyval) resolve from the project's node_modules.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The package directory measured: the snapshot when there is one, else the project. */
export const PACKAGE = process.env.WAYMARK_BENCH_PACKAGE ?? root;
const entry = (name) => import(pathToFileURL(join(PACKAGE, 'dist', `${name}.js`)).href);

export const waymark = await entry('index');
export const { nodeFs } = await entry('node');
export const { memFs } = await entry('memfs');
