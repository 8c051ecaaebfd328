import type { CheckpointManager, TakenCheckpoint } from '../checkpoint-manager.js';
import type { StateManager } from '../state-manager.js';
import type { JsonValue, SessionState } from '../types.js';
import { MaxStepsExceededError, SessionConflictError, StepFailedError } from './errors.js';
import { MAIN_BRANCH, branchMeta, sessionMeta } from './session-state.js';
import type { ParsedTopology } from './topology.js';
import { checkReply, completeStep, failStep, runnableBranches, type CheckedReply } from './transitions.js';
import type { Agent, AgentContext, OrchestraEvent, RunResult, SaveMode } from './types.js';

/** Everything one run of a session needs, checked by the caller. */
export interface ExecutionSetup {
  sessionId: string;
  /** The session's state, ready to run: the execution changes it in place. */
  state: SessionState;
  topology: ParsedTopology;
  agents: Record<string, Agent>;
  stateManager: StateManager;
  checkpoints: CheckpointManager | undefined;
  maxSteps: number;
  saves: SaveMode;
  onEvent: ((event: OrchestraEvent) => void) | undefined;
}

type Outcome = { kind: 'done'; reply: CheckedReply } | { kind: 'failed'; error: StepFailedError } | { kind: 'interrupted' };

/**
 * One run of a session: starts every step that can run, in parallel across
 * branches, and saves the whole state after each step.
 *
 * A step's result and its branch's pointer to the next step are applied to
 * the state together, so every save stores whole steps. With `saves:
 * 'every-step'`, the branch (and any branch the step created or woke) starts
 * nothing until the save of that step has resolved: a stored state never
 * lacks a step whose successor has started, and a restart re-runs only the
 * steps that were in flight, each at most once. With `'background'`, the
 * branches go on at once and one save at a time stores the state as it is
 * when that save starts: a restart re-runs the steps completed since the last
 * save as well.
 *
 * Saves (and checkpoints) go through one queue, in the order they were asked
 * for; each stores the state as it was when it was queued (read then, written
 * in its turn), so a later save always includes every earlier step.
 */
export class Execution {
  readonly #setup: ExecutionSetup;
  readonly #controller = new AbortController();
  /** Branches with a step running, or whose last step is not saved yet. */
  readonly #busy = new Set<string>();
  /** Steps started whose outcome is not applied yet (for maxSteps). */
  #running = 0;
  /** Steps started, or failures being saved, that have not settled. */
  #pending = 0;
  #pauseRequested = false;
  #failure: StepFailedError | undefined;
  /** What ends the run in a rejection: a save that failed (the state could not be kept). */
  #fatal: { error: unknown } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** Background saves: one is running (it reads the state when it starts), and another is wanted after it. */
  #saving = false;
  #saveWanted = false;
  /** The step count of the last state whose save the checkpoint policy has seen. */
  #policySteps = 0;
  #settle: { resolve(result: RunResult): void; reject(error: unknown): void } | undefined;

  constructor(setup: ExecutionSetup) {
    this.#setup = setup;
  }

  /** Stops starting steps; the run resolves `paused` once the steps in flight are saved. */
  pause(): void {
    this.#pauseRequested = true;
    this.#controller.abort();
  }

  /** Saves the state, then runs until the session completes, pauses, fails, or storage fails (a rejection). */
  async run(signal?: AbortSignal): Promise<RunResult> {
    const { sessionId, checkpoints } = this.#setup;
    const onAbort = () => this.pause();
    if (signal?.aborted) this.pause();
    signal?.addEventListener('abort', onAbort);
    try {
      checkpoints?.onRunStart(sessionId);
      this.#policySteps = sessionMeta(this.#setup.state).steps;
      await this.#save();
      return await new Promise<RunResult>((resolve, reject) => {
        this.#settle = { resolve, reject };
        this.#pump();
      });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  get #stopping(): boolean {
    return this.#pauseRequested || this.#failure !== undefined || this.#fatal !== undefined;
  }

  /** Starts what can start; settles the run when nothing is left in flight. */
  #pump(): void {
    const { state, maxSteps } = this.#setup;
    for (const branchId of runnableBranches(state)) {
      if (this.#stopping) break;
      if (this.#busy.has(branchId)) continue;
      if (sessionMeta(state).steps + this.#running >= maxSteps) this.#refuse(branchId, new MaxStepsExceededError(maxSteps));
      else this.#start(branchId);
    }
    if (this.#pending === 0 && this.#settle) this.#finish();
  }

  /**
   * Runs `work` for a branch. The branch, and every branch `work` passes to
   * `hold` (those its step created or woke), start nothing until `work` has settled.
   */
  #track(branchId: string, work: (hold: (ids: string[]) => void) => Promise<void>): void {
    const held = [branchId];
    const hold = (ids: string[]) => {
      for (const id of ids) this.#busy.add(id);
      held.push(...ids);
    };
    hold([branchId]);
    this.#watch(
      work(hold).finally(() => {
        for (const id of held) this.#busy.delete(id);
      }),
    );
  }

  /** Counts `work` as in flight until it settles; its failure (storage's) ends the run in a rejection. */
  #watch(work: Promise<void>): void {
    this.#pending++;
    work
      .catch((error: unknown) => {
        this.#fatal ??= { error };
        this.#controller.abort();
      })
      .finally(() => {
        this.#pending--;
        this.#pump();
      });
  }

  #start(branchId: string): void {
    const { state, topology, sessionId, checkpoints } = this.#setup;
    const branch = state.branches[branchId]!;
    const { agent, input } = branchMeta(branch).next!;
    const step = branch.state.currentStep + 1;
    this.#running++;
    this.#track(branchId, async (hold) => {
      let outcome: Outcome = { kind: 'interrupted' };
      try {
        if (checkpoints?.policy.beforeAgents?.includes(agent)) {
          this.#emitCheckpoint(await this.#checkpointQueued(() => checkpoints.onStepStart(sessionId, agent)));
        }
        if (!this.#stopping) outcome = await this.#invoke(branchId, agent, input, step);
      } finally {
        this.#running--;
      }
      if (outcome.kind === 'interrupted') return;
      let failure = outcome.kind === 'failed' ? outcome.error : undefined;
      if (outcome.kind === 'done') {
        const { reply } = outcome;
        let touched: string[] | undefined;
        try {
          touched = completeStep(state, topology, branchId, reply, this.#now());
        } catch (error) {
          // completeStep throws before it changes anything.
          failure = this.#stepError(branchId, agent, step, error);
        }
        if (touched) {
          hold(touched);
          this.#emit({ type: 'step-completed', branchId, agent, step, next: reply.targets, steps: sessionMeta(state).steps });
          if (this.#setup.saves === 'background') this.#saveInBackground();
          else await this.#save(true);
          return;
        }
      }
      failStep(state, branchId, failure!, true, this.#now());
      this.#failure ??= failure;
      this.#controller.abort();
      this.#emit({ type: 'step-failed', branchId, agent, step, error: failure! });
      await this.#save();
    });
  }

  /** Fails a branch whose next step may not start, without running it. */
  #refuse(branchId: string, cause: MaxStepsExceededError): void {
    const { state } = this.#setup;
    const branch = state.branches[branchId]!;
    const error = this.#stepError(branchId, branchMeta(branch).next!.agent, branch.state.currentStep + 1, cause);
    failStep(state, branchId, error, false, this.#now());
    this.#failure ??= error;
    this.#controller.abort();
    this.#emit({ type: 'step-failed', branchId, agent: error.agent, step: error.step, error });
    this.#track(branchId, () => this.#save());
  }

  async #invoke(branchId: string, agent: string, input: JsonValue, step: number): Promise<Outcome> {
    const { state, sessionId, agents, topology, checkpoints, stateManager } = this.#setup;
    const context: AgentContext = {
      sessionId,
      branchId,
      agent,
      step,
      task: structuredClone(sessionMeta(state).task),
      signal: this.#controller.signal,
      // Its entries are frozen when recorded (completeStep, reopen): shared, not copied, so a
      // step costs the same at the thousandth entry as at the first.
      memory: [...(branchMeta(state.branches[branchId]!).memory ?? [])],
      checkpoint: async (name) => {
        const checkpointId = await this.#checkpointQueued(() => (checkpoints ?? stateManager).createCheckpoint(sessionId, name));
        this.#emitCheckpoint({ checkpointId, name });
        return checkpointId;
      },
    };
    this.#emit({ type: 'step-started', branchId, agent, step });
    let reply: unknown;
    try {
      reply = await agents[agent]!(structuredClone(input), context);
    } catch (error) {
      // An agent that gives up because the run is stopping has not failed: its step runs again on resume.
      if (this.#controller.signal.aborted) return { kind: 'interrupted' };
      return { kind: 'failed', error: this.#stepError(branchId, agent, step, error) };
    }
    try {
      return { kind: 'done', reply: checkReply(reply, agent, topology) };
    } catch (error) {
      return { kind: 'failed', error: this.#stepError(branchId, agent, step, error) };
    }
  }

  #stepError(branchId: string, agent: string, step: number, cause: unknown): StepFailedError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new StepFailedError(this.#setup.sessionId, branchId, agent, step, detail, cause);
  }

  /**
   * Saves the whole state as it is now and reports it stored; with
   * `afterSteps`, then lets the checkpoint policy see the step count it holds.
   */
  async #save(afterSteps = false): Promise<void> {
    const { sessionId, stateManager, checkpoints, state } = this.#setup;
    // Read now and written in the queue's turn, so no copy of the state is kept until then.
    // (Async: a state that cannot be saved rejects, as the save would have.)
    const save = stateManager.prepareSave(sessionId, state);
    const steps = sessionMeta(state).steps;
    return this.#enqueue(async () => {
      await save();
      this.#emit({ type: 'saved', steps });
      if (!afterSteps || !checkpoints) return;
      const since = this.#policySteps;
      this.#policySteps = steps;
      this.#emitCheckpoint(await checkpoints.onStepSaved(sessionId, steps, since));
    });
  }

  /**
   * Asks for the state to be saved in the background. One such save runs at
   * a time and reads the state when it starts, at the event loop's next turn:
   * steps that complete while a save is written, or one after another without
   * waiting on anything (agents in memory), are stored together by one save.
   */
  #saveInBackground(): void {
    this.#saveWanted = true;
    if (this.#saving) return;
    this.#saving = true;
    this.#watch(this.#saveWhileWanted());
  }

  async #saveWhileWanted(): Promise<void> {
    try {
      while (this.#saveWanted) {
        await nextTurn();
        // A checkpoint's save may have stored the state meanwhile.
        if (!this.#saveWanted) break;
        this.#saveWanted = false;
        await this.#save(true);
      }
    } finally {
      // In the same turn as the last check, so a request after it starts a new loop.
      this.#saving = false;
    }
  }

  /**
   * Queues a checkpoint of the session as saved after every step completed
   * so far: with background saves, the state as it is now is saved first.
   */
  #checkpointQueued<T>(work: () => Promise<T>): Promise<T> {
    if (this.#setup.saves === 'background') {
      // This save stores every step a wanted background save would have.
      this.#saveWanted = false;
      this.#watch(this.#save(true));
    }
    return this.#enqueue(work);
  }

  #emitCheckpoint(taken: TakenCheckpoint | undefined): void {
    if (taken) this.#emit({ type: 'checkpoint', ...taken });
  }

  /** Runs `work` after every save and checkpoint queued before it. */
  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#queue.then(work);
    this.#queue = done.catch(() => undefined);
    return done;
  }

  #finish(): void {
    const settle = this.#settle!;
    this.#settle = undefined;
    const { state, sessionId, stateManager } = this.#setup;
    if (this.#fatal) return settle.reject(this.#fatal.error);
    const meta = sessionMeta(state);
    if (meta.status === 'completed') return settle.resolve(resultOf(sessionId, state));
    if (!this.#stopping) {
      return settle.reject(new SessionConflictError(sessionId, 'has no step left to run, yet it has not completed (was its state changed by hand?)'));
    }
    // Branches that had a step to run wait for the session to continue.
    for (const id of runnableBranches(state)) state.branches[id]!.state.status = 'paused';
    meta.status = this.#failure ? 'failed' : 'paused';
    const copy = structuredClone(state);
    this.#enqueue(() => (this.#failure ? stateManager.saveSession(sessionId, copy) : stateManager.pauseExecution(sessionId, copy))).then(() => {
      this.#emit({ type: 'saved', steps: meta.steps });
      settle.resolve(resultOf(sessionId, state, this.#failure));
    }, settle.reject);
  }

  #now(): number {
    return this.#setup.stateManager.clock();
  }

  #emit(event: OrchestraEvent): void {
    try {
      this.#setup.onEvent?.(event);
    } catch {
      // A progress display must not be able to break the run.
    }
  }
}

/** Resolves after the event loop's next turn: once the work already queued, I/O callbacks included, has run. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** What a run resolves with, read from the session's state. */
export function resultOf(sessionId: string, state: SessionState, failure?: StepFailedError): RunResult {
  const meta = sessionMeta(state);
  const status = meta.status === 'completed' ? 'completed' : meta.status === 'failed' ? 'failed' : 'paused';
  const result: RunResult = {
    sessionId,
    status,
    finalResponse: status === 'completed' ? (state.branchResults[MAIN_BRANCH]?.finalResponse ?? null) : null,
    branchResults: structuredClone(state.branchResults),
    totalSteps: meta.steps,
  };
  if (status === 'failed' && meta.error) {
    const { branchId, agent, step, message } = meta.error;
    result.error = failure ?? new StepFailedError(sessionId, branchId, agent, step, message);
  }
  return result;
}
