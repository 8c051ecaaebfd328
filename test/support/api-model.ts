/**
 * A simple in-memory model of the StateManager API, for model-based and
 * concurrency tests: what each call returns and leaves stored when calls run
 * one at a time. States are reduced to what tells them apart in these tests:
 * a unique `tag` in their metadata, and whether they are paused.
 *
 * `observe*` turn a real call's outcome into the same reduced form, so that
 * a test compares the two with one `toEqual`.
 */
import fc from 'fast-check';
import { WaymarkError, type SessionSnapshot, type StateManager } from '../../src/index.js';
import { sampleState } from './states.js';

export const SESSION_IDS = ['a', 'b', 'a_b'] as const;
export type SessionId = (typeof SESSION_IDS)[number];

export type Command =
  | { kind: 'save'; sid: SessionId; tag: string }
  | { kind: 'pause'; sid: SessionId; tag: string }
  | { kind: 'resume'; sid: SessionId }
  | { kind: 'load'; sid: SessionId }
  | { kind: 'delete'; sid: SessionId; checkpoints: boolean }
  | { kind: 'checkpoint'; sid: SessionId; name: string }
  | { kind: 'listSessions' }
  | { kind: 'listCheckpoints'; sid: SessionId }
  /** `ref` picks one of the checkpoints known when the batch starts (modulo their count). */
  | { kind: 'restore'; ref: number }
  | { kind: 'deleteCheckpoint'; ref: number };

/** A stored state, reduced. */
export interface Reduced {
  tag: string;
  paused: boolean;
}

/** A call's outcome, reduced: a value, or the `code` of the WaymarkError it threw. */
export type Outcome = { ok: unknown } | { error: string };

const sid = fc.constantFrom(...SESSION_IDS);

/** Commands for a batch; `tag`s are made unique by the batch's position (see `tagged`). */
export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('save' as const), sid, tag: fc.constant('') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pause' as const), sid, tag: fc.constant('') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resume' as const), sid }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('load' as const), sid }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), sid, checkpoints: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), sid, name: fc.constantFrom('x', 'y', 'b_x') }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'listSessions' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('listCheckpoints' as const), sid }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), ref: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteCheckpoint' as const), ref: fc.nat(20) }) },
);

/** Gives every save and pause of a batch a tag no other state has. */
export function tagged(commands: Command[], batch: string): Command[] {
  return commands.map((command, i) => ('tag' in command ? { ...command, tag: `${batch}.${i}` } : command));
}

/** A state carrying `tag`: a complete sample state, so every field goes through the codec. */
export function stateFor(tag: string) {
  const state = sampleState(1);
  return { ...state, metadata: { ...state.metadata, tag } };
}

export function reduce(snapshot: Pick<SessionSnapshot, 'metadata'>): Reduced {
  return { tag: String(snapshot.metadata.tag), paused: snapshot.metadata.paused === true };
}

interface ModelCheckpoint {
  key: string;
  sid: SessionId;
  state: Reduced;
  /** When it was made, in model steps: listCheckpoints is newest first. */
  made: number;
}

/**
 * The store as the model sees it. Checkpoints are named by a `key`: their
 * real id for those known before a batch, `new:<batch position>` for those a
 * batch makes (their ids are only known once the batch has run).
 */
export class ApiModel {
  readonly sessions = new Map<SessionId, Reduced>();
  readonly checkpoints = new Map<string, ModelCheckpoint>();
  #step = 0;

  /** Keys of the checkpoints a batch's `ref`s pick from. */
  knownCheckpointKeys(): string[] {
    return [...this.checkpoints.keys()];
  }

  /** Runs `command` (at batch position `index`, with `known` the keys refs pick from) and returns its outcome. */
  run(command: Command, index: number, known: readonly string[]): Outcome {
    this.#step++;
    switch (command.kind) {
      case 'save':
        this.sessions.set(command.sid, { tag: command.tag, paused: false });
        return { ok: 'saved' };
      case 'pause':
        this.sessions.set(command.sid, { tag: command.tag, paused: true });
        return { ok: 'saved' };
      case 'resume': {
        const state = this.sessions.get(command.sid);
        if (state === undefined) return { error: 'SESSION_NOT_FOUND' };
        const resumed = { tag: state.tag, paused: false };
        this.sessions.set(command.sid, resumed);
        return { ok: resumed };
      }
      case 'load':
        return { ok: this.sessions.get(command.sid) ?? null };
      case 'delete': {
        if (command.checkpoints) {
          for (const [key, checkpoint] of this.checkpoints) if (checkpoint.sid === command.sid) this.checkpoints.delete(key);
        }
        return { ok: this.sessions.delete(command.sid) };
      }
      case 'checkpoint': {
        const state = this.sessions.get(command.sid);
        if (state === undefined) return { error: 'SESSION_NOT_FOUND' };
        this.checkpoints.set(`new:${index}`, { key: `new:${index}`, sid: command.sid, state, made: this.#step });
        return { ok: 'created' };
      }
      case 'listSessions':
        return {
          ok: [...this.sessions]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([id, state]) => [id, state.tag, state.paused]),
        };
      case 'listCheckpoints':
        return {
          ok: [...this.checkpoints.values()]
            .filter((c) => c.sid === command.sid)
            .sort((x, y) => y.made - x.made)
            .map((c) => c.key),
        };
      case 'restore': {
        const key = pick(known, command.ref);
        const checkpoint = key === undefined ? undefined : this.checkpoints.get(key);
        return checkpoint === undefined ? { error: 'CHECKPOINT_NOT_FOUND' } : { ok: checkpoint.state };
      }
      case 'deleteCheckpoint': {
        const key = pick(known, command.ref);
        return { ok: key !== undefined && this.checkpoints.delete(key) };
      }
    }
  }

  /** Renames the checkpoints a batch made from `new:<i>` to their real ids. */
  adoptIds(ids: ReadonlyMap<string, string>): void {
    for (const [key, checkpoint] of [...this.checkpoints]) {
      const id = ids.get(key);
      if (id === undefined) continue;
      this.checkpoints.delete(key);
      this.checkpoints.set(id, { ...checkpoint, key: id });
    }
  }
}

function pick(known: readonly string[], ref: number): string | undefined {
  return known.length === 0 ? undefined : known[ref % known.length];
}

/** A checkpoint id that no checkpoint has, for refs when none is known. */
const NO_CHECKPOINT = 'checkpoint_none_x_1';

/**
 * Starts `command` on the real StateManager. `known` maps the keys refs
 * pick from to real ids; `newIds` collects the ids of checkpoints it makes;
 * `keyOf` turns a real id back into the model's key.
 */
export function start(
  sm: StateManager,
  command: Command,
  index: number,
  known: readonly string[],
  newIds: Map<string, string>,
  keyOf: (id: string) => string,
): Promise<Outcome> {
  const call = (): Promise<unknown> => {
    switch (command.kind) {
      case 'save':
        return sm.saveSession(command.sid, stateFor(command.tag)).then(() => 'saved');
      case 'pause':
        return sm.pauseExecution(command.sid, stateFor(command.tag)).then(() => 'saved');
      case 'resume':
        return sm.resumeExecution(command.sid).then(reduce);
      case 'load':
        return sm.loadSession(command.sid).then((s) => (s === undefined ? null : reduce(s)));
      case 'delete':
        return sm.deleteSession(command.sid, { checkpoints: command.checkpoints });
      case 'checkpoint':
        return sm.createCheckpoint(command.sid, command.name).then((id) => {
          newIds.set(`new:${index}`, id);
          return 'created';
        });
      case 'listSessions':
        return sm.listSessions().then((list) => list.map((s) => [s.sessionId, String(s.metadata.tag), s.paused]));
      case 'listCheckpoints':
        return sm.listCheckpoints(command.sid).then((list) => list.map((c) => keyOf(c.checkpointId)));
      case 'restore':
        return sm.restoreCheckpoint(pick(known, command.ref) ?? NO_CHECKPOINT).then(reduce);
      case 'deleteCheckpoint':
        return sm.deleteCheckpoint(pick(known, command.ref) ?? NO_CHECKPOINT);
    }
  };
  return call().then(
    (ok) => ({ ok }),
    (error: unknown) => (error instanceof WaymarkError ? { error: error.code } : { error: `untyped ${String(error)}` }),
  );
}

/** Everything stored, reduced, as the model holds it: read back with a fresh StateManager. */
export async function storedView(sm: StateManager, keyOf: (id: string) => string) {
  const sessions: Array<[string, Reduced]> = [];
  for (const summary of await sm.listSessions()) {
    const loaded = await sm.loadSession(summary.sessionId);
    if (loaded) sessions.push([summary.sessionId, reduce(loaded)]);
  }
  const checkpoints: Array<[string, string, Reduced]> = [];
  for (const id of SESSION_IDS) {
    for (const info of await sm.listCheckpoints(id)) {
      checkpoints.push([keyOf(info.checkpointId), id, reduce(await sm.restoreCheckpoint(info.checkpointId))]);
    }
  }
  return { sessions, checkpoints };
}

export function modelView(model: ApiModel) {
  const sessions = [...model.sessions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) as Array<[string, Reduced]>;
  const checkpoints: Array<[string, string, Reduced]> = [];
  for (const id of SESSION_IDS) {
    for (const c of [...model.checkpoints.values()].filter((c) => c.sid === id).sort((x, y) => y.made - x.made)) {
      checkpoints.push([c.key, id, c.state]);
    }
  }
  return { sessions, checkpoints };
}
