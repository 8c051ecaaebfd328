/**
 * Crash consistency, exhaustively: each scenario runs saveSession,
 * createCheckpoint, deleteSession, rollbackToCheckpoint, ... on a recording
 * fs, then every prefix of the fs operations it made is replayed as the
 * state a crash at that point leaves (crash-states.ts: the process model,
 * and, where the fs can fsync, the power-loss model that loses what was not
 * fsynced), and a fresh StateManager is opened on it.
 *
 * What each crash state must satisfy:
 * 1. The documents on disk are those after the last call that resolved,
 *    plus a prefix, in order, of the changes of the call that was under way:
 *    every document is the old one or the new one, never torn or missing, and
 *    a call's changes land in the order it made them (a rollback's backup
 *    before the rollback). Once a call has resolved, its changes survive.
 * 2. A fresh StateManager loads every session and checkpoint on disk, each
 *    verifying its checksum; listSessions and listCheckpoints list exactly
 *    those; no listing shows a temp file, and start-up sweeps them all.
 */
import { describe, expect, it } from 'vitest';
import { memFs } from '../adapters/memfs.js';
import { nodeFs } from '../adapters/node.js';
import {
  CheckpointManager,
  FileStorageBackend,
  Orchestra,
  StateManager,
  type MinimalFs,
  type StorageBackend,
} from '../src/index.js';
import { CrashSimulator, materialize, snapshotTree, splitLog, stateKey, type CrashModel, type DiskState } from './support/crash-states.js';
import { FILE_SYSTEMS, type FileSystemKind, type Place } from './support/file-systems.js';
import { recordFiguresAfterAll } from './support/figures.js';
import { fixturePath } from './support/marsys.js';
import { recordingFs } from './support/recording-fs.js';
import { branch, sampleState } from './support/states.js';
import { diamond } from './support/workflows.js';

const TEST_FILE = 'test/crash.consistency.test.ts';

interface Context {
  sm: StateManager;
  cm: CheckpointManager;
  /** Checkpoint ids the setup made, by name. */
  ids: Record<string, string>;
}

interface Scenario {
  name: string;
  /** Builds the state before the recorded calls. Without it, the base directory does not exist. */
  setup?(sm: StateManager, place: Place): Promise<Record<string, string>>;
  calls: Array<[label: string, call: (context: Context) => Promise<unknown>]>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'the first save, into a base directory that does not exist yet',
    calls: [['saveSession', ({ sm }) => sm.saveSession('alpha', sampleState(1))]],
  },
  {
    name: 'a save over an existing session',
    async setup(sm) {
      await sm.saveSession('alpha', sampleState(1));
      return {};
    },
    calls: [['saveSession', ({ sm }) => sm.saveSession('alpha', sampleState(2))]],
  },
  {
    name: 'createCheckpoint',
    async setup(sm) {
      await sm.saveSession('alpha', sampleState(1));
      return {};
    },
    calls: [['createCheckpoint', ({ sm }) => sm.createCheckpoint('alpha', 'before-merge')]],
  },
  {
    name: 'deleteSession',
    async setup(sm) {
      await sm.saveSession('alpha', sampleState(1));
      await sm.saveSession('beta', sampleState(2));
      return {};
    },
    calls: [['deleteSession', ({ sm }) => sm.deleteSession('alpha')]],
  },
  {
    name: 'deleteSession with its checkpoints',
    async setup(sm) {
      await sm.saveSession('alpha', sampleState(1));
      await sm.createCheckpoint('alpha', 'one');
      await sm.createCheckpoint('alpha', 'two');
      await sm.saveSession('alpha_beta', sampleState(2));
      await sm.createCheckpoint('alpha_beta', 'other');
      return {};
    },
    calls: [['deleteSession(checkpoints)', ({ sm }) => sm.deleteSession('alpha', { checkpoints: true })]],
  },
  {
    name: 'rollbackToCheckpoint',
    async setup(sm) {
      await sm.saveSession('alpha', sampleState(1));
      const good = await sm.createCheckpoint('alpha', 'good');
      await sm.saveSession('alpha', { ...sampleState(2), branches: { main: branch('main', { name: 'went wrong' }) } });
      return { good };
    },
    calls: [['rollbackToCheckpoint', ({ cm, ids }) => cm.rollbackToCheckpoint(ids.good!)]],
  },
  {
    name: 'pauseExecution then resumeExecution',
    async setup(sm) {
      await sm.saveSession('alpha', sampleState(1));
      return {};
    },
    calls: [
      ['pauseExecution', ({ sm }) => sm.pauseExecution('alpha', sampleState(2))],
      ['resumeExecution', ({ sm }) => sm.resumeExecution('alpha')],
    ],
  },
  {
    name: 'start-up with stale temp files left by an earlier crash',
    async setup(sm, place) {
      await sm.saveSession('alpha', sampleState(1));
      await sm.createCheckpoint('alpha', 'kept');
      await place.fs.writeFile(`${place.base}/sessions/.session_alpha.json.tmp-stale1`, '{"session_id": "al');
      await place.fs.writeFile(`${place.base}/checkpoints/.checkpoint_alpha_x_1.json.tmp-stale2`, '');
      return {};
    },
    calls: [
      ['listSessions', ({ sm }) => sm.listSessions()],
      ['saveSession', ({ sm }) => sm.saveSession('alpha', sampleState(2))],
    ],
  },
  {
    name: 'two sessions saved at once',
    async setup(sm) {
      await sm.saveSession('alpha', sampleState(1));
      return {};
    },
    calls: [['saveSession x2', ({ sm }) => Promise.all([sm.saveSession('alpha', sampleState(2)), sm.saveSession('beta', sampleState(3))])]],
  },
  {
    name: 'retention deleting automatic checkpoints, and deleteCheckpoint',
    async setup(sm) {
      await sm.saveSession('alpha', sampleState(1));
      await sm.createCheckpoint('alpha', 'auto_1', { auto: true });
      await sm.createCheckpoint('alpha', 'auto_2', { auto: true });
      return { manual: await sm.createCheckpoint('alpha', 'manual') };
    },
    calls: [
      ['onStepSaved (keepAuto: 1)', ({ sm }) => new CheckpointManager(sm, { everySteps: 1, keepAuto: 1 }).onStepSaved('alpha', 3)],
      ['deleteCheckpoint', ({ sm, ids }) => sm.deleteCheckpoint(ids.manual!)],
    ],
  },
  {
    name: 'resuming, checkpointing and deleting in a directory MARSYS wrote',
    async setup(_sm, place) {
      await place.seed(fixturePath('state'));
      return {};
    },
    calls: [
      ['resumeExecution', ({ sm }) => sm.resumeExecution('paused')],
      ['createCheckpoint', ({ sm }) => sm.createCheckpoint('alpha', 'after_port')],
      ['deleteSession(checkpoints)', ({ sm }) => sm.deleteSession('alpha_beta', { checkpoints: true })],
    ],
  },
  {
    name: 'an Orchestra run with parallel branches, automatic checkpoints and retention',
    calls: [
      [
        'Orchestra.run',
        ({ sm }) =>
          Orchestra.run({
            task: diamond.task,
            topology: diamond.topology,
            agents: diamond.agents([]),
            stateManager: sm,
            context: { sessionId: 'workflow' },
            checkpoints: { everySteps: 1, keepAuto: 2 },
          }),
      ],
    ],
  },
  {
    name: "a session's life: saves, checkpoints, a rollback, deletion with its checkpoints",
    calls: [
      ['save 1', ({ sm }) => sm.saveSession('life', sampleState(1))],
      ['checkpoint', async (context) => (context.ids.first = await context.sm.createCheckpoint('life', 'first'))],
      ['save 2', ({ sm }) => sm.saveSession('life', sampleState(2))],
      ['auto checkpoint', ({ sm }) => sm.createCheckpoint('life', 'auto_step_2', { auto: true })],
      ['save 3', ({ sm }) => sm.saveSession('life', sampleState(3))],
      ['rollback', ({ cm, ids }) => cm.rollbackToCheckpoint(ids.first!)],
      ['delete', ({ sm }) => sm.deleteSession('life', { checkpoints: true })],
    ],
  },
];

/** Files that are documents: under the base directory, not dot-prefixed (temp files are). */
function documents(files: Record<string, string>, baseName: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, data] of Object.entries(files)) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (path.startsWith(`${baseName}/`) && !name.startsWith('.')) out.set(path, data);
  }
  return out;
}

function sameDocuments(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, data] of a) if (b.get(path) !== data) return false;
  return true;
}

/** A readable account of how `actual` differs from `expected`. */
function describeDifference(actual: Map<string, string>, expected: Map<string, string>): string {
  const lines: string[] = [];
  for (const [path, data] of expected) {
    const got = actual.get(path);
    if (got === undefined) lines.push(`missing ${path}`);
    else if (got !== data) lines.push(`${path} differs (${got.length} chars, expected ${data.length})`);
  }
  for (const path of actual.keys()) if (!expected.has(path)) lines.push(`unexpected ${path}`);
  return lines.join('; ');
}

interface Recording {
  before: DiskState;
  log: ReturnType<typeof recordingFs>['log'];
  baseName: string;
  /** The fs's writeFile is atomic (IndexedDB): a crash cannot cut one short. */
  atomicWrites: boolean;
}

/**
 * Runs a scenario on `fs` (at `place`) through a recording fs; `decorate`
 * puts a layer above the recorder (a broken fs, for the checker's own tests).
 */
async function record(scenario: Scenario, place: Place, fs: MinimalFs, decorate = (recorded: MinimalFs) => recorded): Promise<Recording> {
  const root = place.base.slice(0, place.base.lastIndexOf('/')) || '/';
  const baseName = place.base.slice(place.base.lastIndexOf('/') + 1);
  let now = 1_800_000_000.5;
  const clock = () => (now += 1.25);
  let ids: Record<string, string> = {};
  if (scenario.setup) ids = await scenario.setup(new StateManager(new FileStorageBackend(place.base, { fs }), { clock }), place);
  const before = await snapshotTree(fs, root);
  const recorder = recordingFs(fs, root);
  const sm = new StateManager(new FileStorageBackend(place.base, { fs: decorate(recorder) }), { clock });
  const context: Context = { sm, cm: new CheckpointManager(sm), ids };
  for (const [label, call] of scenario.calls) {
    await call(context);
    recorder.ack(label);
  }
  expect(recorder.outside, 'paths outside the base directory').toEqual([]);
  return { before, log: recorder.log, baseName, atomicWrites: fs.atomicWriteFile === true };
}

/** The documents after each call resolved (index 0: before), and the changes each call made, in order. */
function expectations(recording: Recording) {
  const { ops, acks } = splitLog(recording.log);
  const simulator = new CrashSimulator(recording.before);
  let visible = documents(recording.before.files, recording.baseName);
  const afterCall = [visible];
  const changes: Array<Array<[string, string | undefined]>> = [[]];
  let call = 0;
  const resolveCallsUpTo = (opsDone: number) => {
    while (call < acks.length && acks[call]! <= opsDone) {
      afterCall.push(visible);
      changes.push([]);
      call++;
    }
  };
  resolveCallsUpTo(0);
  ops.forEach((op, i) => {
    simulator.apply(op);
    const next = documents(simulator.current().files, recording.baseName);
    for (const [path, data] of next) if (visible.get(path) !== data) changes[call]!.push([path, data]);
    for (const path of visible.keys()) if (!next.has(path)) changes[call]!.push([path, undefined]);
    visible = next;
    resolveCallsUpTo(i + 1);
  });
  return { ops, acks, afterCall, changes };
}

/** What the documents may be while call `j` (0-based) is under way: its changes, up to each point, on top of those before it. */
function allowedWhileUnderway(afterCall: Map<string, string>[], changes: Array<Array<[string, string | undefined]>>, j: number): Map<string, string>[] {
  const base = afterCall[j]!;
  if (j >= afterCall.length - 1) return [base];
  const allowed = [base];
  let current = new Map(base);
  for (const [path, data] of changes[j]!) {
    current = new Map(current);
    if (data === undefined) current.delete(path);
    else current.set(path, data);
    allowed.push(current);
  }
  return allowed;
}

/** Problems a fresh StateManager finds on a crash state (empty when all is well). */
async function verifyWithFreshManager(state: DiskState, baseName: string, sessionIds: Set<string>): Promise<string[]> {
  const problems: string[] = [];
  const volume = materialize(state);
  const fs = memFs(volume);
  const base = `/${baseName}`;
  const storage: StorageBackend & { listKeys(prefix?: string): Promise<string[]> } = new FileStorageBackend(base, { fs });
  const sm = new StateManager(storage);
  const docs = documents(state.files, baseName);
  const sessionsOnDisk: string[] = [];
  const checkpointsOnDisk: string[] = [];
  for (const path of docs.keys()) {
    const session = new RegExp(`^${baseName}/sessions/session_(.+)\\.json$`).exec(path);
    const checkpoint = new RegExp(`^${baseName}/checkpoints/(checkpoint_.+)\\.json$`).exec(path);
    if (session) sessionsOnDisk.push(session[1]!);
    else if (checkpoint) checkpointsOnDisk.push(checkpoint[1]!);
    else problems.push(`a file waymark did not write: ${path}`);
  }
  const attempt = async (what: string, run: () => Promise<unknown>) => {
    try {
      return await run();
    } catch (error) {
      problems.push(`${what} threw ${(error as Error).name}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const listed = (await attempt('listSessions', () => sm.listSessions())) as Array<{ sessionId: string }> | undefined;
  if (listed && JSON.stringify(listed.map((s) => s.sessionId).sort()) !== JSON.stringify([...sessionsOnDisk].sort())) {
    problems.push(`listSessions gave ${JSON.stringify(listed.map((s) => s.sessionId))}, the disk holds ${JSON.stringify(sessionsOnDisk)}`);
  }
  for (const id of sessionsOnDisk) {
    const loaded = await attempt(`loadSession(${id})`, () => sm.loadSession(id));
    if (loaded === undefined && !problems.some((p) => p.startsWith(`loadSession(${id})`))) problems.push(`loadSession(${id}) found nothing`);
  }
  for (const id of checkpointsOnDisk) await attempt(`restoreCheckpoint(${id})`, () => sm.restoreCheckpoint(id));
  const listedCheckpoints: string[] = [];
  for (const id of sessionIds) {
    const list = (await attempt(`listCheckpoints(${id})`, () => sm.listCheckpoints(id))) as Array<{ checkpointId: string }> | undefined;
    listedCheckpoints.push(...(list ?? []).map((c) => c.checkpointId));
  }
  if (JSON.stringify(listedCheckpoints.sort()) !== JSON.stringify([...checkpointsOnDisk].sort())) {
    problems.push(`listCheckpoints gave ${JSON.stringify(listedCheckpoints)}, the disk holds ${JSON.stringify(checkpointsOnDisk)}`);
  }
  const keys = await storage.listKeys();
  if (keys.some((key) => key.startsWith('.'))) problems.push(`listKeys showed temp files: ${JSON.stringify(keys)}`);
  for (const dir of ['sessions', 'checkpoints']) {
    const left = (await fs.readdir(`${base}/${dir}`)).filter((name) => name.startsWith('.'));
    if (left.length > 0) problems.push(`start-up left temp files in ${dir}: ${JSON.stringify(left)}`);
  }
  // toJSON lists empty directories with a null content.
  const onDisk = Object.entries(volume.toJSON()).flatMap(([path, data]) => (typeof data === 'string' ? [[path.slice(1), data]] : []));
  const after = documents(Object.fromEntries(onDisk) as Record<string, string>, baseName);
  if (!sameDocuments(after, docs)) problems.push(`opening it changed documents: ${describeDifference(after, docs)}`);
  return problems;
}

interface CheckResult {
  crashPoints: number;
  distinctStates: number;
  violations: string[];
}

/** Replays every prefix of the recording under `model` and checks every crash state. */
async function checkCrashes(recording: Recording, model: CrashModel): Promise<CheckResult> {
  const { ops, acks, afterCall, changes } = expectations(recording);
  const sessionIds = new Set<string>();
  for (const docs of afterCall) {
    for (const [path, data] of docs) {
      const id = /"session_id": "([^"]*)"/.exec(data)?.[1];
      if (id !== undefined && /\/(sessions|checkpoints)\//.test(path)) sessionIds.add(id);
    }
  }
  const simulator = new CrashSimulator(recording.before);
  const verified = new Map<string, string[]>();
  const violations: string[] = [];
  let crashPoints = 0;
  for (let k = 0; k <= ops.length; k++) {
    const resolved = acks.filter((count) => count <= k).length;
    const allowed = allowedWhileUnderway(afterCall, changes, resolved);
    for (const state of simulator.crashStates(model, ops[k], recording.atomicWrites)) {
      crashPoints++;
      const docs = documents(state.files, recording.baseName);
      const where = `${model} crash after ${k}/${ops.length} ops (${resolved} calls resolved${k < ops.length ? `, next: ${JSON.stringify(ops[k]).slice(0, 120)}` : ''})`;
      if (!allowed.some((expected) => sameDocuments(docs, expected))) {
        violations.push(`${where}: documents are neither old nor new: ${describeDifference(docs, allowed[0]!)}`);
      }
      const key = stateKey(state);
      let problems = verified.get(key);
      if (problems === undefined) {
        problems = await verifyWithFreshManager(state, recording.baseName, sessionIds);
        verified.set(key, problems);
      }
      for (const problem of problems) violations.push(`${where}: ${problem}`);
    }
    if (k < ops.length) simulator.apply(ops[k]!);
  }
  return { crashPoints, distinctStates: verified.size, violations };
}

const totals = { crashPoints: 0, distinctStates: 0, scenarios: 0, byModel: { process: 0, power: 0 } as Record<CrashModel, number> };

recordFiguresAfterAll(TEST_FILE, () => [
  ['crash points checked (old-or-new, nothing lost once acknowledged)', totals.crashPoints],
  ['  of which power-loss crash points (un-fsynced data lost or torn)', totals.byModel.power],
  ['  distinct on-disk states opened by a fresh StateManager', totals.distinctStates],
  ['  scenario recordings (scenarios x file systems)', totals.scenarios],
]);

/** The file systems recorded on: the three of the suite, memfs written as a disk, and Node's disk without fsync. */
const RECORDED: Array<{ name: string; makePlace(): Promise<Place>; models: CrashModel[] }> = [
  ...FILE_SYSTEMS.map((kind: FileSystemKind) => ({
    name: kind.name,
    makePlace: kind.makePlace,
    // Only an fs that writes through temp files and fsyncs them claims to survive a
    // power loss; IndexedDB and memfs write atomically in place (atomicWriteFile).
    models: (kind.name === 'node' ? ['process', 'power'] : ['process']) as CrashModel[],
  })),
  {
    // memfs writes in place; made to write as a disk does, it checks that protocol fast and in memory too.
    name: 'memfs (disk-like: temp file, rename, fsync)',
    makePlace: diskLikeMemfs,
    models: ['process', 'power'],
  },
  {
    name: 'node (durable: false)',
    async makePlace() {
      const place = await FILE_SYSTEMS[0]!.makePlace();
      return { ...place, fs: nodeFs({ durable: false }) };
    },
    models: ['process'],
  },
];

describe.each(RECORDED)('crash consistency on $name', ({ makePlace, models }) => {
  it.each(SCENARIOS)('$name: every crash point leaves the old state or the new one', async (scenario) => {
    const place = await makePlace();
    try {
      const recording = await record(scenario, place, place.fs);
      for (const model of models) {
        const result = await checkCrashes(recording, model);
        totals.crashPoints += result.crashPoints;
        totals.byModel[model] += result.crashPoints;
        totals.distinctStates += result.distinctStates;
        expect(result.violations.slice(0, 5), `${result.violations.length} violations`).toEqual([]);
        expect(result.crashPoints).toBeGreaterThan(recording.log.length > 0 ? 1 : 0);
      }
      totals.scenarios++;
    } finally {
      await place.cleanup();
    }
  });
});

/**
 * memfs made to behave as a disk: saves go through temp files, renames and
 * fsyncs, as on Node's, but in memory, for the checker's own tests.
 */
async function diskLikeMemfs(): Promise<Place> {
  const place = await FILE_SYSTEMS[1]!.makePlace();
  return { ...place, fs: { ...place.fs, atomicWriteFile: false } };
}

describe('regressions', () => {
  it('a backend that creates its directories fsyncs the directories that hold them', async () => {
    // Before the fix a save into a new base directory was fsynced, but the
    // entries naming state/ and state/sessions/ were not: a power loss could
    // take the directories, and the acknowledged save in them, away.
    const place = await diskLikeMemfs();
    const recorder = recordingFs(place.fs, '/');
    await new StateManager(new FileStorageBackend('/data/state', { fs: recorder })).saveSession('s', {});
    const ops = recorder.log.map((entry) => `${entry.op} ${'path' in entry ? entry.path : ''}`);
    const lastMkdir = ops.findIndex((op) => op === 'mkdir data/state/checkpoints');
    expect(ops.slice(0, lastMkdir + 1)).toEqual(['mkdir data', 'mkdir data/state', 'mkdir data/state/sessions', 'mkdir data/state/checkpoints']);
    // Each new directory's parent is fsynced before the first save begins.
    const firstWrite = ops.findIndex((op) => op.startsWith('write'));
    expect(ops.slice(lastMkdir + 1, firstWrite).sort()).toEqual(['fsync ', 'fsync data', 'fsync data/state'].sort());
  });
});

describe('the crash checker itself', () => {
  it('finds acknowledged saves lost or torn by a power loss when nothing is fsynced', async () => {
    const place = await diskLikeMemfs();
    const { open: _open, ...withoutFsync } = place.fs;
    const recording = await record(SCENARIOS[1]!, place, withoutFsync);
    const result = await checkCrashes(recording, 'power');
    // The guarantee of an fs without open is atomicity against a process crash only.
    expect(result.violations.some((v) => /neither old nor new/.test(v))).toBe(true);
    expect(result.violations.some((v) => /CorruptStateError|the file is empty/.test(v))).toBe(true);
  });

  it('finds torn documents when a backend writes in place, as MARSYS did', async () => {
    const place = await diskLikeMemfs();
    // rename() as copy-then-delete: the target is truncated and rewritten in place.
    const inPlace = (fs: MinimalFs): MinimalFs => ({
      ...fs,
      async rename(from, to) {
        await fs.writeFile(to, await fs.readFile(from, 'utf8'));
        await fs.unlink(from);
      },
    });
    const recording = await record(SCENARIOS[1]!, place, place.fs, inPlace);
    const result = await checkCrashes(recording, 'process');
    expect(result.violations.some((v) => /neither old nor new/.test(v))).toBe(true);
  });
});
