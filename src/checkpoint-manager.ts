import { CorruptStateError, SessionNotFoundError } from './errors.js';
import { CHECKPOINT_META, type StateManager } from './state-manager.js';
import type { CheckpointInfo, JsonObject } from './types.js';

/** When checkpoints are taken automatically, and how many of them are kept. */
export interface CheckpointPolicy {
  /** Checkpoint after every N-th completed step of a session: after steps N, 2N, 3N, ... */
  everySteps?: number;
  /**
   * Checkpoint after a step when at least this many milliseconds (of the
   * StateManager's clock) have passed since the run started in this process
   * or since the session's last automatic checkpoint, whichever is later.
   */
  everyMs?: number;
  /** Checkpoint before each step of these agents. */
  beforeAgents?: string[];
  /**
   * Keep at most this many automatic checkpoints per session: after each new
   * one, older automatic ones beyond the count are deleted.
   * @default no limit
   */
  keepAuto?: number;
  /**
   * After each new automatic checkpoint, delete the session's automatic
   * checkpoints older than this many milliseconds.
   * @default no limit
   */
  maxAutoAgeMs?: number;
}

/** A checkpoint a policy has just taken. */
export interface TakenCheckpoint {
  checkpointId: string;
  name: string;
}

/** What `rollbackToCheckpoint` did. */
export interface Rollback {
  sessionId: string;
  /** The checkpoint holding the state the rollback replaced; `null` when there was none (no session, or a corrupt one). */
  backupId: string | null;
}

/**
 * Checkpoints taken by policy, kept within limits, and rollback: MARSYS's
 * `CheckpointManager`, made correct.
 *
 * - The `auto` and `critical` flags are stored in the checkpoint (MARSYS kept
 *   them only in memory), so retention works across processes.
 * - Retention only ever deletes automatic checkpoints: manual and critical
 *   ones stay until you delete them.
 * - Times come from the StateManager's clock.
 *
 * Orchestra drives the policy through `onRunStart`, `onStepStart` and
 * `onStepSaved`; another executor can call them the same way.
 */
export class CheckpointManager {
  readonly stateManager: StateManager;
  readonly policy: Readonly<CheckpointPolicy>;
  /** Per session, when (clock seconds) the time policy last counted from. */
  readonly #lastAuto = new Map<string, number>();

  constructor(stateManager: StateManager, policy: CheckpointPolicy = {}) {
    for (const key of ['everySteps', 'keepAuto'] as const) {
      const value = policy[key];
      if (value !== undefined && !(Number.isInteger(value) && value >= 1)) throw new RangeError(`${key} must be a whole number of at least 1, not ${value}`);
    }
    for (const key of ['everyMs', 'maxAutoAgeMs'] as const) {
      const value = policy[key];
      if (value !== undefined && !(value > 0 && Number.isFinite(value))) throw new RangeError(`${key} must be a positive number of milliseconds, not ${value}`);
    }
    this.stateManager = stateManager;
    this.policy = { ...policy, beforeAgents: policy.beforeAgents && [...policy.beforeAgents] };
  }

  /** A manual checkpoint of the session as stored: retention never deletes it. */
  createCheckpoint(sessionId: string, name: string): Promise<string> {
    return this.stateManager.createCheckpoint(sessionId, name);
  }

  /**
   * A checkpoint flagged critical, with `reason` stored beside it: retention
   * never deletes it. Its name is `critical_` and the reason, with characters
   * that cannot go into a file name replaced by `_`.
   */
  createCriticalCheckpoint(sessionId: string, reason: string): Promise<string> {
    const slug = reason.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40);
    return this.stateManager.createCheckpoint(sessionId, `critical_${slug}`, { critical: true, reason });
  }

  /** The session's checkpoints, newest first, with their `auto` and `critical` flags. */
  listCheckpoints(sessionId: string): Promise<CheckpointInfo[]> {
    return this.stateManager.listCheckpoints(sessionId);
  }

  /**
   * Makes a checkpoint the live session, so that resuming continues from it.
   * The current session is first copied to a `pre_rollback` checkpoint (a
   * manual one); then the checkpoint's state is saved as the session, without
   * the checkpoint's own metadata keys. A session that is running must be
   * paused first: its next save would overwrite the rollback.
   * @throws CheckpointNotFoundError, CorruptStateError (of the checkpoint); nothing is changed then.
   */
  async rollbackToCheckpoint(checkpointId: string): Promise<Rollback> {
    const snapshot = await this.stateManager.restoreCheckpoint(checkpointId);
    const { sessionId } = snapshot;
    let backupId: string | null = null;
    try {
      backupId = await this.stateManager.createCheckpoint(sessionId, 'pre_rollback');
    } catch (error) {
      // Nothing to back up when the session was deleted or cannot be read: the rollback is what repairs it.
      if (!(error instanceof SessionNotFoundError || error instanceof CorruptStateError)) throw error;
    }
    const metadata: JsonObject = { ...snapshot.metadata };
    for (const key of Object.values(CHECKPOINT_META)) delete metadata[key];
    // saveSession stores the state's fields only: the snapshot's id, time and checksum are not carried over.
    await this.stateManager.saveSession(sessionId, { ...snapshot, metadata });
    return { sessionId, backupId };
  }

  /**
   * Deletes automatic checkpoints older than `olderThanMs` milliseconds, of
   * one session or of every stored session; manual and critical ones are kept.
   * Resolves with the ids deleted.
   */
  async cleanupOldCheckpoints(olderThanMs: number, sessionId?: string): Promise<string[]> {
    const sessionIds = sessionId !== undefined ? [sessionId] : (await this.stateManager.listSessions()).map((s) => s.sessionId);
    const cutoff = this.stateManager.clock() - olderThanMs / 1000;
    const deleted: string[] = [];
    for (const id of sessionIds) {
      for (const checkpoint of await this.listCheckpoints(id)) {
        if (isDisposable(checkpoint) && checkpoint.timestamp < cutoff) deleted.push(await this.#delete(checkpoint));
      }
    }
    return deleted;
  }

  /** Starts the time policy's count for the session (a run started). */
  onRunStart(sessionId: string): void {
    this.#lastAuto.set(sessionId, this.stateManager.clock());
  }

  /** Takes the `beforeAgents` checkpoint when `agent` is about to run; resolves with it, if one was taken. */
  async onStepStart(sessionId: string, agent: string): Promise<TakenCheckpoint | undefined> {
    if (!this.policy.beforeAgents?.includes(agent)) return undefined;
    return this.#auto(sessionId, `before_${agent}`);
  }

  /**
   * Takes the `everySteps` or `everyMs` checkpoint when one is due now that
   * the state with `steps` completed steps is saved; resolves with it, if one was taken.
   * `sinceSteps` is the step count of the save the policy saw before: an
   * executor that saves several steps at once passes it, so that `everySteps`
   * is due when the saves pass a multiple of N, and not only when they land on one.
   */
  async onStepSaved(sessionId: string, steps: number, sinceSteps = steps - 1): Promise<TakenCheckpoint | undefined> {
    const { everySteps, everyMs } = this.policy;
    if (everySteps !== undefined && Math.floor(steps / everySteps) > Math.floor(sinceSteps / everySteps)) return this.#auto(sessionId, `auto_step_${steps}`);
    const since = this.#lastAuto.get(sessionId);
    if (everyMs !== undefined && since !== undefined && (this.stateManager.clock() - since) * 1000 >= everyMs) {
      return this.#auto(sessionId, `auto_step_${steps}`);
    }
    return undefined;
  }

  async #auto(sessionId: string, name: string): Promise<TakenCheckpoint> {
    const checkpointId = await this.stateManager.createCheckpoint(sessionId, name, { auto: true });
    this.#lastAuto.set(sessionId, this.stateManager.clock());
    await this.#enforceRetention(sessionId);
    return { checkpointId, name };
  }

  async #enforceRetention(sessionId: string): Promise<void> {
    const { keepAuto = Infinity, maxAutoAgeMs = Infinity } = this.policy;
    if (keepAuto === Infinity && maxAutoAgeMs === Infinity) return;
    const cutoff = this.stateManager.clock() - maxAutoAgeMs / 1000;
    let kept = 0;
    for (const checkpoint of await this.listCheckpoints(sessionId)) {
      if (!isDisposable(checkpoint)) continue;
      if (kept < keepAuto && checkpoint.timestamp >= cutoff) kept++;
      else await this.#delete(checkpoint);
    }
  }

  async #delete(checkpoint: CheckpointInfo): Promise<string> {
    await this.stateManager.deleteCheckpoint(checkpoint.checkpointId);
    return checkpoint.checkpointId;
  }
}

/** Retention may delete a checkpoint a policy took, and nothing else. */
function isDisposable(checkpoint: CheckpointInfo): boolean {
  return checkpoint.auto && !checkpoint.critical;
}
