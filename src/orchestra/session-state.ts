import type { ExecutionBranch, JsonObject, JsonValue, SessionState } from '../types.js';
import type { ParsedTopology } from './topology.js';

/**
 * How the Orchestra keeps a workflow in MARSYS's snapshot shape. Branches,
 * statuses, results and the parent/child maps are MARSYS's own fields; what
 * resuming needs beyond them lives under one key, `waymark`, in the session's
 * metadata and in each branch's metadata, so MARSYS still loads the file.
 */

/** Key of waymark's data in `metadata`. */
export const WAYMARK = 'waymark';
export const MAIN_BRANCH = 'main';

/** How a session's run stands, as stored. */
export type SessionStatus = 'running' | 'paused' | 'completed' | 'failed';

/** `metadata.waymark` of a session. */
export interface SessionMeta {
  [key: string]: JsonValue;
  version: 1;
  task: JsonValue;
  /** `ParsedTopology.digest` of the topology the session was started with. */
  topology: string;
  status: SessionStatus;
  /** Steps completed so far, across all branches. */
  steps: number;
  /** The failure that stopped the session, while it is failed. */
  error: { branchId: string; agent: string; step: number; message: string } | null;
}

/** The step a branch runs next. */
export interface PendingStep {
  [key: string]: JsonValue;
  agent: string;
  input: JsonValue;
}

/** A `TraceStep` as stored (a type, not an interface, so that it counts as JSON). */
export type TraceEntry = { agentName: string; success: boolean; actionType: string | null; error: string | null };

/** `metadata.waymark` of a branch. */
export interface BranchMeta {
  /** The agent the branch started at. Its parent finds the branch's response under this name. */
  origin: string;
  /** What runs next; `null` while the branch waits for children, and once it has ended. */
  next: PendingStep | null;
  /** The children of its latest fan-out, in the order they were named. */
  children: string[];
  /** The convergence point a child branch ended at, or `null`. */
  convergeAt: string | null;
  /** The trace and memory of a branch that has not completed; on completion they move to its BranchResult. */
  trace?: TraceEntry[];
  memory?: JsonValue[];
}

export function sessionMeta(state: SessionState): SessionMeta {
  return state.metadata[WAYMARK] as SessionMeta;
}

export function branchMeta(branch: ExecutionBranch): BranchMeta {
  return branch.metadata[WAYMARK] as unknown as BranchMeta;
}

/** A new branch that will run `agent` on `input`. */
export function newBranch(
  id: string,
  parent: string | null,
  topology: ParsedTopology,
  agent: string,
  input: JsonValue,
  now: number,
): ExecutionBranch {
  const meta: BranchMeta = { origin: agent, next: { agent, input }, children: [], convergeAt: null, trace: [], memory: [] };
  return {
    id,
    name: parent === null ? 'main' : agent,
    type: 'simple',
    topology: {
      agents: [...topology.agents],
      entryAgent: agent,
      currentAgent: agent,
      allowedTransitions: structuredClone(topology.allowed),
      conversationPattern: null,
      maxIterations: null,
      conversationTurns: 0,
    },
    state: {
      status: 'running',
      currentStep: 0,
      totalSteps: 0,
      conversationTurns: 0,
      startTime: now,
      endTime: null,
      error: null,
      completedAgents: new Set(),
    },
    parentBranch: parent,
    metadata: { [WAYMARK]: meta as unknown as JsonObject },
  };
}

/** The state of a session that has not run a step yet: the main branch, about to run the entry agent on the task. */
export function newSessionState(task: JsonValue, topology: ParsedTopology, now: number): SessionState {
  const meta: SessionMeta = { version: 1, task, topology: topology.digest, status: 'running', steps: 0, error: null };
  return {
    branches: { [MAIN_BRANCH]: newBranch(MAIN_BRANCH, null, topology, topology.entry, task, now) },
    activeBranches: new Set([MAIN_BRANCH]),
    completedBranches: new Set(),
    waitingBranches: {},
    branchResults: {},
    parentChildMap: {},
    childParentMap: {},
    metadata: { [WAYMARK]: meta },
  };
}

/** Whether stored metadata is that of a session the Orchestra wrote. */
export function isOrchestraSession(state: SessionState): boolean {
  const meta = state.metadata[WAYMARK] as Partial<SessionMeta> | undefined;
  return (
    typeof meta === 'object' &&
    meta !== null &&
    meta.version === 1 &&
    typeof meta.topology === 'string' &&
    typeof meta.steps === 'number' &&
    ['running', 'paused', 'completed', 'failed'].includes(meta.status as string) &&
    Object.hasOwn(state.branches, MAIN_BRANCH) &&
    Object.values(state.branches).every((branch) => typeof branch.metadata[WAYMARK] === 'object')
  );
}
