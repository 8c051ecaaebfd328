/**
 * `saves: 'background'` against the default `'every-step'`: when a branch
 * may go on, which states are saved, and what a pause, a checkpoint and a
 * failed save still wait for. Writes are held at will, so each test decides
 * how long a save takes.
 */
import { describe, expect, it } from 'vitest';
import { Orchestra, StorageError, type Agent, type AgentContext, type OrchestraEvent, type SaveMode, type StateManager } from '../src/index.js';
import { countSteps, dyingFs, managerOn, volumeFs } from './support/workflows.js';
import { wrapWrites } from './support/wrap-writes.js';

const sessionId = 'chain';
const STEPS = 6;
const topology = { agents: ['A', 'B'], flows: ['A <-> B'] };

/** Waits for the event loop's next turn: what an agent waiting on I/O does. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A and B hand over to each other for `steps` steps; each logs its step, calls `onStart`, and (when `wait`) waits a turn. */
function chain(log: string[], { steps = STEPS, wait = true, onStart = (_: AgentContext): unknown => undefined } = {}): Record<string, Agent> {
  const agent = (other: string): Agent => async (_input, context) => {
    log.push(`${context.step}:${context.agent}`);
    await onStart(context);
    if (wait) await nextTurn();
    return { response: context.step, next: context.step >= steps ? null : other };
  };
  return { A: agent('B'), B: agent('A') };
}

/** A StateManager on memfs whose writes wait while held, and the step counts of the states it was asked to save, in order. */
function heldWrites() {
  const { fs } = volumeFs();
  let gate: Promise<void> | undefined;
  let open = () => {};
  const sm = managerOn(
    wrapWrites(fs, (write) => async (path, data) => {
      while (gate) await gate;
      return write(path, data);
    }),
  );
  return {
    sm,
    /** Another process's StateManager on the same files: it reads what is stored, held writes or not. */
    other: () => managerOn(fs),
    savedSteps: spySaves(sm),
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = undefined;
      open();
    },
  };
}

/** The step count of each state `sm` is asked to save, in the order asked. */
function spySaves(sm: StateManager): number[] {
  const steps: number[] = [];
  const prepare = sm.prepareSave.bind(sm);
  sm.prepareSave = (id, state) => {
    steps.push((state.metadata as { waymark: { steps: number } }).waymark.steps);
    return prepare(id, state);
  };
  return steps;
}

function start(sm: StateManager, agents: Record<string, Agent>, saves: SaveMode, extra: { onEvent?: (event: OrchestraEvent) => void; signal?: AbortSignal } = {}) {
  return Orchestra.run({ task: 'go', topology, agents, stateManager: sm, context: { sessionId }, saves, ...extra });
}

/** Resolves once `count` events of `type` have been seen. */
function eventCounter() {
  const seen: OrchestraEvent[] = [];
  const waiters: Array<() => void> = [];
  return {
    onEvent: (event: OrchestraEvent) => {
      seen.push(event);
      waiters.splice(0).forEach((wake) => wake());
    },
    count: (type: OrchestraEvent['type']) => seen.filter((event) => event.type === type).length,
    /** The step counts of the `saved` events, in order. */
    saved: () => seen.flatMap((event) => (event.type === 'saved' ? [event.steps] : [])),
    async until(type: OrchestraEvent['type'], count: number) {
      while (this.count(type) < count) await new Promise<void>((wake) => waiters.push(wake));
    },
  };
}

/** A run of the chain whose writes are held from the start of step 1 (so the save of step 1 waits), with its events and log. */
function runHoldingSaveOfStep1(saves: SaveMode) {
  const store = heldWrites();
  const events = eventCounter();
  const log: string[] = [];
  const run = start(store.sm, chain(log, { onStart: (c) => c.step === 1 && store.hold() }), saves, events);
  return { store, events, log, run };
}

const storedSteps = async (sm: StateManager) => (await sm.loadSession(sessionId))!.metadata.waymark as { steps: number; status: string };

describe("saves: 'every-step'", () => {
  it('starts no step while the save of the step before it is held', async () => {
    const { store, events, log, run } = runHoldingSaveOfStep1('every-step');
    await events.until('step-completed', 1);
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    expect(log).toEqual(['1:A']);
    store.release();
    expect(await run).toMatchObject({ status: 'completed', totalSteps: STEPS });
    expect(store.savedSteps).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("saves: 'background'", () => {
  it('goes on while a save is held, and stores the steps completed meanwhile in one save', async () => {
    const { store, events, log, run } = runHoldingSaveOfStep1('background');
    await events.until('step-completed', STEPS);
    // Every step ran while the save of step 1 waited; storage still has the state the run started with.
    expect(log).toHaveLength(STEPS);
    expect(store.savedSteps).toEqual([0, 1]);
    expect(await storedSteps(store.other())).toMatchObject({ steps: 0, status: 'running' });

    expect(events.saved()).toEqual([0]);

    store.release();
    expect(await run).toMatchObject({ status: 'completed', totalSteps: STEPS });
    // The run resolved only once the last state was stored: one more save, of all six steps.
    expect(store.savedSteps).toEqual([0, 1, STEPS]);
    expect(events.saved()).toEqual([0, 1, STEPS]);
    expect(await storedSteps(store.other())).toMatchObject({ steps: STEPS, status: 'completed' });
  });

  it('saves steps that follow each other without waiting on anything together: two saves for a run of a hundred', async () => {
    const sm = managerOn();
    const saved = spySaves(sm);
    const result = await start(sm, chain([], { steps: 100, wait: false }), 'background');
    expect(result).toMatchObject({ status: 'completed', totalSteps: 100 });
    expect(saved).toEqual([0, 100]);
    expect(await storedSteps(sm)).toMatchObject({ steps: 100, status: 'completed' });
  });

  it('waits for the next turn with setTimeout where there is no setImmediate, as in browsers', async () => {
    const sm = managerOn();
    const saved = spySaves(sm);
    const { setImmediate: original } = globalThis;
    // @ts-expect-error: browsers have none
    delete globalThis.setImmediate;
    try {
      const result = await start(sm, chain([], { steps: 100, wait: false }), 'background');
      expect(result).toMatchObject({ status: 'completed', totalSteps: 100 });
    } finally {
      globalThis.setImmediate = original;
    }
    expect(saved).toEqual([0, 100]);
  });

  it('stores the same session as saves after every step', async () => {
    const runs = await Promise.all(
      (['every-step', 'background'] as const).map(async (saves) => {
        const sm = managerOn();
        await start(sm, chain([]), saves);
        const { timestamp: _, checksum: __, ...stored } = (await sm.loadSession(sessionId))!;
        return stored;
      }),
    );
    expect(runs[1]).toEqual(runs[0]);
  });

  it('resolves a pause only once every completed step is stored; resume runs the rest, each step once', async () => {
    const store = heldWrites();
    const events = eventCounter();
    const log: string[] = [];
    const controller = new AbortController();
    const onStart = (context: AgentContext) => {
      if (context.step === 1) store.hold();
      if (context.step === 3) controller.abort();
    };
    const run = start(store.sm, chain(log, { onStart }), 'background', { ...events, signal: controller.signal });
    await events.until('step-completed', 3);
    let settled = false;
    void run.finally(() => (settled = true));
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    expect(settled).toBe(false);

    store.release();
    expect(await run).toMatchObject({ status: 'paused', totalSteps: 3 });
    expect(await storedSteps(store.other())).toMatchObject({ steps: 3, status: 'paused' });
    const resumed = await Orchestra.resume(sessionId, { topology, agents: chain(log), stateManager: store.other(), saves: 'background' });
    expect(resumed).toMatchObject({ status: 'completed', totalSteps: STEPS });
    expect([...countSteps(log).values()]).toEqual(Array(STEPS).fill(1));
  });

  it('rejects the run when a background save fails, keeping what was stored; resume completes it', async () => {
    const { fs } = volumeFs();
    // The first write (the run's first save) goes through; every later one fails.
    const failing = managerOn(dyingFs(fs, 1));
    const log: string[] = [];
    await expect(start(failing, chain(log), 'background')).rejects.toBeInstanceOf(StorageError);
    const recovery = managerOn(fs);
    expect(await storedSteps(recovery)).toMatchObject({ steps: 0, status: 'running' });
    expect(await Orchestra.resume(sessionId, { topology, agents: chain(log), stateManager: recovery, saves: 'background' })).toMatchObject({
      status: 'completed',
      totalSteps: STEPS,
    });
    // What ran before the failure runs again: nothing of it was stored.
    expect(log.slice(log.lastIndexOf('1:A'))).toEqual(['1:A', '2:B', '3:A', '4:B', '5:A', '6:B']);
  });

  it('takes an everySteps checkpoint when a save passes a multiple of N, not only when it lands on one', async () => {
    const sm2 = managerOn();
    const saved = spySaves(sm2);
    const result = await Orchestra.run({
      task: 'go',
      topology,
      agents: chain([], { wait: false, steps: 5 }),
      stateManager: sm2,
      context: { sessionId },
      saves: 'background',
      checkpoints: { everySteps: 2 },
    });
    expect(result.totalSteps).toBe(5);
    expect(saved).toEqual([0, 5]);
    // One save held steps 1 to 5: it passed 2 and 4, so it is checkpointed once, under its own count.
    expect((await sm2.listCheckpoints(sessionId)).map((c) => c.name)).toEqual(['auto_step_5']);
  });

  it('checkpoints before an agent, and for an agent, the state with every step completed before it', async () => {
    const sm = managerOn();
    const saved = spySaves(sm);
    const agents = chain([], { wait: false, onStart: (context) => context.step === 5 && context.checkpoint('asked_by_step_5') });
    await Orchestra.run({ task: 'go', topology, agents, stateManager: sm, context: { sessionId }, saves: 'background', checkpoints: { beforeAgents: ['B'] } });
    const taken = await Promise.all(
      (await sm.listCheckpoints(sessionId)).map(async ({ checkpointId, name }) => {
        const { steps } = (await sm.restoreCheckpoint(checkpointId)).metadata.waymark as { steps: number };
        return `${name} ${steps}`;
      }),
    );
    // B runs steps 2, 4 and 6; without the save first, each would hold the state of the run's start.
    expect(taken.sort()).toEqual(['asked_by_step_5 4', 'before_B 1', 'before_B 3', 'before_B 5']);
    expect(saved).toEqual([0, 1, 3, 4, 5, 6]);
  });

  it('makes no background save that a checkpoint’s save has made unnecessary', async () => {
    const sm = managerOn();
    const saved = spySaves(sm);
    const slowB = (context: AgentContext) => context.agent === 'B' && new Promise((resolve) => setTimeout(resolve, 20));
    await Orchestra.run({ task: 'go', topology, agents: chain([], { steps: 2, wait: false, onStart: slowB }), stateManager: sm, context: { sessionId }, saves: 'background', checkpoints: { beforeAgents: ['B'] } });
    // Step 1's background save was still waiting for its turn when B's checkpoint saved step 1: it is not made again.
    expect(saved).toEqual([0, 1, 2]);
  });
});
