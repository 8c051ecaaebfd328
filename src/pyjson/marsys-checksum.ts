import type { JsonObject, JsonValue } from '../types.js';
import { asciiStringLiteral } from './ascii-escape.js';
import { sortByCodePoint } from './code-point-order.js';
import { CompactSortedWriter } from './dump-compact-sorted.js';
import { inspectValueAt } from './inspect-value.js';
import { sha256HexOfAscii, sha256HexOfAsciiNow } from './sha256.js';
import { TextPieces } from './text-pieces.js';

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

/** A set of branch ids as Python's `sorted(set(ids))` writes it. */
function sortedSet(members: string[], name: string): string {
  inspectValueAt(members, false, [name]);
  members.forEach((member, i) => {
    // Python could not sort a set mixing ids with other values either.
    if (typeof member !== 'string') throw new TypeError(`${name}[${i}] must be a string (a branch id), not ${typeof member}`);
  });
  const sorted = sortByCodePoint([...new Set(members)]);
  return `[${sorted.map(asciiStringLiteral).join(', ')}]`;
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
  return checksumInputPieces(doc).text();
}

/** `marsysChecksumInput` as pieces, hashed one after another: a long history is never copied into one string. */
function checksumInputPieces(doc: MarsysChecksumFields): TextPieces {
  // Python's json writes NaN and Infinity bare (allow_nan=True), so they are hashed that way.
  const writer = new CompactSortedWriter(true);
  const branches = doc.branches;
  // Branches first, then the sets: the first value refused is the one reported.
  const pairs = new TextPieces();
  sortByCodePoint(Object.keys(branches)).forEach((id, i) => {
    pairs.add(`${i === 0 ? '' : ', '}[${asciiStringLiteral(id)}, `);
    writer.memberInto(branches, id, ['branches', id], pairs);
    pairs.add(']');
  });
  // Every string in it is escaped as it is written: the text is ASCII already.
  const out = new TextPieces();
  out.add(`{"active_branches": ${sortedSet(doc.active_branches, 'active_branches')}, "branches": [`);
  for (const piece of pairs.pieces()) out.add(piece);
  out.add(`], "completed_branches": ${sortedSet(doc.completed_branches, 'completed_branches')}, "session_id": `);
  writer.memberInto(doc, 'session_id', ['session_id'], out);
  out.add(', "timestamp": ');
  writer.memberInto(doc, 'timestamp', ['timestamp'], out);
  out.add('}');
  return out;
}

/** MARSYS's checksum of a session: SHA-256 of `marsysChecksumInput(doc)`, 64 lower-case hex digits. */
export function marsysChecksum(doc: MarsysChecksumFields): Promise<string> {
  return sha256HexOfAscii(checksumInputPieces(doc));
}

/**
 * `marsysChecksum`, computed before it returns (without Web Crypto, which
 * answers later): for a save, which must hash the state as it is when called.
 */
export function marsysChecksumNow(doc: MarsysChecksumFields): string {
  return sha256HexOfAsciiNow(checksumInputPieces(doc));
}
