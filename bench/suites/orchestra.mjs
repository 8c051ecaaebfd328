// Orchestra's overhead: a 1,000-step workflow whose agents do nothing (A and B
// hand over to each other), persisting on memfs and on disk, against the same
// workflow with persistence off, and with the floor's persistence on memfs.
// Every row saves after every step (the default) but those with
// `saves: 'background'`, which save as often as storage keeps up; each is
// compared with the run without persistence in its own mode. Rows whose
// agents wait a turn of the event loop per step show what background saves
// do for agents that wait on I/O, as real ones do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from '../lib/measure.mjs';
import { Volume } from 'memfs';
import { memFs, nodeFs, waymark } from '../lib/waymark.mjs';

const { FileStorageBackend, Orchestra, StateManager } = waymark;

export const STEPS = 1_000;

const topology = { agents: ['A', 'B'], flows: ['A <-> B'] };

/** A and B hand over to each other; with `wait`, each first waits a turn of the event loop, as an agent waiting on I/O does. */
function agentsThat(wait) {
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const agent = (other) => async (_input, context) => {
    if (wait) await turn();
    return { response: null, next: context.step >= STEPS ? null : other };
  };
  return { A: agent('B'), B: agent('A') };
}
const AGENTS = { instant: agentsThat(false), turn: agentsThat(true) };

const saved = (sessionId) => Promise.resolve({ sessionId, timestamp: 0, checksum: '' });

/** The StateManager calls Orchestra makes, each save done by `prepareSave` (read now, written when called). */
function stubStateManager(prepareSave) {
  return {
    storage: {},
    clock: () => Date.now() / 1000,
    loadSession: () => Promise.resolve(undefined),
    prepareSave,
    saveSession: (sessionId, state) => prepareSave(sessionId, state)(),
    pauseExecution: (sessionId, state) => prepareSave(sessionId, state)(),
  };
}

/**
 * Persistence off: the StateManager calls Orchestra makes, doing nothing.
 * The engine itself (its state updates, the copies it hands its agents) still runs.
 */
function noPersistence() {
  return stubStateManager((sessionId) => () => saved(sessionId));
}

/**
 * The floor's persistence: each save is `JSON.stringify(state, null, 2)` of
 * the state as it is (taken when the save is queued, as waymark's is), then
 * write temp + rename on a memfs volume. No Python format, no checksum, no
 * validation (Sets come out as `{}`): what any file-per-session store must
 * at least do per step.
 */
function floorPersistence() {
  const files = new Volume().promises;
  return stubStateManager((sessionId, state) => {
    const text = JSON.stringify(state, null, 2);
    return async () => {
      await files.writeFile('/.session.json.tmp', text);
      await files.rename('/.session.json.tmp', '/session.json');
      return saved(sessionId);
    };
  });
}

const MODES = [
  { id: 'off', label: 'persistence off', open: () => ({ stateManager: noPersistence() }) },
  { id: 'off-background', label: "persistence off, saves: 'background'", saves: 'background', open: () => ({ stateManager: noPersistence() }) },
  { id: 'floor', label: 'floor: stringify + write + rename, memfs', open: () => ({ stateManager: floorPersistence() }) },
  { id: 'memfs', label: 'memfs', open: onMemfs },
  { id: 'memfs-background', label: "memfs, saves: 'background'", saves: 'background', open: onMemfs },
  // Agents that wait a turn: every background save then gets its turn between steps.
  { id: 'off-turn', label: 'persistence off, agents wait a turn', agents: 'turn', open: () => ({ stateManager: noPersistence() }) },
  { id: 'memfs-turn', label: 'memfs, agents wait a turn', agents: 'turn', open: onMemfs },
  {
    id: 'off-background-turn',
    label: "persistence off, saves: 'background', agents wait a turn",
    saves: 'background',
    agents: 'turn',
    open: () => ({ stateManager: noPersistence() }),
  },
  { id: 'memfs-background-turn', label: "memfs, saves: 'background', agents wait a turn", saves: 'background', agents: 'turn', open: onMemfs },
  { id: 'disk', label: 'Node disk, durable', open: () => onDisk(nodeFs()) },
  { id: 'disk-fast', label: 'Node disk, not durable', open: () => onDisk(nodeFs({ durable: false })) },
  // Saves slower than steps: a background save stores every step that completed while the one before was written.
  { id: 'disk-background-turn', label: "Node disk, durable, saves: 'background', agents wait a turn", saves: 'background', agents: 'turn', open: () => onDisk(nodeFs()) },
];

/** A StateManager on a new memfs volume. */
function onMemfs() {
  return { stateManager: new StateManager(new FileStorageBackend('/state', { fs: memFs() })) };
}

/** A StateManager on `fs` in a new temp directory, removed by `close`. */
function onDisk(fs) {
  const dir = mkdtempSync(join(tmpdir(), 'waymark-bench-orchestra-'));
  return { stateManager: new StateManager(new FileStorageBackend(dir, { fs })), close: () => rmSync(dir, { recursive: true, force: true }) };
}

let sessions = 0;

/** Times one run; `saves` counts the saves it made (every state Orchestra handed to `prepareSave`). */
async function timeRun(mode, saves = { count: 0 }) {
  const { stateManager, close } = mode.open();
  const prepareSave = stateManager.prepareSave.bind(stateManager);
  stateManager.prepareSave = (sessionId, state) => {
    saves.count++;
    return prepareSave(sessionId, state);
  };
  try {
    const start = performance.now();
    const agents = AGENTS[mode.agents ?? 'instant'];
    const result = await Orchestra.run({ task: 'nothing', topology, agents, stateManager, context: { sessionId: `run${sessions++}` }, maxSteps: STEPS, saves: mode.saves });
    const ms = performance.now() - start;
    const steps = result.totalSteps ?? result.steps;
    if (result.status !== 'completed' || steps !== STEPS) throw new Error(`${mode.id}: ${result.status} after ${steps} steps`);
    return ms;
  } finally {
    close?.();
  }
}

/** Rows of { id, label, saveMode, agents, steps, saves, ms, stepsPerSecond } : medians over `rounds` interleaved runs, after one warm-up each (whose saves are counted). */
export async function runOrchestra({ rounds = 5, log = () => {} }) {
  const times = Object.fromEntries(MODES.map((m) => [m.id, []]));
  const saves = Object.fromEntries(MODES.map((m) => [m.id, { count: 0 }]));
  for (const mode of MODES) await timeRun(mode, saves[mode.id]);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < MODES.length; k++) {
      const mode = MODES[(k + round) % MODES.length];
      times[mode.id].push(await timeRun(mode));
    }
    log(`orchestra round ${round + 1}/${rounds}`);
  }
  return MODES.map((mode) => {
    const ms = median(times[mode.id]);
    const saveMode = mode.saves ?? 'every-step';
    return { id: mode.id, label: mode.label, saveMode, agents: mode.agents ?? 'instant', steps: STEPS, saves: saves[mode.id].count, ms, stepsPerSecond: (STEPS / ms) * 1000 };
  });
}
