/**
 * fast-check arbitraries for what users store: any JSON-safe value (with the
 * keys and numbers that trip JSON libraries up), and whole session states.
 */
import fc from 'fast-check';
import {
  BRANCH_STATUSES,
  BRANCH_TYPES,
  CONVERSATION_PATTERNS,
  type BranchResult,
  type ExecutionBranch,
  type JsonObject,
  type JsonValue,
  type SessionState,
} from '../../src/index.js';

/** Keys that name things on Object.prototype, or that JS and Python order differently. */
export const HOSTILE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', '10', '2', '-1', '', 'ｚ', '😀', 'a.b', 'a/b', '\u0000', '\ud800'];

/** Any string, lone surrogates and control characters included, or a hostile key. */
export const keyArb = fc.oneof({ weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_KEYS) });

/** Numbers whose JSON forms differ between JS and Python, and any other finite double. */
export const numberArb = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1e-7, 1e16, 1e21, 1.5e300, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 0.1, 123456789.12345679, 1.7976931348623157e308),
);

const stringArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('', 'é\u2028\u2029', '</script>', '\\"', 'NaN', 'Infinity'));

/** Any JSON value that survives a round trip unchanged. */
export const { json: jsonArb, object: jsonObjectArb } = fc.letrec<{ json: JsonValue; object: JsonObject }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    numberArb,
    stringArb,
    fc.array(tie('json'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc.dictionary(keyArb, tie('json'), { maxKeys: 4 }) as fc.Arbitrary<JsonObject>,
}));

const nameArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 10 });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const setOf = (arb: fc.Arbitrary<string>) => fc.array(arb, { maxLength: 4 }).map((items) => new Set(items));

export function branchArb(id: string): fc.Arbitrary<ExecutionBranch> {
  return fc.record({
    id: fc.constant(id),
    // MARSYS names an unnamed branch after its id, so a name is never empty here.
    name: nameArb,
    type: fc.constantFrom(...BRANCH_TYPES),
    topology: fc.record({
      agents: fc.array(keyArb, { maxLength: 3 }),
      entryAgent: keyArb,
      currentAgent: nullable(keyArb),
      allowedTransitions: fc.dictionary(keyArb, fc.array(keyArb, { maxLength: 3 }), { maxKeys: 3 }),
      conversationPattern: nullable(fc.constantFrom(...CONVERSATION_PATTERNS)),
      maxIterations: nullable(numberArb),
      conversationTurns: numberArb,
    }),
    state: fc.record({
      status: fc.constantFrom(...BRANCH_STATUSES),
      currentStep: numberArb,
      totalSteps: numberArb,
      conversationTurns: numberArb,
      startTime: nullable(numberArb),
      endTime: nullable(numberArb),
      error: nullable(stringArb),
      completedAgents: setOf(keyArb),
    }),
    parentBranch: nullable(keyArb),
    metadata: jsonObjectArb,
  });
}

const resultArb = (branchId: string): fc.Arbitrary<BranchResult> =>
  fc.record({
    branchId: fc.constant(branchId),
    success: fc.boolean(),
    finalResponse: jsonArb,
    totalSteps: numberArb,
    executionTrace: fc.array(fc.record({ agentName: keyArb, success: fc.boolean(), actionType: nullable(stringArb), error: nullable(stringArb) }), { maxLength: 3 }),
    branchMemory: jsonArb,
    metadata: jsonObjectArb,
    error: nullable(stringArb),
  });

/** A whole session state, every field present, with branch ids and keys of every kind. */
export const sessionStateArb: fc.Arbitrary<SessionState> = fc.uniqueArray(keyArb, { maxLength: 3 }).chain((ids) =>
  fc.record({
    branches: fc.tuple(...ids.map((id) => branchArb(id))).map((list) => {
      const out: Record<string, ExecutionBranch> = {};
      list.forEach((b) => Object.defineProperty(out, b.id, { value: b, enumerable: true, writable: true, configurable: true }));
      return out;
    }),
    activeBranches: setOf(keyArb),
    completedBranches: setOf(keyArb),
    waitingBranches: fc.dictionary(keyArb, setOf(keyArb), { maxKeys: 3 }),
    branchResults: fc.tuple(...ids.map((id) => resultArb(id))).map((list) => {
      const out: Record<string, BranchResult> = {};
      list.forEach((r) => Object.defineProperty(out, r.branchId, { value: r, enumerable: true, writable: true, configurable: true }));
      return out;
    }),
    parentChildMap: fc.dictionary(keyArb, fc.array(keyArb, { maxLength: 3 }), { maxKeys: 3 }),
    childParentMap: fc.dictionary(keyArb, keyArb, { maxKeys: 3 }),
    metadata: jsonObjectArb,
  }),
);
