/**
 * Round trips on all three file systems: any JSON-safe state saves and loads
 * back deeply equal (Sets, number forms, hostile keys and all), under any
 * session id that waymark accepts; ids it refuses are refused with
 * InvalidKeyError before anything is stored.
 */
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FileStorageBackend, InvalidKeyError, StateManager } from '../src/index.js';
import { jsonArb, keyArb, sessionStateArb } from './support/arbitraries.js';
import { FILE_SYSTEMS } from './support/file-systems.js';
import { recordFiguresAfterAll, scaled } from './support/figures.js';

const TEST_FILE = 'test/fuzz.round-trip.test.ts';
const RUNS: Record<string, number> = { memfs: scaled(300, 5000), idb: scaled(100, 2000), node: scaled(100, 2000) };
let cases = 0;

recordFiguresAfterAll(TEST_FILE, () => [['random states saved and loaded back deeply equal (3 file systems)', cases]]);

describe.each(FILE_SYSTEMS)('round trips on $name', ({ name, makePlace }) => {
  it('any JSON-safe state loads back deeply equal to what was saved', { timeout: scaled(120_000, 3_600_000) }, async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    const sm = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }), { clock: () => 1_800_000_000.5 });
    await fc.assert(
      fc.asyncProperty(sessionStateArb, async (state) => {
        const saved = await sm.saveSession('round-trip', state);
        const loaded = await sm.loadSession('round-trip');
        expect(loaded).toEqual({ ...state, sessionId: 'round-trip', timestamp: saved.timestamp, checksum: saved.checksum });
        // And again from what was loaded: the same bytes come back.
        const file = `${place.base}/sessions/session_round-trip.json`;
        const text = await place.fs.readFile(file, 'utf8');
        await sm.saveSession('round-trip', loaded!);
        expect(await place.fs.readFile(file, 'utf8')).toBe(text);
        cases++;
      }),
      { numRuns: RUNS[name] ?? 50 },
    );
  });

  it('any id is either refused with InvalidKeyError, or stores a session listed under that very id', { timeout: scaled(120_000, 3_600_000) }, async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    const sm = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(keyArb, fc.string({ unit: 'binary', maxLength: 210 })), jsonArb, async (id, value) => {
        let saved: unknown;
        try {
          saved = await sm.saveSession(id, { metadata: { value } });
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidKeyError);
          return;
        }
        expect(saved).toMatchObject({ sessionId: id });
        expect((await sm.loadSession(id))!.metadata).toEqual({ value });
        expect((await sm.listSessions()).map((s) => s.sessionId)).toEqual([id]);
        expect(await sm.deleteSession(id)).toBe(true);
        cases++;
      }),
      { numRuns: RUNS[name] ?? 50 },
    );
  });
});
