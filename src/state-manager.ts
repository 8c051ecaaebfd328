import { parsePythonIsoformat, pythonIsoformat, systemClock, type Clock } from './clock.js';
import { compareCodePoints } from './pyjson/index.js';
import { CheckpointNotFoundError, CorruptStateError, SerializationError, SessionNotFoundError, formatPath } from './errors.js';
import { CHECKPOINT_PREFIX, SESSION_PREFIX, assertCheckpointId, assertValidId, assertValidKey, sessionKey } from './keys.js';
import { isPlainObject } from './own.js';
import { NonJsonValueError, cloneJson, copyNumberForm, dumpPythonIndent2, markPythonFloat, marsysChecksum, marsysChecksumNow } from './pyjson/index.js';
import { inspectValue } from './pyjson/inspect-value.js';
import { KeyQueue } from './key-queue.js';
import { fromDocument, statePathOf, toDocument } from './snapshot.js';
import type { StorageBackend } from './storage.js';
import type { Summariser } from './summary-index.js';
import type { CheckpointInfo, JsonObject, SessionSnapshot, SessionStateInput, SessionSummary } from './types.js';

export interface StateManagerOptions {
  /**
   * Seconds since the epoch, as Python's `time.time()`: stamps saves and names
   * checkpoints. Inject a fixed or stepping clock for deterministic tests.
   * @default () => Date.now() / 1000
   */
  clock?: Clock;
  /**
   * Refuse documents that carry no checksum. MARSYS accepts a missing, `null`
   * or empty checksum without hashing; so does waymark unless this is set.
   * @default false
   */
  requireChecksum?: boolean;
}

/** What a save stored. */
export interface SavedSession {
  sessionId: string;
  timestamp: number;
  checksum: string;
}

/** Options of `createCheckpoint`; the flags are stored in the checkpoint's metadata. */
export interface CheckpointOptions {
  /** Taken by a policy rather than asked for: retention may delete it. */
  auto?: boolean;
  /** Never deleted by retention. */
  critical?: boolean;
  /** Why a critical checkpoint was taken. */
  reason?: string;
}

/** Keys waymark adds to a checkpoint's metadata (MARSYS adds the first two). */
export const CHECKPOINT_META = {
  name: 'checkpoint_name',
  time: 'checkpoint_time',
  timestamp: 'checkpoint_timestamp',
  auto: 'checkpoint_auto',
  critical: 'checkpoint_critical',
  reason: 'checkpoint_reason',
} as const;

// Checkpoint ids end in microseconds since the epoch, bumped so that no two
// ids this process makes are equal, even within one microsecond (MARSYS used
// whole seconds, and a second checkpoint in the same second overwrote the first),
// then six random digits: another process checkpointing the same session under
// the same name in the same microsecond (clocks often tick in milliseconds) picks
// other digits but for a one-in-a-million chance, and an exists check covers
// the file it already wrote. Neither the digits nor the check alone suffice.
let lastCheckpointMicros = 0n;

function nextCheckpointDigits(seconds: number): string {
  const micros = BigInt(Math.floor(seconds * 1e6));
  lastCheckpointMicros = micros > lastCheckpointMicros ? micros : lastCheckpointMicros + 1n;
  return `${lastCheckpointMicros}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
}

/**
 * The call order of every StateManager on a storage backend. Shared, so that
 * two managers on one backend (an Orchestra's and the application's) order
 * their calls together.
 */
const queues = new WeakMap<StorageBackend, KeyQueue>();

function queueOf(storage: StorageBackend): KeyQueue {
  let queue = queues.get(storage);
  if (queue === undefined) {
    queue = new KeyQueue();
    queues.set(storage, queue);
  }
  return queue;
}

/** A shallow copy that keeps the number forms (`1.0` stays a float) of the original. */
function copyDocument(doc: JsonObject): JsonObject {
  const copy: JsonObject = { ...doc };
  for (const key of Object.keys(doc)) copyNumberForm(doc, key, copy, key);
  return copy;
}

/**
 * Sessions, checkpoints, pause and resume over any `StorageBackend`, in
 * MARSYS's format: a port of MARSYS's `StateManager` with its bugs fixed.
 *
 * - Every load verifies the document's shape and its MARSYS checksum, and
 *   throws `CorruptStateError` naming the file when either fails.
 * - Ids and names are checked before any storage is touched (`InvalidKeyError`).
 * - State that would not survive a JSON round trip is refused before anything
 *   is written (`SerializationError` with the path of the value).
 * - Nothing is cached: a load always reflects what is stored.
 * - **Calls take effect in the order they are made**, as if each ran alone
 *   (on every StateManager sharing this storage object): a save called after
 *   another wins, a delete called after a save deletes it, a load sees every
 *   call made before it. Calls on different sessions run concurrently.
 *   `listSessions`, `restoreCheckpoint` and `deleteCheckpoint` run alone.
 *   Across processes, the last save to be renamed into place wins, whole.
 * - **A call reads what it is given when it is called**: a save's state is
 *   read whole before `saveSession` (or `pauseExecution`) returns its
 *   promise, every call's options likewise, so the caller may change them at
 *   once.
 */
export class StateManager {
  readonly storage: StorageBackend;
  readonly #clock: Clock;
  readonly #requireChecksum: boolean;
  readonly #queue: KeyQueue;

  constructor(storage: StorageBackend, options: StateManagerOptions = {}) {
    this.storage = storage;
    this.#clock = options.clock ?? systemClock;
    this.#requireChecksum = options.requireChecksum ?? false;
    this.#queue = queueOf(storage);
  }

  /** The clock it stamps saves with, for code that must agree with it (checkpoint policies, workflow times). */
  get clock(): Clock {
    return this.#clock;
  }

  /** Stores `state` as the session's current state, replacing the previous one atomically. */
  async saveSession(sessionId: string, state: SessionStateInput): Promise<SavedSession> {
    return this.prepareSave(sessionId, state)();
  }

  /**
   * `saveSession` in two halves, for an executor that orders its saves
   * behind work of its own (Orchestra's checkpoints): reads `state` whole now,
   * as `saveSession` does, and returns the save, which takes its place among
   * the session's calls when it is called. Nothing is stored until then; each
   * call stores the state as it was read here.
   * @throws InvalidKeyError, SerializationError at once, where `saveSession` would reject with them.
   */
  prepareSave(sessionId: string, state: SessionStateInput): () => Promise<SavedSession> {
    assertValidId('sessionId', sessionId);
    const write = this.#capture(sessionId, state);
    return () => this.#queue.run(sessionId, write);
  }

  /**
   * Reads `state` whole, now: builds its document, checksums it and has the
   * storage encode it (or copies it). Returns the write, to run in its turn.
   * Nothing is read from `state` after this returns, so the caller may change
   * it at once, and a save can never store a checksum of other values than
   * its own.
   */
  #capture(sessionId: string, state: SessionStateInput): () => Promise<SavedSession> {
    const timestamp = this.#clock();
    const doc = toDocument(sessionId, timestamp, state, (path, problem) => {
      throw new SerializationError(path, problem);
    });
    const key = sessionKey(sessionId);
    let checksum: string;
    let write: () => Promise<void>;
    try {
      checksum = marsysChecksumNow(doc as Parameters<typeof marsysChecksumNow>[0]);
      doc.checksum = checksum;
      write = this.storage.prepareSave ? this.storage.prepareSave(key, doc) : copyThenSave(this.storage, key, doc);
    } catch (error) {
      throw badValueError(doc, error);
    }
    return async () => {
      try {
        await write();
      } catch (error) {
        throw badValueError(doc, error);
      }
      return { sessionId, timestamp, checksum };
    };
  }

  /**
   * The stored session, or `undefined` when there is none.
   * @throws CorruptStateError when the file is damaged or fails its checksum.
   */
  async loadSession(sessionId: string): Promise<SessionSnapshot | undefined> {
    assertValidId('sessionId', sessionId);
    return this.#queue.run(sessionId, () => this.#load(sessionId));
  }

  async #load(sessionId: string): Promise<SessionSnapshot | undefined> {
    const key = sessionKey(sessionId);
    const doc = await this.storage.load(key);
    if (doc === undefined) return undefined;
    return this.#verify(key, doc, sessionId);
  }

  /**
   * Copies the session's current state into a new checkpoint and returns its
   * id, `checkpoint_<sessionId>_<name>_<digits>` (microseconds, then six
   * random digits), unique even for checkpoints made in the same instant, by
   * this process or another.
   * @throws SessionNotFoundError when the session is not stored.
   */
  async createCheckpoint(sessionId: string, name: string, options: CheckpointOptions = {}): Promise<string> {
    assertValidId('sessionId', sessionId);
    assertValidId('checkpoint name', name);
    // Read now, as a save reads its state: the options object may change before the checkpoint's turn.
    const { auto, critical, reason } = options;
    return this.#queue.run(sessionId, () => this.#checkpoint(sessionId, name, { auto, critical, reason }));
  }

  async #checkpoint(sessionId: string, name: string, options: CheckpointOptions): Promise<string> {
    const key = sessionKey(sessionId);
    const doc = await this.storage.load(key);
    if (doc === undefined) throw new SessionNotFoundError(sessionId, 'save it before checkpointing it');
    await this.#verify(key, doc, sessionId);

    const now = this.#clock();
    const checkpoint = copyDocument(doc);
    const metadata = copyDocument(doc.metadata as JsonObject);
    metadata[CHECKPOINT_META.name] = name;
    metadata[CHECKPOINT_META.time] = pythonIsoformat(now);
    metadata[CHECKPOINT_META.timestamp] = now;
    markPythonFloat(metadata, CHECKPOINT_META.timestamp);
    if (options.auto) metadata[CHECKPOINT_META.auto] = true;
    if (options.critical) metadata[CHECKPOINT_META.critical] = true;
    if (options.reason !== undefined) metadata[CHECKPOINT_META.reason] = options.reason;
    checkpoint.metadata = metadata;

    const checkpointId = await this.#unusedCheckpointId(`${CHECKPOINT_PREFIX}${sessionId}_${name}_`, now);
    await this.storage.save(checkpointId, checkpoint);
    return checkpointId;
  }

  /**
   * The state a checkpoint holds, verified like `loadSession`. Nothing is
   * written: save it with `saveSession` (or use `CheckpointManager.rollbackToCheckpoint`)
   * to make it the live session.
   * @throws CheckpointNotFoundError, CorruptStateError
   */
  async restoreCheckpoint(checkpointId: string): Promise<SessionSnapshot> {
    assertCheckpointId(checkpointId);
    return this.#queue.runExclusive(() => this.#restore(checkpointId));
  }

  async #restore(checkpointId: string): Promise<SessionSnapshot> {
    const doc = await this.storage.load(checkpointId);
    if (doc === undefined) throw new CheckpointNotFoundError(checkpointId);
    const snapshot = await this.#verify(checkpointId, doc);
    if (!checkpointId.startsWith(`${CHECKPOINT_PREFIX}${snapshot.sessionId}_`)) {
      throw this.#corrupt(checkpointId, `it holds session ${JSON.stringify(snapshot.sessionId)}, which its id does not name`);
    }
    return snapshot;
  }

  /**
   * A summary of every stored session, sorted by session id (code point order).
   * Summaries are read without checksum verification (as MARSYS does);
   * files that cannot be read as sessions are left out.
   */
  async listSessions(options: { includePaused?: boolean } = {}): Promise<SessionSummary[]> {
    const includePaused = options.includePaused ?? true;
    return this.#queue.runExclusive(() => this.#listSessions(includePaused));
  }

  async #listSessions(includePaused: boolean): Promise<SessionSummary[]> {
    // A backend that can remember summaries (FileStorageBackend) spares reading every file on every call.
    const summaries = this.storage.summaries
      ? await this.storage.summaries(SESSION_PREFIX, SESSION_SUMMARIES)
      : await this.#summariseEach();
    return includePaused ? summaries : summaries.filter((summary) => !summary.paused);
  }

  async #summariseEach(): Promise<SessionSummary[]> {
    const summaries: SessionSummary[] = [];
    for (const key of await this.storage.listKeys(SESSION_PREFIX)) {
      const summary = await this.#summarise(key);
      if (summary) summaries.push(summary);
    }
    return summaries;
  }

  /**
   * The session's checkpoints, newest first. Only checkpoints that store this
   * session id are listed (MARSYS also listed those of sessions whose id
   * merely starts with it); unreadable checkpoint files are left out.
   */
  async listCheckpoints(sessionId: string): Promise<CheckpointInfo[]> {
    assertValidId('sessionId', sessionId);
    return this.#queue.run(sessionId, () => this.#listCheckpoints(sessionId));
  }

  async #listCheckpoints(sessionId: string): Promise<CheckpointInfo[]> {
    const infos: CheckpointInfo[] = [];
    for (const key of await this.storage.listKeys(`${CHECKPOINT_PREFIX}${sessionId}_`)) {
      const info = await this.#describeCheckpoint(key, sessionId);
      if (info) infos.push(info);
    }
    return infos.sort(
      (a, b) => b.timestamp - a.timestamp || compareIdDigits(b.checkpointId, a.checkpointId) || compareCodePoints(b.checkpointId, a.checkpointId),
    );
  }

  /**
   * Deletes the session; with `{ checkpoints: true }` its checkpoints too.
   * Resolves `true` when the session existed.
   */
  async deleteSession(sessionId: string, options: { checkpoints?: boolean } = {}): Promise<boolean> {
    assertValidId('sessionId', sessionId);
    const withCheckpoints = Boolean(options.checkpoints);
    return this.#queue.run(sessionId, async () => {
      if (withCheckpoints) {
        for (const checkpoint of await this.#listCheckpoints(sessionId)) await this.storage.delete(checkpoint.checkpointId);
      }
      return this.storage.delete(sessionKey(sessionId));
    });
  }

  /** Deletes one checkpoint; resolves `true` when it existed. */
  async deleteCheckpoint(checkpointId: string): Promise<boolean> {
    assertCheckpointId(checkpointId);
    return this.#queue.runExclusive(() => this.storage.delete(checkpointId));
  }

  /** Saves `state` marked as paused (`metadata.paused`, `metadata.pause_time`). */
  async pauseExecution(sessionId: string, state: SessionStateInput): Promise<SavedSession> {
    const metadata = { ...state.metadata, paused: true, pause_time: pythonIsoformat(this.#clock()) };
    return this.saveSession(sessionId, { ...state, metadata });
  }

  /**
   * Marks a stored session as no longer paused (`metadata.paused = false`,
   * `metadata.resume_time`), saves that, and returns the state to continue
   * from. MARSYS only changed the returned copy, so a reload saw it paused again.
   * @throws SessionNotFoundError
   */
  async resumeExecution(sessionId: string): Promise<SessionSnapshot> {
    assertValidId('sessionId', sessionId);
    // Load and save as one call, so no other call on the session comes between them.
    return this.#queue.run(sessionId, async () => {
      const snapshot = await this.#load(sessionId);
      if (snapshot === undefined) throw new SessionNotFoundError(sessionId, 'there is nothing to resume');
      snapshot.metadata = { ...snapshot.metadata, paused: false, resume_time: pythonIsoformat(this.#clock()) };
      const saved = await this.#capture(sessionId, snapshot)();
      return { ...snapshot, timestamp: saved.timestamp, checksum: saved.checksum };
    });
  }

  async #verify(key: string, doc: JsonObject, expectedSessionId?: string): Promise<SessionSnapshot> {
    const snapshot = fromDocument(doc, (path, problem) => {
      throw this.#corrupt(key, `${formatPath(path) || 'document'}: ${problem}`);
    });
    if (expectedSessionId !== undefined && snapshot.sessionId !== expectedSessionId) {
      throw this.#corrupt(key, `it holds session_id ${JSON.stringify(snapshot.sessionId)}, not ${JSON.stringify(expectedSessionId)}`);
    }
    if (!snapshot.checksum) {
      if (this.#requireChecksum) throw this.#corrupt(key, 'it has no checksum (requireChecksum is set)');
      return snapshot;
    }
    const computed = await marsysChecksum(doc as Parameters<typeof marsysChecksum>[0]);
    if (computed !== snapshot.checksum) {
      throw this.#corrupt(key, `checksum mismatch (stored ${snapshot.checksum}, computed ${computed}): the file was changed after it was written`);
    }
    return snapshot;
  }

  #corrupt(key: string, reason: string): CorruptStateError {
    const file = (this.storage as Partial<{ locate(key: string): string }>).locate?.(key);
    return new CorruptStateError(key, reason, file === undefined ? {} : { file });
  }

  async #unusedCheckpointId(prefix: string, now: number): Promise<string> {
    for (;;) {
      const id = `${prefix}${nextCheckpointDigits(now)}`;
      assertValidKey('checkpoint id (checkpoint_<sessionId>_<name>_<digits>; shorten the session id or the name)', id);
      // Another process may have taken the same digits; the in-process counter cannot know.
      if (!(await this.storage.exists(id))) return id;
    }
  }

  /** The document under `key`, or `undefined` when it is missing or cannot be read as JSON: listings leave such files out. */
  async #loadListable(key: string): Promise<JsonObject | undefined> {
    try {
      return await this.storage.load(key);
    } catch (error) {
      if (error instanceof CorruptStateError) return undefined;
      throw error;
    }
  }

  async #summarise(key: string): Promise<SessionSummary | undefined> {
    const doc = await this.#loadListable(key);
    return doc === undefined ? undefined : SESSION_SUMMARIES.summarise(key, doc);
  }

  async #describeCheckpoint(key: string, sessionId: string): Promise<CheckpointInfo | undefined> {
    const doc = await this.#loadListable(key);
    if (doc === undefined || doc.session_id !== sessionId || !isPlainObject(doc.metadata)) return undefined;
    const metadata = doc.metadata as JsonObject;
    const name = metadata[CHECKPOINT_META.name];
    return {
      checkpointId: key,
      sessionId,
      name: typeof name === 'string' ? name : 'unnamed',
      timestamp: checkpointTime(key, metadata),
      sessionTimestamp: typeof doc.timestamp === 'number' ? doc.timestamp : 0,
      auto: metadata[CHECKPOINT_META.auto] === true,
      critical: metadata[CHECKPOINT_META.critical] === true,
      metadata,
    };
  }
}

/**
 * A listing row of a session document, as MARSYS's list_sessions reads it (no
 * checksum check); `undefined` for a file that does not hold the session its
 * name says. Bump the id whenever the row changes: rows are remembered.
 */
const SESSION_SUMMARIES: Summariser<SessionSummary> = {
  id: 'sessions-1',
  summarise(key, doc) {
    const { session_id: sessionId, timestamp, branches, completed_branches: completed, metadata } = doc;
    if (sessionId !== key.slice(SESSION_PREFIX.length) || typeof timestamp !== 'number') return undefined;
    if (!isPlainObject(branches) || !Array.isArray(completed) || !isPlainObject(metadata)) return undefined;
    return {
      sessionId,
      timestamp,
      paused: metadata.paused === true,
      branchesCount: Object.keys(branches).length,
      completedCount: new Set(completed).size,
      metadata: metadata as JsonObject,
    };
  },
};

/**
 * The write of `doc` for a backend that cannot encode a document ahead of
 * its write: a copy of it, taken now (once it is known to be JSON, which a
 * copy needs), is what gets saved.
 */
function copyThenSave(storage: StorageBackend, key: string, doc: JsonObject): () => Promise<void> {
  inspectValue(doc, false);
  const copy = cloneJson(doc);
  return () => storage.save(key, copy);
}

/**
 * Reports a value that cannot be stored at its place in the state the caller
 * passed (`branchResults.main.finalResponse`), not in the document built from it.
 */
function badValueError(doc: JsonObject, error: unknown): unknown {
  if (error instanceof SerializationError) return new SerializationError(statePathOf(error.segments), error.problem);
  if (error instanceof NonJsonValueError) {
    // The checksum sees branches re-arranged; the document's own dump names the place as stored.
    try {
      dumpPythonIndent2(doc);
    } catch (dumpError) {
      if (dumpError instanceof NonJsonValueError) return new SerializationError(statePathOf(dumpError.segments), dumpError.problem);
    }
  }
  return error;
}

/** The digits an id ends in: microseconds and six random digits for waymark's ids, whole seconds for MARSYS's. */
function idDigits(checkpointId: string): string {
  return /(\d+)$/.exec(checkpointId)?.[1] ?? '0';
}

/**
 * When a checkpoint was made, in seconds: waymark stores it; for MARSYS's
 * checkpoints, read it from `checkpoint_time` (naive local time), else from the
 * id's digits (whole seconds).
 */
function checkpointTime(checkpointId: string, metadata: JsonObject): number {
  const stored = metadata[CHECKPOINT_META.timestamp];
  if (typeof stored === 'number') return stored;
  const iso = metadata[CHECKPOINT_META.time];
  if (typeof iso === 'string') {
    const seconds = parsePythonIsoformat(iso);
    if (seconds !== undefined) return seconds;
  }
  return Number(idDigits(checkpointId));
}

function compareIdDigits(a: string, b: string): number {
  const x = BigInt(idDigits(a));
  const y = BigInt(idDigits(b));
  return x < y ? -1 : x > y ? 1 : 0;
}
