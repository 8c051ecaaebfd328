import 'fake-indexeddb/auto';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idbFs } from '../../adapters/idb.js';
import { memFs } from '../../adapters/memfs.js';
import { nodeFs } from '../../adapters/node.js';
import type { MinimalFs } from '../../src/fs.js';

/** A fresh, empty place to keep state on one kind of file system. */
export interface Place {
  fs: MinimalFs;
  /** The base directory to give FileStorageBackend. */
  base: string;
  /** Puts a copy of a fixture directory at `base`. */
  seed(fixtureDir: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface FileSystemKind {
  name: string;
  makePlace(): Promise<Place>;
}

let counter = 0;

/** Copies a directory tree from the real disk into any MinimalFs. */
async function copyInto(fs: MinimalFs, from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = `${to}/${entry.name}`;
    if (entry.isDirectory()) await copyInto(fs, source, target);
    else await fs.writeFile(target, await readFile(source, 'utf8'));
  }
}

export const FILE_SYSTEMS: FileSystemKind[] = [
  {
    name: 'node',
    async makePlace() {
      const dir = await mkdtemp(join(tmpdir(), 'waymark-test-'));
      const base = join(dir, 'state');
      return {
        fs: nodeFs(),
        base,
        seed: (fixtureDir) => cp(fixtureDir, base, { recursive: true }),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'memfs',
    async makePlace() {
      const fs = memFs();
      return { fs, base: '/state', seed: (fixtureDir) => copyInto(fs, fixtureDir, '/state'), cleanup: async () => {} };
    },
  },
  {
    name: 'idb',
    async makePlace() {
      const fs = idbFs({ dbName: `waymark-test-${process.pid}-${counter++}` });
      return { fs, base: '/state', seed: (fixtureDir) => copyInto(fs, fixtureDir, '/state'), cleanup: async () => {} };
    },
  },
];

