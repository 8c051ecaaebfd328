import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources, not dist/, so #default-fs goes straight to
    // the Node variant (package.json "imports" points into dist/). tsconfig.json
    // maps it the same way for the type checker.
    alias: {
      '#default-fs': fileURLToPath(new URL('./src/default-fs.node.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Node by default; a file that needs a DOM opts in with a first-line docblock:
    // /** @vitest-environment happy-dom */
    environment: 'node',
    // Only a guard against hangs: no test may depend on how fast this machine is.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
