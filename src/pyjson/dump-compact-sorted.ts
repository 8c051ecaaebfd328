import type { JsonObject, JsonValue } from '../types.js';
import { escapeNonAscii } from './ascii-escape.js';
import { sortByCodePoint } from './code-point-order.js';
import type { DumpOptions } from './dump-options.js';
import { inspectValueAt } from './inspect-value.js';
import { containerForms, type ContainerForms } from './number-forms.js';
import type { PathSegment } from './non-json-value-error.js';
import { formatPythonNumber } from './python-number.js';

/**
 * Writes values as Python's `json.dumps(value, sort_keys=True)` does, leaving
 * non-ASCII for one escaping pass over the assembled text. One writer per
 * document: the JSON literals of keys, which recur in object after object,
 * are built once.
 */
export class CompactSortedWriter {
  private readonly keyLiterals = new Map<string, string>();

  constructor(private readonly allowNonFinite: boolean) {}

  /**
   * The text of `container[key]` (so its number form applies), after the
   * checks `dumpPythonCompactSorted` makes; a refusal is located at `path`.
   */
  member(container: object, key: string, path: readonly PathSegment[]): string {
    const value = (container as JsonObject)[key] as JsonValue;
    inspectValueAt(value, this.allowNonFinite, path);
    return this.encodeMember(value, key, containerForms(container));
  }

  private keyLiteral(key: string): string {
    let literal = this.keyLiterals.get(key);
    if (literal === undefined) {
      literal = JSON.stringify(key);
      this.keyLiterals.set(key, literal);
    }
    return literal;
  }

  private encodeMember(value: JsonValue, key: string, forms: ContainerForms | undefined): string {
    if (typeof value === 'number') return formatPythonNumber(value, forms?.numbers?.get(key));
    if (typeof value !== 'object' || value === null) return JSON.stringify(value);
    return this.encodeContainer(value);
  }

  private encodeContainer(container: JsonValue[] | JsonObject): string {
    const forms = containerForms(container);
    let out = '';
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const item = container[i] as JsonValue;
        // Indices are turned into form keys only where there are forms to look up.
        out += `${i === 0 ? '' : ', '}${this.encodeMember(item, forms === undefined ? '' : String(i), forms)}`;
      }
      return `[${out}]`;
    }
    const keys = sortByCodePoint(Object.keys(container));
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      out += `${i === 0 ? '' : ', '}${this.keyLiteral(key)}: ${this.encodeMember(container[key] as JsonValue, key, forms)}`;
    }
    return `{${out}}`;
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
