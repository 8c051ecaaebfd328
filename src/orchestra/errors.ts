import { WaymarkError } from '../errors.js';

/**
 * Errors of the Orchestra. Each has a stable `code`; messages say what went
 * wrong and what to do. Every one of them is thrown (or returned) before the
 * call changes anything already saved.
 */

/** A topology cannot be used: a malformed flow, a flow naming an agent it does not list, ... */
export class TopologyError extends WaymarkError {
  constructor(problem: string) {
    super('INVALID_TOPOLOGY', `Invalid topology: ${problem}.`);
  }
}

/** The `agents` given do not match the agents the topology names. */
export class UnknownAgentError extends WaymarkError {
  readonly agent: string;

  constructor(agent: string, problem: string) {
    super('UNKNOWN_AGENT', `Unknown agent ${JSON.stringify(agent)}: ${problem}.`);
    this.agent = agent;
  }
}

/** An agent asked to go somewhere the topology does not allow. */
export class InvalidTransitionError extends WaymarkError {
  readonly from: string;
  readonly to: string;

  constructor(from: string, to: string, problem: string) {
    super('INVALID_TRANSITION', `Invalid transition ${from} -> ${to}: ${problem}.`);
    this.from = from;
    this.to = to;
  }
}

/** The session is being run in this process already (through the same storage). */
export class SessionRunningError extends WaymarkError {
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(
      'SESSION_RUNNING',
      `Session ${JSON.stringify(sessionId)} is already running in this process: wait for its run to settle, or call Orchestra.pause(${JSON.stringify(sessionId)}) first.`,
    );
    this.sessionId = sessionId;
  }
}

/** `resume` was asked to continue a session that has finished. */
export class SessionCompletedError extends WaymarkError {
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(
      'SESSION_COMPLETED',
      `Session ${JSON.stringify(sessionId)} has already completed: there is nothing to resume. Read its result with Orchestra.run() on the same session id, or roll it back to a checkpoint to run part of it again.`,
    );
    this.sessionId = sessionId;
  }
}

/** The stored session was started with another topology. */
export class TopologyMismatchError extends WaymarkError {
  readonly sessionId: string;

  constructor(sessionId: string, stored: string, given: string) {
    super(
      'TOPOLOGY_MISMATCH',
      `Session ${JSON.stringify(sessionId)} was started with another topology (digest ${stored}, this one is ${given}): ` +
        'resume it with the topology it was started with, or start a new session.',
    );
    this.sessionId = sessionId;
  }
}

/** The stored session is not one Orchestra can continue: not a workflow, or another task. */
export class SessionConflictError extends WaymarkError {
  readonly sessionId: string;

  constructor(sessionId: string, problem: string) {
    super('SESSION_CONFLICT', `Session ${JSON.stringify(sessionId)} ${problem}: use another session id, or delete the stored session first.`);
    this.sessionId = sessionId;
  }
}

/** Starting one more step would exceed the run's `maxSteps`. */
export class MaxStepsExceededError extends WaymarkError {
  readonly maxSteps: number;

  constructor(maxSteps: number) {
    super(
      'MAX_STEPS_EXCEEDED',
      `The session reached its limit of ${maxSteps} steps (a loop that never ends?): resume it with a higher maxSteps to let it go on.`,
    );
    this.maxSteps = maxSteps;
  }
}

/**
 * A step failed: its agent threw, or replied with something that cannot be
 * followed or stored. `cause` is what was thrown (in the process the step
 * failed in; a later process only has the message, stored in the session).
 */
export class StepFailedError extends WaymarkError {
  readonly sessionId: string;
  readonly branchId: string;
  readonly agent: string;
  /** The step's number within its branch, from 1. */
  readonly step: number;
  /** What went wrong: the message of what the agent threw, or of the error that stopped the step. */
  readonly detail: string;

  constructor(sessionId: string, branchId: string, agent: string, step: number, detail: string, cause?: unknown) {
    super(
      'STEP_FAILED',
      `Step ${step} of branch ${JSON.stringify(branchId)} failed in agent ${JSON.stringify(agent)}: ${detail.replace(/\.?$/, '.')} ` +
        `Fix the cause, then Orchestra.resume(${JSON.stringify(sessionId)}, ...) retries this step.`,
      { cause },
    );
    this.sessionId = sessionId;
    this.branchId = branchId;
    this.agent = agent;
    this.step = step;
    this.detail = detail;
  }
}
