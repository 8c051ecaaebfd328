import { BRANCH_STATUSES, BRANCH_TYPES, CONVERSATION_PATTERNS } from './types.js';

/**
 * MARSYS's snapshot shape as data: one table drives both directions of the
 * codec (camelCase in memory <-> snake_case on disk), so reading and writing
 * cannot drift apart. Field order is the order MARSYS writes keys in.
 */
export type FieldKind =
  | { type: 'string'; nullable?: boolean }
  | { type: 'number'; nullable?: boolean }
  | { type: 'boolean' }
  | { type: 'enum'; values: readonly string[]; nullable?: boolean }
  /** A Python set: `Set<string>` in memory, an array on disk (iteration order kept). */
  | { type: 'stringSet' }
  | { type: 'stringList' }
  /** User data: any JSON value, passed through by reference. */
  | { type: 'json' }
  | { type: 'jsonObject' }
  | { type: 'record'; of: FieldKind }
  | { type: 'list'; of: Schema }
  | { type: 'object'; schema: Schema };

export interface Field {
  /** The key on disk. */
  doc: string;
  /** The key in memory. */
  js: string;
  kind: FieldKind;
  /** MARSYS reads files without it; the default stands in. */
  optionalOnRead?: { default: unknown };
}
export type Schema = readonly Field[];

const string = { type: 'string' } as const;
const nullableString = { type: 'string', nullable: true } as const;
const number = { type: 'number' } as const;
const nullableNumber = { type: 'number', nullable: true } as const;

export const TOPOLOGY_SCHEMA: Schema = [
  { doc: 'agents', js: 'agents', kind: { type: 'stringList' } },
  { doc: 'entry_agent', js: 'entryAgent', kind: string },
  { doc: 'current_agent', js: 'currentAgent', kind: nullableString },
  { doc: 'allowed_transitions', js: 'allowedTransitions', kind: { type: 'record', of: { type: 'stringList' } } },
  {
    doc: 'conversation_pattern',
    js: 'conversationPattern',
    kind: { type: 'enum', values: CONVERSATION_PATTERNS, nullable: true },
    optionalOnRead: { default: null },
  },
  { doc: 'max_iterations', js: 'maxIterations', kind: nullableNumber },
  { doc: 'conversation_turns', js: 'conversationTurns', kind: number },
];

export const BRANCH_STATE_SCHEMA: Schema = [
  { doc: 'status', js: 'status', kind: { type: 'enum', values: BRANCH_STATUSES } },
  { doc: 'current_step', js: 'currentStep', kind: number },
  { doc: 'total_steps', js: 'totalSteps', kind: number },
  { doc: 'conversation_turns', js: 'conversationTurns', kind: number },
  { doc: 'start_time', js: 'startTime', kind: nullableNumber },
  { doc: 'end_time', js: 'endTime', kind: nullableNumber },
  { doc: 'error', js: 'error', kind: nullableString },
  { doc: 'completed_agents', js: 'completedAgents', kind: { type: 'stringSet' } },
];

export const BRANCH_SCHEMA: Schema = [
  { doc: 'id', js: 'id', kind: string },
  { doc: 'name', js: 'name', kind: string },
  { doc: 'type', js: 'type', kind: { type: 'enum', values: BRANCH_TYPES } },
  { doc: 'topology', js: 'topology', kind: { type: 'object', schema: TOPOLOGY_SCHEMA } },
  { doc: 'state', js: 'state', kind: { type: 'object', schema: BRANCH_STATE_SCHEMA } },
  { doc: 'parent_branch', js: 'parentBranch', kind: nullableString },
  { doc: 'metadata', js: 'metadata', kind: { type: 'jsonObject' } },
];

export const TRACE_STEP_SCHEMA: Schema = [
  { doc: 'agent_name', js: 'agentName', kind: string },
  { doc: 'success', js: 'success', kind: { type: 'boolean' } },
  { doc: 'action_type', js: 'actionType', kind: nullableString },
  { doc: 'error', js: 'error', kind: nullableString },
];

export const RESULT_SCHEMA: Schema = [
  { doc: 'branch_id', js: 'branchId', kind: string },
  { doc: 'success', js: 'success', kind: { type: 'boolean' } },
  { doc: 'final_response', js: 'finalResponse', kind: { type: 'json' } },
  { doc: 'total_steps', js: 'totalSteps', kind: number },
  { doc: 'execution_trace', js: 'executionTrace', kind: { type: 'list', of: TRACE_STEP_SCHEMA } },
  { doc: 'branch_memory', js: 'branchMemory', kind: { type: 'json' } },
  { doc: 'metadata', js: 'metadata', kind: { type: 'jsonObject' } },
  { doc: 'error', js: 'error', kind: nullableString },
];

/** The fields around the session body; `checksum` is optional (MARSYS writes it last). */
export const HEADER_SCHEMA: Schema = [
  { doc: 'session_id', js: 'sessionId', kind: string },
  { doc: 'timestamp', js: 'timestamp', kind: number },
  { doc: 'checksum', js: 'checksum', kind: nullableString, optionalOnRead: { default: '' } },
];

/** The session document between `timestamp` and `checksum`. */
export const SESSION_BODY_SCHEMA: Schema = [
  { doc: 'branches', js: 'branches', kind: { type: 'record', of: { type: 'object', schema: BRANCH_SCHEMA } } },
  { doc: 'active_branches', js: 'activeBranches', kind: { type: 'stringSet' } },
  { doc: 'completed_branches', js: 'completedBranches', kind: { type: 'stringSet' } },
  { doc: 'waiting_branches', js: 'waitingBranches', kind: { type: 'record', of: { type: 'stringSet' } } },
  { doc: 'branch_results', js: 'branchResults', kind: { type: 'record', of: { type: 'object', schema: RESULT_SCHEMA } } },
  { doc: 'parent_child_map', js: 'parentChildMap', kind: { type: 'record', of: { type: 'stringList' } } },
  { doc: 'child_parent_map', js: 'childParentMap', kind: { type: 'record', of: string } },
  { doc: 'metadata', js: 'metadata', kind: { type: 'jsonObject' } },
];

/** An empty value of each kind, for fields `saveSession` was not given. */
export function emptyValue(kind: FieldKind): unknown {
  switch (kind.type) {
    case 'stringSet':
      return new Set<string>();
    case 'record':
    case 'jsonObject':
      return {};
    default:
      return undefined;
  }
}
