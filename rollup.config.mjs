// Builds every entry as ESM (.js), CJS (.cjs) and types (.d.ts, .d.cts) into dist/.
// Entries land at the top of dist/, shared code in dist/chunks/: scripts/check-exports.mjs
// relies on that split to tell an entry (which package.json must reach) from a chunk.
import { rmSync } from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import pkg from './package.json' with { type: 'json' };

const input = {
  index: 'src/index.ts',
  node: 'adapters/node.ts',
  memfs: 'adapters/memfs.ts',
  idb: 'adapters/idb.ts',
  // The targets of package.json "imports" #default-fs, one per condition.
  'default-fs.node': 'src/default-fs.node.ts',
  'default-fs.browser': 'src/default-fs.browser.ts',
};

const peers = Object.keys(pkg.peerDependencies ?? {});

// `#default-fs` stays a bare import so that the consumer's resolver picks the
// condition (browser or not); bundling either variant here would fix the choice.
// Peers and node: builtins are the consumer's to provide.
function external(id) {
  return (
    id === '#default-fs' ||
    id.startsWith('node:') ||
    peers.some((peer) => id === peer || id.startsWith(`${peer}/`))
  );
}

// Any other bare import would reach consumers as a dependency they never installed.
function onwarn(warning, warn) {
  if (warning.code === 'UNRESOLVED_IMPORT') {
    throw new Error(
      `${warning.exporter} is imported by ${warning.id}, but waymark has no runtime dependencies: ` +
        `use node:* or a peer dependency (${peers.join(', ')}), or a relative path`,
    );
  }
  warn(warning);
}

/** Empties dist/ before a one-off build, so a file rollup no longer emits cannot linger there. */
const cleanDist = {
  name: 'clean-dist',
  buildStart() {
    if (!this.meta.watchMode) rmSync('dist', { recursive: true, force: true });
  },
};

export default [
  {
    input,
    external,
    onwarn,
    plugins: [
      cleanDist,
      typescript({
        tsconfig: './tsconfig.json',
        include: ['src/**/*.ts', 'adapters/**/*.ts'],
        compilerOptions: {
          noEmit: false,
          declaration: false,
          declarationMap: false,
          sourceMap: false,
          outDir: 'dist',
        },
        noEmitOnError: true,
      }),
    ],
    output: [
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        // An entry imports what it uses, not its imports' imports. Hoisting them only
        // speeds up unbundled loading in browsers, which bare imports rule out anyway.
        hoistTransitiveImports: false,
      },
      {
        dir: 'dist',
        format: 'cjs',
        entryFileNames: '[name].cjs',
        chunkFileNames: 'chunks/[name]-[hash].cjs',
        exports: 'named',
        // require() #default-fs rather than import() it, so that CJS code gets the
        // .cjs variant and shares classes (errors) with the rest of the CJS build.
        dynamicImportInCjs: false,
        hoistTransitiveImports: false,
      },
    ],
  },
  {
    input,
    external,
    onwarn,
    plugins: [dts({ tsconfig: './tsconfig.json' })],
    output: [
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].d.ts',
        chunkFileNames: 'chunks/[name]-[hash].d.ts',
      },
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].d.cts',
        chunkFileNames: 'chunks/[name]-[hash].d.cts',
      },
    ],
  },
];
