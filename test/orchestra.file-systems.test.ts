/**
 * The main scenarios on each real backend: Node's disk (in a temp dir), the
 * IndexedDB fs (on fake-indexeddb) and memfs. Each "new process" is a new
 * StateManager and FileStorageBackend on the same files.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointManager, FileStorageBackend, Orchestra, StateManager, StorageError, type RunResult } from '../src/index.js';
import { FILE_SYSTEMS, type Place } from './support/file-systems.js';
import { diamond, dyingFs, loop, type StepKey } from './support/workflows.js';

const sessionId = 'job';
const outcome = ({ sessionId: _, ...rest }: RunResult) => rest;

describe.each(FILE_SYSTEMS)('Orchestra on $name', ({ makePlace }) => {
  let place: Place;
  beforeEach(async () => {
    place = await makePlace();
  });
  afterEach(() => place.cleanup());

  /** A StateManager as a newly started process would make it. */
  const process = (fs = place.fs) => new StateManager(new FileStorageBackend(place.base, { fs }));

  async function uninterrupted(workflow: typeof diamond) {
    const other = await makePlace();
    try {
      return outcome(await Orchestra.run({ task: workflow.task, topology: workflow.topology, agents: workflow.agents([]), stateManager: new StateManager(new FileStorageBackend(other.base, { fs: other.fs })), context: { sessionId } }));
    } finally {
      await other.cleanup();
    }
  }

  it('runs the diamond to completion and leaves the session on disk for any later process', async () => {
    const result = await Orchestra.run({ task: diamond.task, topology: diamond.topology, agents: diamond.agents([]), stateManager: process(), context: { sessionId } });
    expect(result).toMatchObject({ status: 'completed', totalSteps: 4 });
    expect(await place.fs.readdir(`${place.base}/sessions`)).toEqual(['session_job.json']);
    const later = await Orchestra.run({ task: diamond.task, topology: diamond.topology, agents: diamond.agents([]), stateManager: process(), context: { sessionId } });
    expect(later).toEqual(result);
  });

  it('pauses the loop mid-way and resumes it in a new process', async () => {
    const log: StepKey[] = [];
    const controller = new AbortController();
    const agents = loop.agents(log, (key) => key === 'main:4:Writer' && controller.abort());
    const paused = await Orchestra.run({ task: loop.task, topology: loop.topology, agents, stateManager: process(), context: { sessionId }, signal: controller.signal });
    expect(paused).toMatchObject({ status: 'paused', totalSteps: 4 });
    const resumed = await Orchestra.resume(sessionId, { topology: loop.topology, agents: loop.agents(log), stateManager: process() });
    expect(outcome(resumed)).toEqual(await uninterrupted(loop));
    expect(log).toHaveLength(8);
    expect(new Set(log).size).toBe(8);
  });

  it('continues after the process dies, running only what was not saved', async () => {
    const log: StepKey[] = [];
    const dying = process(dyingFs(place.fs, 3));
    await expect(Orchestra.run({ task: diamond.task, topology: diamond.topology, agents: diamond.agents(log), stateManager: dying, context: { sessionId } })).rejects.toBeInstanceOf(
      StorageError,
    );
    expect(await Orchestra.progress(sessionId, process())).toMatchObject({ status: 'running', steps: 2 });
    const recovered = await Orchestra.run({ task: diamond.task, topology: diamond.topology, agents: diamond.agents(log), stateManager: process(), context: { sessionId } });
    expect(outcome(recovered)).toEqual(await uninterrupted(diamond));
  });

  it("saving in the background, pauses the loop mid-way, survives a process that dies, and ends with the uninterrupted result", async () => {
    const log: StepKey[] = [];
    const controller = new AbortController();
    const options = { topology: loop.topology, saves: 'background' } as const;
    const agents = loop.agents(log, (key) => key === 'main:4:Writer' && controller.abort());
    const paused = await Orchestra.run({ ...options, task: loop.task, agents, stateManager: process(), context: { sessionId }, signal: controller.signal });
    expect(paused).toMatchObject({ status: 'paused', totalSteps: 4 });
    expect(await Orchestra.progress(sessionId, process())).toMatchObject({ status: 'paused', steps: 4 });
    // This process stores the resumed state, then dies at its next write.
    await expect(Orchestra.resume(sessionId, { ...options, agents: loop.agents(log), stateManager: process(dyingFs(place.fs, 1)) })).rejects.toBeInstanceOf(StorageError);
    expect(await Orchestra.progress(sessionId, process())).toMatchObject({ status: 'running', steps: 4 });
    const resumed = await Orchestra.resume(sessionId, { ...options, agents: loop.agents(log), stateManager: process() });
    expect(outcome(resumed)).toEqual(await uninterrupted(loop));
    expect(new Set(log).size).toBe(8);
  });

  it('fails with a throwing agent and completes when resumed with the agent fixed', async () => {
    let broken = true;
    const agents = diamond.agents([], (key) => {
      if (broken && key === 'main:2:D') throw new Error('D is down');
    });
    const failed = await Orchestra.run({ task: diamond.task, topology: diamond.topology, agents, stateManager: process(), context: { sessionId } });
    expect(failed).toMatchObject({ status: 'failed', totalSteps: 3, error: { agent: 'D', detail: 'D is down' } });
    broken = false;
    const resumed = await Orchestra.resume(sessionId, { topology: diamond.topology, agents, stateManager: process() });
    expect(outcome(resumed).finalResponse).toEqual((await uninterrupted(diamond)).finalResponse);
  });

  it('takes automatic checkpoints, and a rollback then resume reproduces the run from there', async () => {
    const sm = process();
    const checkpoints = new CheckpointManager(sm, { everySteps: 3 });
    const log: StepKey[] = [];
    const first = await Orchestra.run({ task: loop.task, topology: loop.topology, agents: loop.agents(log), stateManager: sm, context: { sessionId }, checkpoints });
    const names = (await checkpoints.listCheckpoints(sessionId)).map((c) => c.name);
    expect(names).toEqual(['auto_step_6', 'auto_step_3']);

    const [, atStep3] = await checkpoints.listCheckpoints(sessionId);
    await checkpoints.rollbackToCheckpoint(atStep3!.checkpointId);
    const again: StepKey[] = [];
    const replayed = await Orchestra.resume(sessionId, { topology: loop.topology, agents: loop.agents(again), stateManager: process() });
    expect(outcome(replayed)).toEqual(outcome(first));
    expect(again).toEqual(log.slice(3));
  });
});
