import type { JsonObject, JsonValue } from '../types.js';
import { escapeNonAscii } from './ascii-escape.js';
import { sortByCodePoint } from './code-point-order.js';
import type { DumpOptions } from './dump-options.js';
import { inspectValueAt } from './inspect-value.js';
import { MAX_NESTING_DEPTH } from './nesting-limit.js';
import { containerForms, PYTHON_FLOAT, type ContainerForms } from './number-forms.js';
import type { PathSegment } from './non-json-value-error.js';
import { formatPythonNumber } from './python-number.js';

/** Thrown by the writer at a value it will not write: `member` then asks inspectValueAt what is wrong, and where. */
const UNUSUAL = new Error('a value that is not plain JSON');

/**
 * Writes values as Python's `json.dumps(value, sort_keys=True)` does, leaving
 * non-ASCII for one escaping pass over the assembled text. One writer per
 * document, as it remembers what recurs from object to object: the JSON
 * literals of keys, and the sorted order of each list of keys.
 *
 * It checks values as it writes them, cheaply: anything but a string, a
 * number, a boolean, null, a plain array or object (or nesting past the
 * limit, which a cycle reaches) stops it, and only then does the full
 * inspection run, to name the value and the problem. Valid documents, the
 * common case, are walked once.
 */
export class CompactSortedWriter {
  private readonly keyLiterals = new Map<string, string>();
  /** Per first key, the last key list met that starts with it, and that list in code point order. */
  private readonly keyOrders = new Map<string, { keys: string[]; sorted: string[] }>();
  private depth = 0;

  constructor(private readonly allowNonFinite: boolean) {}

  /**
   * The text of `container[key]` (so its number form applies), after the
   * checks `dumpPythonCompactSorted` makes; a refusal is located at `path`.
   */
  member(container: object, key: string, path: readonly PathSegment[]): string {
    const value = (container as JsonObject)[key] as JsonValue;
    try {
      return this.encodeMember(value, key, containerForms(container));
    } catch (error) {
      if (error !== UNUSUAL) throw error;
      this.depth = 0;
      // Throws NonJsonValueError: it refuses everything the writer stops at.
      inspectValueAt(value, this.allowNonFinite, path);
      throw error;
    }
  }

  private keyLiteral(key: string): string {
    let literal = this.keyLiterals.get(key);
    if (literal === undefined) {
      literal = JSON.stringify(key);
      this.keyLiterals.set(key, literal);
    }
    return literal;
  }

  /** `keys` in code point order; an object shaped like the previous one with the same first key reuses its order. */
  private sorted(keys: string[]): string[] {
    if (keys.length < 2) return keys;
    const first = keys[0] as string;
    const known = this.keyOrders.get(first);
    if (known !== undefined && known.keys.length === keys.length) {
      let same = true;
      for (let i = 1; i < keys.length && same; i++) same = known.keys[i] === keys[i];
      if (same) return known.sorted;
    }
    const sorted = sortByCodePoint(keys.slice());
    this.keyOrders.set(first, { keys, sorted });
    return sorted;
  }

  private encodeMember(value: JsonValue, key: string, forms: ContainerForms | undefined): string {
    switch (typeof value) {
      case 'string':
        return JSON.stringify(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'number': {
        const form = forms?.numbers?.get(key);
        // Non-finite: allowed bare when asked, or as a kept int lexeme (a huge Python int).
        if (!this.allowNonFinite && !Number.isFinite(value) && (form === undefined || form === PYTHON_FLOAT || Number(form) !== value)) throw UNUSUAL;
        return formatPythonNumber(value, form);
      }
      case 'object':
        return value === null ? 'null' : this.encodeContainer(value);
      default:
        throw UNUSUAL;
    }
  }

  private encodeContainer(container: JsonValue[] | JsonObject): string {
    const isArray = Array.isArray(container);
    const proto: unknown = Object.getPrototypeOf(container);
    if (
      (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) ||
      typeof (container as { toJSON?: unknown }).toJSON === 'function' ||
      ++this.depth > MAX_NESTING_DEPTH
    ) {
      throw UNUSUAL;
    }
    const forms = containerForms(container);
    let out = '';
    if (isArray) {
      for (let i = 0; i < container.length; i++) {
        // Indices are turned into form keys only where there are forms to look up.
        out += `${i === 0 ? '' : ', '}${this.encodeMember(container[i] as JsonValue, forms === undefined ? '' : String(i), forms)}`;
      }
      out = `[${out}]`;
    } else {
      const keys = this.sorted(Object.keys(container));
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        out += `${i === 0 ? '' : ', '}${this.keyLiteral(key)}: ${this.encodeMember(container[key] as JsonValue, key, forms)}`;
      }
      out = `{${out}}`;
    }
    this.depth--;
    return out;
  }
}

/**
 * The exact text of Python's `json.dumps(value, sort_keys=True)`: one line,
 * `", "` between items and `": "` after keys, the keys of every object sorted
 * by code point (`"10"` before `"2"`, `"ｚ"` before `"😀"`), pure ASCII, and
 * numbers as `dumpPythonIndent2` writes them. Refuses what it refuses; with
 * `allowNonFinite`, writes `NaN`/`Infinity`/`-Infinity` bare as Python does.
 */
export function dumpPythonCompactSorted(value: JsonValue, options: DumpOptions = {}): string {
  return escapeNonAscii(new CompactSortedWriter(options.allowNonFinite ?? false).member({ value }, 'value', []));
}
