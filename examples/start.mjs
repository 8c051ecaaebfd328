#!/usr/bin/env node
/**
 * `npm start`: builds waymark when dist/ is missing or older than its sources
 * (quietly; the build's output is shown only if it fails), then runs the demo
 * in this same process, so that Ctrl-C reaches it directly.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time of the files under `path`, 0 when it does not exist. */
function newest(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const sources = Math.max(...['src', 'adapters', 'package.json', 'rollup.config.mjs', 'tsconfig.json'].map((p) => newest(join(root, p))));
if (newest(join(root, 'dist/index.js')) < sources) {
  process.stdout.write('Building waymark (only when its sources changed)… ');
  // npm sets npm_execpath when it runs this script; outside npm, find npm on the PATH.
  const npm = process.env.npm_execpath;
  const build = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, encoding: 'utf8' })
    : spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', shell: process.platform === 'win32' });
  if (build.status !== 0) {
    console.log('failed:\n');
    console.log(build.stdout, build.stderr, build.error ?? '');
    process.exit(1);
  }
  console.log('done.');
}

await import('./research-demo.mjs');
