import { SerializationError } from '../errors.js';
import { inspectValueAt } from '../pyjson/inspect-value.js';
import { NonJsonValueError, type PathSegment } from '../pyjson/non-json-value-error.js';
import type { JsonValue } from '../types.js';

/**
 * A deep copy of `value`, which must be JSON that survives a round trip (as
 * the StateManager requires). Values from outside (a task, an agent's
 * response) are copied on the way in, so that nothing the caller keeps a
 * reference to can change the state later.
 * @throws SerializationError with the path of the first value that is not JSON, below `path`.
 */
export function copyJson(value: unknown, path: readonly PathSegment[]): JsonValue {
  try {
    inspectValueAt(value as JsonValue, false, path);
  } catch (error) {
    if (error instanceof NonJsonValueError) throw new SerializationError(error.segments, error.problem);
    throw error;
  }
  return structuredClone(value as JsonValue);
}

/**
 * Freezes `value` all the way down and returns it. For what the state only
 * ever grows by (a step's memory and trace entries): the writers remember
 * the text of deep-frozen values (pyjson/frozen-texts.ts), so each save
 * encodes only the entries that are new since the last one.
 */
export function freezeJson<T extends JsonValue>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) freezeJson(member);
    Object.freeze(value);
  }
  return value;
}
