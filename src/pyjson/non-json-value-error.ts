import { formatPath } from '../errors.js';

/** One step of a path into a document: a property name or an array index. */
export type PathSegment = string | number;

/**
 * A value the encoders refuse because it would not come back unchanged from
 * a JSON round trip (a function, `undefined`, `NaN`, a cycle, a `Date`, ...).
 * Nothing was produced. A plain `Error`: the storage layer turns it into a
 * `SerializationError` located in the caller's terms.
 */
export class NonJsonValueError extends Error {
  /** Where the value is, from the root: `['branches', 'b1', 'metadata', 'callback']`. */
  readonly segments: readonly PathSegment[];
  /** What is wrong and how to fix it: `a function is not a JSON value`. */
  readonly problem: string;

  constructor(segments: readonly PathSegment[], problem: string) {
    super(`${formatPath(segments) || 'the value'}: ${problem}`);
    this.name = 'NonJsonValueError';
    this.segments = segments;
    this.problem = problem;
  }
}
