// Checks dist/ the way consumers meet it: through the package's name and its
// "exports", from a directory outside the repo that has waymark in node_modules.
// `npm test` builds first; run `npm run build` before running this file alone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup, type OutputChunk, type RollupLog } from 'rollup';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpPythonIndent2, parsePythonJson } from '../src/pyjson/index.js';
import { describeInBrowser, launchChromium, serve } from './support/browser.js';

const root = realpathSync(fileURLToPath(new URL('..', import.meta.url)));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, Record<'import' | 'require', { types: string; default: string }> | string>;
};

/** 'waymark', 'waymark/node', ... : every subpath in "exports" but ./package.json. */
const specifiers = Object.keys(pkg.exports)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? 'waymark' : `waymark${subpath.slice(1)}`));

/** What each adapter entry must export, beside whatever else it exports. */
const factories: Record<string, string> = {
  'waymark/node': 'nodeFs',
  'waymark/memfs': 'memFs',
  'waymark/idb': 'idbFs',
};

let app: string;

beforeAll(() => {
  if (!existsSync(join(root, 'dist'))) {
    throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  }
  // A consumer's project: its own directory, with waymark installed (a symlink).
  app = mkdtempSync(join(tmpdir(), 'waymark-consumer-'));
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(root, join(app, 'node_modules', 'waymark'), 'dir');
});

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('the browser bundle of an app using waymark and waymark/idb', () => {
  const defaultFsTargets: string[] = [];
  const warnings: RollupLog[] = [];
  let loaded: string[] = [];
  let chunk: OutputChunk;
  let minified: string;

  beforeAll(async () => {
    writeFileSync(join(app, 'browser-app.js'), "export * from 'waymark';\nexport * from 'waymark/idb';\n");
    const bundle = await rollup({
      input: join(app, 'browser-app.js'),
      plugins: [
        {
          name: 'record-default-fs',
          async resolveId(source, importer, options) {
            if (source !== '#default-fs') return null;
            const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
            defaultFsTargets.push(resolved?.id ?? '(unresolved)');
            return resolved;
          },
          buildEnd() {
            loaded = [...this.getModuleIds()];
          },
        },
        nodeResolve({ browser: true, exportConditions: ['browser'] }),
      ],
      onwarn: (warning) => void warnings.push(warning),
    });
    chunk = (await bundle.generate({ format: 'es', inlineDynamicImports: true })).output[0];
    minified = (await bundle.generate({ format: 'es', inlineDynamicImports: true, plugins: [terser()] })).output[0].code;
    await bundle.close();
  });

  it('resolves #default-fs to the IndexedDB variant', () => {
    expect(defaultFsTargets.length, 'the core never imports #default-fs').toBeGreaterThan(0);
    for (const target of defaultFsTargets) expect(target).toBe(join(root, 'dist/default-fs.browser.js'));
    expect(loaded).not.toContain(join(root, 'dist/default-fs.node.js'));
    expect(loaded).not.toContain(join(root, 'dist/node.js'));
  });

  it('bundles everything, with no node: builtin, fs or path left to import', () => {
    expect(warnings.map((w) => w.message)).toEqual([]);
    expect(chunk.imports).toEqual([]);
    expect(chunk.dynamicImports).toEqual([]);
    expect(loaded.filter((id) => /^(\0)?node:|^(fs|path)(\/|$)/.test(id))).toEqual([]);
    expect(chunk.code).not.toMatch(/\bfrom\s*["'](node:|fs\b|path\b)|\bimport\s*\(\s*["']|\brequire\s*\(/);
  });

  describeInBrowser('in Chromium, on IndexedDB', () => {
    it('saves a large session as the ASCII text Node writes, and loads it back verified', async () => {
      // About 300 KB, with text to escape: written as bytes, which the IndexedDB fs keeps as text.
      const notes = Array.from({ length: 1_500 }, (_, n) => ({ step: n, text: `naïve “draft” ${n} — ✓ 😀 ${'word '.repeat(30)}` }));
      const page = '<!doctype html><script type="module">import * as waymark from "/app.js"; window.waymark = waymark;</script>';
      const server = await serve({ '/': page, '/app.js': chunk.code });
      const browser = await launchChromium();
      try {
        const tab = await browser.newPage();
        await tab.goto(`${server.origin}/`);
        await tab.waitForFunction(() => 'waymark' in window);
        const result = await tab.evaluate(async (notes) => {
          // The bundle's exports, as the page put them (a test cannot import() here: vitest rewrites it).
          const { FileStorageBackend, StateManager, idbFs } = (window as unknown as { waymark: typeof import('../src/index.js') & typeof import('../adapters/idb.js') }).waymark;
          const fs = idbFs({ dbName: 'large-session' });
          const manager = new StateManager(new FileStorageBackend('/state', { fs }));
          const state = { branches: {}, activeBranches: new Set<string>(), completedBranches: new Set<string>(), waitingBranches: {}, branchResults: {}, parentChildMap: {}, childParentMap: {}, metadata: { notes } };
          await manager.saveSession('large', state);
          const loaded = await manager.loadSession('large');
          return { text: await fs.readFile('/state/sessions/session_large.json', 'utf8'), notes: loaded?.metadata.notes };
        }, notes);
        expect(result.text.length).toBeGreaterThan(200_000);
        expect(result.text).toMatch(/^[\x00-\x7e]*$/);
        expect(result.text).toContain('"text": "na\\u00efve \\u201cdraft\\u201d 0 \\u2014 \\u2713 \\ud83d\\ude00 word');
        // Python's layout exactly: Node's writer gives back the same text from what it parses.
        expect(dumpPythonIndent2(parsePythonJson(result.text) as never) === result.text).toBe(true);
        expect(result.notes).toEqual(notes);
      } finally {
        await browser.close();
        await server.close();
      }
    });
  });

  it('reports its size, minified and gzipped', () => {
    const bytes = gzipSync(minified).length;
    console.log(
      `waymark + waymark/idb browser bundle: ${(bytes / 1024).toFixed(2)} KiB min+gzip ` +
        `(${chunk.code.length} bytes before minifying)`,
    );
    expect(bytes).toBeGreaterThan(0);
  });
});

describe('the Node builds', () => {
  /** Runs a script in the consumer's directory and returns what it printed as JSON. */
  function run(file: string, script: string): unknown {
    writeFileSync(join(app, file), script);
    return JSON.parse(execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8' }));
  }

  it('load with import() and require(), and export the same names', () => {
    const list = JSON.stringify(specifiers);
    const esm = run(
      'names.mjs',
      `const names = {};
       for (const s of ${list}) names[s] = Object.keys(await import(s)).sort();
       console.log(JSON.stringify(names));`,
    ) as Record<string, string[]>;
    const cjs = run(
      'names.cjs',
      `const names = {};
       for (const s of ${list}) names[s] = Object.keys(require(s)).sort();
       console.log(JSON.stringify(names));`,
    ) as Record<string, string[]>;

    expect(cjs).toEqual(esm);
    for (const specifier of specifiers) expect(esm[specifier], specifier).not.toEqual([]);
    for (const [specifier, name] of Object.entries(factories)) expect(esm[specifier]).toContain(name);
  });

  it('store on the disk by default, from import() and from require()', () => {
    // new FileStorageBackend(dir) with no fs reaches #default-fs at run time.
    const roundTrip = (waymark: string, nodeFs: string) => `
      const { FileStorageBackend } = ${waymark};
      const fs = ${nodeFs};
      const dir = fs.mkdtempSync(${JSON.stringify(join(tmpdir(), 'waymark-default-fs-'))});
      const backend = new FileStorageBackend(dir);
      await backend.save('s1', { hello: 'world' });
      const onDisk = fs.readdirSync(dir, { recursive: true }).sort();
      console.log(JSON.stringify({ loaded: await backend.load('s1'), onDisk }));
      fs.rmSync(dir, { recursive: true });`;
    const esm = run('default-fs.mjs', roundTrip("await import('waymark')", "await import('node:fs')"));
    const cjs = run('default-fs.cjs', `(async () => {${roundTrip("require('waymark')", "require('node:fs')")}})();`);
    expect(esm).toEqual({ loaded: { hello: 'world' }, onDisk: expect.arrayContaining([expect.stringContaining('s1')]) });
    expect(cjs).toEqual(esm);
  });

  it('resolve #default-fs to the Node variant, and to the browser one under the browser condition', () => {
    // #default-fs is private to the package, so resolve it from inside (the repo).
    const resolveFrom = (conditions: string[]) => {
      const flags = conditions.map((c) => `--conditions=${c}`);
      const out = (args: string[]) =>
        execFileSync(process.execPath, [...flags, ...args], { cwd: root, encoding: 'utf8' }).trim();
      return {
        import: out(['--input-type=module', '-e', "console.log(import.meta.resolve('#default-fs'))"]),
        require: out(['-e', "console.log(require.resolve('#default-fs'))"]),
      };
    };
    expect(resolveFrom([])).toEqual({
      import: pathToFileURL(join(root, 'dist/default-fs.node.js')).href,
      require: join(root, 'dist/default-fs.node.cjs'),
    });
    expect(resolveFrom(['browser'])).toEqual({
      import: pathToFileURL(join(root, 'dist/default-fs.browser.js')).href,
      require: join(root, 'dist/default-fs.browser.cjs'),
    });
  });
});

describe('the type declarations', () => {
  it('exist for every subpath, for import and for require', () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect(target.import.types, subpath).toMatch(/\.d\.ts$/);
      expect(target.require.types, subpath).toMatch(/\.d\.cts$/);
      expect(existsSync(join(root, target.import.types)), target.import.types).toBe(true);
      expect(existsSync(join(root, target.require.types)), target.require.types).toBe(true);
    }
  });

  it('type-check a consumer that imports (ESM) and requires (CJS) every subpath', () => {
    const adapters = Object.entries(factories);
    writeFileSync(
      join(app, 'consumer.mts'),
      [
        "import * as core from 'waymark';",
        ...adapters.map(([s, name]) => `import { ${name} } from '${s}';`),
        `export const all = [core, ${adapters.map(([, name]) => name).join(', ')}];`,
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'consumer.cts'),
      [
        "import core = require('waymark');",
        ...adapters.map(([s], i) => `import adapter${i} = require('${s}');`),
        `export const all = [core, ${adapters.map(([, name], i) => `adapter${i}.${name}`).join(', ')}];`,
      ].join('\n'),
    );
    const program = ts.createProgram([join(app, 'consumer.mts'), join(app, 'consumer.cts')], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
    });
    // Judge only the consumer and our declarations: checking every .d.ts the
    // program reaches (@types/node, the peers') would be slow and not ours to fix.
    const ours = program.getSourceFiles().filter((file) => !realpathSync(file.fileName).includes('/node_modules/'));
    const errors = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...ours.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
    ].map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(errors).toEqual([]);

    const used = ours.map((file) => realpathSync(file.fileName));
    expect(used).toContain(join(root, 'dist/index.d.ts'));
    expect(used).toContain(join(root, 'dist/index.d.cts'));
  });
});
