/**
 * Every fs waymark ships, and Node's own module, against the one MinimalFs contract.
 */
import 'fake-indexeddb/auto';
import * as nodeFsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idbFs } from '../adapters/idb.js';
import { memFs } from '../adapters/memfs.js';
import { nodeFs } from '../adapters/node.js';
import type { MinimalFs } from '../src/fs.js';
import { describeMinimalFs } from './support/fs-cases.js';

async function onDisk(fs: MinimalFs) {
  const root = await nodeFsPromises.mkdtemp(join(tmpdir(), 'waymark-fs-contract-'));
  return { fs, root, cleanup: () => nodeFsPromises.rm(root, { recursive: true, force: true }) };
}

describeMinimalFs('node:fs/promises as is', () => onDisk(nodeFsPromises));
describeMinimalFs('nodeFs() (durable)', () => onDisk(nodeFs()));
describeMinimalFs('nodeFs({ durable: false })', () => onDisk(nodeFs({ durable: false })));

describeMinimalFs('memFs()', async () => {
  const fs = memFs();
  await fs.mkdir('/work/state', { recursive: true });
  return { fs, root: '/work/state', cleanup: async () => {} };
});

// A database per case keeps cases apart; fake-indexeddb keeps them in memory.
let databases = 0;
const freshIdbFs = () => idbFs({ dbName: `fs-contract-${++databases}` });

describeMinimalFs('idbFs() on fake-indexeddb, at the root', async () => ({
  fs: freshIdbFs(),
  root: '/',
  cleanup: async () => {},
}));

describeMinimalFs('idbFs() on fake-indexeddb, in a nested directory', async () => {
  const fs = freshIdbFs();
  await fs.mkdir('/work/state', { recursive: true });
  return { fs, root: '/work/state', cleanup: async () => {} };
});
