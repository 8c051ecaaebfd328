// One cold listing in a fresh process: `node bench/listing-child.mjs <who> <dir>`.
// Imports what it needs, then times one listing of <dir> and prints
// { ms, count } as JSON. Process start and module loading are not timed.
import { performance } from 'node:perf_hooks';
import { readAllSessions } from './lib/floors.mjs';

const [who, dir] = process.argv.slice(2);

async function prepare() {
  switch (who) {
    case 'floor':
      return async () => (await readAllSessions(dir)).length;
    case 'waymark': {
      const { waymark, nodeFs } = await import('./lib/waymark.mjs');
      const { FileStorageBackend, StateManager } = waymark;
      const sm = new StateManager(new FileStorageBackend(dir, { fs: nodeFs() }));
      return async () => (await sm.listSessions()).length;
    }
    case 'sqlite': {
      const { openSqliteListing } = await import('./lib/listing-peers.mjs');
      return openSqliteListing(dir);
    }
    case 'unstorage': {
      const { openUnstorageListing } = await import('./lib/listing-peers.mjs');
      return openUnstorageListing(dir);
    }
    default:
      throw new Error(`unknown lister ${who}`);
  }
}

{
  const list = await prepare();
  const start = performance.now();
  const count = await list();
  const ms = performance.now() - start;
  process.stdout.write(JSON.stringify({ ms, count }));
}
