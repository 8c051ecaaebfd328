/**
 * Every error waymark throws on purpose is a `WaymarkError` with a stable
 * string `code`. Branch on `code` (or `instanceof` a subclass), never on the
 * message: messages say what failed and what to do, and may be reworded.
 */
export class WaymarkError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An operation needed a session that is not stored. */
export class SessionNotFoundError extends WaymarkError {
  readonly sessionId: string;

  constructor(sessionId: string, hint = 'save it first with saveSession()') {
    super('SESSION_NOT_FOUND', `Session ${JSON.stringify(sessionId)} not found: ${hint}.`);
    this.sessionId = sessionId;
  }
}

/** An operation needed a checkpoint that is not stored. */
export class CheckpointNotFoundError extends WaymarkError {
  readonly checkpointId: string;

  constructor(checkpointId: string) {
    super(
      'CHECKPOINT_NOT_FOUND',
      `Checkpoint ${JSON.stringify(checkpointId)} not found: listCheckpoints(sessionId) lists the ids that exist.`,
    );
    this.checkpointId = checkpointId;
  }
}

/**
 * A stored document could not be trusted: it does not parse, lacks a field,
 * has a field of the wrong type, or fails its checksum. The file is left as
 * it is, for inspection.
 */
export class CorruptStateError extends WaymarkError {
  /** The storage key of the document, such as `session_alpha`. */
  readonly key: string;
  /** The file it was read from, when the backend has files. */
  readonly file: string | undefined;
  /** What is wrong, such as `checksum mismatch` or `branches: expected an object`. */
  readonly reason: string;

  constructor(key: string, reason: string, options: { file?: string; cause?: unknown } = {}) {
    const where = options.file ?? key;
    super(
      'CORRUPT_STATE',
      `Corrupt state in ${where}: ${reason}. The file was left untouched; restore it from a checkpoint or delete it.`,
      { cause: options.cause },
    );
    this.key = key;
    this.file = options.file;
    this.reason = reason;
  }
}

/** An id, name or key would escape the base directory or break a file name. */
export class InvalidKeyError extends WaymarkError {
  /** What was given. */
  readonly value: string;
  /** Which parameter it was given as: `sessionId`, `checkpoint name`, `key`, ... */
  readonly parameter: string;
  /** The rule it broke, in words. */
  readonly rule: string;

  constructor(parameter: string, value: string, rule: string) {
    super('INVALID_KEY', `Invalid ${parameter} ${JSON.stringify(value)}: ${rule}. Nothing was read or written.`);
    this.value = value;
    this.parameter = parameter;
    this.rule = rule;
  }
}

/**
 * A value in the state cannot be stored: it would not survive a JSON round
 * trip unchanged (a function, `undefined`, NaN, a Date, a cycle...) or a typed
 * field holds something MARSYS could not read back. Nothing was written.
 */
export class SerializationError extends WaymarkError {
  /** Dotted path of the offending value, such as `branches.b1.metadata.callback`. */
  readonly path: string;
  /** The same path as segments, for programs. */
  readonly segments: ReadonlyArray<string | number>;
  /** What is wrong with the value, and how to fix it. */
  readonly problem: string;

  constructor(segments: ReadonlyArray<string | number>, problem: string) {
    const path = formatPath(segments);
    super('SERIALIZATION', `Cannot store ${path || 'the state'}: ${problem}. Nothing was written.`);
    this.path = path;
    this.segments = segments;
    this.problem = problem;
  }
}

/** `['branches', 'b1', 'items', 3]` → `branches.b1.items[3]`. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let path = '';
  for (const segment of segments) {
    path += typeof segment === 'number' ? `[${segment}]` : path === '' ? segment : `.${segment}`;
  }
  return path;
}

/** The file system failed; `cause` is its error. */
export class StorageError extends WaymarkError {
  readonly operation: string;
  readonly path: string;

  constructor(operation: string, path: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('STORAGE', `Storage failed to ${operation} ${path}: ${detail}`, { cause });
    this.operation = operation;
    this.path = path;
  }
}
