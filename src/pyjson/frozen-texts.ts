/**
 * What the writers remember of deep-frozen containers: ones that are frozen,
 * hold no accessors, and whose nested containers are all deep-frozen too.
 * Such a container holds the same values for good, so a text written of it
 * is its text for good, and each writer writes it once: a session whose
 * history grows by frozen entries (as the Orchestra's does, or a state
 * that Immer produces) re-encodes only what is new on each save.
 *
 * The one thing that can still change how a frozen container is written is
 * its number forms (number-forms.ts); changing the forms of a frozen
 * container forgets every remembered text (`forgetFrozenTexts`).
 *
 * Texts are kept in weak maps, so they go with their values. A text written
 * into a text that is itself kept (a member's, inside its history's joined
 * text) is not kept apart: about one copy per writer of what is encoded.
 */
export interface FrozenEntry {
  /** Nesting levels, its own included: what a walk would check against MAX_NESTING_DEPTH. */
  readonly height: number;
  readonly generation: number;
  /**
   * Python's indent-2 texts, ASCII, by the indent of the closing bracket: a
   * value may sit at two depths at once (an agent's response is both in its
   * branch's memory and the next step's input).
   */
  indent2: Map<string, string> | undefined;
  /** Python's `sort_keys=True` one-line text, ASCII. */
  compactSorted: string | undefined;
}

/**
 * The tallest container remembered. Histories are made of shallow entries;
 * writing a remembered text by hand takes a few stack frames per level, and
 * a cap keeps that far below MAX_NESTING_DEPTH's guarantee of no overflow.
 */
const MAX_REMEMBERED_HEIGHT = 64;

const entries = new WeakMap<object, FrozenEntry>();
let generation = 0;

/** The entry of a deep-frozen container the inspector has checked, if it is still good. */
export function frozenEntry(container: object): FrozenEntry | undefined {
  // Cheaper than the lookup, and most containers of most documents are not frozen.
  if (!Object.isFrozen(container)) return undefined;
  const entry = entries.get(container);
  return entry !== undefined && entry.generation === generation ? entry : undefined;
}

/**
 * Records the frozen `container`, just checked by the inspector (every value
 * in it is JSON, finite, and nested within the limit), when it is
 * deep-frozen: only data properties (a getter could answer differently each
 * time), and every container in it already recorded (so at most
 * MAX_REMEMBERED_HEIGHT tall).
 */
export function recordIfDeepFrozen(container: object): void {
  let height = 0;
  for (const key of Object.keys(container)) {
    const descriptor = Object.getOwnPropertyDescriptor(container, key);
    if (descriptor === undefined || !('value' in descriptor)) return;
    const value: unknown = descriptor.value;
    if (typeof value === 'object' && value !== null) {
      const inner = frozenEntry(value);
      if (inner === undefined) return;
      if (inner.height > height) height = inner.height;
    }
  }
  if (height >= MAX_REMEMBERED_HEIGHT) return;
  entries.set(container, { height: height + 1, generation, indent2: undefined, compactSorted: undefined });
}

/**
 * The leading members of an array that are deep-frozen containers with
 * entries, as the inspector last found them, with the writers' texts of
 * them joined: an append-only history is then checked and written by
 * comparing identities and appending what is new, not by a lookup per member.
 */
export interface FrozenRun {
  readonly generation: number;
  /** The members, in order; the array still starts with exactly these while the run holds. */
  readonly members: object[];
  /** The greatest height among them. */
  height: number;
  /** Indent-2 texts of the leading members, each written at `indent`. */
  indent2: JoinedTexts | undefined;
  /** `sort_keys=True` texts of the leading members. */
  compactSorted: JoinedTexts | undefined;
}

/** How many texts are appended to a joined text between two flattenings. */
const FLATTEN_EVERY = 32;

/** The texts of an array's first `count` members, joined, and grown as the array grows. */
export class JoinedTexts {
  count = 0;
  #body = '';
  #loose = 0;

  constructor(readonly indent: string) {}

  get body(): string {
    return this.#body;
  }

  append(text: string, separator: string): void {
    this.#body += this.count === 0 ? text : separator + text;
    this.count++;
    // A flattening copies the whole body: every so many members, not on every save.
    if (++this.#loose === FLATTEN_EVERY) {
      flattened(this.#body);
      this.#loose = 0;
    }
  }
}

const runs = new WeakMap<unknown[], FrozenRun>();

/** Whether the array's first member is a frozen container: a run starts with one. */
function startsFrozen(array: unknown[]): boolean {
  const first = array[0];
  return typeof first === 'object' && first !== null && Object.isFrozen(first);
}

/** The run of `array`, if the array still starts with its members and no number form has changed. */
export function frozenRunOf(array: unknown[]): FrozenRun | undefined {
  if (!startsFrozen(array)) return undefined;
  const run = runs.get(array);
  if (run === undefined || run.generation !== generation) return undefined;
  const { members } = run;
  if (members.length > array.length) return undefined;
  for (let i = 0; i < members.length; i++) if (array[i] !== members[i]) return undefined;
  return run;
}

/** Records the members that follow `run` (from the start when there is none) for as long as they have entries. */
export function extendFrozenRun(array: unknown[], run: FrozenRun | undefined): void {
  if (run === undefined && !startsFrozen(array)) return;
  let height = run?.height ?? 0;
  const members: object[] = run?.members ?? [];
  for (let i = members.length; i < array.length; i++) {
    const member = array[i];
    const entry = typeof member === 'object' && member !== null ? frozenEntry(member) : undefined;
    if (entry === undefined) break;
    members.push(member as object);
    if (entry.height > height) height = entry.height;
  }
  if (run !== undefined) run.height = height;
  else if (members.length > 0) runs.set(array, { generation, members, height, indent2: undefined, compactSorted: undefined });
}

/** Forgets every remembered text: the number forms of a frozen container changed. */
export function forgetFrozenTexts(): void {
  generation++;
}

/**
 * `text`, flattened: V8 builds a concatenation as a tree of its pieces and
 * copies it into one string when a character is first read. A remembered
 * text goes into every later document, and a document of a few long pieces
 * hashes and encodes several times faster than one of thousands of short ones.
 */
export function flattened(text: string): string {
  text.charCodeAt(0);
  return text;
}
