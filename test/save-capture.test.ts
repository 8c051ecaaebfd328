// A call reads what it is given when it is called: a save stores the state as
// it was at the call, so the caller may change it at once, even while the save
// is on its way, and the stored file always carries the checksum of what it
// holds; a checkpoint keeps the options it was called with. prepareSave splits
// a save into the read (at once) and the write (queued when it is called).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStorageBackend, InvalidKeyError, SerializationError, StateManager, type JsonObject, type SessionStateInput, type StorageBackend } from '../src/index.js';
import { FILE_SYSTEMS, type Place } from './support/file-systems.js';
import { sampleState } from './support/states.js';

/** Changes every part of a state a save passes through by reference, and the typed parts too. */
function mutate(state: SessionStateInput): void {
  const main = state.branches!.main!;
  main.metadata.note = 'changed';
  (main.metadata.scores as number[]).push(99);
  main.state.status = 'failed';
  main.topology.agents.push('Intruder');
  state.activeBranches = new Set(['main']);
  (state.waitingBranches!.main as Set<string>).add('late');
  state.branchResults!.child!.finalResponse = { text: 'rewritten' };
  (state.branchResults!.child!.branchMemory as { messages: unknown[] }).messages.push({ role: 'assistant', content: 'late' });
  state.metadata!.task = 'something else';
}

/** Waits for the microtasks queued so far and a turn of the event loop, as a page does between events. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

describe.each(FILE_SYSTEMS)('a save captures the state when called, on $name', ({ makePlace }) => {
  let place: Place;
  let manager: StateManager;

  beforeEach(async () => {
    place = await makePlace();
    manager = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }), { clock: () => 1_800_000_000.5 });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await place.cleanup();
  });

  it('stores the state as it was, though the caller changes it before the save settles', async () => {
    const state = sampleState();
    const expected = sampleState();
    const saving = manager.saveSession('s', state);
    mutate(state);
    const { checksum } = await saving;
    expect(await manager.loadSession('s')).toEqual({ ...expected, sessionId: 's', timestamp: 1_800_000_000.5, checksum });
  });

  it('writes a file whose checksum matches it when the state changes while the checksum is computed (browser hashing)', async () => {
    // Browsers hash large inputs with Web Crypto, which answers in a later task: a page can run in between.
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    const state = sampleState();
    state.branches!.main!.metadata.log = 'x'.repeat(20_000);
    const expected = structuredClone(state);
    const saving = manager.saveSession('big', state);
    const changing = nextTask().then(() => mutate(state));
    await Promise.all([saving, changing]);
    const loaded = await manager.loadSession('big');
    expect(loaded?.branches.main!.metadata).toEqual(expected.branches!.main!.metadata);
    expect(loaded?.metadata).toEqual(expected.metadata);
  });

  it('checkpoints with the options as they were when createCheckpoint was called', async () => {
    await manager.saveSession('c', sampleState());
    const options = { critical: true, reason: 'before deploy' };
    const checkpointing = manager.createCheckpoint('c', 'release', options);
    options.reason = 'changed';
    options.critical = false;
    await checkpointing;
    const [checkpoint] = await manager.listCheckpoints('c');
    expect(checkpoint!.metadata).toMatchObject({ checkpoint_critical: true, checkpoint_reason: 'before deploy' });
  });

  it('deletes and lists with the options as they were when called', async () => {
    await manager.saveSession('d', sampleState());
    await manager.createCheckpoint('d', 'kept');
    const options = { checkpoints: false };
    const deleting = manager.deleteSession('d', options);
    options.checkpoints = true;
    await deleting;
    expect(await manager.listCheckpoints('d')).toHaveLength(1);

    await manager.pauseExecution('paused', sampleState());
    const listOptions = { includePaused: false };
    const listing = manager.listSessions(listOptions);
    listOptions.includePaused = true;
    expect((await listing).map((summary) => summary.sessionId)).toEqual([]);
  });

  it('prepareSave reads the state at once and stores nothing until its save is called', async () => {
    const state = sampleState();
    const expected = sampleState();
    const save = manager.prepareSave('later', state);
    mutate(state);
    await nextTask();
    expect(await manager.loadSession('later')).toBeUndefined();
    const { checksum } = await save();
    expect(await manager.loadSession('later')).toEqual({ ...expected, sessionId: 'later', timestamp: 1_800_000_000.5, checksum });
  });

  it('a prepared save takes its place among the session\'s calls when it is called, not when it was prepared', async () => {
    const first = sampleState();
    first.metadata = { version: 1 };
    const prepared = manager.prepareSave('order', first);
    const second = sampleState();
    second.metadata = { version: 2 };
    const saving = manager.saveSession('order', second);
    const late = prepared();
    await Promise.all([saving, late]);
    expect((await manager.loadSession('order'))?.metadata).toEqual({ version: 1 });
  });

  it('prepareSave throws at once what saveSession would reject with, storing nothing', async () => {
    expect(() => manager.prepareSave('../escape', sampleState())).toThrow(InvalidKeyError);
    const state = sampleState();
    state.metadata = { when: new Date(0) as unknown as string };
    expect(() => manager.prepareSave('dated', state)).toThrow(SerializationError);
    await expect(manager.saveSession('dated', state)).rejects.toThrow(SerializationError);
    expect(await manager.listSessions({ includePaused: true })).toEqual([]);
  });

  it('pauses with the state as it was when pauseExecution was called', async () => {
    const state = sampleState();
    const pausing = manager.pauseExecution('p', state);
    mutate(state);
    await pausing;
    const loaded = await manager.loadSession('p');
    expect(loaded?.metadata).toMatchObject({ task: 'write a report', paused: true });
    expect(loaded?.branches.main!.metadata.note).toBe('ünïcode ✓');
  });
});

/** A backend that reads the document only after an await, as one writing to a remote store would. */
function lateReadingBackend(): StorageBackend & { stored: Map<string, string> } {
  const stored = new Map<string, string>();
  return {
    stored,
    async save(key: string, data: JsonObject) {
      await nextTask();
      stored.set(key, JSON.stringify(data));
    },
    async load(key: string) {
      const text = stored.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as JsonObject);
    },
    async delete(key: string) {
      return stored.delete(key);
    },
    async listKeys(prefix = '') {
      return [...stored.keys()].filter((key) => key.startsWith(prefix)).sort();
    },
    async exists(key: string) {
      return stored.has(key);
    },
  };
}

describe('a save captures the state when called, on a backend that cannot encode ahead (no prepareSave)', () => {
  it('hands the backend a copy taken when saveSession was called', async () => {
    const backend = lateReadingBackend();
    const manager = new StateManager(backend);
    const state = sampleState();
    const saving = manager.saveSession('s', state);
    mutate(state);
    await saving;
    const stored = JSON.parse(backend.stored.get('session_s')!) as JsonObject;
    expect((stored.metadata as JsonObject).task).toBe('write a report');
    expect(((stored.branches as JsonObject).main as JsonObject).metadata).toEqual({ note: 'ünïcode ✓', scores: [0.5, 1, 1e-7] });
    expect(stored.active_branches).toEqual(['main', 'child']);
  });

  const cyclic = (): unknown => {
    const object: Record<string, unknown> = {};
    object.self = object;
    return object;
  };
  it.each([
    ['a Date', () => new Date(0), /a Date is not a JSON value/, []],
    ['a cycle', cyclic, /a cycle/, ['self']],
  ])('refuses %s in user data with the path in the state, and stores nothing', async (_label, make, problem, below) => {
    const backend = lateReadingBackend();
    const manager = new StateManager(backend);
    const state = sampleState();
    state.branchResults!.child!.finalResponse = { value: make() } as never;
    const error = await manager.saveSession('s', state).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect((error as SerializationError).message).toMatch(problem);
    expect((error as SerializationError).segments).toEqual(['branchResults', 'child', 'finalResponse', 'value', ...below]);
    await nextTask();
    expect(backend.stored.size).toBe(0);
  });
});
