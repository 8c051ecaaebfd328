/**
 * CheckpointManager: automatic checkpoints exactly where the policy says,
 * retention that only deletes automatic ones, rollback, cleanup.
 */
import { describe, expect, it } from 'vitest';
import {
  CheckpointManager,
  CheckpointNotFoundError,
  FileStorageBackend,
  Orchestra,
  StateManager,
  type CheckpointPolicy,
  type JsonObject,
  type RunResult,
} from '../src/index.js';
import { diamond, loop, volumeFs, type StepHook, type StepKey } from './support/workflows.js';
import { wrapWrites } from './support/wrap-writes.js';

const sessionId = 'essay';

/** A StateManager on a fresh volume, with a clock the test moves by hand. */
function setup() {
  const { volume, fs } = volumeFs();
  const clock = { now: 1_800_000_000 };
  const sm = new StateManager(new FileStorageBackend('/state', { fs }), { clock: () => clock.now });
  return { sm, clock, files: () => volume.toJSON() as Record<string, string> };
}

function runLoop(sm: StateManager, checkpoints?: CheckpointManager | CheckpointPolicy, hook?: StepHook, log: StepKey[] = [], signal?: AbortSignal) {
  return Orchestra.run({ task: loop.task, topology: loop.topology, agents: loop.agents(log, hook), stateManager: sm, context: { sessionId }, checkpoints, signal });
}

/** Names of the session's checkpoints, oldest first, with the completed steps each holds. */
async function taken(sm: StateManager) {
  const list = await sm.listCheckpoints(sessionId);
  const out: string[] = [];
  for (const c of list.reverse()) {
    const { metadata } = await sm.restoreCheckpoint(c.checkpointId);
    out.push(`${c.name}@${(metadata.waymark as JsonObject).steps}`);
  }
  return out;
}

describe('automatic checkpoints', () => {
  it('each holds exactly the steps its name says, though parallel branches save in between', async () => {
    // Slow writes: C completes while B's save is still being written, so C's save is queued before
    // the checkpoint that follows B's. It must still be written after that checkpoint is taken.
    const slow = wrapWrites(volumeFs().fs, (write) => async (path, data) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return write(path, data);
    });
    const sm = new StateManager(new FileStorageBackend('/state', { fs: slow }));
    await Orchestra.run({ task: diamond.task, topology: diamond.topology, agents: diamond.agents([]), stateManager: sm, context: { sessionId }, checkpoints: { everySteps: 1 } });
    expect(await taken(sm)).toEqual(['auto_step_1@1', 'auto_step_2@2', 'auto_step_3@3', 'auto_step_4@4']);
  });

  it('every N steps, after steps N, 2N, ...', async () => {
    const { sm } = setup();
    await runLoop(sm, { everySteps: 3 });
    expect(await taken(sm)).toEqual(['auto_step_3@3', 'auto_step_6@6']);
  });

  it('every T milliseconds of the StateManager’s clock', async () => {
    const { sm, clock } = setup();
    // Each step takes one second.
    await runLoop(sm, { everyMs: 1500 }, () => void (clock.now += 1));
    expect(await taken(sm)).toEqual(['auto_step_2@2', 'auto_step_4@4', 'auto_step_6@6', 'auto_step_8@8']);
  });

  it('before each step of the named agents', async () => {
    const { sm } = setup();
    await runLoop(sm, { beforeAgents: ['Writer', 'Publisher'] });
    expect(await taken(sm)).toEqual(['before_Writer@1', 'before_Writer@3', 'before_Writer@5', 'before_Publisher@7']);
    const [latest] = await sm.listCheckpoints(sessionId);
    const state = await sm.restoreCheckpoint(latest!.checkpointId);
    expect(state.branches.main!.metadata.waymark).toMatchObject({ next: { agent: 'Publisher' } });
  });

  it('store their auto flag; manual ones have none, critical ones their flag and reason', async () => {
    const { sm, files } = setup();
    const checkpoints = new CheckpointManager(sm, { everySteps: 4 });
    await runLoop(sm, checkpoints, undefined, [], AbortSignal.abort());
    await checkpoints.createCheckpoint(sessionId, 'mine');
    await checkpoints.createCriticalCheckpoint(sessionId, 'before deploy / v2');
    await runLoop(sm, checkpoints);

    const list = await checkpoints.listCheckpoints(sessionId);
    expect(list.map(({ name, auto, critical }) => ({ name, auto, critical }))).toEqual([
      { name: 'auto_step_8', auto: true, critical: false },
      { name: 'auto_step_4', auto: true, critical: false },
      { name: 'critical_before_deploy_v2', auto: false, critical: true },
      { name: 'mine', auto: false, critical: false },
    ]);
    expect(list[2]!.metadata.checkpoint_reason).toBe('before deploy / v2');
    // On disk, where a new process (or MARSYS) reads them.
    const file = Object.entries(files()).find(([path]) => path.includes('_auto_step_4_'))![1];
    expect(JSON.parse(file).metadata).toMatchObject({ checkpoint_name: 'auto_step_4', checkpoint_auto: true });
  });

  it('are due every N steps one save at a time, or when a save of several steps passes a multiple of N', async () => {
    const { sm } = setup();
    await sm.saveSession(sessionId, { metadata: {} });
    const checkpoints = new CheckpointManager(sm, { everySteps: 5 });
    const due = async (steps: number, since?: number) => (await checkpoints.onStepSaved(sessionId, steps, since))?.name;
    expect(await due(9)).toBeUndefined();
    expect(await due(10)).toBe('auto_step_10');
    expect(await due(7, 3)).toBe('auto_step_7');
    expect(await due(9, 7)).toBeUndefined();
    expect(await due(10, 10)).toBeUndefined();
    expect(await due(21, 9)).toBe('auto_step_21');
  });

  it('refuses a policy with numbers that make no sense', () => {
    const { sm } = setup();
    expect(() => new CheckpointManager(sm, { everySteps: 0 })).toThrow(/everySteps must be a whole number of at least 1, not 0/);
    expect(() => new CheckpointManager(sm, { keepAuto: 1.5 })).toThrow(RangeError);
    expect(() => new CheckpointManager(sm, { everyMs: -1 })).toThrow(/everyMs must be a positive number of milliseconds/);
    expect(() => new CheckpointManager(sm, { maxAutoAgeMs: NaN })).toThrow(RangeError);
  });
});

describe('retention', () => {
  it('keeps the newest keepAuto automatic checkpoints, and every manual and critical one', async () => {
    const { sm } = setup();
    const checkpoints = new CheckpointManager(sm, { everySteps: 1, keepAuto: 2 });
    const controller = new AbortController();
    await runLoop(sm, checkpoints, (key) => key === 'main:3:Reviewer' && controller.abort(), [], controller.signal);
    await checkpoints.createCheckpoint(sessionId, 'mine');
    await checkpoints.createCriticalCheckpoint(sessionId, 'audit');
    await runLoop(sm, checkpoints);
    expect(await taken(sm)).toEqual(['mine@3', 'critical_audit@3', 'auto_step_7@7', 'auto_step_8@8']);
  });

  it('deletes automatic checkpoints older than maxAutoAgeMs, never manual ones', async () => {
    const { sm, clock } = setup();
    const checkpoints = new CheckpointManager(sm, { everySteps: 2, maxAutoAgeMs: 2500 });
    await runLoop(sm, checkpoints, (key) => {
      clock.now += 1;
      if (key === 'main:2:Writer') void checkpoints.createCheckpoint(sessionId, 'old_manual');
    });
    // Checkpoints at seconds 2, 4, 6, 8; at 8 those older than 2.5 s (2 and 4) are gone.
    expect(await taken(sm)).toEqual(['old_manual@1', 'auto_step_6@6', 'auto_step_8@8']);
  });

  it('cleanupOldCheckpoints deletes old automatic checkpoints of one session or all, and keeps the rest', async () => {
    const { sm, clock } = setup();
    const checkpoints = new CheckpointManager(sm, { everySteps: 4 });
    await runLoop(sm, checkpoints);
    await checkpoints.createCheckpoint(sessionId, 'mine');
    await Orchestra.run({ task: loop.task, topology: loop.topology, agents: loop.agents([]), stateManager: sm, context: { sessionId: 'other' }, checkpoints });
    clock.now += 60;
    const other = await checkpoints.createCheckpoint('other', 'fresh');

    expect(await checkpoints.cleanupOldCheckpoints(120_000)).toEqual([]);
    const deleted = await checkpoints.cleanupOldCheckpoints(30_000, sessionId);
    expect(deleted).toHaveLength(2);
    expect(await taken(sm)).toEqual(['mine@8']);
    expect((await checkpoints.cleanupOldCheckpoints(30_000)).length).toBe(2);
    expect((await sm.listCheckpoints('other')).map((c) => c.checkpointId)).toEqual([other]);
  });
});

describe('rollbackToCheckpoint', () => {
  it('backs up the live session, makes the checkpoint the session, and resume replays the run from there', async () => {
    const { sm } = setup();
    const checkpoints = new CheckpointManager(sm, { beforeAgents: ['Publisher'], everySteps: 4 });
    const log: StepKey[] = [];
    const first = await runLoop(sm, checkpoints, undefined, log);
    const atStep4 = (await checkpoints.listCheckpoints(sessionId)).find((c) => c.name === 'auto_step_4')!;

    const rollback = await checkpoints.rollbackToCheckpoint(atStep4.checkpointId);
    expect(rollback.sessionId).toBe(sessionId);
    const backup = await sm.restoreCheckpoint(rollback.backupId!);
    expect(backup.metadata).toMatchObject({ checkpoint_name: 'pre_rollback', waymark: { status: 'completed', steps: 8 } });
    expect((await checkpoints.listCheckpoints(sessionId)).find((c) => c.checkpointId === rollback.backupId)).toMatchObject({ auto: false });

    const live = (await sm.loadSession(sessionId))!;
    expect(live.metadata).not.toHaveProperty('checkpoint_name');
    expect(live.metadata).not.toHaveProperty('checkpoint_auto');
    expect(live.metadata.waymark).toMatchObject({ status: 'running', steps: 4 });
    expect(await Orchestra.progress(sessionId, sm)).toMatchObject({ steps: 4, next: [{ branchId: 'main', agent: 'Reviewer', step: 5 }] });

    const replay: StepKey[] = [];
    const again = await Orchestra.resume(sessionId, { topology: loop.topology, agents: loop.agents(replay), stateManager: sm });
    const { sessionId: _a, ...firstOutcome } = first;
    const { sessionId: _b, ...againOutcome } = again as RunResult;
    expect(againOutcome).toEqual(firstOutcome);
    expect(replay).toEqual(log.slice(4));
  });

  it('restores a session that was deleted, with no backup', async () => {
    const { sm } = setup();
    const checkpoints = new CheckpointManager(sm, { everySteps: 4 });
    await runLoop(sm, checkpoints);
    const [latest] = await checkpoints.listCheckpoints(sessionId);
    await sm.deleteSession(sessionId);
    expect(await checkpoints.rollbackToCheckpoint(latest!.checkpointId)).toEqual({ sessionId, backupId: null });
    expect(await Orchestra.progress(sessionId, sm)).toMatchObject({ status: 'completed', steps: 8 });
  });

  it('fails on a checkpoint that does not exist, changing nothing', async () => {
    const { sm, files } = setup();
    await runLoop(sm);
    const before = files();
    await expect(new CheckpointManager(sm).rollbackToCheckpoint(`checkpoint_${sessionId}_nope_1`)).rejects.toBeInstanceOf(CheckpointNotFoundError);
    expect(files()).toEqual(before);
  });
});
