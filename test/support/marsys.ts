import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The MARSYS fixtures, read in place (../shared is read-only in CI). */
export const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/marsys/', import.meta.url));

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

/** expected.json, with its `{"$float": "NaN"}` stand-ins turned back into numbers. */
export const EXPECTED = JSON.parse(readFileSync(fixturePath('expected.json'), 'utf8'), (_key, value: unknown) => {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && '$float' in value) {
    return Number((value as { $float: string }).$float);
  }
  return value;
}) as Record<string, any>;

const sortedStrings = (items: Iterable<string>) => [...items].sort();

type Json = any;

/**
 * What MARSYS persists of a loaded session, in MARSYS's snake_case, with sets
 * as sorted arrays (expected.json's convention). Fields MARSYS holds only in
 * memory (dataclass defaults) and `conversation_pattern` (MARSYS drops it on
 * load, waymark keeps it) are left out, so both sides can be compared.
 */
export function persistedView(returned: Json): Json {
  const branch = (b: Json) => ({
    id: b.id,
    name: b.name,
    type: b.type,
    topology: {
      agents: b.topology.agents,
      entry_agent: b.topology.entry_agent,
      current_agent: b.topology.current_agent,
      allowed_transitions: b.topology.allowed_transitions,
      max_iterations: b.topology.max_iterations,
      conversation_turns: b.topology.conversation_turns,
    },
    state: {
      status: b.state.status,
      current_step: b.state.current_step,
      total_steps: b.state.total_steps,
      conversation_turns: b.state.conversation_turns,
      start_time: b.state.start_time,
      end_time: b.state.end_time,
      error: b.state.error,
      completed_agents: sortedStrings(b.state.completed_agents),
    },
    parent_branch: b.parent_branch,
    metadata: b.metadata,
  });
  const result = (r: Json) => ({
    branch_id: r.branch_id,
    success: r.success,
    final_response: r.final_response,
    total_steps: r.total_steps,
    execution_trace: r.execution_trace.map((s: Json) => ({ agent_name: s.agent_name, success: s.success, action_type: s.action_type, error: s.error })),
    branch_memory: r.branch_memory,
    metadata: r.metadata,
    error: r.error,
  });
  const mapValues = (o: Json, f: (v: Json) => Json) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
  return {
    session_id: returned.session_id,
    timestamp: returned.timestamp,
    branches: mapValues(returned.branches, branch),
    active_branches: sortedStrings(returned.active_branches),
    completed_branches: sortedStrings(returned.completed_branches),
    waiting_branches: mapValues(returned.waiting_branches, (v) => sortedStrings(v)),
    branch_results: mapValues(returned.branch_results, result),
    parent_child_map: returned.parent_child_map,
    child_parent_map: returned.child_parent_map,
    metadata: returned.metadata,
  };
}

/** A waymark snapshot in the same view as `persistedView`. */
export function snapshotView(s: Json): Json {
  const mapValues = (o: Json, f: (v: Json) => Json) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
  return persistedView({
    session_id: s.sessionId,
    timestamp: s.timestamp,
    branches: mapValues(s.branches, (b) => ({
      id: b.id,
      name: b.name,
      type: b.type,
      topology: {
        agents: b.topology.agents,
        entry_agent: b.topology.entryAgent,
        current_agent: b.topology.currentAgent,
        allowed_transitions: b.topology.allowedTransitions,
        max_iterations: b.topology.maxIterations,
        conversation_turns: b.topology.conversationTurns,
      },
      state: {
        status: b.state.status,
        current_step: b.state.currentStep,
        total_steps: b.state.totalSteps,
        conversation_turns: b.state.conversationTurns,
        start_time: b.state.startTime,
        end_time: b.state.endTime,
        error: b.state.error,
        completed_agents: b.state.completedAgents,
      },
      parent_branch: b.parentBranch,
      metadata: b.metadata,
    })),
    active_branches: s.activeBranches,
    completed_branches: s.completedBranches,
    waiting_branches: s.waitingBranches,
    branch_results: mapValues(s.branchResults, (r) => ({
      branch_id: r.branchId,
      success: r.success,
      final_response: r.finalResponse,
      total_steps: r.totalSteps,
      execution_trace: r.executionTrace.map((t: Json) => ({ agent_name: t.agentName, success: t.success, action_type: t.actionType, error: t.error })),
      branch_memory: r.branchMemory,
      metadata: r.metadata,
      error: r.error,
    })),
    parent_child_map: s.parentChildMap,
    child_parent_map: s.childParentMap,
    metadata: s.metadata,
  });
}
