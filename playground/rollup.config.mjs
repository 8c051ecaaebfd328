// The playground page: playground/src/main.ts bundled with waymark's own
// sources (not dist/) into playground/dist/, beside index.html and style.css.
// Used by scripts/serve-playground.mjs (`npm run playground`), or alone:
// `rollup -c playground/rollup.config.mjs`.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import ts from 'typescript';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const STATIC_FILES = ['index.html', 'style.css'];

/**
 * TypeScript to JavaScript file by file, without type checking: `npm run
 * typecheck` checks playground/src with the rest of the repository, and
 * checking again here would make every `npm run playground` wait for it.
 * The sources are written for this (isolatedModules, verbatimModuleSyntax).
 */
const transpileTypeScript = {
  name: 'transpile-typescript',
  resolveId(source, importer) {
    // The sources import each other as './x.js', as Node's ESM wants; the files are x.ts.
    if (importer === undefined || !source.startsWith('.') || !source.endsWith('.js')) return null;
    const file = join(dirname(importer), `${source.slice(0, -'.js'.length)}.ts`);
    return existsSync(file) ? file : null;
  },
  transform(code, id) {
    if (!id.endsWith('.ts')) return null;
    const { outputText, sourceMapText, diagnostics = [] } = ts.transpileModule(code, {
      fileName: id,
      reportDiagnostics: true,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: true,
        sourceMap: true,
      },
    });
    if (diagnostics.length > 0) this.error(ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n'));
    return { code: outputText, map: sourceMapText };
  },
};

/**
 * `#default-fs` is the core's environment-chosen fs. package.json points its
 * browser condition into dist/ (the library's build); a page built from the
 * sources wants the browser source.
 */
const browserDefaultFs = {
  name: 'browser-default-fs',
  resolveId(source) {
    return source === '#default-fs' ? here('../src/default-fs.browser.ts') : null;
  },
};

/** index.html and style.css, emitted beside the bundle; the output directory is emptied first. */
function staticFiles(outDir) {
  return {
    name: 'playground-static-files',
    buildStart() {
      if (!this.meta.watchMode) rmSync(outDir, { recursive: true, force: true });
      for (const name of STATIC_FILES) this.addWatchFile(here(`./${name}`));
    },
    generateBundle() {
      for (const name of STATIC_FILES) {
        this.emitFile({ type: 'asset', fileName: name, source: readFileSync(here(`./${name}`), 'utf8') });
      }
    },
  };
}

/**
 * The page's build into `outDir`. The tests build into a directory of their
 * own, so that a test run never serves a page another build is rewriting.
 */
export function playgroundConfig({ outDir = here('./dist') } = {}) {
  return {
    input: here('./src/main.ts'),
    plugins: [staticFiles(outDir), browserDefaultFs, transpileTypeScript, nodeResolve({ browser: true }), terser({ format: { comments: false } })],
    output: {
      dir: outDir,
      format: 'es',
      entryFileNames: 'main.js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      sourcemap: true,
    },
  };
}

export default playgroundConfig();
