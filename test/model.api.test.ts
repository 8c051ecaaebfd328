/**
 * Model-based testing: random sequences of StateManager and CheckpointManager
 * calls, on all three file systems, each compared with a plain in-memory
 * model of the API (a Map of sessions and a list of checkpoints). Every
 * result must match the model's, and so must what a fresh StateManager reads
 * back at the end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CheckpointManager,
  CheckpointNotFoundError,
  FileStorageBackend,
  SessionNotFoundError,
  StateManager,
  type JsonObject,
  type SessionSnapshot,
  type SessionState,
} from '../src/index.js';
import { compareCodePoints } from '../src/pyjson/index.js';
import { sessionStateArb } from './support/arbitraries.js';
import { FILE_SYSTEMS } from './support/file-systems.js';
import { recordFiguresAfterAll, scaled } from './support/figures.js';

const TEST_FILE = 'test/model.api.test.ts';
const IDS = ['a', 'a_b', '__proto__', 'ｚ', '😀'];
const CHECKPOINT_KEYS = ['checkpoint_name', 'checkpoint_time', 'checkpoint_timestamp', 'checkpoint_auto', 'checkpoint_critical', 'checkpoint_reason'];

interface Stored {
  state: SessionState;
  timestamp: number;
  checksum: string;
}
interface StoredCheckpoint {
  id: string;
  sessionId: string;
  name: string;
  auto: boolean;
  session: Stored;
}
interface Model {
  sessions: Map<string, Stored>;
  checkpoints: StoredCheckpoint[];
}
interface Real {
  sm: StateManager;
  cm: CheckpointManager;
}

/** What loadSession must return for a stored state. */
function expectedSnapshot(sessionId: string, stored: Stored): SessionSnapshot {
  return { ...stored.state, sessionId, timestamp: stored.timestamp, checksum: stored.checksum };
}

function withoutCheckpointKeys(metadata: JsonObject): JsonObject {
  const copy = { ...metadata };
  for (const key of CHECKPOINT_KEYS) delete copy[key];
  return copy;
}

type Cmd = fc.AsyncCommand<Model, Real, boolean>;
const always = () => true;
const sid = fc.constantFrom(...IDS);

class Save implements Cmd {
  constructor(
    readonly id: string,
    readonly state: SessionState,
    readonly pause: boolean,
  ) {}
  check = always;
  async run(model: Model, { sm }: Real) {
    const saved = this.pause ? await sm.pauseExecution(this.id, this.state) : await sm.saveSession(this.id, this.state);
    const metadata = this.pause ? { ...this.state.metadata, paused: true, pause_time: expect.any(String) } : this.state.metadata;
    model.sessions.set(this.id, { state: { ...this.state, metadata }, timestamp: saved.timestamp, checksum: saved.checksum });
    expect(await sm.loadSession(this.id)).toEqual(expectedSnapshot(this.id, model.sessions.get(this.id)!));
  }
  toString = () => `${this.pause ? 'pause' : 'save'}(${this.id})`;
}

class Load implements Cmd {
  constructor(readonly id: string) {}
  check = always;
  async run(model: Model, { sm }: Real) {
    const stored = model.sessions.get(this.id);
    expect(await sm.loadSession(this.id)).toEqual(stored && expectedSnapshot(this.id, stored));
  }
  toString = () => `load(${this.id})`;
}

class Resume implements Cmd {
  constructor(readonly id: string) {}
  check = always;
  async run(model: Model, { sm }: Real) {
    const stored = model.sessions.get(this.id);
    if (stored === undefined) {
      await expect(sm.resumeExecution(this.id)).rejects.toThrow(SessionNotFoundError);
      return;
    }
    const resumed = await sm.resumeExecution(this.id);
    const metadata = { ...stored.state.metadata, paused: false, resume_time: expect.any(String) };
    const next = { state: { ...stored.state, metadata }, timestamp: resumed.timestamp, checksum: resumed.checksum };
    model.sessions.set(this.id, next);
    expect(resumed).toEqual(expectedSnapshot(this.id, next));
  }
  toString = () => `resume(${this.id})`;
}

class Delete implements Cmd {
  constructor(
    readonly id: string,
    readonly checkpoints: boolean,
  ) {}
  check = always;
  async run(model: Model, { sm }: Real) {
    const existed = model.sessions.delete(this.id);
    if (this.checkpoints) model.checkpoints = model.checkpoints.filter((c) => c.sessionId !== this.id);
    expect(await sm.deleteSession(this.id, { checkpoints: this.checkpoints })).toBe(existed);
  }
  toString = () => `delete(${this.id}, checkpoints: ${this.checkpoints})`;
}

class Checkpoint implements Cmd {
  constructor(
    readonly id: string,
    readonly name: string,
    readonly auto: boolean,
  ) {}
  check = always;
  async run(model: Model, { sm }: Real) {
    const stored = model.sessions.get(this.id);
    if (stored === undefined) {
      await expect(sm.createCheckpoint(this.id, this.name, { auto: this.auto })).rejects.toThrow(SessionNotFoundError);
      return;
    }
    const id = await sm.createCheckpoint(this.id, this.name, { auto: this.auto });
    expect(id.startsWith(`checkpoint_${this.id}_${this.name}_`)).toBe(true);
    expect(model.checkpoints.some((c) => c.id === id)).toBe(false);
    model.checkpoints.push({ id, sessionId: this.id, name: this.name, auto: this.auto, session: stored });
  }
  toString = () => `checkpoint(${this.id}, ${this.name}${this.auto ? ', auto' : ''})`;
}

/** What restoreCheckpoint must return: the session as it was, with the checkpoint's keys in its metadata. */
function expectedRestore(checkpoint: StoredCheckpoint): SessionSnapshot {
  const metadata = {
    ...checkpoint.session.state.metadata,
    checkpoint_name: checkpoint.name,
    checkpoint_time: expect.any(String),
    checkpoint_timestamp: expect.any(Number),
    ...(checkpoint.auto && { checkpoint_auto: true }),
  };
  return expectedSnapshot(checkpoint.sessionId, { ...checkpoint.session, state: { ...checkpoint.session.state, metadata } });
}

class Restore implements Cmd {
  constructor(readonly pick: number) {}
  check = always;
  async run(model: Model, { sm }: Real) {
    const checkpoint = model.checkpoints[this.pick % Math.max(1, model.checkpoints.length)];
    if (checkpoint === undefined) {
      await expect(sm.restoreCheckpoint('checkpoint_a_gone_1')).rejects.toThrow(CheckpointNotFoundError);
      return;
    }
    expect(await sm.restoreCheckpoint(checkpoint.id)).toEqual(expectedRestore(checkpoint));
  }
  toString = () => `restore(#${this.pick})`;
}

class DeleteCheckpoint implements Cmd {
  constructor(readonly pick: number) {}
  check = always;
  async run(model: Model, { sm }: Real) {
    const checkpoint = model.checkpoints[this.pick % Math.max(1, model.checkpoints.length)];
    if (checkpoint === undefined) {
      expect(await sm.deleteCheckpoint('checkpoint_a_gone_1')).toBe(false);
      return;
    }
    model.checkpoints = model.checkpoints.filter((c) => c !== checkpoint);
    expect(await sm.deleteCheckpoint(checkpoint.id)).toBe(true);
    expect(await sm.deleteCheckpoint(checkpoint.id)).toBe(false);
  }
  toString = () => `deleteCheckpoint(#${this.pick})`;
}

class Rollback implements Cmd {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.checkpoints.length > 0;
  async run(model: Model, { sm, cm }: Real) {
    const checkpoint = model.checkpoints[this.pick % model.checkpoints.length]!;
    const current = model.sessions.get(checkpoint.sessionId);
    const result = await cm.rollbackToCheckpoint(checkpoint.id);
    expect(result.sessionId).toBe(checkpoint.sessionId);
    if (current === undefined) expect(result.backupId).toBeNull();
    else {
      expect(result.backupId).toEqual(expect.any(String));
      model.checkpoints.push({ id: result.backupId!, sessionId: checkpoint.sessionId, name: 'pre_rollback', auto: false, session: current });
    }
    const loaded = await sm.loadSession(checkpoint.sessionId);
    const state = { ...checkpoint.session.state, metadata: withoutCheckpointKeys(checkpoint.session.state.metadata) };
    model.sessions.set(checkpoint.sessionId, { state, timestamp: loaded!.timestamp, checksum: loaded!.checksum });
    expect(loaded).toEqual(expectedSnapshot(checkpoint.sessionId, model.sessions.get(checkpoint.sessionId)!));
  }
  toString = () => `rollback(#${this.pick})`;
}

class ListSessions implements Cmd {
  check = always;
  async run(model: Model, { sm }: Real) {
    const expected = [...model.sessions]
      .sort(([a], [b]) => compareCodePoints(a, b))
      .map(([sessionId, { state, timestamp }]) => ({
        sessionId,
        timestamp,
        paused: state.metadata.paused === true,
        branchesCount: Object.keys(state.branches).length,
        completedCount: state.completedBranches.size,
        metadata: state.metadata,
      }));
    expect(await sm.listSessions()).toEqual(expected);
  }
  toString = () => 'listSessions()';
}

class ListCheckpoints implements Cmd {
  constructor(readonly id: string) {}
  check = always;
  async run(model: Model, { sm }: Real) {
    const expected = model.checkpoints
      .filter((c) => c.sessionId === this.id)
      .reverse()
      .map((c) => ({ checkpointId: c.id, name: c.name, auto: c.auto }));
    const listed = await sm.listCheckpoints(this.id);
    expect(listed.map(({ checkpointId, name, auto }) => ({ checkpointId, name, auto }))).toEqual(expected);
  }
  toString = () => `listCheckpoints(${this.id})`;
}

const commands = [
  fc.tuple(sid, sessionStateArb, fc.boolean()).map(([id, state, pause]) => new Save(id, state, pause)),
  sid.map((id) => new Load(id)),
  sid.map((id) => new Resume(id)),
  fc.tuple(sid, fc.boolean()).map(([id, checkpoints]) => new Delete(id, checkpoints)),
  fc.tuple(sid, fc.constantFrom('x', 'b_x', 'step-1'), fc.boolean()).map(([id, name, auto]) => new Checkpoint(id, name, auto)),
  fc.nat().map((pick) => new Restore(pick)),
  fc.nat().map((pick) => new DeleteCheckpoint(pick)),
  fc.nat().map((pick) => new Rollback(pick)),
  fc.constant(new ListSessions()),
  sid.map((id) => new ListCheckpoints(id)),
];

const RUNS: Record<string, number> = { memfs: scaled(120, 2000), idb: scaled(40, 500), node: scaled(40, 500) };
let sequences = 0;
let calls = 0;

recordFiguresAfterAll(TEST_FILE, () => [
  ['random API call sequences matching the in-memory model (3 file systems)', sequences],
  ['  API calls compared with the model', calls],
]);

describe.each(FILE_SYSTEMS)('the API on $name', ({ name, makePlace }) => {
  it('matches the in-memory model for any sequence of calls', { timeout: scaled(180_000, 3_600_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: scaled(40, 100), size: '+1' }), async (cmds) => {
        const place = await makePlace();
        try {
          let now = 1_800_000_000;
          const clock = () => (now += 0.25);
          const sm = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }), { clock });
          const model: Model = { sessions: new Map(), checkpoints: [] };
          await fc.asyncModelRun(() => ({ model, real: { sm, cm: new CheckpointManager(sm) } }), cmds);
          // What a fresh StateManager reads back agrees too.
          const fresh = new StateManager(new FileStorageBackend(place.base, { fs: place.fs }));
          for (const [id, stored] of model.sessions) expect(await fresh.loadSession(id)).toEqual(expectedSnapshot(id, stored));
          for (const checkpoint of model.checkpoints) expect(await fresh.restoreCheckpoint(checkpoint.id)).toEqual(expectedRestore(checkpoint));
          expect((await fresh.listSessions()).length).toBe(model.sessions.size);
          sequences++;
          calls += [...cmds].length;
        } finally {
          await place.cleanup();
        }
      }),
      { numRuns: RUNS[name] ?? 20 },
    );
  });
});
