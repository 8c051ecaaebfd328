#!/usr/bin/env node
// `npm run playground`: builds the browser playground (playground/rollup.config.mjs)
// into playground/dist/ and serves it on localhost with node:http.
//
//   node scripts/serve-playground.mjs [--port 4173] [--host 127.0.0.1] [--out-dir playground/dist] [--no-build]
//
// --port 0 picks a free port. The URL is printed once the server listens, as
// "waymark playground: http://127.0.0.1:4173/" (the tests read that line).
// --out-dir builds into (and serves) another directory; --no-build serves it as it is.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { rollup } from 'rollup';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

async function build(outDir) {
  const { playgroundConfig } = await import('../playground/rollup.config.mjs');
  const config = playgroundConfig({ outDir });
  const bundle = await rollup({ ...config, onwarn: (warning) => console.warn(`rollup: ${warning.message}`) });
  try {
    await bundle.write(config.output);
  } finally {
    await bundle.close();
  }
}

/** The file under `root` that a URL path names, or undefined when it names none (or escapes root). */
function fileFor(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  const relative = normalize(decoded === '/' ? '/index.html' : decoded).replace(/^[/\\]+/, '');
  const file = join(root, relative);
  return file.startsWith(root) && !relative.split(sep).includes('..') ? file : undefined;
}

const handle = (root) => (request, response) => {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const file = fileFor(root, new URL(request.url ?? '/', 'http://localhost').pathname);
  const notFound = () => response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
  if (file === undefined) return notFound();
  stat(file).then(
    (stats) => {
      if (!stats.isFile()) return notFound();
      response.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': stats.size,
        // A rebuilt page must never be mixed with a cached bundle.
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      if (request.method === 'HEAD') response.end();
      else createReadStream(file).pipe(response);
    },
    () => notFound(),
  );
};

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4173' },
    host: { type: 'string', default: '127.0.0.1' },
    'out-dir': { type: 'string', default: fileURLToPath(new URL('../playground/dist', import.meta.url)) },
    'no-build': { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number (0 for any free port), not ${JSON.stringify(values.port)}`);
  process.exit(2);
}

// With a final separator, so that the containment check cannot accept a sibling such as dist-old/.
const root = resolve(values['out-dir']) + sep;

if (!values['no-build']) {
  const started = Date.now();
  await build(root);
  console.log(`built ${relative(process.cwd(), root) || '.'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const server = createServer(handle(root));
server.on('error', (error) => {
  console.error(`cannot serve the playground on ${values.host}:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, values.host, () => {
  const address = server.address();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  console.log(`waymark playground: http://${host}:${address.port}/`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
