import type { CheckpointManager, CheckpointPolicy } from '../checkpoint-manager.js';
import type { StateManager } from '../state-manager.js';
import type { BranchResult, JsonValue } from '../types.js';
import type { StepFailedError } from './errors.js';
import type { Topology } from './topology.js';

/**
 * One agent: an async function of its input that returns its response and
 * where to go next. It must be safe to run again with the same input: the
 * step in flight when a process dies runs again when the session continues.
 */
export type Agent = (input: JsonValue, context: AgentContext) => Promise<AgentReply>;

/** What an agent returns. */
export interface AgentReply {
  /** The step's result: any JSON value. It becomes the input of the next agent. */
  response: JsonValue;
  /**
   * Where the branch goes next: an agent, several agents (each starts a child
   * branch, run in parallel), or nothing (`null`, absent or `[]`): this branch
   * is done. Every target must be allowed by a flow from this agent.
   */
  next?: string | string[] | null;
}

/** What an agent knows about the step it runs. */
export interface AgentContext {
  sessionId: string;
  /** The branch this step belongs to: `main`, or `main/Researcher` for a child. */
  branchId: string;
  /** The agent's own name. */
  agent: string;
  /** This step's number within its branch, from 1. Stays the same when the step is run again. */
  step: number;
  /** The task the session was started with. */
  task: JsonValue;
  /**
   * Aborted when the run is stopping (pause, a failure elsewhere, a storage
   * error). Finishing anyway is fine: the step's result is kept. A step that
   * throws once this is aborted counts as interrupted, not failed, and runs
   * again when the session continues.
   */
  signal: AbortSignal;
  /**
   * This branch's memory: one `{ agent, response }` per step it completed,
   * oldest first. The array is the agent's own; the entries are the
   * session's, frozen (read them freely; `structuredClone` one to change it).
   */
  memory: JsonValue[];
  /**
   * Checkpoints the session as last saved (it does not yet include this step)
   * under `name`, and resolves with the checkpoint id. A step that runs again
   * checkpoints again.
   */
  checkpoint(name: string): Promise<string>;
}

/** How a run ended. */
export type RunStatus = 'completed' | 'paused' | 'failed';

/** What `Orchestra.run` and `Orchestra.resume` resolve with. */
export interface RunResult {
  sessionId: string;
  status: RunStatus;
  /** The main branch's final response once completed, otherwise `null`. */
  finalResponse: JsonValue;
  /** Results of the branches that have ended (completed or failed), by branch id. */
  branchResults: Record<string, BranchResult>;
  /** Steps completed in the session so far, across every branch and every run. */
  totalSteps: number;
  /** Why the session failed, when `status` is `failed`. */
  error?: StepFailedError;
}

/** Where a stored session stands, from `Orchestra.progress`. */
export interface SessionProgress {
  sessionId: string;
  /** As stored: `running` while a run is under way, or when its process died mid-run. */
  status: 'running' | 'paused' | 'completed' | 'failed';
  /** Steps completed so far, across every branch. */
  steps: number;
  /** The steps that run when the session continues: after a crash, those that were in flight. */
  next: Array<{ branchId: string; agent: string; step: number }>;
  /** The message of the failure that stopped the session, while it is failed. */
  error: string | null;
}

/** Something that happened during a run, for progress displays and logs. */
export type OrchestraEvent =
  | { type: 'step-started'; branchId: string; agent: string; step: number }
  | { type: 'step-completed'; branchId: string; agent: string; step: number; next: string[]; steps: number }
  | { type: 'step-failed'; branchId: string; agent: string; step: number; error: StepFailedError }
  | { type: 'checkpoint'; checkpointId: string; name: string }
  /** The state with `steps` completed steps is stored: what a crash would continue from. */
  | { type: 'saved'; steps: number };

/** What `Orchestra.resume` needs: the same topology and agents as the run that started the session. */
export interface ResumeOptions {
  topology: Topology;
  /** An implementation for every agent of the topology, by name. */
  agents: Record<string, Agent>;
  stateManager: StateManager;
  /** Aborting it pauses the run: no new step starts, steps in flight finish and are saved. */
  signal?: AbortSignal;
  /** Automatic checkpoints: a CheckpointManager, or the policy to build one on `stateManager` with. */
  checkpoints?: CheckpointManager | CheckpointPolicy;
  /**
   * The most steps the session may complete, counting every run of it; a
   * step that would go beyond fails the session with `MaxStepsExceededError`.
   * @default 1000
   */
  maxSteps?: number;
  /**
   * When the state is saved, and so what a crash can cost.
   * - `'every-step'`: after each step, and the branch (with any branch the
   *   step started or woke) goes on only once that save has resolved. A
   *   completed step never runs again, even after a crash.
   * - `'background'`: the branches go on at once, while one save at a time
   *   stores the state as it is when that save starts; steps completed during
   *   a save are stored together by the next one, so a run saves as often as
   *   its storage keeps up rather than once per step. A crash loses the steps
   *   completed since the last save: they run again when the session
   *   continues. A pause, a failure, the end of the run and every checkpoint
   *   still wait for a save of every step completed before them.
   * @default 'every-step'
   */
  saves?: SaveMode;
  /** Called synchronously on each event; an exception it throws is ignored. */
  onEvent?: (event: OrchestraEvent) => void;
}

/** When Orchestra saves the state: see `ResumeOptions.saves`. */
export type SaveMode = 'every-step' | 'background';

/** What `Orchestra.run` needs. */
export interface RunOptions extends ResumeOptions {
  /** The entry agent's input. */
  task: JsonValue;
  context: { sessionId: string };
}
