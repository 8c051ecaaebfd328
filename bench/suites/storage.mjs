// saveSession / loadSession / createCheckpoint / restoreCheckpoint against the
// floors and the peers, on Node's disk (durable and not) and on memfs.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volume } from 'memfs';
import { memFs, nodeFs, waymark } from '../lib/waymark.mjs';
import { fileFloor } from '../lib/floors.mjs';
import { interleave } from '../lib/measure.mjs';
import { memorySaver, sqliteSaver, unstorageFs, unstorageMemory } from '../lib/peers.mjs';
import { makeState, plainCopy } from '../lib/state.mjs';

const { FileStorageBackend, StateManager } = waymark;

export const SIZES = [1_000, 100_000, 1_000_000];

/** The stores measured: where the files go, the floor's fs, and the peers that promise about as much. */
const STORES = [
  {
    id: 'node-durable',
    label: 'Node disk, durable',
    waymarkFs: () => nodeFs({ durable: true }),
    floor: (dir) => fileFloor({ dir, durable: true }),
    peers: (dir) => [sqliteSaver(dir, { synchronous: 'FULL' })],
  },
  {
    id: 'node',
    label: 'Node disk, not durable',
    waymarkFs: () => nodeFs({ durable: false }),
    floor: (dir) => fileFloor({ dir }),
    peers: (dir) => [sqliteSaver(dir, { synchronous: 'NORMAL' }), unstorageFs(dir)],
  },
  {
    id: 'memfs',
    label: 'memfs',
    memory: true,
    floor: (_dir, volume) => fileFloor({ fs: volume.promises, dir: '/floor' }),
    peers: () => [memorySaver(), unstorageMemory()],
  },
];

/**
 * One group per store and size: floor, waymark and peers interleaved in the
 * same rounds. Returns rows of { store, size, bytes, op, floor, waymark, peers: [{ name, note, ms }] }.
 */
export async function runStorage({ rounds, sizes = SIZES, stores = STORES.map((s) => s.id), log = () => {} }) {
  const rows = [];
  for (const store of STORES.filter((s) => stores.includes(s.id))) {
    for (const size of sizes) {
      const dir = mkdtempSync(join(tmpdir(), `waymark-bench-${store.id}-`));
      try {
        rows.push(...(await runGroup(store, size, dir, rounds)));
        log(`storage ${store.id} ${size}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return rows;
}

async function runGroup(store, size, dir, rounds) {
  const state = makeState(size);
  const plain = plainCopy(state);
  let volume;
  let floor;
  let fs;
  let base;
  if (store.memory) {
    volume = new Volume();
    volume.mkdirSync('/floor', { recursive: true });
    floor = store.floor(dir, volume);
    fs = memFs(volume);
    base = '/waymark';
  } else {
    mkdirSync(join(dir, 'floor'));
    floor = store.floor(join(dir, 'floor'));
    fs = store.waymarkFs();
    base = join(dir, 'waymark');
  }
  const sm = new StateManager(new FileStorageBackend(base, { fs }));
  const { checksum } = await sm.saveSession('bench', state);
  await floor.save(plain);
  const fixedCheckpoint = await sm.createCheckpoint('bench', 'fixed');
  const bytesOnDisk = Buffer.byteLength(await fs.readFile(sm.storage.locate('session_bench'), 'utf8'));

  // Checkpoints made while timing are deleted between turns (untimed), so the directory does not grow.
  const made = [];
  const cleanup = async () => {
    for (const id of made.splice(0)) await sm.deleteCheckpoint(id);
  };
  const floorCheckpoint = async () => floor.save(await floor.load());
  const cases = [
    { id: 'floor:save', run: () => floor.save(plain) },
    { id: 'floor:load', run: () => floor.load() },
    { id: 'floor:checkpoint', run: floorCheckpoint },
    { id: 'waymark:save', run: () => sm.saveSession('bench', state) },
    {
      id: 'waymark:load',
      run: async () => {
        const loaded = await sm.loadSession('bench');
        if (loaded.checksum === '') throw new Error('the benchmark must load a checksummed session');
      },
    },
    { id: 'waymark:checkpoint', run: async () => made.push(await sm.createCheckpoint('bench', 'bench')), afterRound: cleanup },
    { id: 'waymark:restore', run: () => sm.restoreCheckpoint(fixedCheckpoint) },
  ];
  const peers = await Promise.all(store.peers(dir));
  for (const [i, peer] of peers.entries()) {
    await peer.store.save(plain);
    const peerCheckpoint = await peer.store.checkpoint();
    cases.push(
      { id: `peer${i}:save`, run: () => peer.store.save(plain) },
      { id: `peer${i}:load`, run: () => peer.store.load() },
      { id: `peer${i}:checkpoint`, run: () => peer.store.checkpoint() },
      { id: `peer${i}:restore`, run: () => peer.store.restore(peerCheckpoint) },
    );
  }
  if (!checksum) throw new Error('no checksum');
  const result = await interleave(cases, { rounds });
  for (const peer of peers) await peer.close?.();

  const m = (id) => result[id]?.median;
  const ops = [
    { op: 'save', floor: m('floor:save'), waymark: m('waymark:save') },
    { op: 'load', floor: m('floor:load'), waymark: m('waymark:load') },
    // A checkpoint reads the session and writes a copy: its floor is a load plus a save.
    { op: 'checkpoint', floor: m('floor:checkpoint'), waymark: m('waymark:checkpoint') },
    { op: 'restore', floor: m('floor:load'), waymark: m('waymark:restore') },
  ];
  return ops.map(({ op, floor: floorMs, waymark }) => ({
    store: store.id,
    storeLabel: store.label,
    size,
    bytes: bytesOnDisk,
    op,
    floor: floorMs,
    waymark,
    peers: peers.map((peer, i) => ({ name: peer.name, note: peer.note, ms: m(`peer${i}:${op}`) })),
  }));
}
