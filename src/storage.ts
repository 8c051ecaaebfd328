import type { Summariser } from './summary-index.js';
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
  /**
   * Optional: reads `data` whole before it returns (checking and encoding
   * it, and throwing what `save` would reject with for it), and returns the
   * write, to run later with the effect `save(key, data)` would have had.
   * The StateManager captures the state a save is called with this way, so
   * that changing it afterwards changes nothing stored; without it, it copies
   * the document first.
   */
  prepareSave?(key: string, data: JsonObject): () => Promise<void>;
  /** The document under `key`, or `undefined` when there is none. Throws `CorruptStateError` when it does not parse. */
  load(key: string): Promise<JsonObject | undefined>;
  /** Deletes `key`; `true` when something was deleted. */
  delete(key: string): Promise<boolean>;
  /** Keys that start with `prefix` (a literal prefix, not a pattern), sorted by code point. */
  listKeys(prefix?: string): Promise<string[]>;
  exists(key: string): Promise<boolean>;
  /**
   * Optional: `summariser.summarise(key, document)` of every document whose
   * key starts with `prefix`, sorted by key, leaving out those it returns
   * `undefined` for and those that do not parse. What it does without reading
   * every document is up to the backend; the result must be what reading them
   * all would give. Callers without it load every key themselves.
   */
  summaries?<T>(prefix: string, summariser: Summariser<T>): Promise<T[]>;
}
