import type { JsonObject, JsonValue } from '../types.js';
import { escapeNonAscii } from './ascii-escape.js';
import type { DumpOptions } from './dump-options.js';
import { inspectValue } from './inspect-value.js';
import { containerForms, keyOrderOf, type ContainerForms } from './number-forms.js';
import { formatPythonNumber } from './python-number.js';

const NEWLINE = /\n/g;

/**
 * Writes a container the way Python's indent=2 does, member by member, and
 * so every nested container for which `isSpecial` holds; any other is handed
 * to `JSON.stringify`, whose indent-2 layout is Python's, and shifted right.
 * Non-ASCII characters are left for the caller's final escaping pass.
 */
function encodeSpecial(container: object, indent: string, isSpecial: (container: object) => boolean): string {
  const inner = `${indent}  `;
  const forms = containerForms(container);
  let out = '';
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      out += `${i === 0 ? '' : ','}\n${inner}${encodeMember(container[i] as JsonValue, String(i), forms, inner, isSpecial)}`;
    }
    return out === '' ? '[]' : `[${out}\n${indent}]`;
  }
  const object = container as JsonObject;
  const keys = keyOrderOf(object, forms) ?? Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    out += `${i === 0 ? '' : ','}\n${inner}${JSON.stringify(key)}: ${encodeMember(object[key] as JsonValue, key, forms, inner, isSpecial)}`;
  }
  return out === '' ? '{}' : `{${out}\n${indent}}`;
}

function encodeMember(
  value: JsonValue,
  key: string,
  forms: ContainerForms | undefined,
  indent: string,
  isSpecial: (container: object) => boolean,
): string {
  if (typeof value === 'number') return formatPythonNumber(value, forms?.numbers?.get(key));
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (isSpecial(value)) return encodeSpecial(value, indent, isSpecial);
  // Empty containers are `[]`/`{}` on one line in both languages; others need their lines shifted.
  const json = JSON.stringify(value, null, 2);
  return json.length > 2 ? json.replace(NEWLINE, `\n${indent}`) : json;
}

/**
 * The exact text Python's `json.dump(value, f, indent=2)` writes (with
 * `ensure_ascii=True`): two-space indent, `": "` after keys, `,` at line
 * ends, `[]`/`{}` when empty, no final newline, pure ASCII (`\uXXXX`,
 * lower-case hex), numbers in Python's forms (`1.0`, `1e-07`, `1e+16`; see
 * number-forms.ts for how float-ness and big ints of a parsed document are kept).
 *
 * Throws `NonJsonValueError` for anything a JSON round trip would not give back
 * unchanged: functions, symbols, BigInts, `undefined`, sparse-array holes,
 * `NaN`/`Infinity` (unless `allowNonFinite`), cycles, nesting deeper than
 * 5,000, objects with a `toJSON` method or a prototype other than
 * `Object.prototype`/`null` (`Date`, `Map`, `Set`, class instances).
 */
export function dumpPythonIndent2(value: JsonValue, options: DumpOptions = {}): string {
  const { special } = inspectValue(value, options.allowNonFinite ?? false);
  if (typeof value === 'number') return formatPythonNumber(value, undefined);
  const json =
    typeof value === 'object' && value !== null && special.has(value)
      ? encodeSpecial(value, '', (container) => special.has(container))
      : JSON.stringify(value, null, 2);
  return escapeNonAscii(json);
}

/**
 * `dumpPythonIndent2` without the native fast path: every container is
 * written member by member. Same bytes, slower; the reference the fast path
 * is tested against.
 */
export function dumpPythonIndent2Slow(value: JsonValue, options: DumpOptions = {}): string {
  inspectValue(value, options.allowNonFinite ?? false);
  if (typeof value !== 'object' || value === null) return escapeNonAscii(encodeMember(value, '', undefined, '', () => true));
  return escapeNonAscii(encodeSpecial(value, '', () => true));
}
