import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckpointNotFoundError,
  FileStorageBackend,
  InvalidKeyError,
  SerializationError,
  SessionNotFoundError,
  StateManager,
} from '../src/index.js';
import { FILE_SYSTEMS, type Place } from './support/file-systems.js';
import { branch, sampleState } from './support/states.js';

describe.each(FILE_SYSTEMS)('StateManager on $name', ({ makePlace }) => {
  let place: Place;
  let now: number;
  let manager: StateManager;

  beforeEach(async () => {
    place = await makePlace();
    now = 1_800_000_000.25;
    manager = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }), { clock: () => now });
  });
  afterEach(() => place.cleanup());

  /** Every file under the base directory, sorted. */
  async function files(): Promise<string[]> {
    const out: string[] = [];
    for (const dir of ['sessions', 'checkpoints']) {
      const names = await place.fs.readdir(`${place.base}/${dir}`).catch(() => []);
      out.push(...names.map((n) => `${dir}/${n}`));
    }
    return out.sort();
  }

  it('saves and loads a session, Sets and all', async () => {
    const state = sampleState();
    const saved = await manager.saveSession('run-1', state);
    expect(saved).toMatchObject({ sessionId: 'run-1', timestamp: now });
    expect(saved.checksum).toMatch(/^[0-9a-f]{64}$/);
    const loaded = await manager.loadSession('run-1');
    expect(loaded).toEqual({ ...state, sessionId: 'run-1', timestamp: now, checksum: saved.checksum });
    expect(loaded!.activeBranches).toBeInstanceOf(Set);
    expect(loaded!.branches.main!.state.completedAgents).toEqual(new Set(['Planner']));
  });

  it('returns undefined for a session that was never saved', async () => {
    expect(await manager.loadSession('nobody')).toBeUndefined();
  });

  it('stores fields left out of the state as empty, as MARSYS does', async () => {
    await manager.saveSession('empty', {});
    expect(await manager.loadSession('empty')).toMatchObject({
      branches: {},
      activeBranches: new Set(),
      waitingBranches: {},
      metadata: {},
    });
  });

  it('names a branch with an empty name after its id, as MARSYS does', async () => {
    await manager.saveSession('s', { branches: { b: branch('b', { name: '' }) } });
    expect((await manager.loadSession('s'))!.branches.b!.name).toBe('Branch b');
  });

  it('replaces the previous version on save', async () => {
    await manager.saveSession('s', sampleState(1));
    now += 1;
    await manager.saveSession('s', sampleState(2));
    expect((await manager.loadSession('s'))!.metadata.step).toBe(2);
    expect(await files()).toEqual(['sessions/session_s.json']);
  });

  it('runs saves of one session in call order', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, step) => manager.saveSession('s', sampleState(step))));
    expect((await manager.loadSession('s'))!.metadata.step).toBe(19);
  });

  it('creates checkpoints and restores them without touching the live session', async () => {
    await manager.saveSession('s', sampleState(1));
    now += 1;
    const id = await manager.createCheckpoint('s', 'before-merge');
    expect(id).toMatch(/^checkpoint_s_before-merge_\d{22}$/);
    now += 1;
    await manager.saveSession('s', sampleState(2));
    const restored = await manager.restoreCheckpoint(id);
    expect(restored.metadata).toMatchObject({ step: 1, checkpoint_name: 'before-merge' });
    expect(restored.metadata.checkpoint_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
    expect((await manager.loadSession('s'))!.metadata.step).toBe(2);
  });

  it('lists checkpoints newest first with their names and flags', async () => {
    await manager.saveSession('s', sampleState());
    const first = await manager.createCheckpoint('s', 'one');
    now += 5;
    const second = await manager.createCheckpoint('s', 'two', { auto: true });
    now += 5;
    const third = await manager.createCheckpoint('s', 'three', { critical: true, reason: 'before deploy' });
    const list = await manager.listCheckpoints('s');
    expect(list.map((c) => [c.checkpointId, c.name, c.auto, c.critical])).toEqual([
      [third, 'three', false, true],
      [second, 'two', true, false],
      [first, 'one', false, false],
    ]);
    expect(list[0]!.metadata.checkpoint_reason).toBe('before deploy');
    expect(list[2]!.timestamp).toBeCloseTo(1_800_000_000.25, 5);
  });

  it('gives 1,000 checkpoints of one name made in a tight loop 1,000 distinct ids', async () => {
    await manager.saveSession('s', {});
    const sequential: string[] = [];
    for (let i = 0; i < 500; i++) sequential.push(await manager.createCheckpoint('s', 'same'));
    const concurrent = await Promise.all(Array.from({ length: 500 }, () => manager.createCheckpoint('s', 'same')));
    const ids = new Set([...sequential, ...concurrent]);
    expect(ids.size).toBe(1000);
    expect((await manager.listCheckpoints('s')).length).toBe(1000);
  });

  it('refuses to checkpoint a session that does not exist', async () => {
    await expect(manager.createCheckpoint('ghost', 'x')).rejects.toThrow(SessionNotFoundError);
    expect(await files()).toEqual([]);
  });

  it('throws CheckpointNotFoundError for an unknown checkpoint', async () => {
    const error = await manager.restoreCheckpoint('checkpoint_s_x_1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointNotFoundError);
    expect((error as CheckpointNotFoundError).code).toBe('CHECKPOINT_NOT_FOUND');
  });

  it('deletes a session, and its checkpoints only when asked', async () => {
    await manager.saveSession('a', {});
    await manager.saveSession('a_b', {});
    await manager.createCheckpoint('a', 'x');
    await manager.createCheckpoint('a_b', 'y');
    expect(await manager.deleteSession('a')).toBe(true);
    expect(await manager.deleteSession('a')).toBe(false);
    expect((await manager.listCheckpoints('a')).length).toBe(1);
    await manager.saveSession('a', {});
    expect(await manager.deleteSession('a', { checkpoints: true })).toBe(true);
    expect(await manager.listCheckpoints('a')).toEqual([]);
    // The checkpoints of a_b, whose id starts with "a_", are not a's.
    expect((await manager.listCheckpoints('a_b')).length).toBe(1);
  });

  it('deletes one checkpoint', async () => {
    await manager.saveSession('s', {});
    const id = await manager.createCheckpoint('s', 'x');
    expect(await manager.deleteCheckpoint(id)).toBe(true);
    expect(await manager.deleteCheckpoint(id)).toBe(false);
    await expect(manager.restoreCheckpoint(id)).rejects.toThrow(CheckpointNotFoundError);
  });

  it('pauses and resumes, and the resume is stored', async () => {
    await manager.pauseExecution('s', sampleState());
    expect((await manager.listSessions())[0]).toMatchObject({ sessionId: 's', paused: true });
    expect(await manager.listSessions({ includePaused: false })).toEqual([]);
    now += 10;
    const resumed = await manager.resumeExecution('s');
    expect(resumed.metadata).toMatchObject({ paused: false, task: 'write a report' });
    expect(typeof resumed.metadata.pause_time).toBe('string');
    expect(typeof resumed.metadata.resume_time).toBe('string');
    expect((await manager.loadSession('s'))!.metadata.paused).toBe(false);
  });

  it('refuses to resume a session that does not exist', async () => {
    await expect(manager.resumeExecution('ghost')).rejects.toThrow(SessionNotFoundError);
  });

  it('lists sessions sorted by id with their counts', async () => {
    await manager.saveSession('b', sampleState());
    await manager.saveSession('a', { completedBranches: new Set(['x', 'y']), metadata: { k: 1 } });
    expect(await manager.listSessions()).toEqual([
      { sessionId: 'a', timestamp: now, paused: false, branchesCount: 0, completedCount: 2, metadata: { k: 1 } },
      { sessionId: 'b', timestamp: now, paused: false, branchesCount: 2, completedCount: 0, metadata: { task: 'write a report', step: 1 } },
    ]);
  });

  describe('bad input', () => {
    const BAD_IDS: Array<[string, unknown, RegExp]> = [
      ['traversal', '../x', /must not contain "\/"/],
      ['a slash', 'a/b', /must not contain "\/"/],
      ['a backslash', 'a\\b', /must not contain "\/" or "\\"/],
      ['NUL', 'a\u0000b', /control characters/],
      ['a newline', 'a\nb', /control characters/],
      ['empty', '', /must not be empty/],
      ['dot', '.', /must not be "\." or "\.\."/],
      ['dot-dot', '..', /must not be "\." or "\.\."/],
      ['too long', 'x'.repeat(201), /at most 200 bytes/],
      ['too long in UTF-8', 'é'.repeat(101), /at most 200 bytes in UTF-8 \(it has 202\)/],
      ['one byte too long in UTF-8', '€'.repeat(67), /at most 200 bytes in UTF-8 \(it has 201\)/],
      ['a lone surrogate', 'a\ud800', /lone surrogate/],
      ['not a string', 42, /must be a string/],
    ];

    it.each(BAD_IDS)('refuses a session id with %s and creates nothing', async (_label, id, rule) => {
      await manager.saveSession('keep', sampleState());
      const before = await files();
      const calls = [
        () => manager.saveSession(id as string, sampleState()),
        () => manager.loadSession(id as string),
        () => manager.createCheckpoint(id as string, 'x'),
        () => manager.listCheckpoints(id as string),
        () => manager.deleteSession(id as string, { checkpoints: true }),
        () => manager.pauseExecution(id as string, sampleState()),
        () => manager.resumeExecution(id as string),
      ];
      for (const call of calls) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(InvalidKeyError);
        expect((error as InvalidKeyError).code).toBe('INVALID_KEY');
        expect((error as InvalidKeyError).parameter).toBe('sessionId');
        expect((error as InvalidKeyError).rule).toMatch(rule);
      }
      expect(await files()).toEqual(before);
    });

    it.each(BAD_IDS)('refuses a checkpoint name with %s', async (_label, name, rule) => {
      await manager.saveSession('s', {});
      const error = await manager.createCheckpoint('s', name as string).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidKeyError);
      expect((error as InvalidKeyError).parameter).toBe('checkpoint name');
      expect((error as InvalidKeyError).rule).toMatch(rule);
      expect(await files()).toEqual(['sessions/session_s.json']);
    });

    it.each([
      ['200 ASCII characters', 'x'.repeat(200)],
      ['198 bytes of three-byte characters', '€'.repeat(66)],
      ['200 bytes of four-byte characters', '😀'.repeat(50)],
    ])('accepts a session id of %s', async (_label, id) => {
      await manager.saveSession(id, {});
      expect((await manager.loadSession(id))?.sessionId).toBe(id);
    });

    it('refuses a checkpoint id that would be too long for a file name', async () => {
      await manager.saveSession('s'.repeat(150), {});
      await expect(manager.createCheckpoint('s'.repeat(150), 'n'.repeat(100))).rejects.toThrow(/at most 220 bytes/);
    });

    it.each(['../checkpoint_x', 'checkpoint_x/../../escaped', 'session_s', '', 'checkpoint_\u0000'])(
      'refuses the checkpoint id %j',
      async (id) => {
        await expect(manager.restoreCheckpoint(id)).rejects.toThrow(InvalidKeyError);
        await expect(manager.deleteCheckpoint(id)).rejects.toThrow(InvalidKeyError);
      },
    );

    class Point {
      x = 1;
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const BAD_VALUES: Array<[string, unknown, RegExp]> = [
      ['a function', () => 1, /function/],
      ['a symbol', Symbol('s'), /symbol/],
      ['a BigInt', 10n, /BigInt|bigint/],
      ['undefined', undefined, /undefined/],
      ['NaN', NaN, /NaN/],
      ['Infinity', Infinity, /Infinity/],
      ['a Date', new Date(0), /Date/],
      ['a Map', new Map(), /Map/],
      ['a Set', new Set([1]), /Set/],
      ['a class instance', new Point(), /Point/],
      ['a cycle', cyclic, /cycle/],
    ];

    it.each(BAD_VALUES)('refuses %s in branch metadata, naming its path, and writes nothing', async (_label, value, problem) => {
      await manager.saveSession('s', sampleState(1));
      const before = await place.fs.readFile(`${place.base}/sessions/session_s.json`, 'utf8');
      const state = sampleState(2);
      state.branches!.b1 = branch('b1', { metadata: { callback: value as never } });
      const error = await manager.saveSession('s', state).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).code).toBe('SERIALIZATION');
      expect((error as SerializationError).path).toMatch(/^branches\.b1\.metadata\.callback/);
      expect((error as SerializationError).message).toMatch(problem);
      expect(await place.fs.readFile(`${place.base}/sessions/session_s.json`, 'utf8')).toBe(before);
      expect(await files()).toEqual(['sessions/session_s.json']);
    });

    it.each(BAD_VALUES)('refuses %s deep in a result, naming its path in camelCase', async (_label, value) => {
      const state = sampleState();
      state.branchResults!.child!.finalResponse = { items: [1, { bad: value as never }] };
      const error = await manager.saveSession('s', state).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as SerializationError).path).toMatch(/^branchResults\.child\.finalResponse\.items\[1\]\.bad/);
      expect(await files()).toEqual([]);
    });

    it('refuses typed fields of the wrong shape with their path', async () => {
      const state = sampleState();
      (state.branches!.main!.state as { status: string }).status = 'done';
      await expect(manager.saveSession('s', state)).rejects.toThrow(
        expect.objectContaining({ path: 'branches.main.state.status', code: 'SERIALIZATION' }),
      );
      await expect(manager.saveSession('s', { activeBranches: 'main' as never })).rejects.toThrow(
        expect.objectContaining({ path: 'activeBranches' }),
      );
      await expect(manager.saveSession('s', null as never)).rejects.toThrow(SerializationError);
      expect(await files()).toEqual([]);
    });

    it('names the item of a typed list that does not fit, saving and loading', async () => {
      const state = sampleState();
      const trace = state.branchResults!.child!.executionTrace;
      trace.push({ ...trace[0]!, agentName: 7 as never });
      await expect(manager.saveSession('s', state)).rejects.toThrow(
        expect.objectContaining({ path: 'branchResults.child.executionTrace[1].agentName', code: 'SERIALIZATION' }),
      );
      expect(await files()).toEqual([]);

      await manager.saveSession('s', sampleState());
      const file = `${place.base}/sessions/session_s.json`;
      await place.fs.writeFile(file, (await place.fs.readFile(file, 'utf8')).replace('"agent_name": "Writer",', ''));
      await expect(manager.loadSession('s')).rejects.toThrow(/branch_results\.child\.execution_trace\[0\]\.agent_name: missing/);
    });

    it('keeps __proto__ and constructor keys as plain data when loading', async () => {
      await place.fs.mkdir(`${place.base}/sessions`, { recursive: true });
      const saved = await manager.saveSession('p', { metadata: { ok: true } });
      const file = `${place.base}/sessions/session_p.json`;
      const text = (await place.fs.readFile(file, 'utf8')).replace(
        '"ok": true',
        '"ok": true, "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}',
      );
      await place.fs.writeFile(file, text);
      const loaded = await manager.loadSession('p');
      expect(saved.checksum).toBe(loaded!.checksum);
      expect(Object.hasOwn(loaded!.metadata, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getPrototypeOf(loaded!.metadata)).toBe(Object.prototype);
    });
  });
});
