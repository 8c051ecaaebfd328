import { InvalidKeyError } from './errors.js';

/**
 * Ids become file names verbatim (MARSYS's layout), so every id and name is
 * checked before anything touches storage. The rules keep a name inside its
 * directory on every file system waymark runs on, and short enough that the
 * temp file beside it (`.<key>.json.tmp-<unique>`) fits the 255-byte limit.
 */
export const MAX_ID_BYTES = 200;
/** Longest storage key: 255 minus `.json` and the temp-file decoration. */
export const MAX_KEY_BYTES = 220;

const encoder = new TextEncoder();

/** The rule `value` breaks as a path fragment, or `undefined` when it is fine. */
function brokenRule(value: unknown, maxBytes: number): string | undefined {
  if (typeof value !== 'string') return `it must be a string, not ${value === null ? 'null' : typeof value}`;
  if (value === '') return 'it must not be empty';
  if (value === '.' || value === '..') return 'it must not be "." or ".."';
  if (value.includes('/') || value.includes('\\')) return 'it must not contain "/" or "\\" (it would name another directory)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'it must not contain NUL or other control characters';
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
    return 'it must be well-formed Unicode (it has a lone surrogate)';
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short values need no encoding to be measured.
  if (value.length * 3 <= maxBytes) return undefined;
  const bytes = encoder.encode(value).length;
  if (bytes > maxBytes) return `it must be at most ${maxBytes} bytes in UTF-8 (it has ${bytes})`;
  return undefined;
}

/** Throws `InvalidKeyError` unless `value` is a safe session id or checkpoint name. */
export function assertValidId(parameter: string, value: unknown): asserts value is string {
  const rule = brokenRule(value, MAX_ID_BYTES);
  if (rule !== undefined) throw new InvalidKeyError(parameter, String(value), rule);
}

/** Throws `InvalidKeyError` unless `value` is a safe storage key. */
export function assertValidKey(parameter: string, value: unknown): asserts value is string {
  const rule =
    brokenRule(value, MAX_KEY_BYTES) ??
    ((value as string).startsWith('.') ? 'it must not start with "." (such files are hidden and swept as temp files)' : undefined);
  if (rule !== undefined) throw new InvalidKeyError(parameter, String(value), rule);
}

/** What a stored document's file name ends with: `<key>.json`. */
export const DOCUMENT_EXTENSION = '.json';

/** Whether a file in `sessions/` or `checkpoints/` holds a document: dot-files (temp files) never do. */
export function isDocumentFileName(name: string): boolean {
  return name.endsWith(DOCUMENT_EXTENSION) && !name.startsWith('.');
}

export const SESSION_PREFIX = 'session_';
export const CHECKPOINT_PREFIX = 'checkpoint_';

export function sessionKey(sessionId: string): string {
  return SESSION_PREFIX + sessionId;
}

/** Throws `InvalidKeyError` unless `value` names a checkpoint (`checkpoint_...`). */
export function assertCheckpointId(value: unknown): asserts value is string {
  assertValidKey('checkpointId', value);
  if (!value.startsWith(CHECKPOINT_PREFIX)) {
    throw new InvalidKeyError('checkpointId', value, `it must start with "${CHECKPOINT_PREFIX}" as ids from createCheckpoint() do`);
  }
}
