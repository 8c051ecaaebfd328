import type { JsonObject, JsonValue } from '../types.js';
import { asciiStringLiteral } from './ascii-escape.js';
import { sortByCodePoint } from './code-point-order.js';
import type { DumpOptions } from './dump-options.js';
import { JoinedTexts, flattened, frozenEntry, frozenRunOf, type FrozenEntry } from './frozen-texts.js';
import { inspectValueAt } from './inspect-value.js';
import { MAX_NESTING_DEPTH } from './nesting-limit.js';
import { containerForms, PYTHON_FLOAT, type ContainerForms } from './number-forms.js';
import type { PathSegment } from './non-json-value-error.js';
import { formatPythonNumber } from './python-number.js';
import { LONG_PIECE, TextPieces } from './text-pieces.js';

/**
 * Caches shared by every writer, so that small documents, whose few objects
 * are mostly of shapes met in earlier saves, are not sorted anew each time.
 * Bounded: emptied when full, and long keys are not kept.
 */
const keyLiterals = new Map<string, string>();
const firstKeyLiterals = new Map<string, string>();
/** An object's keys in code point order, each with the text that opens its member (`{"key": ` or `, "key": `). */
interface Shape {
  sorted: readonly string[];
  literals: readonly string[];
}
/** Per first key, the last few key lists met that start with it, each with its shape. */
const shapes = new Map<string, Array<{ keys: string[]; shape: Shape }>>();
const CACHE_ENTRIES = 2048;
const MAX_CACHED_KEY_LENGTH = 64;
const SHAPES_PER_FIRST_KEY = 4;
const MAX_CACHED_SHAPE = 32;

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_ENTRIES) cache.clear();
  cache.set(key, value);
}

/** Whether two key lists known to start with the same key are the same list. */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 1; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Thrown by the writer at a value it will not write: `member` then asks inspectValueAt what is wrong, and where. */
const UNUSUAL = new Error('a value that is not plain JSON');

/**
 * Writes values as Python's `json.dumps(value, sort_keys=True)` does, pure
 * ASCII, each string escaped as it is written. What recurs from
 * object to object and from save to save, the JSON literals of keys and the
 * sorted order of each list of keys, is remembered across documents.
 *
 * It checks values as it writes them, cheaply: anything but a string, a
 * number, a boolean, null, a plain array or object (or nesting past the
 * limit, which a cycle reaches) stops it, and only then does the full
 * inspection run, to name the value and the problem. Valid documents, the
 * common case, are walked once.
 */
export class CompactSortedWriter {
  private depth = 0;
  private out = '';
  /**
   * While `memberInto` writes: where `out` goes, with each long remembered
   * text added apart, so that the whole is never copied into one string.
   */
  private pieces: TextPieces | undefined;
  /** Set while a text to remember is written (frozen-texts.ts). */
  private remembering = false;

  constructor(private readonly allowNonFinite: boolean) {}

  /**
   * The text of `container[key]` (so its number form applies), after the
   * checks `dumpPythonCompactSorted` makes; a refusal is located at `path`.
   */
  member(container: object, key: string, path: readonly PathSegment[]): string {
    const out = new TextPieces();
    this.memberInto(container, key, path, out);
    return out.text();
  }

  /** `member`, its text added to `out`: long remembered texts as pieces of their own (see text-pieces.ts). */
  memberInto(container: object, key: string, path: readonly PathSegment[], out: TextPieces): void {
    const value = (container as JsonObject)[key] as JsonValue;
    // Appended to one string: a long chain of concatenations, cheaper to flatten than a deep tree.
    this.out = '';
    this.pieces = out;
    try {
      this.writeMember(value, key, containerForms(container));
    } catch (error) {
      if (error !== UNUSUAL) throw error;
      this.depth = 0;
      // Throws NonJsonValueError: it refuses everything the writer stops at.
      inspectValueAt(value, this.allowNonFinite, path);
      throw error;
    } finally {
      this.pieces = undefined;
    }
    out.add(this.out);
    this.out = '';
  }

  /** Appends a remembered text: to `out`, or, when long and there are pieces, apart. */
  private appendRemembered(text: string): void {
    if (this.pieces === undefined || text.length < LONG_PIECE) {
      this.out += text;
      return;
    }
    this.pieces.add(this.out);
    this.pieces.add(text);
    this.out = '';
  }

  /** `{"key": ` (first member) or `, "key": ` (the others). */
  private keyLiteral(key: string, first: boolean): string {
    const cache = first ? firstKeyLiterals : keyLiterals;
    let literal = cache.get(key);
    if (literal === undefined) {
      literal = `${first ? '{' : ', '}${asciiStringLiteral(key)}: `;
      if (key.length <= MAX_CACHED_KEY_LENGTH) remember(cache, key, literal);
    }
    return literal;
  }

  /**
   * `keys` (one or more) in code point order, with their literals. Objects of
   * a document come in a few shapes (messages with and without tool calls,
   * say): the last few lists met per first key are remembered with their
   * shape, so most lists are sorted once and their literals looked up once.
   */
  private shapeOf(keys: string[]): Shape {
    const first = keys[0] as string;
    let known = shapes.get(first);
    if (known === undefined) {
      known = [];
      if (first.length <= MAX_CACHED_KEY_LENGTH) remember(shapes, first, known);
    }
    for (const entry of known) if (sameKeys(entry.keys, keys)) return entry.shape;
    const sorted = sortByCodePoint(keys.slice());
    const shape = { sorted, literals: sorted.map((key, i) => this.keyLiteral(key, i === 0)) };
    if (keys.length > MAX_CACHED_SHAPE) return shape;
    if (known.length === SHAPES_PER_FIRST_KEY) known.shift();
    known.push({ keys, shape });
    return shape;
  }

  /** Appends the text of `value` (held under `key` in a container with `forms`) to `out`. */
  private writeMember(value: JsonValue, key: string, forms: ContainerForms | undefined): void {
    switch (typeof value) {
      case 'string':
        this.out += asciiStringLiteral(value);
        return;
      case 'boolean':
        this.out += value ? 'true' : 'false';
        return;
      case 'number': {
        const form = forms?.numbers?.get(key);
        // Non-finite: allowed bare when asked, or as a kept int lexeme (a huge Python int).
        if (!this.allowNonFinite && !Number.isFinite(value) && (form === undefined || form === PYTHON_FLOAT || Number(form) !== value)) throw UNUSUAL;
        this.out += formatPythonNumber(value, form);
        return;
      }
      case 'object':
        if (value === null) this.out += 'null';
        else this.writeContainer(value);
        return;
      default:
        throw UNUSUAL;
    }
  }

  private writeContainer(container: JsonValue[] | JsonObject): void {
    // A deep-frozen container the inspector has checked: valid, finite, and unchanged since its text was written.
    const frozen = frozenEntry(container);
    if (frozen !== undefined && this.depth + frozen.height <= MAX_NESTING_DEPTH) this.writeRemembered(container, frozen);
    else this.writeContents(container);
  }

  /**
   * Appends a deep-frozen container's text: remembered, or written now and
   * remembered, unless it is being written into a text that will be
   * remembered itself, which holds it (one copy kept, not one per level).
   */
  private writeRemembered(container: JsonValue[] | JsonObject, entry: FrozenEntry): void {
    if (entry.compactSorted !== undefined) {
      this.appendRemembered(entry.compactSorted);
    } else if (this.remembering) {
      this.writeContents(container);
    } else {
      entry.compactSorted = flattened(this.textToRemember(() => this.writeContents(container)));
      this.appendRemembered(entry.compactSorted);
    }
  }

  /** What `write` appends, alone; the texts it meets inside are not kept apart. */
  private textToRemember(write: () => void): string {
    const outer = this.out;
    const outerPieces = this.pieces;
    const wasRemembering = this.remembering;
    this.out = '';
    this.pieces = undefined;
    this.remembering = true;
    try {
      write();
      return this.out;
    } finally {
      this.remembering = wasRemembering;
      this.pieces = outerPieces;
      this.out = outer;
    }
  }

  /**
   * Appends the texts of the array's leading deep-frozen members (its run,
   * frozen-texts.ts), joined once and extended as the array grows; returns
   * how many members that wrote.
   */
  private writeFrozenRun(array: JsonValue[]): number {
    const run = this.remembering ? undefined : frozenRunOf(array);
    if (run === undefined || this.depth + run.height > MAX_NESTING_DEPTH) return 0;
    const { members } = run;
    const joined = (run.compactSorted ??= new JoinedTexts(''));
    for (let i = joined.count; i < members.length; i++) {
      const member = members[i] as JsonObject;
      // Kept in the joined text only, not apart as well.
      joined.append(this.textToRemember(() => this.writeRemembered(member, frozenEntry(member)!)), ', ');
    }
    this.appendRemembered(joined.body);
    return members.length;
  }

  private writeContents(container: JsonValue[] | JsonObject): void {
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
    if (isArray) {
      this.out += '[';
      let i = this.writeFrozenRun(container);
      for (; i < container.length; i++) {
        if (i > 0) this.out += ', ';
        // Indices are turned into form keys only where there are forms to look up.
        this.writeMember(container[i] as JsonValue, forms === undefined ? '' : String(i), forms);
      }
      this.out += ']';
    } else {
      const keys = Object.keys(container);
      if (keys.length === 0) this.out += '{}';
      else {
        const { sorted, literals } = this.shapeOf(keys);
        for (let i = 0; i < sorted.length; i++) {
          const key = sorted[i] as string;
          // `{"key": ` for the first member, `, "key": ` for the others: one piece each.
          this.out += literals[i] as string;
          this.writeMember(container[key] as JsonValue, key, forms);
        }
        this.out += '}';
      }
    }
    this.depth--;
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
  return new CompactSortedWriter(options.allowNonFinite ?? false).member({ value }, 'value', []);
}
