/**
 * A fuzzer for stored files: valid session and checkpoint files (written by
 * waymark, and by MARSYS itself) are mutated — truncated, bit-flipped,
 * spliced, fields retyped or removed, numbers made huge, values nested
 * thousands deep, `__proto__` keys injected, strings made huge — and then
 * loaded, listed, checkpointed, resumed, restored and rolled back.
 *
 * Every outcome must be a correct result or one of waymark's typed errors
 * (a WaymarkError with a code): never another exception, a hang, or a
 * polluted prototype. A load that succeeds must give the same
 * checksum-covered content as the file before the mutation (or the file had
 * no checksum left, which only requireChecksum refuses); a checkpoint of a
 * session that loaded must restore.
 */
import fc from 'fast-check';
import { Volume } from 'memfs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { memFs } from '../adapters/memfs.js';
import { CheckpointManager, FileStorageBackend, SerializationError, StateManager, WaymarkError, type JsonValue, type SessionSnapshot } from '../src/index.js';
import { dumpPythonIndent2, parsePythonJson } from '../src/pyjson/index.js';
import { sessionStateArb } from './support/arbitraries.js';
import { recordFiguresAfterAll, scaled } from './support/figures.js';
import { fixturePath } from './support/marsys.js';
import { branch, sampleState } from './support/states.js';

const TEST_FILE = 'test/fuzz.files.test.ts';
const CASES = scaled(1500, 30_000);

/** The seed directory: waymark's own files and MARSYS's, as path -> text under /state. */
async function seedFiles(): Promise<Record<string, string>> {
  const volume = new Volume();
  const sm = new StateManager(new FileStorageBackend('/state', { fs: memFs(volume) }), { clock: () => 1_800_000_000.5 });
  await sm.saveSession('sample', { ...sampleState(1), branches: { main: branch('main'), ünï: branch('ünï', { metadata: { big: 2 ** 60, float: 1.0, tiny: 1e-7 } }) } });
  await sm.createCheckpoint('sample', 'before');
  const [state] = fc.sample(sessionStateArb, { numRuns: 1, seed: 42 });
  await sm.saveSession('random', state!);
  await sm.createCheckpoint('random', 'x');
  const files: Record<string, string> = {};
  for (const [path, data] of Object.entries(volume.toJSON())) if (typeof data === 'string') files[path] = data;
  for (const dir of ['sessions', 'checkpoints']) {
    for (const name of readdirSync(fixturePath('state', dir))) files[`/state/${dir}/${name}`] = readFileSync(join(fixturePath('state', dir), name), 'utf8');
  }
  for (const name of readdirSync(fixturePath('nonfinite', 'sessions'))) {
    files[`/state/sessions/${name}`] = readFileSync(join(fixturePath('nonfinite', 'sessions'), name), 'utf8');
  }
  return files;
}

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'splice'; at: number; remove: number; insert: string }
  | { kind: 'retype'; pick: number; value: JsonValue }
  | { kind: 'remove'; pick: number }
  | { kind: 'number'; pick: number; lexeme: string }
  | { kind: 'nest'; pick: number; depth: number; open: '[' | '{"k": ' }
  | { kind: 'inject'; pick: number; text: string }
  | { kind: 'huge-string'; pick: number; length: number }
  | { kind: 'duplicate-key'; pick: number };

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
  fc.record({ kind: fc.constant('flip' as const), at: fraction, bit: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fraction, remove: fc.nat(12), insert: fc.string({ unit: 'binary', maxLength: 6 }) }),
  fc.record({
    kind: fc.constant('retype' as const),
    pick: fc.nat(),
    value: fc.constantFrom<JsonValue>(null, true, false, 0, -1.5, 1e308, '', 'x', [], {}, [1, 'a'], { a: 1 }, 'SIMPLE', 'completed', '1800000000.5'),
  }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('number' as const),
    pick: fc.nat(),
    lexeme: fc.constantFrom('1e999999', '-1e400', `1${'0'.repeat(5000)}`, '1e-400', 'NaN', 'Infinity', '-Infinity', '-0', '0.0', '1E+2', '9007199254740993', '-9223372036854775809', '1.0', '01', '1.', '.5', '+1', '0x10'),
  }),
  fc.record({
    kind: fc.constant('nest' as const),
    pick: fc.nat(),
    depth: fc.oneof(fc.integer({ min: 1, max: 2500 }), fc.constantFrom(1999, 2000, 2001, 100_000)),
    open: fc.constantFrom('[' as const, '{"k": ' as const),
  }),
  fc.record({
    kind: fc.constant('inject' as const),
    pick: fc.nat(),
    text: fc.constantFrom(
      '"__proto__": {"polluted": true}, ',
      '"constructor": {"prototype": {"polluted": true}}, ',
      '"__proto__": null, ',
      '"__proto__": [1], ',
      '"toString": 1, "valueOf": "x", "hasOwnProperty": null, ',
      '"checksum": "", ',
      '"branches": [], ',
    ),
  }),
  fc.record({ kind: fc.constant('huge-string' as const), pick: fc.nat(), length: fc.constantFrom(10_000, 100_000) }),
  fc.record({ kind: fc.constant('duplicate-key' as const), pick: fc.nat() }),
);

/** Every container and member of a parsed document, as [container, key] pairs. */
function members(value: JsonValue, out: Array<[Record<string, JsonValue> | JsonValue[], string | number]> = []) {
  if (Array.isArray(value)) value.forEach((item, i) => (out.push([value, i]), members(item, out)));
  else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([value, key]);
      members(value[key] as JsonValue, out);
    }
  }
  return out;
}

const PLACEHOLDER = '"\u0000waymark-fuzz\u0000"';

/** `text` with `mutation` applied. */
function mutate(text: string, mutation: Mutation): string {
  const at = 'at' in mutation ? Math.floor(mutation.at * text.length) : 0;
  switch (mutation.kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'flip':
      return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << mutation.bit)) + text.slice(at + 1);
    case 'splice':
      return text.slice(0, at) + mutation.insert + text.slice(at + mutation.remove);
    case 'number': {
      const numbers = [...text.matchAll(/(?<=[:\[,]\s*)-?\d+(\.\d+)?([eE][-+]?\d+)?(?=\s*[,\]}])/g)];
      const found = numbers[mutation.pick % Math.max(1, numbers.length)];
      if (found === undefined) return text;
      return text.slice(0, found.index) + mutation.lexeme + text.slice(found.index! + found[0].length);
    }
    case 'inject': {
      const opens = [...text.matchAll(/\{(?=\s*")/g)];
      const found = opens[mutation.pick % Math.max(1, opens.length)];
      if (found === undefined) return text;
      return `${text.slice(0, found.index! + 1)}${mutation.text}${text.slice(found.index! + 1)}`;
    }
    case 'duplicate-key': {
      const lines = text.split('\n');
      const keyed = lines.map((line, i) => [line, i] as const).filter(([line]) => /^\s*"[^"]*": [^{[]*,$/.test(line));
      const found = keyed[mutation.pick % Math.max(1, keyed.length)];
      if (found === undefined) return text;
      lines.splice(found[1], 0, found[0]);
      return lines.join('\n');
    }
    default: {
      // Structural mutations: on the parsed tree, number forms kept, then written back.
      const doc = parsePythonJson(text);
      const all = members(doc);
      const target = all[mutation.pick % Math.max(1, all.length)];
      if (target === undefined) return text;
      const [container, key] = target;
      const set = (value: JsonValue) => ((container as Record<string | number, JsonValue>)[key] = value);
      if (mutation.kind === 'retype') set(mutation.value);
      else if (mutation.kind === 'remove') {
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete (container as Record<string, JsonValue>)[key as string];
      } else set('\u0000waymark-fuzz\u0000');
      const dumped = dumpPythonIndent2(doc, { allowNonFinite: true });
      if (mutation.kind === 'nest') {
        const close = mutation.open === '[' ? ']' : '}';
        return dumped.replace(PLACEHOLDER.replace(/\u0000/g, '\\u0000'), `${mutation.open.repeat(mutation.depth)}1${close.repeat(mutation.depth)}`);
      }
      if (mutation.kind === 'huge-string') return dumped.replace(PLACEHOLDER.replace(/\u0000/g, '\\u0000'), JSON.stringify('é'.repeat(mutation.length)));
      return dumped;
    }
  }
}

/** What the checksum covers, for comparing a load with the original. */
function covered(snapshot: SessionSnapshot) {
  const { sessionId, timestamp, branches, activeBranches, completedBranches } = snapshot;
  return { sessionId, timestamp, branches, activeBranches, completedBranches };
}

const prototypeNames = () => [Object.prototype, Array.prototype, Function.prototype].map((proto) => Object.getOwnPropertyNames(proto).sort().join());

let cases = 0;
const outcomes = new Map<string, number>();
recordFiguresAfterAll(TEST_FILE, () => [
  ['mutated session and checkpoint files loaded (each a correct load or a typed error)', cases],
  ['  outcomes', [...outcomes].sort().map(([code, n]) => `${code} ${n}`).join(', ')],
]);

it(`${CASES} mutated files: every call gives a correct result or a typed error, never a crash, hang or polluted prototype`, { timeout: scaled(300_000, 3_600_000) }, async () => {
  const seeds = await seedFiles();
  const seedPaths = Object.keys(seeds).filter((path) => /\/(sessions|checkpoints)\/.+\.json$/.test(path));
  // What each seed loads as, unmutated.
  const originals = new Map<string, SessionSnapshot>();
  {
    const sm = new StateManager(new FileStorageBackend('/state', { fs: memFs(Volume.fromJSON(seeds)) }));
    for (const path of seedPaths) {
      const key = path.slice(path.lastIndexOf('/') + 1, -'.json'.length);
      originals.set(path, key.startsWith('checkpoint_') ? await sm.restoreCheckpoint(key) : (await sm.loadSession(key.slice('session_'.length)))!);
    }
  }
  const prototypesBefore = prototypeNames();

  await fc.assert(
    fc.asyncProperty(fc.nat(), mutationArb, async (pick, mutation) => {
      const path = seedPaths[pick % seedPaths.length]!;
      const original = originals.get(path)!;
      const key = path.slice(path.lastIndexOf('/') + 1, -'.json'.length);
      const isCheckpoint = key.startsWith('checkpoint_');
      const sessionId = isCheckpoint ? original.sessionId : key.slice('session_'.length);
      const volume = Volume.fromJSON({ ...seeds, [path]: mutate(seeds[path]!, mutation) });
      const sm = new StateManager(new FileStorageBackend('/state', { fs: memFs(volume) }));
      const strict = new StateManager(new FileStorageBackend('/state', { fs: memFs(volume) }), { requireChecksum: true });
      const cm = new CheckpointManager(sm);

      /** Runs a call: its value, or the code of the typed error it threw; anything else fails the case. */
      const attempt = async <T>(what: string, call: () => Promise<T>): Promise<{ value: T } | { code: string }> => {
        try {
          return { value: await call() };
        } catch (error) {
          if (!(error instanceof WaymarkError) || typeof error.code !== 'string') {
            throw new Error(`${what} threw an untyped ${(error as Error)?.name}: ${(error as Error)?.message} (mutation ${JSON.stringify(mutation).slice(0, 200)} of ${path})`);
          }
          outcomes.set(error.code, (outcomes.get(error.code) ?? 0) + 1);
          return { code: error.code };
        }
      };
      const checkLoaded = (snapshot: SessionSnapshot, requireChecksum: boolean) => {
        if (requireChecksum) expect(snapshot.checksum).not.toBe('');
        // A load that verified a checksum gives what the checksum covered before the mutation.
        if (snapshot.checksum !== '') expect(covered(snapshot)).toEqual(covered(original));
      };

      if (isCheckpoint) {
        const restored = await attempt('restoreCheckpoint', () => sm.restoreCheckpoint(key));
        if ('value' in restored) checkLoaded(restored.value, false);
        const strictRestored = await attempt('restoreCheckpoint (requireChecksum)', () => strict.restoreCheckpoint(key));
        if ('value' in strictRestored) checkLoaded(strictRestored.value, true);
        await attempt('listCheckpoints', () => sm.listCheckpoints(sessionId));
        const rolledBack = await attempt('rollbackToCheckpoint', () => cm.rollbackToCheckpoint(key));
        if ('value' in rolledBack) {
          // The rollback saved the checkpoint's state anew (a new timestamp): the rest is what the checkpoint held.
          const { branches, activeBranches, completedBranches } = (await sm.loadSession(sessionId))!;
          expect({ branches, activeBranches, completedBranches }).toEqual({ branches: original.branches, activeBranches: original.activeBranches, completedBranches: original.completedBranches });
        }
        await attempt('deleteSession', () => sm.deleteSession(sessionId, { checkpoints: true }));
      } else {
        const loaded = await attempt('loadSession', () => sm.loadSession(sessionId));
        if ('value' in loaded && loaded.value !== undefined) checkLoaded(loaded.value, false);
        const strictLoaded = await attempt('loadSession (requireChecksum)', () => strict.loadSession(sessionId));
        if ('value' in strictLoaded && strictLoaded.value !== undefined) checkLoaded(strictLoaded.value, true);
        await attempt('listSessions', () => sm.listSessions());
        const checkpoint = await attempt('createCheckpoint', () => sm.createCheckpoint(sessionId, 'fuzz'));
        if ('value' in loaded && loaded.value !== undefined && 'code' in checkpoint) {
          // Reading forgives what writing refuses (NaN in metadata), and nothing else.
          expect(checkpoint.code).toBe(new SerializationError([], '').code);
        }
        if ('value' in checkpoint) checkLoaded(await sm.restoreCheckpoint(checkpoint.value), false);
        await attempt('resumeExecution', () => sm.resumeExecution(sessionId));
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(prototypeNames()).toEqual(prototypesBefore);
      cases++;
    }),
    { numRuns: CASES },
  );
});
