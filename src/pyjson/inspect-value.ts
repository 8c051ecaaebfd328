import type { JsonValue } from '../types.js';
import { containerForms, PYTHON_FLOAT, type ContainerForms } from './number-forms.js';
import { NonJsonValueError, type PathSegment } from './non-json-value-error.js';
import { MAX_NESTING_DEPTH } from './nesting-limit.js';
import { extendFrozenRun, frozenEntry, frozenRunOf, recordIfDeepFrozen, type FrozenRun } from './frozen-texts.js';

/**
 * Thrown at the offending value and passed up through every container on the
 * way out, each adding its key: the path costs nothing unless something is
 * refused.
 */
class Refusal {
  /** Innermost first; reversed once at the top. */
  readonly segmentsReversed: PathSegment[] = [];
  constructor(readonly problem: string) {}
}

/** What the encoders learned from walking a value. */
export interface Inspection {
  /**
   * Containers that `JSON.stringify` would not write as Python does (a
   * special number, a number form, a recorded key order), or that hold one,
   * or that hold a deep-frozen container checked before (frozen-texts.ts),
   * whose text is written from memory. Empty for most documents, which can
   * then be written natively.
   */
  readonly special: ReadonlySet<object>;
  /** Whether it holds deep-frozen containers checked before (whose texts the writers remember). */
  readonly remembered: boolean;
  /** How many members were walked: those of every container but the remembered ones. */
  readonly walked: number;
  /** The deepest level walked (1 for the members of a top-level container). */
  readonly deepest: number;
}

const REFUSED_TYPES: Partial<Record<string, string>> = {
  function: 'a function is not a JSON value',
  symbol: 'a symbol is not a JSON value',
  bigint: 'a BigInt is not a JSON value: convert it to a number, or to a string if it may exceed 2^53',
  undefined: 'undefined is not a JSON value: use null, or leave the property out',
};

/** Why an object with this prototype is refused, and what to store instead. */
function describeNonPlainObject(value: object): string {
  const proto = Object.getPrototypeOf(value) as object;
  // Only a prototype's own constructor names a class: Object.create({}) inherits Object's.
  const ctor: unknown = Object.hasOwn(proto, 'constructor') ? (proto as { constructor: unknown }).constructor : undefined;
  const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : undefined;
  if (Array.isArray(value)) return `a ${name ?? 'Array subclass'} is not a plain array: convert it with Array.from()`;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return `a ${name ?? 'binary buffer'} is not a JSON value: convert it to an array of numbers (Array.from()) or to a base64 string`;
  }
  switch (name) {
    case 'Date':
      return 'a Date is not a JSON value: convert the Date to a string (toISOString()) or to a number (getTime())';
    case 'Map':
      return 'a Map is not a JSON value: convert the Map to a plain object (Object.fromEntries(map)) or to an array of entries';
    case 'Set':
      return 'a Set is not a JSON value: convert the Set to an array ([...set])';
    case 'RegExp':
      return 'a RegExp is not a JSON value: convert the RegExp to a string (its source)';
    case 'Promise':
      return 'a Promise is not a JSON value: await it and store its result';
    case 'Number':
    case 'String':
    case 'Boolean':
      return `a ${name} object is not a JSON value: store the primitive (valueOf()) instead`;
    case undefined:
      return 'an object with a custom prototype is not a plain object: copy its fields into a plain object ({ ...value })';
    default:
      return value instanceof Error
        ? `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} is not a JSON value: store its message (a string) instead`
        : `a ${name} instance is not a plain object: copy the fields to keep into a plain object`;
  }
}

/** Why the non-finite number `value` cannot be written. */
function describeNonFinite(value: number): string {
  return `${String(value)} is not a JSON value: Python writes it bare (not RFC 8259 JSON); store null or a string instead`;
}

/**
 * Whether `JSON.stringify` writes the number `value` otherwise than Python,
 * whatever its number form: JS writes -0 as `0`, tiny numbers as
 * `0.00001`/`1e-7`, integers from 1e21 as `1e+21`, and non-finite ones as `null`.
 */
export function numberNeedsPythonForm(value: number): boolean {
  if (value === 0) return 1 / value < 0;
  return (value < 1e-4 && value > -1e-4) || !(value < 1e21 && value > -1e21);
}

/** Whether a container's side-table entry changes how it is written. */
function formsMatter(forms: ContainerForms | undefined): boolean {
  return forms !== undefined && (forms.keyOrder !== undefined || (forms.numbers !== undefined && forms.numbers.size > 0));
}

/**
 * Walks a value once, refusing anything a JSON round trip would not give back
 * unchanged, and finding what `JSON.stringify` would write differently from
 * Python. Recursive: nesting is bounded by MAX_NESTING_DEPTH, so the stack is too.
 */
class Inspector {
  readonly special = new Set<object>();
  remembered = false;
  walked = 0;
  deepest = 0;
  /** The containers being walked, outermost first: a cycle revisits one of them. */
  private readonly ancestors: object[] = [];

  constructor(private readonly allowNonFinite: boolean) {}

  /** Whether the number `value` needs the JS encoder; refuses non-finite ones unless they are allowed. */
  private numberIsSpecial(value: number): boolean {
    if (!this.allowNonFinite && (value !== value || value === Infinity || value === -Infinity)) {
      throw new Refusal(describeNonFinite(value));
    }
    return numberNeedsPythonForm(value);
  }

  /** Whether a non-finite `value` held under `key` is a kept integer lexeme (a huge Python int), which is writable. */
  private static isKeptLexeme(value: number, forms: ContainerForms | undefined, key: PathSegment): boolean {
    const form = forms?.numbers?.get(String(key));
    return form !== undefined && form !== PYTHON_FLOAT && Number(form) === value;
  }

  inspectRoot(value: unknown): void {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        this.numberIsSpecial(value);
        return;
      case 'object':
        if (value !== null) this.inspectContainer(value);
        return;
      default:
        throw new Refusal(REFUSED_TYPES[typeof value] ?? `a ${typeof value} is not a JSON value`);
    }
  }

  /** Returns whether `container` (or anything in it) needs the JS encoder. */
  private inspectContainer(container: object): boolean {
    const ancestors = this.ancestors;
    // Checked before and unchangeable since (a cycle through it would be inside it, and it has none).
    const isFrozen = Object.isFrozen(container);
    const frozen = isFrozen ? frozenEntry(container) : undefined;
    if (frozen !== undefined && ancestors.length + frozen.height <= MAX_NESTING_DEPTH) {
      this.remembered = true;
      return true;
    }
    // Linear, but ancestors are few (documents are shallow), and this beats hashing every container.
    if (ancestors.includes(container)) throw new Refusal('a cycle: this object contains itself');
    if (ancestors.length >= MAX_NESTING_DEPTH) throw new Refusal(`nesting deeper than ${MAX_NESTING_DEPTH} levels`);
    const isArray = Array.isArray(container);
    const proto: unknown = Object.getPrototypeOf(container);
    if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
      throw new Refusal(describeNonPlainObject(container));
    }
    if (typeof (container as { toJSON?: unknown }).toJSON === 'function') {
      throw new Refusal(
        'an object with a toJSON() method is not a JSON value (JSON.stringify would store what toJSON() returns): store that result instead',
      );
    }

    ancestors.push(container);
    if (ancestors.length > this.deepest) this.deepest = ancestors.length;
    const record = container as Record<string, unknown>;
    const keys = isArray ? undefined : Object.keys(container);
    const length = keys === undefined ? (container as unknown[]).length : keys.length;
    let special = false;
    // Looked up at most once, and only where a marker could matter: beside an
    // integral number (float marker, int lexeme) or an integer-like key (key order).
    let forms: ContainerForms | undefined;
    let formsLookedUp = false;
    if (keys !== undefined && length > 0) {
      // JS enumerates integer-like keys first, so one of them, if any, comes first.
      const first = (keys[0] as string).charCodeAt(0);
      if (first >= 0x30 && first <= 0x39) {
        forms = containerForms(container);
        formsLookedUp = true;
        if (formsMatter(forms)) special = true;
      }
    }
    let i = 0;
    // An array's leading deep-frozen members, as found before: the same objects, so checked already.
    let run: FrozenRun | undefined;
    if (keys === undefined) {
      run = frozenRunOf(container as unknown[]);
      if (run !== undefined && ancestors.length + run.height <= MAX_NESTING_DEPTH) {
        i = run.members.length;
        special = this.remembered = true;
      } else {
        run = undefined;
      }
    }
    this.walked += length - i;
    try {
      for (; i < length; i++) {
        const value = keys === undefined ? (container as unknown[])[i] : record[keys[i] as string];
        switch (typeof value) {
          case 'string':
          case 'boolean':
            break;
          case 'number':
            if (value !== value || value === Infinity || value === -Infinity) {
              if (!formsLookedUp) {
                forms = containerForms(container);
                formsLookedUp = true;
              }
              if (Inspector.isKeptLexeme(value, forms, keys?.[i] ?? i)) {
                special = true;
                break;
              }
            }
            if (this.numberIsSpecial(value)) special = true;
            else if (!formsLookedUp && Number.isInteger(value)) {
              forms = containerForms(container);
              formsLookedUp = true;
              if (formsMatter(forms)) special = true;
            }
            break;
          case 'object':
            if (value !== null && this.inspectContainer(value)) special = true;
            break;
          case 'undefined':
            if (keys === undefined && !(i in container)) {
              throw new Refusal('a hole in a sparse array is not a JSON value: fill it with null');
            }
            throw new Refusal(
              keys === undefined ? 'undefined is not a JSON value: use null' : (REFUSED_TYPES.undefined as string),
            );
          default:
            throw new Refusal(REFUSED_TYPES[typeof value] ?? `a ${typeof value} is not a JSON value`);
        }
      }
    } catch (error) {
      if (error instanceof Refusal) error.segmentsReversed.push(keys === undefined ? i : (keys[i] as string));
      throw error;
    }
    ancestors.pop();
    if (keys === undefined) extendFrozenRun(container as unknown[], run);
    // Finite numbers only are known here; with allowNonFinite, NaN may have passed.
    if (isFrozen && !this.allowNonFinite) recordIfDeepFrozen(container);
    if (special) this.special.add(container);
    return special;
  }
}

/**
 * Checks that `value` is made only of JSON values that survive a round trip
 * unchanged, and finds the containers the native encoder would get wrong.
 * Throws `NonJsonValueError` with the path of the first offending value.
 */
export function inspectValue(value: JsonValue, allowNonFinite: boolean): Inspection {
  const inspector = new Inspector(allowNonFinite);
  try {
    inspector.inspectRoot(value);
  } catch (error) {
    if (error instanceof Refusal) throw new NonJsonValueError(error.segmentsReversed.reverse(), error.problem);
    throw error;
  }
  return inspector;
}

/** Runs `inspectValue` for a value found at `prefix`, so a refusal names its full path. */
export function inspectValueAt(value: JsonValue, allowNonFinite: boolean, prefix: readonly PathSegment[]): Inspection {
  try {
    return inspectValue(value, allowNonFinite);
  } catch (error) {
    if (error instanceof NonJsonValueError) throw new NonJsonValueError([...prefix, ...error.segments], error.problem);
    throw error;
  }
}
