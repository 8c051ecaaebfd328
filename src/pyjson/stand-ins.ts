/**
 * The native encoder (`JSON.stringify`) writes most of a document exactly as
 * Python does; where it would not (a number in Python's form, an object
 * written by hand), the indent-2 writer puts a stand-in string in a copy of the path
 * to that value and swap in Python's text afterwards, in one scan.
 *
 * A stand-in is a string no document is expected to hold, `"\u0000waymark:<n>"`
 * as `JSON.stringify` writes it. Collisions are still detected, not assumed
 * away: `resolve` refuses unless it finds each stand-in exactly once.
 */
import { escapeNonAsciiInto } from './ascii-escape.js';
import type { TextPieces } from './text-pieces.js';

const PREFIX = '\u0000waymark:';
const LITERAL = '"\\u0000waymark:';

export class StandIns {
  readonly #texts: string[] = [];

  /** A stand-in for `text`, which must be ASCII (it is inserted after escaping). */
  add(text: string): string {
    return `${PREFIX}${this.#texts.push(text) - 1}`;
  }

  /**
   * Adds to `out` `json` (`JSON.stringify`'s text) made ASCII as
   * `escapeNonAscii` makes it, with each stand-in replaced by its text;
   * returns `false` when the document itself held a string looking like a
   * stand-in (`out` is then partly written, and to be dropped), so the caller
   * can write it another way. The escaping is done on the pieces between
   * stand-ins, which are slices of `json`: escaping the whole first would
   * leave a string of thousands of pieces (one per non-ASCII run) that the
   * scan for stand-ins would copy whole, a megabyte at a time for a large document.
   */
  resolveInto(json: string, out: TextPieces): boolean {
    const texts = this.#texts;
    if (texts.length === 0) {
      escapeNonAsciiInto(json, out);
      return true;
    }
    const seen = new Uint8Array(texts.length);
    let found = 0;
    let copiedUpTo = 0;
    for (let at = json.indexOf(LITERAL); at !== -1; at = json.indexOf(LITERAL, at + 1)) {
      let end = at + LITERAL.length;
      let index = 0;
      while (end < json.length && json.charCodeAt(end) >= 0x30 && json.charCodeAt(end) <= 0x39) index = index * 10 + json.charCodeAt(end++) - 0x30;
      // Not a stand-in's shape (no digits, no closing quote): text that merely starts like one.
      if (end === at + LITERAL.length || json.charCodeAt(end) !== 0x22) continue;
      if (index >= texts.length || seen[index] === 1) return false;
      seen[index] = 1;
      found++;
      // Stand-in texts are ASCII already, and not escaped again.
      escapeNonAsciiInto(json.slice(copiedUpTo, at), out);
      out.add(texts[index] as string);
      copiedUpTo = end + 1;
    }
    if (found !== texts.length) return false;
    escapeNonAsciiInto(json.slice(copiedUpTo), out);
    return true;
  }
}
