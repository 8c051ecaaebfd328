export { StateManager } from './state-manager.js';
export type { StateManagerOptions, SavedSession, CheckpointOptions } from './state-manager.js';
export { FileStorageBackend } from './file-storage.js';
export type { FileStorageOptions } from './file-storage.js';
export type { StorageBackend } from './storage.js';
export type { Summariser } from './summary-index.js';
export type { FileContent, MinimalFs, MinimalStats, MinimalFileHandle, TextEncoding } from './fs.js';
export type { Clock } from './clock.js';
export {
  WaymarkError,
  SessionNotFoundError,
  CheckpointNotFoundError,
  CorruptStateError,
  InvalidKeyError,
  SerializationError,
  StorageError,
} from './errors.js';
export { BRANCH_TYPES, BRANCH_STATUSES, CONVERSATION_PATTERNS } from './types.js';
export type {
  JsonPrimitive,
  JsonValue,
  JsonObject,
  BranchType,
  BranchStatus,
  ConversationPattern,
  BranchTopology,
  BranchState,
  ExecutionBranch,
  TraceStep,
  BranchResult,
  SessionState,
  SessionStateInput,
  SessionSnapshot,
  SessionSummary,
  CheckpointInfo,
} from './types.js';
export { CheckpointManager } from './checkpoint-manager.js';
export type { CheckpointPolicy, Rollback, TakenCheckpoint } from './checkpoint-manager.js';
export { Orchestra } from './orchestra/index.js';
export type { Topology } from './orchestra/topology.js';
export type {
  Agent,
  AgentContext,
  AgentReply,
  OrchestraEvent,
  ResumeOptions,
  RunOptions,
  RunResult,
  RunStatus,
  SaveMode,
  SessionProgress,
} from './orchestra/types.js';
export {
  TopologyError,
  UnknownAgentError,
  InvalidTransitionError,
  SessionRunningError,
  SessionCompletedError,
  TopologyMismatchError,
  SessionConflictError,
  MaxStepsExceededError,
  StepFailedError,
} from './orchestra/errors.js';
