import { TextPieces } from './text-pieces.js';

// Runs, not single characters: one regex step per run of non-ASCII text.
const NON_ASCII_RUN = /[\u007f-\uffff]+/g;

/** `\uXXXX` per UTF-16 code unit, built once each: the same few characters recur throughout a document. */
const unitEscapes: string[] = [];

function escapeUnit(code: number): string {
  return (unitEscapes[code] ??= `\\u${code.toString(16).padStart(4, '0')}`);
}

/** `\uXXXX` escapes of every code unit of `run`, lower-case hex. */
function escapeEachUnit(run: string): string {
  let out = '';
  for (let i = 0; i < run.length; i++) out += escapeUnit(run.charCodeAt(i));
  return out;
}

/**
 * Makes JSON text from `JSON.stringify` ASCII the way Python's
 * `ensure_ascii=True` does: every UTF-16 code unit from U+007F up becomes a
 * lower-case `\uXXXX` (an astral character becomes its surrogate pair).
 *
 * Only sound on JSON text: outside strings JSON has nothing but ASCII. What
 * `JSON.stringify` already escapes matches Python (`\n`, `\u001f`, lone
 * surrogates as `\udxxx`), so this pass only has to add DEL and up.
 */
export function escapeNonAscii(json: string): string {
  return escapeNonAsciiInto(json, new TextPieces()).text();
}

/** `escapeNonAscii`, its pieces added to `out` (see text-pieces.ts); returns `out`. */
export function escapeNonAsciiInto(json: string, out: TextPieces): TextPieces {
  // An exec loop with slices: several times faster than replace() with a callback.
  NON_ASCII_RUN.lastIndex = 0;
  let copiedUpTo = 0;
  for (let match = NON_ASCII_RUN.exec(json); match !== null; match = NON_ASCII_RUN.exec(json)) {
    out.add(json.slice(copiedUpTo, match.index));
    out.add(escapeEachUnit(match[0]));
    copiedUpTo = NON_ASCII_RUN.lastIndex;
  }
  out.add(copiedUpTo === 0 ? json : json.slice(copiedUpTo));
  return out;
}

/** What a string literal cannot hold as it is: `"`, `\\`, control characters, and (ensure_ascii) DEL and up. */
const NOT_PLAIN = /["\\\u0000-\u001f\u007f-\uffff]/;

/**
 * The JSON literal of `text` as Python's `json.dumps` writes it (pure ASCII),
 * for writers that assemble text piece by piece: each piece escaped as it is
 * written, so the whole needs no escaping pass. Plain printable ASCII, most
 * strings, is quoted as it is, without the native encoder's per-call cost.
 */
export function asciiStringLiteral(text: string): string {
  return NOT_PLAIN.test(text) ? escapeNonAscii(JSON.stringify(text)) : `"${text}"`;
}
