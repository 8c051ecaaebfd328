import type { JsonObject, JsonValue } from '../types.js';
import { setOwn } from '../own.js';
import { JsonSyntaxError } from './json-syntax-error.js';
import { MAX_NESTING_DEPTH } from './nesting-limit.js';
import { clearNumberForm, keepIntegerLexeme, markPythonFloat, recordKeyOrder, type JsonContainer } from './number-forms.js';

// What parseNumber found out beyond the value, for the member that receives it.
const PLAIN = 0;
const FLOAT_FORM = 1;
const INT_LEXEME = 2;

/** One open object or array, while its members are being read. */
class OpenContainer {
  /** The key whose value is being read (objects only). */
  key = '';
  /** The file's key order, tracked from the first integer-like key on (objects only). */
  keyOrder: string[] | undefined = undefined;
  /** Whether a number form was recorded here, so a duplicate key must clear it. */
  hasForms = false;

  constructor(
    readonly container: JsonContainer,
    readonly isArray: boolean,
  ) {}
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * Reads JSON text the way Python's `json.loads` does, recording in the number
 * side table what JS numbers and key order lose. Iterative, so nesting costs
 * heap, not stack.
 */
class SlowParser {
  private pos = 0;
  private numberKind = PLAIN;
  private lexeme = '';

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    if (this.text.charCodeAt(0) === 0xfeff) this.fail('Unexpected UTF-8 BOM (decode using utf-8-sig)', 0);
    this.skipWhitespace();
    const value = this.parseTree();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('Extra data', this.pos);
    return value;
  }

  private fail(problem: string, position: number): never {
    throw new JsonSyntaxError(problem, this.text, position);
  }

  private skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  /** Reads one value and everything nested in it; `pos` is at its first character. */
  private parseTree(): JsonValue {
    const text = this.text;
    const open: OpenContainer[] = [];
    for (;;) {
      let value: JsonValue;
      this.numberKind = PLAIN;
      const c = text.charCodeAt(this.pos);
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        const isArray = c === 0x5b;
        const container: JsonContainer = isArray ? [] : {};
        // Empty containers count too, so the limit means the same here as on the fast path.
        if (open.length >= MAX_NESTING_DEPTH) this.fail(`Nesting deeper than ${MAX_NESTING_DEPTH} levels`, this.pos);
        this.pos++;
        this.skipWhitespace();
        if (text.charCodeAt(this.pos) === (isArray ? 0x5d : 0x7d)) {
          this.pos++;
          value = container;
        } else {
          const frame = new OpenContainer(container, isArray);
          open.push(frame);
          if (!isArray) this.readKey(frame);
          continue;
        }
      } else if (c === 0x22 /* " */) {
        value = this.parseString();
      } else {
        value = this.parseScalar(c);
      }

      // Hand the value to its container; close every container that ends here.
      for (;;) {
        const frame = open[open.length - 1];
        if (frame === undefined) return value;
        this.store(frame, value);
        this.skipWhitespace();
        const next = text.charCodeAt(this.pos);
        if (next === 0x2c /* , */) {
          this.pos++;
          this.skipWhitespace();
          if (!frame.isArray) this.readKey(frame);
          break;
        }
        if (next !== (frame.isArray ? 0x5d : 0x7d)) this.fail("Expecting ',' delimiter", this.pos);
        this.pos++;
        open.pop();
        if (frame.keyOrder !== undefined) this.keepKeyOrder(frame.container as JsonObject, frame.keyOrder);
        value = frame.container;
        this.numberKind = PLAIN;
      }
    }
  }

  private store(frame: OpenContainer, value: JsonValue): void {
    const container = frame.container;
    let key: string | number;
    if (frame.isArray) {
      key = (container as JsonValue[]).push(value) - 1;
    } else {
      key = frame.key;
      // A repeated key: its new value must not inherit the old one's number form.
      if (frame.hasForms) clearNumberForm(container, key);
      // setOwn: plain assignment of `__proto__` would replace the prototype instead.
      setOwn(container as JsonObject, key, value);
    }
    if (this.numberKind !== PLAIN) {
      frame.hasForms = true;
      if (this.numberKind === FLOAT_FORM) markPythonFloat(container, key);
      else keepIntegerLexeme(container, key, this.lexeme);
    }
  }

  /** Reads `"key" :` and the whitespace after it; `pos` is at the opening quote. */
  private readKey(frame: OpenContainer): void {
    if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('Expecting property name enclosed in double quotes', this.pos);
    const key = this.parseString();
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) !== 0x3a /* : */) this.fail("Expecting ':' delimiter", this.pos);
    this.pos++;
    this.skipWhitespace();
    frame.key = key;
    const object = frame.container as JsonObject;
    if (frame.keyOrder !== undefined) {
      if (!Object.prototype.hasOwnProperty.call(object, key)) frame.keyOrder.push(key);
    } else if (isDigit(key.charCodeAt(0))) {
      // JS may enumerate this key out of file order. Until now every key was
      // not integer-like, so Object.keys still lists them in file order.
      frame.keyOrder = Object.keys(object);
      if (!Object.prototype.hasOwnProperty.call(object, key)) frame.keyOrder.push(key);
    }
  }

  /** Records the file's key order when JS enumerates the object differently. */
  private keepKeyOrder(object: JsonObject, fileOrder: string[]): void {
    const jsOrder = Object.keys(object);
    for (let i = 0; i < jsOrder.length; i++) {
      if (jsOrder[i] !== fileOrder[i]) {
        recordKeyOrder(object, fileOrder);
        return;
      }
    }
  }

  /** Reads a string; `pos` is at the opening quote. */
  private parseString(): string {
    const text = this.text;
    const start = this.pos + 1;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return text.slice(start, i);
      }
      if (c === 0x5c) return this.parseEscapedString(start, i);
      if (c < 0x20) this.fail('Invalid control character at', i);
    }
    return this.fail('Unterminated string starting at', start - 1);
  }

  /**
   * A string with escapes, whose first backslash is at `backslash`: found
   * where it ends, then decoded by native `JSON.parse`, which decodes exactly
   * the escapes Python does (lone surrogates included) and is far faster than
   * decoding here. If that rejects it, the careful decoder says why.
   */
  private parseEscapedString(start: number, backslash: number): string {
    const text = this.text;
    let end = backslash - 1;
    for (;;) {
      end = text.indexOf('"', end + 1);
      if (end === -1) return this.decodeEscapedString(start, backslash);
      let backslashes = 0;
      while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
      if (backslashes % 2 === 0) break;
    }
    let decoded: unknown;
    try {
      decoded = JSON.parse(text.slice(start - 1, end + 1));
    } catch {
      return this.decodeEscapedString(start, backslash);
    }
    this.pos = end + 1;
    return decoded as string;
  }

  /** Decodes a string from its first backslash at `i` char by char, failing with Python's message where Python would. */
  private decodeEscapedString(start: number, i: number): string {
    const text = this.text;
    let out = text.slice(start, i);
    let chunkStart = i;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return out + text.slice(chunkStart, i);
      }
      if (c < 0x20) this.fail('Invalid control character at', i);
      if (c !== 0x5c) continue;
      out += text.slice(chunkStart, i);
      const escape = text.charCodeAt(i + 1);
      if (escape === 0x75 /* u */) {
        let code = 0;
        for (let k = 2; k < 6; k++) {
          const digit = hexValue(text.charCodeAt(i + k));
          if (digit < 0) this.fail('Invalid \\uXXXX escape', i + 1);
          code = code * 16 + digit;
        }
        // Surrogates, paired or lone, are kept as code units: a JS string is UTF-16 already.
        out += String.fromCharCode(code);
        i += 5;
      } else {
        const decoded = decodeShortEscape(escape);
        if (decoded === undefined) {
          if (i + 1 >= text.length) break;
          this.fail('Invalid \\escape', i);
        }
        out += decoded;
        i += 1;
      }
      chunkStart = i + 1;
    }
    return this.fail('Unterminated string starting at', start - 1);
  }

  /** Numbers and the bare words; anything else is not a value. */
  private parseScalar(c: number): JsonValue {
    const text = this.text;
    const pos = this.pos;
    if (c === 0x2d /* - */ || isDigit(c)) {
      if (c === 0x2d && text.startsWith('Infinity', pos + 1)) {
        this.pos = pos + 9;
        return -Infinity;
      }
      return this.parseNumber();
    }
    const word = c === 0x6e ? 'null' : c === 0x74 ? 'true' : c === 0x66 ? 'false' : c === 0x4e ? 'NaN' : c === 0x49 ? 'Infinity' : '';
    if (word !== '' && text.startsWith(word, pos)) {
      this.pos = pos + word.length;
      return c === 0x6e ? null : c === 0x74 ? true : c === 0x66 ? false : c === 0x4e ? NaN : Infinity;
    }
    return this.fail('Expecting value', pos);
  }

  /**
   * Python's number grammar, `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`: a
   * lexeme with a fraction or exponent is a float, any other an int.
   */
  private parseNumber(): number {
    const text = this.text;
    const start = this.pos;
    let i = start;
    const negative = text.charCodeAt(i) === 0x2d;
    if (negative) i++;
    const intStart = i;
    let c = text.charCodeAt(i);
    if (c === 0x30) {
      c = text.charCodeAt(++i);
    } else if (isDigit(c)) {
      do c = text.charCodeAt(++i);
      while (isDigit(c));
    } else {
      return this.fail('Expecting value', start);
    }
    const intDigits = i - intStart;
    let isFloat = false;
    if (c === 0x2e /* . */ && isDigit(text.charCodeAt(i + 1))) {
      isFloat = true;
      i += 2;
      while (isDigit(text.charCodeAt(i))) i++;
      c = text.charCodeAt(i);
    }
    if (c === 0x65 || c === 0x45 /* e E */) {
      let j = i + 1;
      const sign = text.charCodeAt(j);
      if (sign === 0x2b || sign === 0x2d) j++;
      if (isDigit(text.charCodeAt(j))) {
        isFloat = true;
        i = j + 1;
        while (isDigit(text.charCodeAt(i))) i++;
      }
    }
    this.pos = i;

    if (isFloat) {
      const value = Number(text.slice(start, i));
      // An integral float reads as a JS integer: remember that Python had a float.
      if (Number.isInteger(value)) this.numberKind = FLOAT_FORM;
      return value;
    }
    if (intDigits <= 15) {
      // Exact below 10^15 < 2^53; cheaper than Number(slice). `-0` is Python's int 0.
      let value = 0;
      for (let k = intStart; k < i; k++) value = value * 10 + (text.charCodeAt(k) - 0x30);
      return negative && value !== 0 ? -value : value;
    }
    const lexeme = text.slice(start, i);
    const value = Number(lexeme);
    if (!Number.isSafeInteger(value)) {
      this.numberKind = INT_LEXEME;
      this.lexeme = lexeme;
    }
    return value;
  }
}

function decodeShortEscape(code: number): string | undefined {
  switch (code) {
    case 0x22:
      return '"';
    case 0x5c:
      return '\\';
    case 0x2f:
      return '/';
    case 0x62:
      return '\b';
    case 0x66:
      return '\f';
    case 0x6e:
      return '\n';
    case 0x72:
      return '\r';
    case 0x74:
      return '\t';
    default:
      return undefined;
  }
}

/**
 * Parses JSON text exactly as Python's `json.loads` reads it, character by
 * character: the reference that `parsePythonJson`'s fast path must agree with.
 */
export function parsePythonJsonSlow(text: string): JsonValue {
  return new SlowParser(text).parseDocument();
}
