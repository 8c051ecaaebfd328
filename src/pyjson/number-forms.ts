import type { JsonObject, JsonValue } from '../types.js';
import { forgetFrozenTexts } from './frozen-texts.js';

/**
 * What JavaScript values cannot say but Python's bytes depend on, kept beside
 * the values instead of inside them, so documents stay plain objects and
 * arrays that `JSON.stringify`, `structuredClone` and deep-equality see as
 * usual.
 *
 * - Python has two number types: `1.0` is a float and `1` an int, and both
 *   parse to the JS number 1. A *float marker* on a member makes the encoders
 *   write it back in float form (`1.0`, `1e+16`).
 * - An int beyond 2^53 (`9007199254740993`) has no exact JS number. Its
 *   *lexeme* is kept and written back as long as the member still holds
 *   `Number(lexeme)`: change the value and the lexeme no longer applies.
 * - JS enumerates integer-like keys (`"2"`, `"10"`) first, in numeric order,
 *   whatever the file said. The file's *key order* is kept and used as long
 *   as the object still has exactly the same keys.
 *
 * Entries are keyed by the container (object or array) and the member's key
 * (array indices as strings), in a `WeakMap`, so they die with the document.
 * They describe positions, not values: moving a value to another container
 * (or shifting an array) leaves its marker behind; use `copyNumberForm` to
 * carry one along.
 */

/**
 * An object or array that holds JSON values. The helpers take any `object`,
 * so records typed `Record<string, unknown>` need no cast.
 */
export type JsonContainer = JsonObject | JsonValue[];

/** A property name, or an array index. */
export type MemberKey = string | number;

/** The marker meaning "Python float". Integer lexemes are digit strings, so they can never collide with it. */
export const PYTHON_FLOAT = 'float';

/** `PYTHON_FLOAT`, or the decimal lexeme of a Python int that JS numbers cannot hold exactly. */
export type NumberForm = string;

/** The side-table entry of one container. */
export interface ContainerForms {
  numbers: Map<string, NumberForm> | undefined;
  keyOrder: readonly string[] | undefined;
}

const formsByContainer = new WeakMap<object, ContainerForms>();

function formsFor(container: object): ContainerForms {
  let forms = formsByContainer.get(container);
  if (forms === undefined) {
    forms = { numbers: undefined, keyOrder: undefined };
    formsByContainer.set(container, forms);
  }
  return forms;
}

/** Number forms change how a container is written: a frozen one's remembered texts no longer hold. */
function formsChanging(container: object): void {
  if (Object.isFrozen(container)) forgetFrozenTexts();
}

function setNumberForm(container: object, key: MemberKey, form: NumberForm): void {
  formsChanging(container);
  const forms = formsFor(container);
  (forms.numbers ??= new Map()).set(String(key), form);
}

/** The side-table entry of `container`, or `undefined` when it has none (the common case). */
export function containerForms(container: object): ContainerForms | undefined {
  return formsByContainer.get(container);
}

/**
 * Marks `container[key]` as a Python float: an integral value there is
 * written `1.0` / `-0.0` / `1e+16` instead of `1` / `0` / `10000000000000000`.
 */
export function markPythonFloat(container: object, key: MemberKey): void {
  setNumberForm(container, key, PYTHON_FLOAT);
}

/** Whether `container[key]` is marked as a Python float. */
export function isPythonFloat(container: object, key: MemberKey): boolean {
  return formsByContainer.get(container)?.numbers?.get(String(key)) === PYTHON_FLOAT;
}

/**
 * Keeps the exact digits of a Python int that a JS number rounds
 * (`9007199254740993`): they are written back while `container[key]` still
 * equals `Number(lexeme)`.
 */
export function keepIntegerLexeme(container: object, key: MemberKey, lexeme: string): void {
  setNumberForm(container, key, lexeme);
}

/** The number form recorded for `container[key]`, if any. */
export function numberFormOf(container: object, key: MemberKey): NumberForm | undefined {
  return formsByContainer.get(container)?.numbers?.get(String(key));
}

/** Forgets the number form of `container[key]` (the member now holds a value of its own). */
export function clearNumberForm(container: object, key: MemberKey): void {
  formsChanging(container);
  formsByContainer.get(container)?.numbers?.delete(String(key));
}

/**
 * Gives `toContainer[toKey]` the number form of `fromContainer[fromKey]`
 * (or none, when that has none): use it when building a new document from
 * values of a parsed one, so `1700000000.0` stays a float.
 */
export function copyNumberForm(
  fromContainer: object,
  fromKey: MemberKey,
  toContainer: object,
  toKey: MemberKey,
): void {
  const form = numberFormOf(fromContainer, fromKey);
  if (form === undefined) clearNumberForm(toContainer, toKey);
  else setNumberForm(toContainer, toKey, form);
}

/** Remembers the order of `object`'s keys as the file had them (JS enumerates integer-like keys first). */
export function recordKeyOrder(object: object, keys: readonly string[]): void {
  formsChanging(object);
  formsFor(object).keyOrder = keys;
}

/**
 * The recorded key order of `object`, if it still has exactly those keys;
 * `undefined` when none was recorded or keys were added or removed since.
 */
export function keyOrderOf(object: object, forms = formsByContainer.get(object)): readonly string[] | undefined {
  const order = forms?.keyOrder;
  if (order === undefined || Object.keys(object).length !== order.length) return undefined;
  for (const key of order) if (!Object.prototype.hasOwnProperty.call(object, key)) return undefined;
  return order;
}

/**
 * A deep copy of a JSON value that keeps its side-table entries (float
 * markers, int lexemes, key order): for handing out documents kept in a
 * cache, so that callers can change their copy freely.
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  // Spread and slice copy a container's members in one native step (an own
  // "__proto__" key stays a property); then only nested containers need a call.
  const copy = (Array.isArray(value) ? value.slice() : { ...value }) as Record<string, JsonValue>;
  for (const key of Object.keys(copy)) {
    const member = copy[key];
    if (typeof member === 'object' && member !== null) copy[key] = cloneJson(member);
  }
  const forms = formsByContainer.get(value);
  if (forms !== undefined) formsByContainer.set(copy, { numbers: forms.numbers && new Map(forms.numbers), keyOrder: forms.keyOrder });
  return copy as T;
}
