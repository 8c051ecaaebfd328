import { SerializationError } from '../errors.js';
import { describeType, isPlainObject, setOwn } from '../own.js';
import type { BranchResult, JsonObject, JsonValue, SessionState } from '../types.js';
import { InvalidTransitionError, type StepFailedError } from './errors.js';
import { copyJson, freezeJson } from './json-copy.js';
import { branchMeta, newBranch, sessionMeta } from './session-state.js';
import type { ParsedTopology } from './topology.js';

/**
 * What a step does to the session state. Each function either throws before
 * changing anything or applies the whole change, synchronously: the engine
 * saves the state right after, so a step's result and the pointer to what
 * runs next always reach storage together.
 */

/** An agent's reply, checked: a JSON response (copied) and the agents to go to. */
export interface CheckedReply {
  response: JsonValue;
  targets: string[];
}

/**
 * Checks what an agent returned against the topology.
 * @throws SerializationError when the reply or its response is not JSON,
 * InvalidTransitionError when `next` names an agent the flows do not allow.
 */
export function checkReply(reply: unknown, from: string, topology: ParsedTopology): CheckedReply {
  if (!isPlainObject(reply) || !Object.hasOwn(reply, 'response')) {
    throw new SerializationError(['reply'], `an agent must resolve with { response, next? }, not ${describeType(reply)}`);
  }
  const response = copyJson(reply.response, ['response']);
  const next = reply.next ?? [];
  const targets: unknown[] = Array.isArray(next) ? next : [next];
  const checked: string[] = [];
  for (const target of targets) {
    if (typeof target !== 'string') {
      throw new InvalidTransitionError(from, String(target), `next must be an agent name or an array of them, not ${describeType(target)}`);
    }
    if (!topology.agents.includes(target)) {
      throw new InvalidTransitionError(from, target, `${JSON.stringify(target)} is not an agent of the topology`);
    }
    const allowed = topology.allowed[from]!;
    if (!allowed.includes(target)) {
      const where = allowed.length === 0 ? 'nowhere' : allowed.join(', ');
      throw new InvalidTransitionError(from, target, `the topology lets ${from} hand over to ${where} only; add the flow '${from} -> ${target}' to allow it`);
    }
    if (checked.includes(target)) throw new InvalidTransitionError(from, target, 'next names it twice');
    checked.push(target);
  }
  return { response, targets: checked };
}

/**
 * Records a completed step of `branchId` and moves the branch on: to the
 * next agent, to parallel children (fan-out), or to its end. A child that
 * ends lets its parent continue once all of its siblings have ended.
 * Returns the ids of the branches it changed.
 * @throws InvalidTransitionError when a child would meet its siblings at another convergence point.
 */
export function completeStep(state: SessionState, topology: ParsedTopology, branchId: string, reply: CheckedReply, now: number): string[] {
  const branch = state.branches[branchId]!;
  const meta = branchMeta(branch);
  const agent = meta.next!.agent;
  const { response, targets } = reply;
  const [only] = targets;
  const convergeAt = branch.parentBranch !== null && targets.length === 1 && topology.convergence.has(only!) ? only! : null;
  if (convergeAt !== null) {
    for (const sibling of branchMeta(state.branches[branch.parentBranch!]!).children) {
      const theirs = branchMeta(state.branches[sibling]!).convergeAt;
      if (theirs !== null && theirs !== convergeAt) {
        throw new InvalidTransitionError(agent, convergeAt, `parallel branch ${JSON.stringify(sibling)} already met at ${theirs}, and parallel branches meet at one agent`);
      }
    }
  }

  const actionType = targets.length === 0 ? 'final_response' : targets.length > 1 ? 'parallel_invoke' : 'invoke_agent';
  meta.trace!.push(freezeJson({ agentName: agent, success: true, actionType, error: null }));
  meta.memory!.push(freezeJson({ agent, response }));
  branch.state.currentStep += 1;
  branch.state.totalSteps += 1;
  branch.state.completedAgents.add(agent);
  sessionMeta(state).steps += 1;
  meta.next = null;

  if (targets.length === 0 || convergeAt !== null) {
    meta.convergeAt = convergeAt;
    return endBranch(state, branchId, response, now);
  }
  if (only !== undefined && targets.length === 1) {
    meta.next = { agent: only, input: response };
    branch.topology.currentAgent = only;
    return [branchId];
  }
  const children = targets.map((target) => {
    const child = newBranch(unusedChildId(state, branchId, target), branchId, topology, target, response, now);
    setOwn(state.branches, child.id, child);
    state.activeBranches.add(child.id);
    setOwn(state.childParentMap, child.id, branchId);
    return child.id;
  });
  setOwn(state.parentChildMap, branchId, [...(state.parentChildMap[branchId] ?? []), ...children]);
  setOwn(state.waitingBranches, branchId, new Set(children));
  meta.children = children;
  branch.state.status = 'waiting';
  branch.topology.currentAgent = null;
  return [branchId, ...children];
}

/**
 * Records a failed step (or, with `ran` false, a step that could not start):
 * the branch and the session are failed with the error, and the branch keeps
 * its pointer to the step, which runs again when the session continues.
 */
export function failStep(state: SessionState, branchId: string, error: StepFailedError, ran: boolean, now: number): void {
  const branch = state.branches[branchId]!;
  const meta = branchMeta(branch);
  const message = error.detail;
  if (ran) {
    meta.trace!.push(freezeJson({ agentName: error.agent, success: false, actionType: null, error: message }));
    branch.state.totalSteps += 1;
  }
  branch.state.status = 'failed';
  branch.state.error = message;
  branch.state.endTime = now;
  setOwn(state.branchResults, branchId, result(branchId, false, null, branch.state.totalSteps, meta.trace!, meta.memory!, message));
  // When parallel steps fail, the session keeps the first failure as its error.
  const session = sessionMeta(state);
  if (session.status !== 'failed') {
    Object.assign(session, { status: 'failed', error: { branchId, agent: error.agent, step: error.step, message } });
  }
}

/**
 * Makes a stored session ready to run again: every branch with a step to run
 * (paused, failed, or running when the process stopped) is running again, the
 * results of failed branches are dropped, and the session is running.
 * The history entries of its branches are frozen, as new ones are.
 */
export function reopen(state: SessionState): void {
  for (const branch of Object.values(state.branches)) {
    const { trace, memory, next } = branchMeta(branch);
    // As completeStep leaves them: history entries never change once recorded.
    trace?.forEach(freezeJson);
    memory?.forEach(freezeJson);
    if (next === null) continue;
    if (branch.state.status === 'failed') delete state.branchResults[branch.id];
    Object.assign(branch.state, { status: 'running', error: null, endTime: null });
  }
  // The memories of branches that have ended never change again.
  for (const result of Object.values(state.branchResults)) freezeJson(result.branchMemory);
  Object.assign(sessionMeta(state), { status: 'running', error: null });
}

/** Branches ready to run a step, in id order. */
export function runnableBranches(state: SessionState): string[] {
  return Object.keys(state.branches)
    .filter((id) => state.branches[id]!.state.status === 'running' && branchMeta(state.branches[id]!).next !== null)
    .sort();
}

function endBranch(state: SessionState, branchId: string, finalResponse: JsonValue, now: number): string[] {
  const branch = state.branches[branchId]!;
  const meta = branchMeta(branch);
  Object.assign(branch.state, { status: 'completed', endTime: now });
  branch.topology.currentAgent = null;
  setOwn(state.branchResults, branchId, result(branchId, true, finalResponse, branch.state.totalSteps, meta.trace!, meta.memory!, null));
  delete meta.trace;
  delete meta.memory;
  state.completedBranches.add(branchId);
  state.activeBranches.delete(branchId);

  const parentId = branch.parentBranch;
  if (parentId === null) {
    sessionMeta(state).status = 'completed';
    return [branchId];
  }
  const waiting = state.waitingBranches[parentId]!;
  waiting.delete(branchId);
  if (waiting.size > 0) return [branchId];
  delete state.waitingBranches[parentId];

  // The last child has ended: the parent continues with their responses, keyed by the agent each started at.
  const parent = state.branches[parentId]!;
  const parentMeta = branchMeta(parent);
  const merged: JsonObject = {};
  let meetAt: string | null = null;
  for (const child of parentMeta.children) {
    const childMeta = branchMeta(state.branches[child]!);
    setOwn(merged, childMeta.origin, state.branchResults[child]!.finalResponse);
    meetAt ??= childMeta.convergeAt;
  }
  if (meetAt === null) return [branchId, ...endBranch(state, parentId, merged, now)];
  parent.state.status = 'running';
  parent.topology.currentAgent = meetAt;
  parentMeta.next = { agent: meetAt, input: merged };
  return [branchId, parentId];
}

function result(
  branchId: string,
  success: boolean,
  finalResponse: JsonValue,
  totalSteps: number,
  trace: BranchResult['executionTrace'],
  memory: JsonValue[],
  error: string | null,
): BranchResult {
  return { branchId, success, finalResponse, totalSteps, executionTrace: trace, branchMemory: memory, metadata: {}, error };
}

/** `main/Writer`, or `main/Writer#2` when the branch fans out to Writer again (a loop). */
function unusedChildId(state: SessionState, parentId: string, agent: string): string {
  const base = `${parentId}/${agent}`;
  let id = base;
  for (let n = 2; Object.hasOwn(state.branches, id); n++) id = `${base}#${n}`;
  return id;
}
