import type { JsonObject, JsonValue } from '../types.js';
import { setOwn } from '../own.js';
import { asciiStringLiteral, escapeNonAsciiInto } from './ascii-escape.js';
import type { DumpOptions } from './dump-options.js';
import { JoinedTexts, flattened, frozenEntry, frozenRunOf, type FrozenEntry } from './frozen-texts.js';
import { inspectValue, numberNeedsPythonForm } from './inspect-value.js';
import { containerForms, keyOrderOf, type ContainerForms } from './number-forms.js';
import { formatPythonNumber } from './python-number.js';
import { StandIns } from './stand-ins.js';
import { TextPieces } from './text-pieces.js';

const NEWLINE = /\n/g;

/** Adds native indent-2 JSON of a container, made ASCII and its lines shifted right so that its closing bracket sits at `indent`. */
function writeNative(container: object, indent: string, out: TextPieces): void {
  const json = JSON.stringify(container, null, 2);
  // Empty containers are `[]`/`{}` on one line in both languages.
  escapeNonAsciiInto(indent === '' || json.length <= 2 ? json : json.replace(NEWLINE, `\n${indent}`), out);
}

/** What `write` adds, as one string. */
function textOf(write: (out: TextPieces) => void): string {
  const out = new TextPieces();
  write(out);
  return out.text();
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
  const write = (out: TextPieces) => writeSpecial(container, indent, ALL_SPECIAL, out);
  if (remembering) return textOf(write);
  text = flattened(whileRemembering(() => textOf(write)));
  const texts = (entry.indent2 ??= new Map());
  if (texts.size === INDENTS_KEPT) texts.clear();
  texts.set(indent, text);
  return text;
}

/**
 * Adds the text of an array whose closing bracket sits at `indent` and whose
 * members are all deep-frozen (a history of frozen entries): its run's
 * joined texts, plus the texts of members new since. Adds nothing and
 * returns `false` for any other array.
 */
function writeFrozenArray(array: unknown[], indent: string, out: TextPieces): boolean {
  const run = remembering ? undefined : frozenRunOf(array);
  if (run === undefined || run.members.length !== array.length) return false;
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
  // The body apart: it is the long piece, and flat already.
  out.add(`[\n${inner}`);
  out.add(joined.body);
  out.add(`\n${indent}]`);
  return true;
}

/**
 * Writes a container the way Python's indent=2 does, member by member, and
 * so every nested container for which `isSpecial` holds, each string escaped
 * as it is written (ASCII out); any other container is handed to
 * `JSON.stringify`, whose indent-2 layout is Python's, and shifted right.
 */
function writeSpecial(container: object, indent: string, isSpecial: (container: object) => boolean, out: TextPieces): void {
  const inner = `${indent}  `;
  const forms = containerForms(container);
  if (Array.isArray(container)) {
    if (writeFrozenArray(container, indent, out)) return;
    if (container.length === 0) return out.add('[]');
    for (let i = 0; i < container.length; i++) {
      out.add(`${i === 0 ? '[' : ','}\n${inner}`);
      writeMember(container[i] as JsonValue, String(i), forms, inner, isSpecial, out);
    }
    return out.add(`\n${indent}]`);
  }
  const object = container as JsonObject;
  const keys = keyOrderOf(object, forms) ?? Object.keys(object);
  if (keys.length === 0) return out.add('{}');
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    out.add(`${i === 0 ? '{' : ','}\n${inner}${asciiStringLiteral(key)}: `);
    writeMember(object[key] as JsonValue, key, forms, inner, isSpecial, out);
  }
  out.add(`\n${indent}}`);
}

function writeMember(
  value: JsonValue,
  key: string,
  forms: ContainerForms | undefined,
  indent: string,
  isSpecial: (container: object) => boolean,
  out: TextPieces,
): void {
  if (typeof value === 'number') return out.add(formatPythonNumber(value, forms?.numbers?.get(key)));
  if (typeof value === 'string') return out.add(asciiStringLiteral(value));
  if (typeof value !== 'object' || value === null) return out.add(JSON.stringify(value));
  const frozen = frozenEntry(value);
  if (frozen !== undefined) return out.add(frozenText(value, frozen, indent));
  if (isSpecial(value)) return writeSpecial(value, indent, isSpecial, out);
  writeNative(value, indent, out);
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
    return standIns.add(textOf((out) => writeSpecial(container, '  '.repeat(depth), (c) => special.has(c), out)));
  }
  if (isArray) {
    const out = new TextPieces();
    if (writeFrozenArray(container as unknown[], '  '.repeat(depth), out)) return standIns.add(out.text());
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
  return dumpPythonIndent2Pieces(value, options).text();
}

/**
 * `dumpPythonIndent2`'s text as pieces (see text-pieces.ts): for a writer
 * that encodes them straight into the bytes it writes, so that a large
 * document's text is never copied into one string first.
 */
export function dumpPythonIndent2Pieces(value: JsonValue, options: DumpOptions = {}): TextPieces {
  const { special, remembered, walked, deepest } = inspectValue(value, options.allowNonFinite ?? false);
  const out = new TextPieces();
  if (typeof value === 'number') {
    out.add(formatPythonNumber(value, undefined));
  } else if (typeof value !== 'object' || value === null) {
    escapeNonAsciiInto(JSON.stringify(value), out);
  } else {
    const frozen = frozenEntry(value);
    if (frozen !== undefined) out.add(frozenText(value, frozen, ''));
    else if (!special.has(value)) writeNative(value, '', out);
    // Mostly remembered texts: the rest by hand too, so the whole is one-byte text (see frozenText).
    else if (remembered && walked <= BY_HAND_MAX_MEMBERS && deepest <= BY_HAND_MAX_DEPTH) writeSpecial(value, '', ALL_SPECIAL, out);
    else return withNativeLayout(value, special);
  }
  return out;
}

/** A special container's text: native, with stand-ins; by hand when the document held a string like a stand-in. */
function withNativeLayout(value: object, special: ReadonlySet<object>): TextPieces {
  const standIns = new StandIns();
  const json = JSON.stringify(withStandIns(value, 0, special, standIns), null, 2);
  const out = new TextPieces();
  if (standIns.resolveInto(json, out)) return out;
  const byHand = new TextPieces();
  writeSpecial(value, '', (container) => special.has(container), byHand);
  return byHand;
}

/**
 * `dumpPythonIndent2` without the native fast path: every container is
 * written member by member (a deep-frozen one from its remembered text,
 * written that way too). Same bytes, slower; the reference the fast path is
 * tested against, on values that are not frozen.
 */
export function dumpPythonIndent2Slow(value: JsonValue, options: DumpOptions = {}): string {
  inspectValue(value, options.allowNonFinite ?? false);
  return textOf((out) =>
    typeof value !== 'object' || value === null ? writeMember(value, '', undefined, '', ALL_SPECIAL, out) : writeSpecial(value, '', ALL_SPECIAL, out),
  );
}
