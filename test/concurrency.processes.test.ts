/**
 * Concurrent writers across processes: four processes (the built library,
 * Node disk with fsync) save, checkpoint and delete the same sessions in one
 * state directory at the same time.
 *
 * The rule tested (README "Concurrent writers"): across processes the last
 * write to land wins, whole. So afterwards no file is torn and every file
 * verifies; each session holds the last write of one of the writers (each
 * writer's own writes land in its order, so no earlier one can win); and
 * every checkpoint a writer was told it made exists, with its own id.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { memFs } from '../adapters/memfs.js';
import { nodeFs } from '../adapters/node.js';
import { FileStorageBackend, StateManager, type MinimalFs } from '../src/index.js';
import { assertBuilt, startWriter, type Ack } from './support/child-writers.js';
import { recordFigure, scaled } from './support/figures.js';

const TEST_FILE = 'test/concurrency.processes.test.ts';
const WRITERS = 4;
const SESSIONS = ['shared-0', 'shared-1', 'shared-2'];
const ROUNDS = scaled(50, 500);

it(`${WRITERS} processes writing the same sessions at once leave no torn file, and the last write wins whole`, { timeout: scaled(180_000, 3_600_000) }, async () => {
  assertBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'waymark-processes-'));
  const base = join(dir, 'state');
  try {
    const writers = Array.from({ length: WRITERS }, (_, i) =>
      startWriter({ base, writer: `w${i}`, sessions: SESSIONS, mode: 'race', iterations: ROUNDS, payloadBytes: 30_000, checkpointEvery: 2, deleteEvery: 7, waitForGo: true }),
    );
    await Promise.all(writers.map((w) => w.waitFor('ready')));
    for (const w of writers) w.child.stdin!.write('go\n');
    const exits = await Promise.all(writers.map((w) => w.exited));
    for (const exit of exits) expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null });

    const sm = new StateManager(new FileStorageBackend(base, { fs: nodeFs() }));
    const acks = writers.flatMap((w) => w.acks);
    const saves = new Map(acks.filter((a) => a.kind === 'save').map((a) => [`${a.sessionId} ${a.writer} ${a.seq}`, a]));

    // Each session: the last write (save or delete) of one of the writers.
    for (const sessionId of SESSIONS) {
      const lastWrites = writers
        .map((w) => w.acks.filter((a) => a.sessionId === sessionId && a.kind !== 'checkpoint').at(-1))
        .filter((a): a is Ack => a !== undefined);
      const loaded = await sm.loadSession(sessionId);
      const holds = loaded === undefined ? 'deleted' : `${String(loaded.metadata.writer)} ${String(loaded.metadata.seq)} ${loaded.checksum}`;
      const allowed = lastWrites.map((a) => (a.kind === 'delete' ? 'deleted' : `${a.writer} ${a.seq} ${a.value}`));
      expect(allowed).toContain(holds);
    }

    // Every checkpoint acknowledged exists under its own id, holding a state some writer saved.
    const checkpointAcks = acks.filter((a) => a.kind === 'checkpoint');
    const ids = new Set(checkpointAcks.map((a) => a.value));
    expect(ids.size, 'two checkpoints were given the same id').toBe(checkpointAcks.length);
    for (const ack of checkpointAcks) {
      const restored = await sm.restoreCheckpoint(ack.value);
      expect(restored.sessionId).toBe(ack.sessionId);
      expect(saves.has(`${ack.sessionId} ${String(restored.metadata.writer)} ${String(restored.metadata.seq)}`)).toBe(true);
    }
    const checkpointFiles = (await readdir(join(base, 'checkpoints'))).filter((name) => !name.startsWith('.'));
    expect(checkpointFiles.length).toBe(checkpointAcks.length);
    // Every file verifies, and no temp file is left.
    for (const sessionId of SESSIONS) {
      const listed = await sm.listCheckpoints(sessionId);
      for (const info of listed) await sm.restoreCheckpoint(info.checkpointId);
    }
    const left = [...(await readdir(join(base, 'sessions'))), ...(await readdir(join(base, 'checkpoints')))].filter((name) => name.startsWith('.'));
    expect(left).toEqual([]);

    recordFigure('concurrent calls by 4 processes on the same 3 sessions (no torn file, last write wins whole)', acks.length, TEST_FILE);
    recordFigure('  checkpoints created concurrently, each under its own id', checkpointAcks.length, TEST_FILE);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('two processes checkpointing one session under one name in the same microsecond get two ids (regression)', async () => {
  // Two processes: two instances of the module (each with its own id counter), one
  // clock. Each checks that its id is free before either writes, as can happen
  // across processes: before the fix both took the same id and one checkpoint
  // silently replaced the other.
  const fs = memFs();
  let arrived = 0;
  let bothChecked!: () => void;
  const barrier = new Promise<void>((resolve) => (bothChecked = resolve));
  const racing: MinimalFs = {
    ...fs,
    async stat(path) {
      if (path.includes('/checkpoints/') && ++arrived <= 2) {
        if (arrived === 2) bothChecked();
        await barrier;
      }
      return fs.stat(path);
    },
  };
  const managers: StateManager[] = [];
  for (let process = 0; process < 2; process++) {
    vi.resetModules();
    const module = await import('../src/state-manager.js');
    const { FileStorageBackend: Backend } = await import('../src/file-storage.js');
    managers.push(new module.StateManager(new Backend('/state', { fs: racing }), { clock: () => 1_800_000_000.5 }) as unknown as StateManager);
  }
  await managers[0]!.saveSession('s', {});
  const ids = await Promise.all(managers.map((sm) => sm.createCheckpoint('s', 'same')));
  expect(new Set(ids).size).toBe(2);
  expect((await managers[0]!.listCheckpoints('s')).map((c) => c.checkpointId).sort()).toEqual([...ids].sort());
});
