import type { JsonObject, JsonValue } from '../types.js';
import { setOwn } from '../own.js';
import { asciiStringLiteral, escapeNonAscii } from './ascii-escape.js';
import type { DumpOptions } from './dump-options.js';
import { JoinedTexts, flattened, frozenEntry, frozenRunOf, type FrozenEntry } from './frozen-texts.js';
import { inspectValue, numberNeedsPythonForm } from './inspect-value.js';
import { containerForms, keyOrderOf, type ContainerForms } from './number-forms.js';
import { formatPythonNumber } from './python-number.js';
import { StandIns } from './stand-ins.js';

const NEWLINE = /\n/g;

/** Native indent-2 JSON of a container, made ASCII and its lines shifted right so that its closing bracket sits at `indent`. */
function nativeText(container: object, indent: string): string {
  const json = JSON.stringify(container, null, 2);
  // Empty containers are `[]`/`{}` on one line in both languages.
  return escapeNonAscii(indent === '' || json.length <= 2 ? json : json.replace(NEWLINE, `\n${indent}`));
}

const ALL_SPECIAL = (): boolean => true;

/**
 * Beyond this many members to write besides remembered texts, a document is
 * written natively with stand-ins: by hand costs several times more per
 * member. And beyond this depth: by hand takes two stack frames per level.
 */
const BY_HAND_MAX_MEMBERS = 4096;
const BY_HAND_MAX_DEPTH = 256;

/** How many indents a deep-frozen container's text is remembered at. */
const INDENTS_KEPT = 4;

/** Set while a text to remember is written: the texts met inside it are in it, and are not kept apart. */
let remembering = false;

function whileRemembering<T>(write: () => T): T {
  const outer = remembering;
  remembering = true;
  try {
    return write();
  } finally {
    remembering = outer;
  }
}

/**
 * The text of a deep-frozen container whose closing bracket sits at
 * `indent`: remembered, or written now and remembered (unless it is being
 * written into a text that will be remembered itself, which holds it).
 * Written by hand, not natively: the native encoder's indented output is a
 * two-byte string, and one-byte text, which these are, encodes for a file
 * several times faster.
 */
function frozenText(container: object, entry: FrozenEntry, indent: string): string {
  let text = entry.indent2?.get(indent);
  if (text !== undefined) return text;
  if (remembering) return encodeSpecial(container, indent, ALL_SPECIAL);
  text = flattened(whileRemembering(() => encodeSpecial(container, indent, ALL_SPECIAL)));
  const texts = (entry.indent2 ??= new Map());
  if (texts.size === INDENTS_KEPT) texts.clear();
  texts.set(indent, text);
  return text;
}

/**
 * The text of an array whose closing bracket sits at `indent` and whose
 * members are all deep-frozen (a history of frozen entries): its run's
 * joined texts, plus the texts of members new since; `undefined` for any
 * other array.
 */
function frozenArrayText(array: unknown[], indent: string): string | undefined {
  const run = remembering ? undefined : frozenRunOf(array);
  if (run === undefined || run.members.length !== array.length) return undefined;
  const inner = `${indent}  `;
  let joined = run.indent2;
  if (joined === undefined || joined.indent !== inner) run.indent2 = joined = new JoinedTexts(inner);
  // Members' texts are kept in the joined text only, not apart as well.
  whileRemembering(() => {
    for (let i = joined.count; i < array.length; i++) {
      const member = array[i] as object;
      joined.append(frozenText(member, frozenEntry(member)!, inner), `,\n${inner}`);
    }
  });
  return `[\n${inner}${joined.body}\n${indent}]`;
}

/**
 * Writes a container the way Python's indent=2 does, member by member, and
 * so every nested container for which `isSpecial` holds, each string escaped
 * as it is written (ASCII out); any other container is handed to
 * `JSON.stringify`, whose indent-2 layout is Python's, and shifted right.
 */
function encodeSpecial(container: object, indent: string, isSpecial: (container: object) => boolean): string {
  const inner = `${indent}  `;
  const forms = containerForms(container);
  let out = '';
  if (Array.isArray(container)) {
    const remembered = frozenArrayText(container, indent);
    if (remembered !== undefined) return remembered;
    for (let i = 0; i < container.length; i++) {
      out += `${i === 0 ? '' : ','}\n${inner}${encodeMember(container[i] as JsonValue, String(i), forms, inner, isSpecial)}`;
    }
    return out === '' ? '[]' : `[${out}\n${indent}]`;
  }
  const object = container as JsonObject;
  const keys = keyOrderOf(object, forms) ?? Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    out += `${i === 0 ? '' : ','}\n${inner}${asciiStringLiteral(key)}: ${encodeMember(object[key] as JsonValue, key, forms, inner, isSpecial)}`;
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
  if (typeof value === 'string') return asciiStringLiteral(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const frozen = frozenEntry(value);
  if (frozen !== undefined) return frozenText(value, frozen, indent);
  if (isSpecial(value)) return encodeSpecial(value, indent, isSpecial);
  return nativeText(value, indent);
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
    return standIns.add(encodeSpecial(container, '  '.repeat(depth), (c) => special.has(c)));
  }
  if (isArray) {
    const text = frozenArrayText(container as unknown[], '  '.repeat(depth));
    if (text !== undefined) return standIns.add(text);
  }
  const source = container as Record<string, unknown>;
  const copy = (isArray ? (container as unknown[]).slice() : { ...source }) as Record<string, unknown>;
  let memberIndent: string | undefined;
  for (const key of Object.keys(source)) {
    const member = source[key];
    let replacement: unknown;
    if (typeof member === 'number') {
      const form = forms?.numbers?.get(key);
      if (form === undefined && !numberNeedsPythonForm(member)) continue;
      replacement = standIns.add(formatPythonNumber(member, form));
    } else if (typeof member === 'object' && member !== null) {
      const frozen = frozenEntry(member);
      if (frozen !== undefined) {
        memberIndent ??= '  '.repeat(depth + 1);
        replacement = standIns.add(frozenText(member, frozen, memberIndent));
      } else if (special.has(member)) {
        replacement = withStandIns(member, depth + 1, special, standIns);
      } else {
        continue;
      }
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
  const { special, remembered, walked, deepest } = inspectValue(value, options.allowNonFinite ?? false);
  if (typeof value === 'number') return formatPythonNumber(value, undefined);
  if (typeof value !== 'object' || value === null) return escapeNonAscii(JSON.stringify(value));
  const frozen = frozenEntry(value);
  if (frozen !== undefined) return frozenText(value, frozen, '');
  if (!special.has(value)) return nativeText(value, '');
  // Mostly remembered texts: the rest by hand too, so the whole is one-byte text (see frozenText).
  if (remembered && walked <= BY_HAND_MAX_MEMBERS && deepest <= BY_HAND_MAX_DEPTH) return encodeSpecial(value, '', ALL_SPECIAL);
  const standIns = new StandIns();
  const json = JSON.stringify(withStandIns(value, 0, special, standIns), null, 2);
  return standIns.resolve(json) ?? encodeSpecial(value, '', (container) => special.has(container));
}

/**
 * `dumpPythonIndent2` without the native fast path: every container is
 * written member by member (a deep-frozen one from its remembered text,
 * written that way too). Same bytes, slower; the reference the fast path is
 * tested against, on values that are not frozen.
 */
export function dumpPythonIndent2Slow(value: JsonValue, options: DumpOptions = {}): string {
  inspectValue(value, options.allowNonFinite ?? false);
  if (typeof value !== 'object' || value === null) return encodeMember(value, '', undefined, '', ALL_SPECIAL);
  return encodeSpecial(value, '', ALL_SPECIAL);
}
