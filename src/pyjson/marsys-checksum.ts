import type { JsonObject, JsonValue } from '../types.js';
import { escapeNonAscii } from './ascii-escape.js';
import { compareCodePoints } from './code-point-order.js';
import { encodeCompactSortedMember } from './dump-compact-sorted.js';
import { inspectValueAt } from './inspect-value.js';
import { sha256Hex } from './sha256.js';

/**
 * The members of a MARSYS session document that its checksum covers, as
 * stored (snake_case). Number forms are read from the side table: pass the
 * document `parsePythonJson` returned, or one whose `timestamp` marker was
 * carried over with `copyNumberForm`/`markPythonFloat` (`1700000000.0` and
 * `1700000000` hash differently).
 */
export interface MarsysChecksumFields extends JsonObject {
  session_id: JsonValue;
  timestamp: JsonValue;
  branches: JsonObject;
  /** A set in MARSYS: order and repeats do not matter. */
  active_branches: string[];
  /** A set in MARSYS: order and repeats do not matter. */
  completed_branches: string[];
}

function sortedSet(members: string[], name: string): string {
  inspectValueAt(members, false, [name]);
  const sorted = [...new Set(members)].sort(compareCodePoints);
  return `[${sorted.map((member) => JSON.stringify(member)).join(', ')}]`;
}

/**
 * The exact string MARSYS hashes (`StateSnapshot.calculate_checksum`):
 * `json.dumps` with `sort_keys=True` of an object with exactly
 * `active_branches` (distinct, sorted), `branches` (`[id, branch]` pairs
 * sorted by id), `completed_branches` (distinct, sorted), `session_id` and
 * `timestamp`. Sorting is by code point; `NaN`/`Infinity` are written bare,
 * as Python does. Throws `NonJsonValueError` for values that are not JSON.
 */
export function marsysChecksumInput(doc: MarsysChecksumFields): string {
  const branches = doc.branches;
  const pairs = Object.keys(branches)
    .sort(compareCodePoints)
    .map((id) => `[${JSON.stringify(id)}, ${encodeCompactSortedMember(branches, id, ['branches', id], true)}]`);
  return escapeNonAscii(
    `{"active_branches": ${sortedSet(doc.active_branches, 'active_branches')}, ` +
      `"branches": [${pairs.join(', ')}], ` +
      `"completed_branches": ${sortedSet(doc.completed_branches, 'completed_branches')}, ` +
      `"session_id": ${encodeCompactSortedMember(doc, 'session_id', ['session_id'], true)}, ` +
      `"timestamp": ${encodeCompactSortedMember(doc, 'timestamp', ['timestamp'], true)}}`,
  );
}

/** MARSYS's checksum of a session: SHA-256 of `marsysChecksumInput(doc)`, 64 lower-case hex digits. */
export function marsysChecksum(doc: MarsysChecksumFields): Promise<string> {
  // The input is ASCII (ensure_ascii), so its UTF-8 bytes are its characters.
  return sha256Hex(marsysChecksumInput(doc));
}
