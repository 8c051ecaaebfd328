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
const PREFIX = '\u0000waymark:';
const LITERAL = '"\\u0000waymark:';

export class StandIns {
  readonly #texts: string[] = [];

  /** A stand-in for `text`, which must be ASCII (it is inserted after escaping). */
  add(text: string): string {
    return `${PREFIX}${this.#texts.push(text) - 1}`;
  }

  /**
   * `ascii` (JSON text) with each stand-in replaced by its text; `undefined`
   * when the document itself held a string looking like a stand-in, so the
   * caller can write it another way.
   */
  resolve(ascii: string): string | undefined {
    const texts = this.#texts;
    if (texts.length === 0) return ascii;
    const seen = new Uint8Array(texts.length);
    let found = 0;
    let out = '';
    let copiedUpTo = 0;
    for (let at = ascii.indexOf(LITERAL); at !== -1; at = ascii.indexOf(LITERAL, at + 1)) {
      let end = at + LITERAL.length;
      let index = 0;
      while (end < ascii.length && ascii.charCodeAt(end) >= 0x30 && ascii.charCodeAt(end) <= 0x39) index = index * 10 + ascii.charCodeAt(end++) - 0x30;
      // Not a stand-in's shape (no digits, no closing quote): text that merely starts like one.
      if (end === at + LITERAL.length || ascii.charCodeAt(end) !== 0x22) continue;
      if (index >= texts.length || seen[index] === 1) return undefined;
      seen[index] = 1;
      found++;
      out += ascii.slice(copiedUpTo, at) + texts[index];
      copiedUpTo = end + 1;
    }
    return found === texts.length ? out + ascii.slice(copiedUpTo) : undefined;
  }
}
