/**
 * Hostile ids and names, on every adapter: path traversal, absolute paths,
 * NUL and control characters, names reserved by Windows or by
 * Object.prototype, names of waymark's own directories and temp files,
 * glob characters, and lengths at and past the limits — in every parameter
 * that names something: session ids, checkpoint names, checkpoint ids,
 * storage keys and prefixes.
 *
 * Each call gives a correct result (the session is stored under exactly
 * that id, beside the others, and found again) or InvalidKeyError (or,
 * for an id that names nothing, a not-found error); and, through a
 * recording fs, nothing outside the base directory is ever read or written.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  CheckpointManager,
  CheckpointNotFoundError,
  FileStorageBackend,
  InvalidKeyError,
  StateManager,
  type MinimalFs,
} from '../src/index.js';
import { FILE_SYSTEMS, type Place } from './support/file-systems.js';
import { recordFiguresAfterAll } from './support/figures.js';
import { recordingFs } from './support/recording-fs.js';
import { sampleState } from './support/states.js';

const TEST_FILE = 'test/hostile.ids.test.ts';

/** Ids that try to leave the base directory, or to be something else than a name. */
export const HOSTILE_IDS = [
  '..',
  '.',
  '../x',
  '../../../../etc/passwd',
  'a/../../x',
  'x/..',
  '/abs',
  'a/b',
  'a\\..\\..\\b',
  '..\\x',
  'x/',
  '%2e%2e%2f',
  '..%2f..%2fx',
  '\u2024\u2024',
  '．．',
  'a\u0000b',
  '\u0000',
  'a\nb',
  '\r',
  '\u007f',
  '\ud800',
  '\udc00x',
  '',
  ' ',
  'a ',
  'a.',
  '...',
  '.hidden',
  '.tmp-abc',
  '.session_x.json.tmp-abc123',
  'x.json',
  'x.json.tmp-1',
  'sessions',
  'checkpoints',
  'session_x',
  'checkpoint_x',
  'CON',
  'NUL',
  'aux',
  'COM1',
  'LPT1',
  'con.json',
  'a:b',
  'a|b',
  '<x>',
  '"q"',
  '*',
  '?',
  '[a]',
  '~',
  '~root',
  '$HOME',
  '${PATH}',
  '%TEMP%',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'ｚ',
  '😀',
  'x'.repeat(200),
  'x'.repeat(201),
  'é'.repeat(100),
  'é'.repeat(101),
  '😀'.repeat(50),
  '😀'.repeat(51),
];

let calls = 0;
let refused = 0;
recordFiguresAfterAll(TEST_FILE, () => [
  ['calls with a hostile id or name (traversal, reserved, too long, ...): correct or InvalidKeyError, nothing touched outside the base', calls],
  ['  of which refused with InvalidKeyError', refused],
]);

/** Runs `call`: `'refused'` for InvalidKeyError, its value otherwise; other errors fail the test. */
async function outcome<T>(call: () => Promise<T>): Promise<{ value: T } | 'refused'> {
  calls++;
  try {
    return { value: await call() };
  } catch (error) {
    if (error instanceof InvalidKeyError) {
      refused++;
      return 'refused';
    }
    throw error;
  }
}

describe.each(FILE_SYSTEMS)('hostile ids on $name', ({ makePlace }) => {
  async function setup(place: Place) {
    // The base exists and holds one session, so every path waymark touches is inside it.
    await new StateManager(new FileStorageBackend(place.base, { fs: place.fs })).saveSession('keep', sampleState(1));
    const recorder = recordingFs(place.fs, place.base);
    const sm = new StateManager(new FileStorageBackend(place.base, { fs: recorder }));
    return { recorder, sm, cm: new CheckpointManager(sm) };
  }

  /** Names of the files in sessions/ and checkpoints/, each a direct child. */
  async function files(fs: MinimalFs, base: string) {
    return {
      sessions: (await fs.readdir(`${base}/sessions`)).sort(),
      checkpoints: (await fs.readdir(`${base}/checkpoints`)).sort(),
    };
  }

  it('as a session id: stored under exactly that id, or refused, in every call', async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    const { recorder, sm, cm } = await setup(place);
    for (const id of HOSTILE_IDS) {
      const saved = await outcome(() => sm.saveSession(id, sampleState(2)));
      if (saved === 'refused') {
        // Refused in every call that takes a session id.
        const everyCall: Array<() => Promise<unknown>> = [
          () => sm.loadSession(id),
          () => sm.createCheckpoint(id, 'n'),
          () => sm.listCheckpoints(id),
          () => sm.deleteSession(id, { checkpoints: true }),
          () => sm.pauseExecution(id, {}),
          () => sm.resumeExecution(id),
          () => cm.createCriticalCheckpoint(id, 'why'),
          () => cm.cleanupOldCheckpoints(0, id),
        ];
        for (const call of everyCall) expect(await outcome(call)).toBe('refused');
        continue;
      }
      expect((await sm.loadSession(id))?.sessionId).toBe(id);
      expect((await sm.listSessions()).map((s) => s.sessionId).sort()).toEqual([id, 'keep'].sort());
      expect((await sm.resumeExecution(id)).sessionId).toBe(id);
      const made = await outcome(() => sm.createCheckpoint(id, 'n'));
      if (made === 'refused') {
        // The id fits a session file, but leaves no room for checkpoint_<id>_<name>_<22 digits> in 220 bytes.
        expect(new TextEncoder().encode(`checkpoint_${id}_n_`).length + 22).toBeGreaterThan(220);
      } else {
        expect((await sm.listCheckpoints(id)).map((c) => c.checkpointId)).toEqual([made.value]);
        expect((await sm.restoreCheckpoint(made.value)).sessionId).toBe(id);
        expect((await cm.rollbackToCheckpoint(made.value)).sessionId).toBe(id);
      }
      // One file per document, each a direct child of its directory.
      const names = await files(place.fs, place.base);
      expect(names.sessions).toEqual([`session_${id}.json`, 'session_keep.json'].sort());
      expect(names.checkpoints.length).toBe(made === 'refused' ? 0 : 2);
      expect(await sm.deleteSession(id, { checkpoints: true })).toBe(true);
      expect(await files(place.fs, place.base)).toEqual({ sessions: ['session_keep.json'], checkpoints: [] });
      calls += 8;
    }
    expect((await sm.loadSession('keep'))!.metadata.step).toBe(1);
    expect(recorder.outside).toEqual([]);
  });

  it('as a checkpoint name or a critical checkpoint reason: named as asked, or refused', async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    const { recorder, sm, cm } = await setup(place);
    for (const name of HOSTILE_IDS) {
      const made = await outcome(() => sm.createCheckpoint('keep', name));
      if (made !== 'refused') {
        expect(made.value.startsWith(`checkpoint_keep_${name}_`)).toBe(true);
        expect((await sm.listCheckpoints('keep')).map((c) => c.name)).toEqual([name]);
        expect(await sm.deleteCheckpoint(made.value)).toBe(true);
      }
      // A reason is free text: it is slugged into the name, never refused for its characters.
      const critical = await cm.createCriticalCheckpoint('keep', name);
      expect((await sm.restoreCheckpoint(critical)).metadata.checkpoint_reason).toBe(name);
      expect(await sm.deleteCheckpoint(critical)).toBe(true);
      calls++;
    }
    expect(await files(place.fs, place.base)).toEqual({ sessions: ['session_keep.json'], checkpoints: [] });
    expect(recorder.outside).toEqual([]);
  });

  it('as a checkpoint id: refused, or not found, never read from elsewhere', async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    const { recorder, sm, cm } = await setup(place);
    const ids = [...HOSTILE_IDS.map((id) => `checkpoint_${id}`), ...HOSTILE_IDS, 'checkpoint_x/../../../session_keep', 'checkpoint_/../sessions/session_keep'];
    for (const id of ids) {
      for (const call of [() => sm.restoreCheckpoint(id), () => cm.rollbackToCheckpoint(id)]) {
        calls++;
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error instanceof InvalidKeyError || error instanceof CheckpointNotFoundError, `${JSON.stringify(id)}: ${String(error)}`).toBe(true);
        if (error instanceof InvalidKeyError) refused++;
      }
      const deleted = await outcome(() => sm.deleteCheckpoint(id));
      if (deleted !== 'refused') expect(deleted.value).toBe(false);
    }
    expect(await files(place.fs, place.base)).toEqual({ sessions: ['session_keep.json'], checkpoints: [] });
    expect(recorder.outside).toEqual([]);
  });

  it('as a storage key or prefix of FileStorageBackend: inside its directories, or refused', async () => {
    const place = await makePlace();
    onTestFinished(() => place.cleanup());
    await setup(place);
    const recorder = recordingFs(place.fs, place.base);
    const backend = new FileStorageBackend(place.base, { fs: recorder });
    for (const id of HOSTILE_IDS) {
      for (const key of [id, `session_${id}`, `checkpoint_${id}`]) {
        const saved = await outcome(() => backend.save(key, { key }));
        if (saved === 'refused') {
          const everyCall: Array<() => Promise<unknown>> = [() => backend.load(key), () => backend.exists(key), () => backend.delete(key)];
          for (const call of everyCall) expect(await outcome(call)).toBe('refused');
          continue;
        }
        const file = backend.locate(key);
        expect(file.slice(0, file.lastIndexOf('/'))).toMatch(new RegExp(`^${place.base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(sessions|checkpoints)$`));
        expect(await backend.load(key)).toEqual({ key });
        expect(await backend.listKeys(key)).toContain(key);
        expect(await backend.delete(key)).toBe(true);
        calls += 4;
      }
      // A prefix is literal text, never a pattern or a path.
      calls++;
      expect((await backend.listKeys(id)).every((key) => key.startsWith(id))).toBe(true);
    }
    expect(await backend.listKeys()).toEqual(['session_keep']);
    expect(recorder.outside).toEqual([]);
  });
});
