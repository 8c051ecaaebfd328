/**
 * The in-memory shape of a workflow's state: MARSYS's snapshot, in camelCase,
 * with `Set`s where MARSYS has sets. User data (metadata, responses, memory)
 * is any JSON value and passes through untouched.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export const BRANCH_TYPES = ['simple', 'conversation', 'nested', 'aggregation', 'user_interaction'] as const;
export type BranchType = (typeof BRANCH_TYPES)[number];

export const BRANCH_STATUSES = ['pending', 'running', 'paused', 'waiting', 'completed', 'failed', 'cancelled'] as const;
export type BranchStatus = (typeof BRANCH_STATUSES)[number];

export const CONVERSATION_PATTERNS = ['dialogue', 'round_robin', 'broadcast', 'consensus', 'debate', 'interview'] as const;
export type ConversationPattern = (typeof CONVERSATION_PATTERNS)[number];

/** Which agents a branch runs and how control may pass between them. */
export interface BranchTopology {
  agents: string[];
  entryAgent: string;
  currentAgent: string | null;
  allowedTransitions: Record<string, string[]>;
  conversationPattern: ConversationPattern | null;
  maxIterations: number | null;
  conversationTurns: number;
}

/** Where a branch is in its execution. Times are seconds since the epoch. */
export interface BranchState {
  status: BranchStatus;
  currentStep: number;
  totalSteps: number;
  conversationTurns: number;
  startTime: number | null;
  endTime: number | null;
  error: string | null;
  completedAgents: Set<string>;
}

/** One line of execution: a sequence of agents working on one piece of the task. */
export interface ExecutionBranch {
  id: string;
  name: string;
  type: BranchType;
  topology: BranchTopology;
  state: BranchState;
  parentBranch: string | null;
  metadata: JsonObject;
}

/** One step of a branch's trace, as MARSYS persists it. */
export interface TraceStep {
  agentName: string;
  success: boolean;
  actionType: string | null;
  error: string | null;
}

/** What a finished branch produced. */
export interface BranchResult {
  branchId: string;
  success: boolean;
  finalResponse: JsonValue;
  totalSteps: number;
  executionTrace: TraceStep[];
  branchMemory: JsonValue;
  metadata: JsonObject;
  error: string | null;
}

/** The state of one workflow, as `saveSession` takes it and `loadSession` returns it. */
export interface SessionState {
  branches: Record<string, ExecutionBranch>;
  activeBranches: Set<string>;
  completedBranches: Set<string>;
  waitingBranches: Record<string, Set<string>>;
  branchResults: Record<string, BranchResult>;
  parentChildMap: Record<string, string[]>;
  childParentMap: Record<string, string>;
  metadata: JsonObject;
}

/** What `saveSession` accepts: any field left out is stored empty, as in MARSYS. */
export type SessionStateInput = Partial<SessionState>;

/** A stored session: its state plus the id and save time it was stored with. */
export interface SessionSnapshot extends SessionState {
  sessionId: string;
  /** Seconds since the epoch at which it was saved (MARSYS's `timestamp`). */
  timestamp: number;
  /** The SHA-256 checksum stored with it (empty when the file had none). */
  checksum: string;
}

/** One row of `listSessions()`. */
export interface SessionSummary {
  sessionId: string;
  timestamp: number;
  paused: boolean;
  branchesCount: number;
  completedCount: number;
  metadata: JsonObject;
}

/** One row of `listCheckpoints()`. */
export interface CheckpointInfo {
  checkpointId: string;
  sessionId: string;
  name: string;
  /** Seconds since the epoch at which the checkpoint was created. */
  timestamp: number;
  /** The session's save time captured by the checkpoint. */
  sessionTimestamp: number;
  /** Set for checkpoints taken automatically (CheckpointManager policies). */
  auto: boolean;
  /** Set for critical checkpoints, which retention never deletes. */
  critical: boolean;
  metadata: JsonObject;
}
