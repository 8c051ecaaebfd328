import type { JsonValue } from '../types.js';
import { MAX_NESTING_DEPTH } from './nesting-limit.js';
import { parsePythonJsonSlow } from './parse-slow.js';

/**
 * Number lexemes whose Python type a JS number cannot show, so the side table
 * must record it: a fraction that is all zeros (`1.0`) or starts with five
 * zeros or nines (only such a fraction can round to an integral double when
 * the integer part has at most 10 digits; longer ones are caught after
 * parsing), and any exponent. Python always signs its exponents (`1e+16`);
 * an unsigned one is matched only where a number could end, and not inside a
 * `\uXXXX` escape, so that hex digests (`..1e5a..`) and escaped `é`
 * (`\u00e9`) do not send every file down the slow path. A match inside a
 * string only costs speed.
 */
const FLOAT_LEXEME = /\.(?:0+(?![0-9])|0{5}|9{5})|[0-9][eE](?:[-+][0-9]|[0-9]+(?=[\s,\]}]|$)(?<!u[0-9a-fA-F]?[0-9][eE][0-9]+))/;

/**
 * Whether `JSON.parse` lost something in `value` that the exact parser keeps,
 * or the document nests too deeply: an integral number of 10^10 or more (an
 * int past 2^53 lost digits, a long float rounded to an integer, or an int
 * past 1e308 became Infinity), `-0` (`-0` is Python's int 0, `-0.0` a
 * float), or an integer-like key (JS enumerates those first, out of file order).
 */
function lostInNativeParse(value: object, depth: number): boolean {
  if (depth > MAX_NESTING_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const member: unknown = value[i];
      if (typeof member === 'object') {
        if (member !== null && lostInNativeParse(member, depth + 1)) return true;
      } else if (typeof member === 'number' && numberLost(member)) return true;
    }
    return false;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return false;
  // Integer-like keys, if any, are enumerated first.
  const first = (keys[0] as string).charCodeAt(0);
  if (first >= 0x30 && first <= 0x39) return true;
  const record = value as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const member = record[keys[i] as string];
    if (typeof member === 'object') {
      if (member !== null && lostInNativeParse(member, depth + 1)) return true;
    } else if (typeof member === 'number' && numberLost(member)) return true;
  }
  return false;
}

function numberLost(value: number): boolean {
  if (value === 0) return 1 / value < 0;
  // Infinity here is an int of 309+ digits (float lexemes never get this far).
  return (value >= 1e10 || value <= -1e10) && (Number.isInteger(value) || value === Infinity || value === -Infinity);
}

/**
 * Parses what Python's `json.loads` accepts: RFC 8259 JSON plus bare `NaN`,
 * `Infinity` and `-Infinity`. Objects are plain (`Object.prototype`), a
 * `__proto__` key is an ordinary own property, a repeated key keeps its last
 * value. Throws `JsonSyntaxError` (Python's message, line and column) on
 * anything else, on an empty text, and on nesting deeper than
 * `MAX_NESTING_DEPTH` (2,000) levels.
 *
 * What JS numbers cannot hold is kept in a side table (number-forms.ts), so
 * `dumpPythonIndent2(parsePythonJson(text))` gives back a Python-written
 * `text` byte for byte: float-ness of integral floats (`1.0`), the digits of
 * ints past 2^53, and the file's order of integer-like keys. A bare number at
 * the top level has no container to hold that: parse `1.0` and you get `1`.
 *
 * Documents that need none of it (most) are read by native `JSON.parse`,
 * after a regular-expression scan and followed by a walk of the result; the
 * rest by `parsePythonJsonSlow`. Both give the same values and side table.
 */
export function parsePythonJson(text: string): JsonValue {
  if (!FLOAT_LEXEME.test(text)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // NaN/Infinity, or a syntax error: the exact parser reads the one and words the other as Python does.
      return parsePythonJsonSlow(text);
    }
    if (typeof value === 'object' && value !== null && !lostInNativeParse(value, 1)) return value as JsonValue;
  }
  return parsePythonJsonSlow(text);
}
