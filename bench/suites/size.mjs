// The minified + gzipped browser bundle of an app using waymark + waymark/idb:
// one that uses only the StateManager, one that also runs Orchestra. Built as a
// consumer builds it: rollup, node-resolve with the browser condition, terser.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';

import { PACKAGE } from '../lib/waymark.mjs';

const root = PACKAGE;

export const APPS = [
  {
    id: 'state-manager',
    label: 'StateManager only',
    budget: 6 * 1024,
    source: `import { StateManager, FileStorageBackend } from 'waymark';
import { idbFs } from 'waymark/idb';
export const state = new StateManager(new FileStorageBackend('/state', { fs: idbFs() }));`,
  },
  {
    id: 'orchestra',
    label: 'StateManager + Orchestra',
    budget: 12 * 1024,
    source: `import { StateManager, FileStorageBackend, Orchestra } from 'waymark';
import { idbFs } from 'waymark/idb';
const state = new StateManager(new FileStorageBackend('/state', { fs: idbFs() }));
export const run = (options) => Orchestra.run({ ...options, stateManager: state });`,
  },
];

/** The app bundled and minified; `root` is waymark's directory (with dist/ built). */
export async function bundleApp(source, packageRoot = root) {
  const app = mkdtempSync(join(tmpdir(), 'waymark-size-'));
  try {
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(packageRoot, join(app, 'node_modules', 'waymark'), 'dir');
    writeFileSync(join(app, 'app.js'), source);
    const warnings = [];
    const bundle = await rollup({
      input: join(app, 'app.js'),
      plugins: [nodeResolve({ browser: true, exportConditions: ['browser'] })],
      onwarn: (warning) => warnings.push(warning.message),
    });
    const { output } = await bundle.generate({ format: 'es', inlineDynamicImports: true, plugins: [terser()] });
    await bundle.close();
    const code = output[0].code;
    return { min: Buffer.byteLength(code), gzip: gzipSync(code, { level: 9 }).length, warnings };
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

/** Rows of { id, label, min, gzip, budget }. */
export async function runSize() {
  const rows = [];
  for (const app of APPS) rows.push({ ...app, ...(await bundleApp(app.source)) });
  return rows;
}
