import type { JsonObject } from './types.js';

/**
 * Where documents live. Keys are flat strings; MARSYS's layout maps keys that
 * start with `checkpoint_` to checkpoints and all others to sessions.
 *
 * A backend stores JSON documents; it knows nothing of sessions or checksums.
 */
export interface StorageBackend {
  /** Stores `data` under `key`, replacing what was there. Atomic per key. */
  save(key: string, data: JsonObject): Promise<void>;
  /** The document under `key`, or `undefined` when there is none. Throws `CorruptStateError` when it does not parse. */
  load(key: string): Promise<JsonObject | undefined>;
  /** Deletes `key`; `true` when something was deleted. */
  delete(key: string): Promise<boolean>;
  /** Keys that start with `prefix` (a literal prefix, not a pattern), sorted by code point. */
  listKeys(prefix?: string): Promise<string[]>;
  exists(key: string): Promise<boolean>;
}
