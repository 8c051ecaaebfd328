/**
 * Limits: a 50 MB state, 10,000 sessions, objects nested 1,000 deep (and
 * deeper than waymark's limit), very long strings, and the keys that name
 * things on Object.prototype, everywhere a key can go. Each gives a correct
 * result or a clear typed error, and never pollutes a prototype.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { memoryStateManager } from '../adapters/memfs.js';
import { nodeFs } from '../adapters/node.js';
import { CheckpointManager, FileStorageBackend, SerializationError, StateManager, type JsonValue } from '../src/index.js';
import { MAX_NESTING_DEPTH } from '../src/pyjson/index.js';
import { FILE_SYSTEMS } from './support/file-systems.js';
import { type Figure, recordFiguresAfterAll, scaled } from './support/figures.js';
import { branch, sampleState } from './support/states.js';

const TEST_FILE = 'test/hostile.limits.test.ts';
const SESSIONS = scaled(10_000, 50_000);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'waymark-limits-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const figures: Figure[] = [];
recordFiguresAfterAll(TEST_FILE, () => figures);

/** `count` characters of mostly-ASCII text with some non-ASCII, as real text is. */
function text(count: number, seed: string): string {
  const unit = `${seed} lorem ipsum dolor sit amet, consectetur — naïve café 日本 🧭 \n`;
  return unit.repeat(Math.ceil(count / unit.length)).slice(0, count);
}

it('a 50 MB state saves and loads back whole (Node disk, durable)', { timeout: scaled(120_000, 3_600_000) }, async () => {
  const sm = new StateManager(new FileStorageBackend(join(dir, 'state'), { fs: nodeFs() }));
  // Half in a branch (covered by the checksum), half in a result (not covered).
  const inBranch = text(20_000_000, 'branch');
  const inResult = text(20_000_000, 'result');
  const state = sampleState(1);
  state.branches!.main = branch('main', { metadata: { text: inBranch } });
  state.branchResults!.child!.finalResponse = { text: inResult };
  await sm.saveSession('big', state);
  const size = (await stat(join(dir, 'state', 'sessions', 'session_big.json'))).size;
  expect(size).toBeGreaterThan(50_000_000);
  const loaded = (await sm.loadSession('big'))!;
  // Compared as booleans: a failing toBe would print 20 MB twice.
  expect(loaded.branches.main!.metadata.text === inBranch).toBe(true);
  expect((loaded.branchResults.child!.finalResponse as { text: string }).text === inResult).toBe(true);
  figures.push(['largest state saved and loaded back whole, in bytes on disk', size]);
});

it(`${SESSIONS.toLocaleString('en-US')} sessions: all listed, in order, each loadable (Node disk, durable: false — durability is not the point)`, { timeout: scaled(180_000, 3_600_000) }, async () => {
  const sm = new StateManager(new FileStorageBackend(join(dir, 'state'), { fs: nodeFs({ durable: false }) }));
  const ids = Array.from({ length: SESSIONS }, (_, i) => `run-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < ids.length; i += 500) {
    await Promise.all(ids.slice(i, i + 500).map((id, j) => sm.saveSession(id, { metadata: { n: i + j } })));
  }
  const listed = await sm.listSessions();
  expect(listed.length).toBe(SESSIONS);
  expect(listed.map((s) => s.sessionId)).toEqual(ids);
  expect(listed.every((s, n) => s.metadata.n === n)).toBe(true);
  expect((await sm.loadSession(ids.at(-1)!))!.metadata.n).toBe(SESSIONS - 1);
  expect(await sm.deleteSession(ids[0]!)).toBe(true);
  expect((await sm.listSessions()).length).toBe(SESSIONS - 1);
  figures.push(['sessions in one directory, all listed and loadable', SESSIONS]);
});

/** An array nested `depth` deep around `leaf`. */
function nested(depth: number, leaf: JsonValue = 'bottom'): JsonValue {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe.each(FILE_SYSTEMS)('deep nesting and long strings on $name', ({ makePlace }) => {
  it('an object 1,000 levels deep, in metadata, results and branches, loads back equal', async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    const sm = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }));
    let deep: JsonValue = { leaf: true };
    for (let i = 0; i < 1000; i++) deep = { [`level${i}`]: deep };
    const state = sampleState(1);
    state.metadata = { deep };
    state.branchResults!.child!.branchMemory = nested(1000);
    state.branches!.main = branch('main', { metadata: { deep } });
    await sm.saveSession('deep', state);
    const loaded = await sm.loadSession('deep');
    expect(loaded!.metadata.deep).toEqual(deep);
    expect(loaded!.branchResults.child!.branchMemory).toEqual(nested(1000));
    expect(loaded!.branches.main!.metadata.deep).toEqual(deep);
    const id = await sm.createCheckpoint('deep', 'c');
    expect((await sm.restoreCheckpoint(id)).metadata.deep).toEqual(deep);
  });

  it(`deeper than ${MAX_NESTING_DEPTH} levels is refused with a SerializationError naming the path, and nothing is written`, async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    const sm = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }));
    await sm.saveSession('deep', { metadata: { v: 1 } });
    for (const depth of [MAX_NESTING_DEPTH + 1, 100_000]) {
      const error = await sm.saveSession('deep', { metadata: { v: 2, deep: nested(depth) } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).path).toMatch(/^metadata\.deep(\[0\])+$/);
      expect((await sm.loadSession('deep'))!.metadata).toEqual({ v: 1 });
    }
  });

  it('very long strings and keys load back equal', async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    const sm = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }));
    const long = text(5_000_000, 'long');
    const longKey = text(100_000, 'key');
    await sm.saveSession('long', { metadata: { long, [longKey]: longKey, lone: '\ud800\udfff\udc00' } });
    const loaded = (await sm.loadSession('long'))!.metadata;
    expect(loaded.long === long).toBe(true);
    expect(loaded[longKey] === longKey).toBe(true);
    expect(loaded.lone).toBe('\ud800\udfff\udc00');
  });
});

const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf'];

/** A record with every Object.prototype name as an own key. */
function hostileRecord<T>(make: (key: string) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of PROTO_KEYS) Object.defineProperty(out, key, { value: make(key), enumerable: true, writable: true, configurable: true });
  return out;
}

describe.each(FILE_SYSTEMS)('keys like __proto__, constructor and toString on $name', ({ makePlace }) => {
  it('as session ids, checkpoint names, branch ids and keys of every record: stored as plain data, prototypes untouched', async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const sm = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }));
    const metadata = hostileRecord((key) => ({ [key]: hostileRecord(() => 1) }) as JsonValue);
    const state = {
      branches: hostileRecord((id) => branch(id, { topology: { ...branch(id).topology, agents: PROTO_KEYS, allowedTransitions: hostileRecord(() => PROTO_KEYS) }, metadata })),
      activeBranches: new Set(PROTO_KEYS),
      completedBranches: new Set(PROTO_KEYS),
      waitingBranches: hostileRecord(() => new Set(PROTO_KEYS)),
      branchResults: {},
      parentChildMap: hostileRecord(() => PROTO_KEYS),
      childParentMap: hostileRecord((key) => key),
      metadata,
    };
    for (const sessionId of PROTO_KEYS) {
      await sm.saveSession(sessionId, state);
      const loaded = (await sm.loadSession(sessionId))!;
      expect(loaded).toEqual({ ...state, sessionId, timestamp: loaded.timestamp, checksum: loaded.checksum });
      expect(Object.keys(loaded.branches)).toEqual(PROTO_KEYS);
      expect(Object.getPrototypeOf(loaded.branches)).toBe(Object.prototype);
      expect(Object.hasOwn(loaded.metadata, '__proto__')).toBe(true);
      const checkpointId = await sm.createCheckpoint(sessionId, 'constructor');
      expect((await new CheckpointManager(sm).rollbackToCheckpoint(checkpointId)).sessionId).toBe(sessionId);
      expect((await sm.resumeExecution(sessionId)).branches).toEqual(state.branches);
    }
    expect((await sm.listSessions()).map((s) => s.sessionId)).toEqual([...PROTO_KEYS].sort());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(typeof ({} as { toString: unknown }).toString).toBe('function');
  });
});

it('memoryStateManager() handles the same hostile keys (the helper users write tests with)', async () => {
  const { stateManager, files } = memoryStateManager();
  await stateManager.saveSession('__proto__', { metadata: hostileRecord(() => 'x') });
  expect(Object.keys(files())).toEqual(['/state/sessions/session___proto__.json']);
  expect(Object.keys((await stateManager.loadSession('__proto__'))!.metadata)).toEqual(PROTO_KEYS);
});
