import type { JsonObject, JsonValue } from '../types.js';
import { escapeNonAscii } from './ascii-escape.js';
import { compareCodePoints } from './code-point-order.js';
import type { DumpOptions } from './dump-options.js';
import { inspectValueAt } from './inspect-value.js';
import { containerForms, type ContainerForms } from './number-forms.js';
import type { PathSegment } from './non-json-value-error.js';
import { formatPythonNumber } from './python-number.js';

/** A member's value in compact sorted form; non-ASCII is left for the final escaping pass. */
function encodeCompactMember(value: JsonValue, key: string, forms: ContainerForms | undefined): string {
  if (typeof value === 'number') return formatPythonNumber(value, forms?.numbers?.get(key));
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  return encodeCompactContainer(value);
}

function encodeCompactContainer(container: JsonValue[] | JsonObject): string {
  const forms = containerForms(container);
  let out = '';
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      out += `${i === 0 ? '' : ', '}${encodeCompactMember(container[i] as JsonValue, String(i), forms)}`;
    }
    return `[${out}]`;
  }
  const keys = Object.keys(container).sort(compareCodePoints);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    out += `${i === 0 ? '' : ', '}${JSON.stringify(key)}: ${encodeCompactMember(container[key] as JsonValue, key, forms)}`;
  }
  return `{${out}}`;
}

/**
 * The compact sorted text of `container[key]` (so its number form applies),
 * checked like `dumpPythonCompactSorted` checks, with refusals located at
 * `path`. Non-ASCII is left as is: escape the assembled text once.
 */
export function encodeCompactSortedMember(
  container: JsonObject,
  key: string,
  path: readonly PathSegment[],
  allowNonFinite: boolean,
): string {
  const value = container[key] as JsonValue;
  inspectValueAt(value, allowNonFinite, path);
  return encodeCompactMember(value, key, containerForms(container));
}

/**
 * The exact text of Python's `json.dumps(value, sort_keys=True)`: one line,
 * `", "` between items and `": "` after keys, the keys of every object sorted
 * by code point (`"10"` before `"2"`, `"ｚ"` before `"😀"`), pure ASCII, and
 * numbers as `dumpPythonIndent2` writes them. Refuses what it refuses; with
 * `allowNonFinite`, writes `NaN`/`Infinity`/`-Infinity` bare as Python does.
 */
export function dumpPythonCompactSorted(value: JsonValue, options: DumpOptions = {}): string {
  inspectValueAt(value, options.allowNonFinite ?? false, []);
  return escapeNonAscii(encodeCompactMember(value, '', undefined));
}
