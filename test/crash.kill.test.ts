/**
 * Crash for real: child processes (the built library, on the Node disk with
 * fsync) save sessions and take checkpoints in a loop, and are killed with
 * SIGKILL at random moments, four at a time, into one state directory.
 * Each new writer carries on from what its killed predecessor stored.
 *
 * After every kill: every session loads and verifies its checksum, and holds
 * the last save acknowledged before the kill (or the one under way); temp
 * files the kill left are gone once the next writer has started. At the end:
 * every acknowledged checkpoint restores, no file is corrupt, and a fresh
 * start sweeps every temp file.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { nodeFs } from '../adapters/node.js';
import { FileStorageBackend, StateManager } from '../src/index.js';
import { assertBuilt, startWriter, type Ack } from './support/child-writers.js';
import { recordFigure, scaled } from './support/figures.js';

const TEST_FILE = 'test/crash.kill.test.ts';
const KILLS = scaled(200, 2000);
const LANES = 4;
/** How long a writer runs after it is ready, at most, before it is killed. */
const MAX_RUN_MS = 120;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tempFiles(base: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ['sessions', 'checkpoints']) {
    const names = await readdir(join(base, dir)).catch(() => [] as string[]);
    for (const name of names) if (name.startsWith(`.${prefix}`)) out.push(join(base, dir, name));
  }
  return out;
}

it(`loses nothing acknowledged across ${KILLS} kill -9 of writers sharing one directory`, { timeout: scaled(300_000, 3_600_000) }, async () => {
  assertBuilt();
  const dir = await mkdtemp(join(tmpdir(), 'waymark-kill-'));
  const base = join(dir, 'state');
  try {
    // Started once, before any writer, so it never sweeps a writer's temp file itself.
    const observer = new StateManager(new FileStorageBackend(base, { fs: nodeFs() }));
    await observer.listSessions();

    const lastSave = new Map<string, Ack>();
    const checkpoints: Ack[] = [];
    const problems: string[] = [];
    let kills = 0;
    let saves = 0;
    let killsMidWrite = 0;

    /** Per session, the save found on disk after the last kill: a writer carries on from it, acknowledged or not. */
    const found = new Map<string, number>();

    const lane = async (index: number) => {
      const sessions = [`lane${index}-a`, `lane${index}-b`];
      let leftBehind: string[] = [];
      // Each writer's process boots while the one before it runs, then waits for `go`.
      const spawnWriter = () =>
        startWriter({ base, writer: `lane${index}`, sessions, mode: 'loop', payloadBytes: 20_000 + Math.floor(Math.random() * 200_000), checkpointEvery: 3, waitForGo: true });
      let next = spawnWriter();
      while (kills < KILLS && problems.length === 0) {
        kills++;
        const writer = next;
        try {
          await writer.waitFor('ready');
          writer.child.stdin!.write('go\n');
          await writer.waitFor('started');
        } catch (error) {
          problems.push(`a writer could not start on what its predecessor left: ${(error as Error).message}`);
          return;
        }
        next = spawnWriter();
        // Its start-up swept the directory: what the last kill left must be gone.
        for (const path of leftBehind) {
          if ((await tempFiles(base)).includes(path)) problems.push(`${path} outlived the next start-up`);
        }
        await sleep(Math.random() * MAX_RUN_MS);
        writer.child.kill('SIGKILL');
        const exit = await writer.exited;
        if (exit.signal !== 'SIGKILL') problems.push(`a writer ended by itself (${exit.code}): ${exit.stderr}`);

        for (const ack of writer.acks) {
          if (ack.kind === 'save') {
            lastSave.set(ack.sessionId, ack);
            saves++;
          } else if (ack.kind === 'checkpoint') checkpoints.push(ack);
        }
        for (const id of sessions) {
          const acked = lastSave.get(id);
          let loaded;
          try {
            loaded = await observer.loadSession(id);
          } catch (error) {
            problems.push(`${id} does not load after a kill: ${(error as Error).message}`);
            continue;
          }
          const seq = loaded === undefined ? 0 : Number(loaded.branches.main?.metadata.seq);
          // At least the last acknowledged save (or what the killed writer started from), at most one more.
          const floor = Math.max(acked?.seq ?? 0, found.get(id) ?? 0);
          if (seq < floor) problems.push(`${id}: save ${floor} was acknowledged or found before, the disk holds ${loaded ? seq : 'nothing'}`);
          else if (seq > floor + 1) problems.push(`${id}: holds save ${seq}, but ${floor} was the last acknowledged and only one more could be under way`);
          else if (acked !== undefined && seq === acked.seq && loaded!.checksum !== acked.value) problems.push(`${id}: save ${seq} holds another checksum than acknowledged`);
          found.set(id, seq);
        }
        leftBehind = await tempFiles(base, `session_lane${index}-`);
        leftBehind.push(...(await tempFiles(base, `checkpoint_lane${index}-`)));
        if (leftBehind.length > 0) killsMidWrite++;
      }
      // The last one booted but never touched the disk.
      next.child.kill('SIGKILL');
      await next.exited;
    };
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    expect(problems.slice(0, 10)).toEqual([]);

    for (const ack of checkpoints) {
      const restored = await observer.restoreCheckpoint(ack.value);
      expect(restored.sessionId).toBe(ack.sessionId);
      expect(restored.branches.main?.metadata.seq).toBe(ack.seq);
    }

    // A fresh start: every temp file swept, every file verifies.
    const fresh = new StateManager(new FileStorageBackend(base, { fs: nodeFs() }));
    const listed = await fresh.listSessions();
    expect(await tempFiles(base)).toEqual([]);
    // A session whose first save landed just before the kill that stopped its acknowledgement is listed too.
    expect(listed.map((s) => s.sessionId)).toEqual(expect.arrayContaining([...lastSave.keys()]));
    let files = 0;
    for (const { sessionId } of listed) {
      for (const info of await fresh.listCheckpoints(sessionId)) {
        await fresh.restoreCheckpoint(info.checkpointId);
        files++;
      }
      expect(await fresh.loadSession(sessionId)).toBeDefined();
      files++;
    }
    const onDisk = (await readdir(join(base, 'sessions'))).length + (await readdir(join(base, 'checkpoints'))).length;
    expect(files).toBe(onDisk);
    // Acknowledged ones, and perhaps a few that landed just before a kill cut their acknowledgement.
    expect(files).toBeGreaterThanOrEqual(lastSave.size + checkpoints.length);

    // The kills did land mid-write: otherwise this test would prove little.
    expect(killsMidWrite).toBeGreaterThan(0);
    recordFigure('SIGKILLs of writers survived (4 at once, one directory, Node disk with fsync)', kills, TEST_FILE);
    recordFigure('  saves acknowledged before a kill, every one found afterwards', saves, TEST_FILE);
    recordFigure('  checkpoints acknowledged, every one restored', checkpoints.length, TEST_FILE);
    recordFigure('  kills that left a temp file mid-write (all swept by the next start)', killsMidWrite, TEST_FILE);
    recordFigure('  files verified at the end (corrupt: 0)', files, TEST_FILE);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
