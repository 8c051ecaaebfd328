import { readFile, readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptStateError, FileStorageBackend, StateManager } from '../src/index.js';
import { FILE_SYSTEMS, type Place } from './support/file-systems.js';
import { EXPECTED, fixturePath, persistedView, snapshotView } from './support/marsys.js';

/** Python's parse of a fixture file, for comparing with what waymark loaded. */
async function rawFixture(...parts: string[]): Promise<any> {
  const text = await readFile(fixturePath(...parts), 'utf8');
  return JSON.parse(text.replace(/\bNaN\b|-?\bInfinity\b/g, '0'));
}

const SESSIONS = Object.keys(EXPECTED.state.sessions);
const CHECKPOINTS = Object.keys(EXPECTED.state.checkpoints);

/**
 * A StateManager on a fresh copy of a fixture directory, on one kind of file
 * system; the copy is removed after each test.
 */
function fixtureSuite(makePlace: () => Promise<Place>) {
  let current: Place | undefined;
  afterEach(() => current?.cleanup());
  return {
    get place(): Place {
      if (!current) throw new Error('no fixture copied yet: call managerOn first');
      return current;
    },
    async managerOn(fixture: string, options: ConstructorParameters<typeof StateManager>[1] = {}) {
      current = await makePlace();
      await current.seed(fixturePath(fixture));
      return new StateManager(new FileStorageBackend(current.base, { fs: current.fs }), options);
    },
  };
}

describe.each(FILE_SYSTEMS)('MARSYS fixtures on $name', ({ makePlace }) => {
  const suite = fixtureSuite(makePlace);

  it.each(SESSIONS)('loads session %s to the values MARSYS loaded, checksum verified', async (sessionId) => {
    const manager = await suite.managerOn('state');
    const snapshot = await manager.loadSession(sessionId);
    expect(snapshotView(snapshot)).toEqual(persistedView(EXPECTED.state.sessions[sessionId].load_session.returned));
    expect(snapshot!.checksum).toBe(EXPECTED.state.files[`state/sessions/session_${sessionId}.json`].stored_checksum);
  });

  it('keeps conversation_pattern, which MARSYS drops on load', async () => {
    const manager = await suite.managerOn('state');
    const snapshot = await manager.loadSession('alpha');
    expect(snapshot!.branches.branch_research!.topology.conversationPattern).toBe('dialogue');
  });

  it.each(CHECKPOINTS)('restores checkpoint %s to the file MARSYS wrote', async (checkpointId) => {
    const manager = await suite.managerOn('state');
    const snapshot = await manager.restoreCheckpoint(checkpointId);
    const raw = await rawFixture('state', 'checkpoints', `${checkpointId}.json`);
    expect(snapshotView(snapshot)).toEqual(persistedView(raw));
  });

  it('lists sessions as MARSYS does, paused included or not', async () => {
    const manager = await suite.managerOn('state');
    const toMarsys = (s: any) => ({
      session_id: s.sessionId,
      timestamp: s.timestamp,
      paused: s.paused,
      branches_count: s.branchesCount,
      completed_count: s.completedCount,
      metadata: s.metadata,
    });
    expect((await manager.listSessions()).map(toMarsys)).toEqual(EXPECTED.state.list_sessions.returned);
    expect((await manager.listSessions({ includePaused: false })).map(toMarsys)).toEqual(
      EXPECTED.state.list_sessions_include_paused_false.returned,
    );
  });

  it("lists only a session's own checkpoints, never those of a session whose id starts with it", async () => {
    const manager = await suite.managerOn('state');
    const ids = async (sessionId: string) => (await manager.listCheckpoints(sessionId)).map((c) => c.checkpointId);
    expect(await ids('alpha')).toEqual([
      'checkpoint_alpha_after_merge_1746831595',
      'checkpoint_alpha_beta_x_1746831572',
      'checkpoint_alpha_before_merge_1746831570',
    ]);
    expect(await ids('alpha_beta')).toEqual(['checkpoint_alpha_beta_step_1746831603', 'checkpoint_alpha_beta_init_1746831602']);
    const [afterMerge] = await manager.listCheckpoints('alpha');
    // MARSYS stores when a checkpoint was made only as naive local time: "2025-05-09T22:59:55.500000".
    const madeAt = new Date(2025, 4, 9, 22, 59, 55, 500).getTime() / 1000;
    expect(afterMerge).toMatchObject({ sessionId: 'alpha', name: 'after_merge', timestamp: madeAt, sessionTimestamp: 1746831590.8765433 });
  });

  it('loads files with NaN and Infinity that MARSYS wrote', async () => {
    const manager = await suite.managerOn('nonfinite');
    const snapshot = await manager.loadSession('nonfinite');
    expect(snapshot!.branches.main!.metadata).toEqual({ nan: NaN, inf: Infinity, ninf: -Infinity });
  });

  it('saves a loaded session back byte for byte as MARSYS wrote it', async () => {
    for (const sessionId of SESSIONS) {
      const file = `sessions/session_${sessionId}.json`;
      const original = await readFile(fixturePath('state', file), 'utf8');
      const snapshot = await (await suite.managerOn('state')).loadSession(sessionId);
      const writer = new StateManager(new FileStorageBackend(suite.place.base, { fs: suite.place.fs }), { clock: () => snapshot!.timestamp });
      await writer.saveSession(sessionId, snapshot!);
      expect(await suite.place.fs.readFile(`${suite.place.base}/${file}`, 'utf8'), sessionId).toBe(original);
      await suite.place.cleanup();
    }
  });
});

describe.each(FILE_SYSTEMS)('damaged MARSYS files on $name', ({ makePlace }) => {
  const suite = fixtureSuite(makePlace);

  const SESSION_CASES: Array<[string, RegExp]> = [
    ['tampered_timestamp', /checksum mismatch/],
    ['tampered_branch_status', /checksum mismatch/],
    ['tampered_active_branches', /checksum mismatch/],
    ['tampered_checksum', /checksum mismatch/],
    ['truncated_json', /not valid JSON/],
    ['empty_file', /the file is empty/],
    ['empty_object', /session_id: missing/],
    ['wrong_type_toplevel_array', /expected an object at the top level, found an array/],
    ['wrong_type_timestamp_string', /timestamp: expected a number, found the string/],
    ['wrong_type_branches_array', /branches: expected an object, found an array/],
    ['missing_field_metadata', /metadata: missing/],
    ['session_id_mismatch', /holds session_id "not_alpha", not "alpha"/],
    ['unknown_enum_value', /branches\.branch_writer\.state\.status: expected one of pending, .* found the string "done"/],
  ];

  it.each(SESSION_CASES)('%s: loadSession throws CorruptStateError naming the file and the fault', async (fixture, reason) => {
    const manager = await suite.managerOn(`corrupt/${fixture}`);
    const error = await manager.loadSession('alpha').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptStateError);
    expect((error as CorruptStateError).code).toBe('CORRUPT_STATE');
    expect((error as CorruptStateError).file).toBe(`${suite.place.base}/sessions/session_alpha.json`);
    expect((error as CorruptStateError).reason).toMatch(reason);
    expect((error as CorruptStateError).message).toContain('session_alpha.json');
  });

  it.each([
    ['checkpoint_tampered', /checksum mismatch/],
    ['checkpoint_truncated', /not valid JSON/],
  ])('%s: restoreCheckpoint throws CorruptStateError naming the file', async (fixture, reason) => {
    const manager = await suite.managerOn(`corrupt/${fixture}`);
    const error = await manager.restoreCheckpoint('checkpoint_alpha_after_merge_1746831595').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptStateError);
    expect((error as CorruptStateError).file).toBe(`${suite.place.base}/checkpoints/checkpoint_alpha_after_merge_1746831595.json`);
    expect((error as CorruptStateError).reason).toMatch(reason);
    // The session beside it is intact and still loads.
    expect((await manager.loadSession('alpha'))!.sessionId).toBe('alpha');
  });

  it('leaves corrupt files untouched', async () => {
    const manager = await suite.managerOn('corrupt/tampered_checksum');
    const file = `${suite.place.base}/sessions/session_alpha.json`;
    const before = await suite.place.fs.readFile(file, 'utf8');
    await expect(manager.loadSession('alpha')).rejects.toThrow(CorruptStateError);
    await expect(manager.createCheckpoint('alpha', 'x')).rejects.toThrow(CorruptStateError);
    expect(await suite.place.fs.readFile(file, 'utf8')).toBe(before);
    expect(await manager.storage.listKeys('checkpoint_')).toEqual([]);
  });

  it('leaves unreadable files out of listSessions', async () => {
    const manager = await suite.managerOn('corrupt/truncated_json');
    expect(await manager.listSessions()).toEqual([]);
  });

  it.each(['checksum_missing', 'checksum_null', 'checksum_empty_string'])(
    'quirk %s: loads without a checksum, as MARSYS does, unless requireChecksum is set',
    async (fixture) => {
      const lenient = await suite.managerOn(`quirks/${fixture}`);
      expect((await lenient.loadSession('alpha'))!.checksum).toBe('');
      const strict = new StateManager(lenient.storage, { requireChecksum: true });
      await expect(strict.loadSession('alpha')).rejects.toThrow(/has no checksum/);
    },
  );

  it('quirk tampered_uncovered_fields: loads, because MARSYS does not hash metadata or results', async () => {
    const manager = await suite.managerOn('quirks/tampered_uncovered_fields');
    expect((await manager.loadSession('alpha'))!.metadata.task).toBe('TAMPERED');
  });

  it('quirk lenient_reader: loads compact, reordered, raw UTF-8 files with an integer timestamp', async () => {
    const manager = await suite.managerOn('quirks/lenient_reader');
    const snapshot = await manager.loadSession('lenient');
    expect(snapshot).toMatchObject({ sessionId: 'lenient', timestamp: 1746831700, metadata: { writer: 'not python', text: 'héllo 🚀' } });
    const [checkpoint] = await manager.listCheckpoints('lenient');
    expect((await manager.restoreCheckpoint(checkpoint!.checkpointId)).sessionId).toBe('lenient');
  });
});

it('fixture directories are read in place and never written', async () => {
  // The suites above copy fixtures before use; this guards against a test writing into ../shared.
  const listing = await readdir(fixturePath('state', 'sessions'));
  expect(listing.sort()).toEqual(SESSIONS.map((id) => `session_${id}.json`).sort());
});
