/**
 * What the page shows, worked out from what is stored (plus which sessions
 * are locked, and which steps this tab has in flight). Nothing here is kept
 * between renders: reload the page and the same files give the same view.
 */
import type { BranchStatus, ExecutionBranch, JsonObject, JsonValue, SessionSnapshot, SessionSummary } from '../../src/index.js';
import type { BranchMeta, SessionMeta } from '../../src/orchestra/session-state.js';

/**
 * How a session stands, for people:
 * - `running`: running in this tab;
 * - `elsewhere`: running in another tab (it holds the session's lock);
 * - `interrupted`: stored as running, but no tab runs it (the tab reloaded or closed mid-run);
 * - `paused`, `completed`, `failed`: as stored;
 * - `inspect`: a session Orchestra did not write (a MARSYS file, say): it can be looked at, not resumed.
 */
export type SessionStatus = 'running' | 'elsewhere' | 'interrupted' | 'paused' | 'completed' | 'failed' | 'inspect';

export const STATUS_LABELS: Record<SessionStatus, string> = {
  running: 'Running',
  elsewhere: 'Running in another tab',
  interrupted: 'Interrupted',
  paused: 'Paused',
  completed: 'Completed',
  failed: 'Failed',
  inspect: 'Imported · read only',
};

/** Where the page is running things: its own runs and every tab's locks. */
export interface Activity {
  /** Sessions this tab is running. */
  runningHere: ReadonlySet<string>;
  /** Sessions whose lock some tab holds (this one included). */
  locked: ReadonlySet<string>;
  /** Steps in flight in this tab: `${sessionId}\n${branchId}` → step number. */
  inFlight: ReadonlyMap<string, number>;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `metadata.waymark` when the Orchestra wrote the session, else undefined. */
export function workflowMeta(metadata: JsonObject): SessionMeta | undefined {
  const meta = metadata.waymark;
  if (!isObject(meta) || meta.version !== 1 || typeof meta.status !== 'string' || typeof meta.steps !== 'number') return undefined;
  return meta as SessionMeta;
}

function branchMetaOf(branch: ExecutionBranch): BranchMeta | undefined {
  const meta = branch.metadata.waymark;
  return isObject(meta) ? (meta as unknown as BranchMeta) : undefined;
}

export function sessionStatus(sessionId: string, metadata: JsonObject, activity: Activity): SessionStatus {
  const meta = workflowMeta(metadata);
  if (meta === undefined) return 'inspect';
  if (activity.runningHere.has(sessionId)) return 'running';
  if (meta.status === 'completed' || meta.status === 'failed') return meta.status;
  if (activity.locked.has(sessionId)) return 'elsewhere';
  if (meta.status === 'paused' || metadata.paused === true) return 'paused';
  return 'interrupted';
}

/** One row of the sessions list. */
export interface SessionRow {
  sessionId: string;
  status: SessionStatus;
  /** Seconds since the epoch of the last save. */
  savedAt: number;
  title: string;
  steps: number | undefined;
}

export function sessionRow(summary: SessionSummary, activity: Activity): SessionRow {
  const meta = workflowMeta(summary.metadata);
  const task = meta?.task;
  const title = isObject(task) && typeof task.topic === 'string' ? task.topic : summary.metadata.note ?? '';
  return {
    sessionId: summary.sessionId,
    status: sessionStatus(summary.sessionId, summary.metadata, activity),
    savedAt: summary.timestamp,
    title: typeof title === 'string' ? title : '',
    steps: meta?.steps,
  };
}

export type StepStatus = 'completed' | 'failed' | 'running' | 'pending' | 'waiting';

/** One chip of a branch lane. */
export interface Step {
  /** The agent of the step; empty for a branch waiting on its children. */
  agent: string;
  /** What the chip says, when not the agent's name. */
  label?: string;
  status: StepStatus;
  /** What the step answered (completed steps), or what went wrong (failed ones). */
  detail?: JsonValue;
  /** How many branches the step started, when it fanned out. */
  fanOut?: number;
}

/** One lane: a branch, its steps, and how deep it sits under `main`. */
export interface Lane {
  branch: ExecutionBranch;
  depth: number;
  steps: Step[];
  /** The branch's status as it should be shown (running only where something runs it). */
  status: BranchStatus | 'interrupted';
}

/**
 * The branches of a session in tree order (each parent followed by its
 * children, in the order they were started), with their steps.
 */
export function lanesOf(snapshot: SessionSnapshot, status: SessionStatus, activity: Activity): Lane[] {
  const { branches } = snapshot;
  const ids = Object.keys(branches);
  const childrenOf = new Map<string, string[]>();
  for (const id of ids) {
    const parent = branches[id]!.parentBranch;
    if (parent !== null && Object.hasOwn(branches, parent)) childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), id]);
  }
  // Children in the order the parent started them, where the session says so.
  for (const [parent, children] of childrenOf) {
    const order = snapshot.parentChildMap[parent] ?? [];
    children.sort((a, b) => rank(order, a) - rank(order, b) || (a < b ? -1 : 1));
  }
  const roots = ids.filter((id) => {
    const parent = branches[id]!.parentBranch;
    return parent === null || !Object.hasOwn(branches, parent);
  });
  roots.sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : a < b ? -1 : 1));

  const lanes: Lane[] = [];
  const visit = (id: string, depth: number) => {
    const branch = branches[id]!;
    lanes.push({ branch, depth, steps: stepsOf(snapshot, branch, status, activity), status: laneStatus(branch, status) });
    for (const child of childrenOf.get(id) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return lanes;
}

function rank(order: string[], id: string): number {
  const index = order.indexOf(id);
  return index === -1 ? Number.MAX_SAFE_INTEGER : index;
}

/** A branch stored as running shows as interrupted when nothing runs its session. */
function laneStatus(branch: ExecutionBranch, status: SessionStatus): Lane['status'] {
  if (branch.state.status === 'running' && (status === 'interrupted' || status === 'paused')) return status === 'paused' ? 'paused' : 'interrupted';
  return branch.state.status;
}

function stepsOf(snapshot: SessionSnapshot, branch: ExecutionBranch, status: SessionStatus, activity: Activity): Step[] {
  const meta = branchMetaOf(branch);
  const result = snapshot.branchResults[branch.id];
  const trace = result?.executionTrace ?? meta?.trace ?? [];
  const memory = (result?.branchMemory ?? meta?.memory ?? []) as JsonValue[];
  const steps: Step[] = [];
  let completed = 0;
  for (const entry of trace) {
    if (entry.success) {
      const remembered = memory[completed++];
      const step: Step = { agent: entry.agentName, status: 'completed' };
      if (isObject(remembered) && 'response' in remembered) step.detail = remembered.response;
      if (entry.actionType === 'parallel_invoke') step.fanOut = childCountAt(snapshot, branch.id, steps.length);
      steps.push(step);
    } else {
      steps.push({ agent: entry.agentName, status: 'failed', detail: entry.error });
    }
  }
  // A MARSYS branch without a trace: its completed agents are what is known.
  if (trace.length === 0 && meta === undefined) {
    for (const agent of branch.state.completedAgents) steps.push({ agent, status: 'completed' });
  }

  const next = meta?.next;
  if (next) {
    const key = `${snapshot.sessionId}\n${branch.id}`;
    const running = activity.inFlight.has(key) || (status === 'elsewhere' && branch.state.status === 'running');
    steps.push({ agent: next.agent, status: running ? 'running' : 'pending' });
  } else if (branch.state.status === 'waiting') {
    const left = snapshot.waitingBranches[branch.id]?.size ?? 0;
    steps.push({ agent: '', label: `waiting for ${left} ${left === 1 ? 'branch' : 'branches'}`, status: 'waiting' });
  } else if (meta === undefined && branch.state.status === 'running' && branch.topology.currentAgent) {
    steps.push({ agent: branch.topology.currentAgent, status: 'running' });
  }
  return steps;
}

/** How many children a branch started at its step `stepIndex`, a fan-out (it may fan out more than once). */
function childCountAt(snapshot: SessionSnapshot, branchId: string, stepIndex: number): number | undefined {
  const children = snapshot.parentChildMap[branchId] ?? [];
  // The children of one fan-out are created together, with the same start time.
  const fanOuts = new Map<number, number>();
  for (const child of children) {
    const branch = snapshot.branches[child];
    if (!branch) continue;
    const start = branch.state.startTime ?? 0;
    fanOuts.set(start, (fanOuts.get(start) ?? 0) + 1);
  }
  const counts = [...fanOuts.entries()].sort((a, b) => a[0] - b[0]).map(([, count]) => count);
  const trace = snapshot.branchResults[branchId]?.executionTrace ?? branchMetaOf(snapshot.branches[branchId]!)?.trace ?? [];
  const ordinal = trace.slice(0, stepIndex + 1).filter((t) => t.actionType === 'parallel_invoke').length - 1;
  return counts[ordinal];
}

/** Steps completed and, for the demo's tasks, steps expected in all. */
export function progressOf(snapshot: SessionSnapshot, expected: (task: JsonValue) => number | undefined): { done: number; total: number } {
  const meta = workflowMeta(snapshot.metadata);
  if (meta) {
    const total = expected(meta.task) ?? Math.max(meta.steps, 1);
    return { done: meta.status === 'completed' ? total : Math.min(meta.steps, total), total };
  }
  const all = Object.keys(snapshot.branches).length;
  return { done: snapshot.completedBranches.size, total: Math.max(all, 1) };
}

/** The workflow's final answer, once completed. */
export function finalResponse(snapshot: SessionSnapshot): JsonValue | undefined {
  const meta = workflowMeta(snapshot.metadata);
  if (meta?.status !== 'completed') return undefined;
  return snapshot.branchResults.main?.finalResponse;
}
