import type { JsonObject, JsonValue } from '../types.js';
import { setOwn } from '../own.js';
import { escapeNonAscii } from './ascii-escape.js';
import type { DumpOptions } from './dump-options.js';
import { inspectValue, numberNeedsPythonForm } from './inspect-value.js';
import { containerForms, keyOrderOf, type ContainerForms } from './number-forms.js';
import { formatPythonNumber } from './python-number.js';
import { StandIns } from './stand-ins.js';

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
 * A copy of `container`, and of every special container inside it, in which
 * each member JS would write differently from Python is replaced by a stand-in
 * for Python's text. Unchanged containers are shared, not copied: only the
 * paths to special members are.
 */
function withStandIns(container: object, depth: number, special: ReadonlySet<object>, standIns: StandIns): object | string {
  const forms = containerForms(container);
  const isArray = Array.isArray(container);
  if (!isArray && keyOrderOf(container, forms) !== undefined) {
    // JS objects cannot hold integer-like keys out of numeric order: write this one by hand.
    return standIns.add(escapeNonAscii(encodeSpecial(container, '  '.repeat(depth), (c) => special.has(c))));
  }
  const source = container as Record<string, unknown>;
  const copy = (isArray ? (container as unknown[]).slice() : { ...source }) as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const member = source[key];
    let replacement: unknown;
    if (typeof member === 'number') {
      const form = forms?.numbers?.get(key);
      if (form === undefined && !numberNeedsPythonForm(member)) continue;
      replacement = standIns.add(formatPythonNumber(member, form));
    } else if (typeof member === 'object' && member !== null && special.has(member)) {
      replacement = withStandIns(member, depth + 1, special, standIns);
    } else {
      continue;
    }
    // setOwn: a "__proto__" key must stay a property, not become a prototype.
    setOwn(copy, key, replacement);
  }
  return copy;
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
 * `MAX_NESTING_DEPTH`, objects with a `toJSON` method or a prototype other
 * than `Object.prototype`/`null` (`Date`, `Map`, `Set`, class instances).
 *
 * The layout is native `JSON.stringify(value, null, 2)`'s, which is
 * Python's; where a number must be written otherwise, a copy of the path to
 * it carries a stand-in (stand-ins.ts) for Python's text.
 */
export function dumpPythonIndent2(value: JsonValue, options: DumpOptions = {}): string {
  const { special } = inspectValue(value, options.allowNonFinite ?? false);
  if (typeof value === 'number') return formatPythonNumber(value, undefined);
  if (typeof value !== 'object' || value === null || !special.has(value)) return escapeNonAscii(JSON.stringify(value, null, 2));
  const standIns = new StandIns();
  const json = JSON.stringify(withStandIns(value, 0, special, standIns), null, 2);
  return standIns.resolve(escapeNonAscii(json)) ?? escapeNonAscii(encodeSpecial(value, '', (container) => special.has(container)));
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
