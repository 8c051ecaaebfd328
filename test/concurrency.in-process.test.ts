/**
 * Concurrency in one process: overlapping saves, checkpoints, deletes, loads
 * and lists of the same and different sessions, with fast-check's scheduler
 * choosing the order in which every fs operation starts.
 *
 * The rule tested (README "Concurrent writers"): the calls made on one
 * StateManager take effect in the order they were made, as if each ran
 * alone. So the outcome of every call, and what is stored at the end, must
 * equal running the same calls one at a time in call order on the model.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileStorageBackend, StateManager } from '../src/index.js';
import { KeyQueue } from '../src/key-queue.js';
import { ApiModel, commandArb, modelView, start, stateFor, storedView, tagged, type Command, type Outcome } from './support/api-model.js';
import { FILE_SYSTEMS } from './support/file-systems.js';
import { recordFiguresAfterAll, scaled } from './support/figures.js';
import { scheduledFs } from './support/scheduled-fs.js';
import { memoryStateManager } from '../adapters/memfs.js';
import { branch } from './support/states.js';

const TEST_FILE = 'test/concurrency.in-process.test.ts';

/**
 * Makes the checksum of the first save slow, deterministically: Web Crypto's
 * digest of that save is held until `release()`; the digests after it are not.
 * Returns whether the held digest had started when the caller asks.
 */
function holdFirstDigest() {
  const subtle = globalThis.crypto.subtle;
  const digest = subtle.digest.bind(subtle);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const spy = vi.spyOn(subtle, 'digest').mockImplementation(async (algorithm, data) => {
    if (++calls === 1) await held;
    return digest(algorithm, data);
  });
  return { release, started: () => calls > 0, restore: () => spy.mockRestore() };
}

describe('calls on one StateManager take effect in call order (regressions)', () => {
  // Each of these failed before StateManager queued calls at call time: a save
  // reached storage only once its checksum was computed (asynchronously, by
  // Web Crypto), so a later, quicker call could overtake it.
  afterEach(() => vi.restoreAllMocks());

  it('a delete called after a save, without awaiting it, deletes the session', async () => {
    const { stateManager: sm } = memoryStateManager();
    const slow = holdFirstDigest();
    const saved = sm.saveSession('s', stateFor('first'));
    const deleted = sm.deleteSession('s');
    // A save that waits its turn before hashing needs no holding back; one that hashed at once is held until the delete is done.
    if (slow.started()) void deleted.finally(slow.release);
    else slow.release();
    await Promise.all([saved, deleted]);
    expect(await deleted).toBe(true);
    expect(await sm.loadSession('s')).toBeUndefined();
  });

  it('of two saves, the one called last wins, even when the first takes longer to hash', async () => {
    const { stateManager: sm } = memoryStateManager();
    const slow = holdFirstDigest();
    const first = sm.saveSession('s', stateFor('first'));
    const second = sm.saveSession('s', stateFor('second'));
    if (slow.started()) void second.finally(slow.release);
    else slow.release();
    await Promise.all([first, second]);
    expect((await sm.loadSession('s'))!.metadata.tag).toBe('second');
  });

  it('a load, a checkpoint and a listing called after a save see it', async () => {
    const { stateManager: sm } = memoryStateManager();
    const large = { ...stateFor('large'), branches: { big: branch('big', { metadata: { text: 'x'.repeat(1_000_000) } }) } };
    void sm.saveSession('s', large);
    const [loaded, checkpointId, listed] = await Promise.all([sm.loadSession('s'), sm.createCheckpoint('s', 'c'), sm.listSessions()]);
    expect(loaded?.metadata.tag).toBe('large');
    expect((await sm.restoreCheckpoint(checkpointId)).metadata.tag).toBe('large');
    expect(listed.map((s) => s.sessionId)).toEqual(['s']);
  });

  it('resumeExecution is one call: a save called after it is not lost under it', async () => {
    const { stateManager: sm } = memoryStateManager();
    await sm.pauseExecution('s', stateFor('paused'));
    const resumed = sm.resumeExecution('s');
    const saved = sm.saveSession('s', stateFor('after'));
    await Promise.all([resumed, saved]);
    expect((await sm.loadSession('s'))!.metadata.tag).toBe('after');
  });

  it('two StateManagers on one backend share the order', async () => {
    const { stateManager: first } = memoryStateManager();
    const second = new StateManager(first.storage);
    const large = { ...stateFor('large'), branches: { big: branch('big', { metadata: { text: 'x'.repeat(1_000_000) } }) } };
    const saved = first.saveSession('s', large);
    const deleted = second.deleteSession('s');
    await Promise.all([saved, deleted]);
    expect(await first.loadSession('s')).toBeUndefined();
  });
});

describe('KeyQueue', () => {
  it('runs an exclusive operation after every operation called before it, and before every one called after it', async () => {
    const queue = new KeyQueue();
    const events: string[] = [];
    const step = (name: string) => async () => {
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 0));
      events.push(`end ${name}`);
    };
    await Promise.all([queue.run('a', step('a1')), queue.run('b', step('b1')), queue.runExclusive(step('x')), queue.run('a', step('a2')), queue.run('b', step('b2'))]);
    const x = events.indexOf('start x');
    expect(events.slice(0, x).sort()).toEqual(['end a1', 'end b1', 'start a1', 'start b1']);
    expect(events[x + 1]).toBe('end x');
    expect(events.slice(x + 2).sort()).toEqual(['end a2', 'end b2', 'start a2', 'start b2']);
  });
});

let operations = 0;
let interleavings = 0;

recordFiguresAfterAll(TEST_FILE, () => [
  ['concurrent API calls, outcome checked against the serial order (in-process, scheduler-driven)', operations],
  ['  scheduled interleavings (runs)', interleavings],
]);

/** A setup batch, run one call at a time, then a batch run all at once. */
const programArb = fc.record({
  setup: fc.array(commandArb, { minLength: 3, maxLength: 10 }),
  concurrent: fc.array(commandArb, { minLength: 10, maxLength: scaled(40, 120) }),
});

const RUNS: Record<string, number> = { memfs: scaled(40, 400), idb: scaled(15, 150), node: scaled(10, 100) };

describe.each(FILE_SYSTEMS)('overlapping calls on $name equal the serial run in call order', ({ name, makePlace }) => {
  it('for every interleaving the scheduler chooses', { timeout: scaled(120_000, 3_600_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), programArb, async (s, program) => {
        const place = await makePlace();
        try {
          let now = 1_800_000_000;
          const clock = () => (now += 0.5);
          const model = new ApiModel();
          const keyById = new Map<string, string>();
          const keyOf = (id: string) => keyById.get(id) ?? `unknown ${id}`;

          // Setup, serially and without the scheduler: known sessions and checkpoints.
          const setupManager = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }), { clock });
          const setup = tagged(program.setup, 'setup');
          const setupIds = new Map<string, string>();
          for (const [i, command] of setup.entries()) {
            const known = model.knownCheckpointKeys();
            const expected = model.run(command, i, known);
            expect(await start(setupManager, command, i, known, setupIds, keyOf)).toEqual(expected);
            model.adoptIds(setupIds);
            for (const id of setupIds.values()) keyById.set(id, id);
          }

          // The batch: every call started at once; the scheduler picks which fs operation goes next.
          const sm = new StateManager(new FileStorageBackend(place.base, { fs: scheduledFs(place.fs, s) }), { clock });
          const batch: Command[] = tagged(program.concurrent, 'batch');
          const known = model.knownCheckpointKeys();
          const newIds = new Map<string, string>();
          const keyOfNew = (id: string) => {
            for (const [key, newId] of newIds) if (newId === id) return key;
            return keyOf(id);
          };
          const outcomes = batch.map((command, i) => start(sm, command, i, known, newIds, keyOfNew));
          const actual: Outcome[] = await s.waitFor(Promise.all(outcomes));
          const expected = batch.map((command, i) => model.run(command, i, known));
          expect(actual).toEqual(expected);

          model.adoptIds(newIds);
          for (const [, id] of newIds) keyById.set(id, id);
          const fresh = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }));
          expect(await storedView(fresh, (id) => (keyById.has(id) ? id : `unknown ${id}`))).toEqual(modelView(model));
          operations += batch.length;
          interleavings++;
        } finally {
          await place.cleanup();
        }
      }),
      { numRuns: RUNS[name] ?? 10 },
    );
  });
});
