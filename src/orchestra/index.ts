import { CheckpointManager } from '../checkpoint-manager.js';
import { pythonIsoformat } from '../clock.js';
import { SessionNotFoundError } from '../errors.js';
import { assertValidId } from '../keys.js';
import { isPlainObject } from '../own.js';
import type { JsonValue, SessionState } from '../types.js';
import { Execution, resultOf } from './engine.js';
import { SessionCompletedError, SessionConflictError, SessionRunningError, TopologyMismatchError, UnknownAgentError } from './errors.js';
import { copyJson } from './json-copy.js';
import { claimSession, pauseSession } from './registry.js';
import { branchMeta, isOrchestraSession, newSessionState, sessionMeta } from './session-state.js';
import { parseTopology, type ParsedTopology } from './topology.js';
import { reopen } from './transitions.js';
import type { StateManager } from '../state-manager.js';
import type { Agent, ResumeOptions, RunOptions, RunResult, SaveMode, SessionProgress } from './types.js';

/**
 * Runs workflows that survive pauses and crashes: after every step, the whole
 * execution state is saved through the StateManager, in MARSYS's snapshot shape.
 *
 * Guarantees, for steps of a session:
 * - a step stored by a save that resolved is never run again, by this process or any other;
 * - with `saves: 'every-step'` (the default), a step's successors start only
 *   once it is stored, so only the steps in flight when the process died run
 *   again when the session continues, at most once per continuation:
 *   at-least-once for those, exactly-once for every completed one;
 * - with `saves: 'background'`, the steps completed since the last save run
 *   again as well; a pause, a failure and the end of a run still store every
 *   completed step before the run resolves.
 */
export const Orchestra = {
  /**
   * Runs the session `context.sessionId`: from the start when it is not
   * stored; otherwise it continues from its last saved step (after a crash, a
   * pause or a failure), or resolves with its stored result when it has
   * completed, without running anything.
   *
   * Resolves with status `completed`, `paused` (the signal was aborted, or
   * `Orchestra.pause` was called) or `failed` (a step failed: see `error`).
   * Rejects when a save fails (the run stops; what was saved before stands)
   * and, before anything is saved, on bad options: `TopologyError`,
   * `UnknownAgentError`, `InvalidKeyError`, `SessionRunningError`,
   * `TopologyMismatchError`, `SessionConflictError` (the stored session has
   * another task, or is not a workflow), `SerializationError` (the task is not JSON).
   */
  async run(options: RunOptions): Promise<RunResult> {
    const task = copyJson(options.task, ['task']);
    return open(options.context?.sessionId, options, task);
  },

  /**
   * Continues a stored session from its last saved step: a paused one, a
   * failed one (its failed step runs again), or one whose process died.
   * @throws (rejects) SessionNotFoundError, SessionCompletedError, and as `run` does.
   */
  resume(sessionId: string, options: ResumeOptions): Promise<RunResult> {
    return open(sessionId, options, undefined);
  },

  /**
   * Pauses the runs of `sessionId` in this process: no new step starts, the
   * steps in flight finish and are saved, and each run resolves `paused`.
   * Returns `false` when the session is not running here.
   */
  pause(sessionId: string): boolean {
    return pauseSession(sessionId);
  },

  /**
   * Where a stored session stands, read without changing anything; `undefined`
   * when it is not stored. Status `running` means a run is under way or its
   * process died mid-run; `next` lists the steps that run when it continues.
   * @throws SessionConflictError when the stored session is not a workflow.
   */
  async progress(sessionId: string, stateManager: StateManager): Promise<SessionProgress | undefined> {
    const state = await stateManager.loadSession(sessionId);
    if (state === undefined) return undefined;
    if (!isOrchestraSession(state)) throw new SessionConflictError(sessionId, NOT_A_WORKFLOW);
    const { status, steps, error } = sessionMeta(state);
    const next = Object.values(state.branches).flatMap((branch) => {
      const pending = branchMeta(branch).next;
      return pending === null ? [] : [{ branchId: branch.id, agent: pending.agent, step: branch.state.currentStep + 1 }];
    });
    return { sessionId, status, steps, next, error: error?.message ?? null };
  },
};

const SAVE_MODES: readonly SaveMode[] = ['every-step', 'background'];

const NOT_A_WORKFLOW = 'is stored, but it is not a workflow Orchestra.run() started';

/** Starts or continues a session; `task` is `undefined` for `resume`. */
async function open(sessionId: unknown, options: ResumeOptions, task: JsonValue | undefined): Promise<RunResult> {
  const { stateManager } = options;
  const topology = parseTopology(options.topology);
  checkAgents(topology, options.agents);
  assertValidId('sessionId', sessionId);
  const maxSteps = options.maxSteps ?? 1000;
  if (!(Number.isInteger(maxSteps) && maxSteps >= 1)) throw new RangeError(`maxSteps must be a whole number of at least 1, not ${maxSteps}`);
  const saves = options.saves ?? 'every-step';
  if (!SAVE_MODES.includes(saves)) throw new RangeError(`saves must be ${SAVE_MODES.map((m) => `'${m}'`).join(' or ')}, not ${JSON.stringify(saves)}`);
  const checkpoints =
    options.checkpoints instanceof CheckpointManager || options.checkpoints === undefined
      ? options.checkpoints
      : new CheckpointManager(stateManager, options.checkpoints);
  if (checkpoints && checkpoints.stateManager !== stateManager) {
    throw new TypeError('The CheckpointManager given as `checkpoints` must be built on the same StateManager as the run.');
  }

  // Claimed before the first await, so that a second call for the session fails at once.
  let execution: Execution | undefined;
  let pauseEarly = false;
  const release = claimSession(stateManager.storage, sessionId, () => (execution ? execution.pause() : (pauseEarly = true)));
  if (!release) throw new SessionRunningError(sessionId);
  try {
    const stored = await stateManager.loadSession(sessionId);
    let state: SessionState;
    if (stored === undefined) {
      if (task === undefined) throw new SessionNotFoundError(sessionId, 'start it with Orchestra.run()');
      state = newSessionState(task, topology, stateManager.clock());
    } else {
      state = stored;
      checkStored(sessionId, state, topology, task);
      if (sessionMeta(state).status === 'completed') {
        if (task === undefined) throw new SessionCompletedError(sessionId);
        return resultOf(sessionId, state);
      }
      reopen(state);
      // As MARSYS's resume_execution marks it, and this time it is saved.
      if (state.metadata.paused === true) Object.assign(state.metadata, { paused: false, resume_time: pythonIsoformat(stateManager.clock()) });
    }
    execution = new Execution({
      sessionId,
      state,
      topology,
      agents: options.agents,
      stateManager,
      checkpoints,
      maxSteps,
      saves,
      onEvent: options.onEvent,
    });
    if (pauseEarly) execution.pause();
    return await execution.run(options.signal);
  } finally {
    release();
  }
}

/** Throws unless `agents` has a function for every agent of the topology, and nothing else. */
function checkAgents(topology: ParsedTopology, agents: Record<string, Agent>): void {
  if (!isPlainObject(agents)) throw new TypeError('agents must be an object of agent functions by name, such as { Planner: async (input) => ({ response }) }.');
  for (const agent of topology.agents) {
    if (typeof agents[agent] !== 'function') throw new UnknownAgentError(agent, 'the topology names it, but agents has no function for it');
  }
  for (const agent of Object.keys(agents)) {
    if (!topology.agents.includes(agent)) {
      throw new UnknownAgentError(agent, `agents has a function for it, but the topology's agents are ${JSON.stringify(topology.agents)}`);
    }
  }
}

/** Throws unless the stored session is a workflow this topology (and task, for `run`) may continue. */
function checkStored(sessionId: string, state: SessionState, topology: ParsedTopology, task: JsonValue | undefined): void {
  if (!isOrchestraSession(state)) throw new SessionConflictError(sessionId, NOT_A_WORKFLOW);
  const meta = sessionMeta(state);
  if (meta.topology !== topology.digest) throw new TopologyMismatchError(sessionId, meta.topology, topology.digest);
  if (task !== undefined && JSON.stringify(meta.task) !== JSON.stringify(task)) {
    throw new SessionConflictError(sessionId, 'was started with another task');
  }
}

