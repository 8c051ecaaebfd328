/**
 * The browser fs with two writers: two StateManagers, each with its own
 * connection to one IndexedDB store (two tabs of one app), interleaving
 * saves, deletes and checkpoints of the same sessions, with fast-check's
 * scheduler choosing the order of their IndexedDB transactions.
 *
 * The rule tested (README "Concurrent writers"): between writers that do not
 * share a StateManager, the last write to land wins, whole. So each session
 * ends as the last write of one of the two writers; both see the same
 * result; every document verifies; every checkpoint either made exists.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { idbFs } from '../adapters/idb.js';
import { FileStorageBackend, SessionNotFoundError, StateManager } from '../src/index.js';
import { reduce, stateFor } from './support/api-model.js';
import { recordFiguresAfterAll, scaled } from './support/figures.js';
import { scheduledFs } from './support/scheduled-fs.js';

const TEST_FILE = 'test/concurrency.idb.test.ts';
const SESSIONS = ['tab', 'tab_2'] as const;

type Write = { kind: 'save' | 'delete' | 'checkpoint'; sid: (typeof SESSIONS)[number] };
const writeArb: fc.Arbitrary<Write> = fc.record({
  kind: fc.constantFrom<Write['kind']>('save', 'save', 'save', 'delete', 'checkpoint'),
  sid: fc.constantFrom(...SESSIONS),
});

let writes = 0;
let runs = 0;
let database = 0;

recordFiguresAfterAll(TEST_FILE, () => [
  ['interleaved writes by two StateManagers on one IndexedDB store (last write wins, whole)', writes],
  ['  scheduled interleavings (runs)', runs],
]);

it('two StateManagers on one IndexedDB store: each session ends as the last write of one of them', { timeout: scaled(120_000, 3_600_000) }, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.scheduler(),
      fc.array(writeArb, { minLength: 1, maxLength: scaled(12, 40) }),
      fc.array(writeArb, { minLength: 1, maxLength: scaled(12, 40) }),
      async (s, firstWrites, secondWrites) => {
        const dbName = `waymark-two-tabs-${process.pid}-${database++}`;
        const tabs = [firstWrites, secondWrites].map((list, i) => ({
          name: `tab${i}`,
          list,
          sm: new StateManager(new FileStorageBackend('/state', { fs: scheduledFs(idbFs({ dbName }), s, `tab${i} `) })),
          checkpoints: [] as string[],
        }));
        const calls = tabs.flatMap((tab) =>
          tab.list.map(async (write, i) => {
            const tag = `${tab.name}.${i}`;
            if (write.kind === 'save') await tab.sm.saveSession(write.sid, stateFor(tag));
            else if (write.kind === 'delete') await tab.sm.deleteSession(write.sid);
            else {
              try {
                tab.checkpoints.push(await tab.sm.createCheckpoint(write.sid, 'c'));
              } catch (error) {
                if (!(error instanceof SessionNotFoundError)) throw error;
              }
            }
          }),
        );
        await s.waitFor(Promise.all(calls));

        const readers = [0, 1].map(() => new StateManager(new FileStorageBackend('/state', { fs: idbFs({ dbName }) })));
        for (const sid of SESSIONS) {
          const allowed = new Set<string>();
          for (const tab of tabs) {
            let i = tab.list.length - 1;
            while (i >= 0 && !(tab.list[i]!.sid === sid && tab.list[i]!.kind !== 'checkpoint')) i--;
            if (i >= 0) allowed.add(tab.list[i]!.kind === 'delete' ? 'deleted' : `${tab.name}.${i}`);
          }
          if (allowed.size === 0) allowed.add('deleted');
          const seen = await Promise.all(readers.map(async (r) => (await r.loadSession(sid).then((x) => (x ? reduce(x).tag : 'deleted')))));
          expect(seen[0]).toBe(seen[1]);
          expect([...allowed]).toContain(seen[0]);
        }
        for (const tab of tabs) {
          for (const id of tab.checkpoints) expect((await readers[0]!.restoreCheckpoint(id)).metadata.checkpoint_name).toBe('c');
        }
        const listed = (await Promise.all(SESSIONS.map((sid) => readers[1]!.listCheckpoints(sid)))).flat();
        expect(listed.length).toBe(tabs[0]!.checkpoints.length + tabs[1]!.checkpoints.length);
        writes += firstWrites.length + secondWrites.length;
        runs++;
      },
    ),
    { numRuns: scaled(100, 1000) },
  );
});
