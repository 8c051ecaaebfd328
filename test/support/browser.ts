// Real Chromium for end-to-end tests, driven by playwright-core (which ships no
// browser: Debian's /usr/bin/chromium is the one, installed by .ci/run).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { describe, it } from 'vitest';

export const CHROMIUM_PATH = '/usr/bin/chromium';

// Headless, no sandbox (CI runs as root), and nothing that reaches the network
// on its own: this machine has none, and waiting for it only slows start-up.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * A headless Chromium. Each launch gets a fresh, throw-away profile, so nothing
 * (IndexedDB included) carries over from another launch. Close it when done.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
}

export interface PersistentChromium {
  context: BrowserContext;
  /** The profile directory; removed by `close()`. */
  userDataDir: string;
  close(): Promise<void>;
}

/**
 * A headless Chromium on a profile in a fresh temp directory (or `userDataDir`),
 * for tests where storage must outlive a browser: `context.close()` keeps the
 * profile, so launching again with the same `userDataDir` reopens it.
 * `close()` closes the browser and removes the directory.
 */
export async function launchPersistentChromium(
  userDataDir = mkdtempSync(join(tmpdir(), 'waymark-chromium-')),
): Promise<PersistentChromium> {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: ARGS,
  });
  return {
    context,
    userDataDir,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface Served {
  /** `http://127.0.0.1:<port>`, without a final slash. */
  origin: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Serves `files` (URL path -> content, such as `{ '/': html, '/app.js': bundle }`)
 * on 127.0.0.1 at a free port. Pages need a real origin, not `data:`, for
 * IndexedDB; localhost counts as a secure context.
 */
export async function serve(files: Record<string, string>): Promise<Served> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const body = files[path];
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    const type = CONTENT_TYPES[extname(path)] ?? CONTENT_TYPES['.html'];
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * `describe` for tests that need Chromium. Without /usr/bin/chromium the suite is
 * skipped with a warning on a developer's machine, but fails under CI=true:
 * there a missing browser is a broken setup, not a reason to pass.
 */
export function describeInBrowser(name: string, fn: () => void): void {
  if (chromiumAvailable()) {
    describe(name, fn);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has Chromium to run in', () => {
        throw new Error(
          `Chromium is missing at ${CHROMIUM_PATH}, and CI must run the browser tests: ` +
            'install it (apt-get install -y chromium, as .ci/run does)',
        );
      });
    });
  } else {
    console.warn(
      `[waymark] skipping "${name}": no Chromium at ${CHROMIUM_PATH} ` +
        '(apt-get install -y chromium to run the browser tests)',
    );
    describe.skip(name, fn);
  }
}
