import { copyNumberForm, markPythonFloat } from './pyjson/index.js';
import { HEADER_SCHEMA, SESSION_BODY_SCHEMA, emptyValue, type Field, type FieldKind, type Schema } from './schema.js';
import { describeType, isPlainObject, setOwn } from './own.js';
import type { JsonObject, SessionSnapshot, SessionStateInput } from './types.js';

/**
 * The snapshot codec: a session's in-memory state (camelCase, Sets) <-> the
 * document MARSYS writes (snake_case, arrays). Both directions walk the
 * tables in schema.ts; user data is passed through by reference, never copied.
 */

type Path = ReadonlyArray<string | number>;

/** Which way a conversion goes. */
interface Direction {
  from: 'doc' | 'js';
  to: 'doc' | 'js';
  /** Whether fields marked optionalOnRead may be absent. */
  reading: boolean;
}

/**
 * Thrown where a value does not fit, and given its path on the way out, each
 * container adding its key: the walk builds no paths unless something is wrong.
 */
class Misfit {
  readonly path: Array<string | number> = [];
  constructor(readonly problem: string) {}
}

/** Prefixes `key` to the path of `error` when it is a misfit; rethrows it. */
function rethrowAt(key: string | number, error: unknown): never {
  if (error instanceof Misfit) error.path.unshift(key);
  throw error;
}

/** `convert`, a misfit located at `key`. No closure per call: documents have many fields. */
function convertAt(key: string | number, kind: FieldKind, value: unknown, dir: Direction): unknown {
  try {
    return convert(kind, value, dir);
  } catch (error) {
    return rethrowAt(key, error);
  }
}

function convert(kind: FieldKind, value: unknown, dir: Direction): unknown {
  switch (kind.type) {
    case 'string':
      if (typeof value === 'string' || (kind.nullable && value === null)) return value;
      throw new Misfit(`expected a string${kind.nullable ? ' or null' : ''}, found ${describeType(value)}`);
    case 'number':
      if (typeof value === 'number' || (kind.nullable && value === null)) return value;
      throw new Misfit(`expected a number${kind.nullable ? ' or null' : ''}, found ${describeType(value)}`);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw new Misfit(`expected true or false, found ${describeType(value)}`);
    case 'enum':
      if ((typeof value === 'string' && kind.values.includes(value)) || (kind.nullable && value === null)) return value;
      throw new Misfit(`expected one of ${kind.values.join(', ')}${kind.nullable ? ' or null' : ''}, found ${describeType(value)}`);
    case 'stringSet':
      return convertStringSet(value, dir);
    case 'stringList':
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
      throw new Misfit(`expected an array of strings, found ${describeType(value)}`);
    case 'json':
      return value;
    case 'jsonObject':
      if (isPlainObject(value)) return value;
      throw new Misfit(`expected an object, found ${describeType(value)}`);
    case 'record': {
      if (!isPlainObject(value)) throw new Misfit(`expected an object, found ${describeType(value)}`);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) setOwn(out, key, convertAt(key, kind.of, value[key], dir));
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) throw new Misfit(`expected an array, found ${describeType(value)}`);
      const item: FieldKind = { type: 'object', schema: kind.of };
      return value.map((member, index) => convertAt(index, item, member, dir));
    }
    case 'object':
      return convertObject(kind.schema, value, dir);
  }
}

/** Sets are arrays on disk; in memory a `Set`, though writing also takes an array. */
function convertStringSet(value: unknown, dir: Direction): unknown {
  const items = value instanceof Set && dir.from === 'js' ? [...(value as Set<unknown>)] : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw new Misfit(`expected ${dir.from === 'js' ? 'a Set or array' : 'an array'} of strings, found ${describeType(value)}`);
  }
  return dir.to === 'js' ? new Set(items) : items;
}

function convertObject(schema: Schema, value: unknown, dir: Direction): Record<string, unknown> {
  if (!isPlainObject(value)) throw new Misfit(`expected an object, found ${describeType(value)}`);
  const out: Record<string, unknown> = {};
  for (const field of schema) convertField(field, value, out, dir);
  return out;
}

function convertField(field: Field, source: Record<string, unknown>, target: Record<string, unknown>, dir: Direction): void {
  const from = field[dir.from];
  const to = field[dir.to];
  // Schema keys are never Object.prototype's, so one read settles presence unless it finds undefined.
  const value = source[from];
  if (value === undefined && !Object.hasOwn(source, from)) {
    if (dir.reading && field.optionalOnRead) {
      target[to] = field.optionalOnRead.default;
      return;
    }
    rethrowAt(from, new Misfit('missing'));
  }
  target[to] = convertAt(from, field.kind, value, dir);
  // An integral float such as 1.0 read from a Python file stays a float when written back.
  if (field.kind.type === 'number') copyNumberForm(source, from, target, to);
}

/** Runs a conversion, reporting a misfit to `fail` with its path. */
function reporting<T>(fail: (path: Path, problem: string) => never, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof Misfit) return fail(error.path, error.problem);
    throw error;
  }
}

/** MARSYS names a branch with no name after its id when it builds it. */
function nameUnnamedBranches(branches: Record<string, { id: string; name: string }>): void {
  for (const branch of Object.values(branches)) if (branch.name === '') branch.name = `Branch ${branch.id}`;
}

/**
 * The document `saveSession` writes, without its checksum. Fields the state
 * leaves out are stored empty. `fail` reports a typed field of the wrong shape.
 */
export function toDocument(
  sessionId: string,
  timestamp: number,
  state: SessionStateInput,
  fail: (path: Path, problem: string) => never,
): JsonObject {
  if (!isPlainObject(state)) fail([], `the state must be a plain object, found ${describeType(state)}`);
  const dir: Direction = { from: 'js', to: 'doc', reading: false };
  const doc: Record<string, unknown> = { session_id: sessionId, timestamp };
  // MARSYS's timestamp is always a Python float (time.time()): 1746831620.0, never 1746831620.
  markPythonFloat(doc, 'timestamp');
  const input = state as Record<string, unknown>;
  reporting(fail, () => {
    for (const field of SESSION_BODY_SCHEMA) {
      const value = input[field.js] ?? emptyValue(field.kind);
      doc[field.doc] = convertAt(field.js, field.kind, value, dir);
    }
  });
  nameUnnamedBranches(doc.branches as Record<string, { id: string; name: string }>);
  return doc as JsonObject;
}

/** The state held by a session or checkpoint document; `fail` reports what does not fit. */
export function fromDocument(doc: JsonObject, fail: (path: Path, problem: string) => never): SessionSnapshot {
  if (!isPlainObject(doc)) fail([], `expected an object at the top level, found ${describeType(doc)}`);
  const dir: Direction = { from: 'doc', to: 'js', reading: true };
  const snapshot: Record<string, unknown> = {};
  reporting(fail, () => {
    for (const field of HEADER_SCHEMA) convertField(field, doc, snapshot, dir);
    for (const field of SESSION_BODY_SCHEMA) convertField(field, doc, snapshot, dir);
  });
  // MARSYS treats a missing, null or empty checksum as "not checked".
  snapshot.checksum ??= '';
  nameUnnamedBranches(snapshot.branches as Record<string, { id: string; name: string }>);
  return snapshot as unknown as SessionSnapshot;
}

/**
 * Maps a path inside a session document (`branch_results.main.final_response.fn`)
 * to the same place in the in-memory state (`branchResults.main.finalResponse.fn`).
 */
export function statePathOf(docPath: Path): Array<string | number> {
  const out: Array<string | number> = [];
  let schema: Schema | undefined = SESSION_BODY_SCHEMA;
  let kind: FieldKind | undefined;
  for (const segment of docPath) {
    if (schema) {
      const field: Field | undefined = schema.find((f) => f.doc === segment);
      out.push(field ? field.js : segment);
      kind = field?.kind;
      schema = undefined;
    } else {
      out.push(segment);
      if (kind?.type === 'record') kind = kind.of;
      else if (kind?.type === 'list') {
        schema = kind.of;
        kind = undefined;
        continue;
      } else kind = undefined;
    }
    if (kind?.type === 'object') {
      schema = kind.schema;
      kind = undefined;
    }
  }
  return out;
}
