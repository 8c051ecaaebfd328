/**
 * The guarantee, checked exhaustively on memfs: interrupted at any step (a
 * pause) or at any save (a crash), a workflow ends with the result of an
 * uninterrupted run, no saved step runs twice, and none is skipped; with
 * saves after every step, no completed step runs twice either.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { memFs } from '../adapters/memfs.js';
import { Orchestra, StorageError, type RunResult, type SaveMode, type StateManager } from '../src/index.js';
import { countSteps, dyingFs, managerOn, savedSteps, volumeFs, WORKFLOWS, type StepHook, type StepKey, type TestWorkflow } from './support/workflows.js';

const sessionId = 'job';

/** Where the tests below do not say otherwise: `describe.each` sets it for each mode. */
let saves: SaveMode = 'every-step';

function start(workflow: TestWorkflow, sm: StateManager, log: StepKey[], hook?: StepHook, signal?: AbortSignal) {
  return Orchestra.run({ task: workflow.task, topology: workflow.topology, agents: workflow.agents(log, hook), stateManager: sm, context: { sessionId }, signal, saves });
}

/** A result without the session id, to compare runs of different sessions. */
const outcome = ({ sessionId: _, ...rest }: RunResult) => rest;

const MODES: SaveMode[] = ['every-step', 'background'];
const CASES = Object.entries(WORKFLOWS).flatMap(([name, workflow]) => MODES.map((mode) => [name, mode, workflow] as const));

describe.each(CASES)('the %s workflow, saves: %s', (_name, mode, workflow) => {
  beforeEach(() => {
    saves = mode;
  });

  /** An uninterrupted run: its result, its steps, and how many file writes it makes. */
  async function reference() {
    const log: StepKey[] = [];
    const fs = dyingFs(memFs());
    const result = await start(workflow, managerOn(fs), log);
    expect(result.status).toBe('completed');
    return { result: outcome(result), steps: [...log].sort(), writes: fs.writes() };
  }

  it('runs each step exactly once when paused at any step and resumed in a new process', async () => {
    const ref = await reference();
    for (let k = 1; k <= ref.steps.length; k++) {
      const { fs } = volumeFs();
      const log: StepKey[] = [];
      const controller = new AbortController();
      const first = await start(workflow, managerOn(fs), log, () => log.length === k && controller.abort(), controller.signal);
      // Paused while the last step ran: that step finishes, and then there is nothing left to pause.
      expect(first.status, `paused as step ${k} started`).toBe(k === ref.steps.length ? 'completed' : 'paused');
      // A new StateManager on the same files: what a restarted process would have.
      const resumed =
        first.status === 'completed'
          ? first
          : await Orchestra.resume(sessionId, { topology: workflow.topology, agents: workflow.agents(log), stateManager: managerOn(fs), saves });
      expect(outcome(resumed), `paused as step ${k} started`).toEqual(ref.result);
      expect([...log].sort(), `paused as step ${k} started`).toEqual(ref.steps);
    }
  });

  it('runs each step exactly once when paused after every single step', async () => {
    const ref = await reference();
    const { fs } = volumeFs();
    const log: StepKey[] = [];
    let result: RunResult | undefined;
    for (let runs = 0; result?.status !== 'completed'; runs++) {
      expect(runs).toBeLessThanOrEqual(ref.steps.length);
      const controller = new AbortController();
      result = await start(workflow, managerOn(fs), log, () => controller.abort(), controller.signal);
    }
    expect(outcome(result)).toEqual(ref.result);
    expect([...log].sort()).toEqual(ref.steps);
  });

  it('never runs a saved step again, nor skips one, when the process dies at any save', async () => {
    const ref = await reference();
    for (let budget = 0; budget < ref.writes; budget++) {
      const where = `the process died after ${budget} writes`;
      const { fs } = volumeFs();
      const firstLog: StepKey[] = [];
      await expect(start(workflow, managerOn(dyingFs(fs, budget)), firstLog), where).rejects.toBeInstanceOf(StorageError);

      const recovery = managerOn(fs);
      const saved = savedSteps(await recovery.loadSession(sessionId));
      const secondLog: StepKey[] = [];
      const result = await start(workflow, recovery, secondLog);

      expect(outcome(result), where).toEqual(ref.result);
      // Completed (saved) steps ran once, before the crash, and not again.
      for (const key of saved) expect(countSteps(firstLog).get(key), `${where}: ${key}`).toBe(1);
      expect(secondLog.filter((key) => saved.has(key)), where).toEqual([]);
      // Every other step ran after the crash, once; none was skipped.
      expect([...saved, ...secondLog].sort(), where).toEqual(ref.steps);
      const twice = firstLog.filter((key) => secondLog.includes(key));
      if (mode === 'every-step') {
        // What ran twice was in flight when the process died: at most one step per branch.
        const branches = twice.map((key) => key.split(':')[0]);
        expect(new Set(branches).size, where).toBe(branches.length);
      }
    }
  });

  it('ends with the same result however many times the process dies on the way', async () => {
    const ref = await reference();
    const { fs } = volumeFs();
    let result: RunResult | undefined;
    let deaths = 0;
    const ran: StepKey[] = [];
    // Each process gets two writes (its first save and one step), then dies.
    while (result === undefined) {
      const saved = savedSteps(await managerOn(fs).loadSession(sessionId));
      const log: StepKey[] = [];
      result = await start(workflow, managerOn(dyingFs(fs, 2)), log).catch((error: unknown) => {
        expect(error).toBeInstanceOf(StorageError);
        deaths++;
        return undefined;
      });
      expect(log.filter((key) => saved.has(key)), `process ${deaths + 1} ran steps saved before it started`).toEqual([]);
      ran.push(...log);
    }
    // Saving after every step, each process saves one step; in the background, a save may hold several.
    if (mode === 'every-step') expect(deaths).toBeGreaterThanOrEqual(ref.steps.length - 1);
    else expect(deaths).toBeGreaterThanOrEqual(1);
    expect(outcome(result)).toEqual(ref.result);
    expect([...new Set(ran)].sort()).toEqual(ref.steps);
  });
});
