/**
 * Bad input to Orchestra: each mistake is a typed error whose message says
 * what to do, and a failed call changes nothing already saved.
 */
import { describe, expect, it } from 'vitest';
import {
  CheckpointManager,
  InvalidKeyError,
  Orchestra,
  SerializationError,
  SessionCompletedError,
  SessionConflictError,
  SessionNotFoundError,
  SessionRunningError,
  TopologyError,
  TopologyMismatchError,
  UnknownAgentError,
  type RunOptions,
  type Topology,
} from '../src/index.js';
import { diamond, loop, managerOn, volumeFs } from './support/workflows.js';

const sessionId = 'job';

/** A StateManager on a volume holding a completed diamond, a paused loop, and a session no workflow wrote. */
async function storedSessions() {
  const { volume, fs } = volumeFs();
  const sm = managerOn(fs);
  await Orchestra.run({ task: diamond.task, topology: diamond.topology, agents: diamond.agents([]), stateManager: sm, context: { sessionId: 'done' } });
  await Orchestra.run({ task: loop.task, topology: loop.topology, agents: loop.agents([]), stateManager: sm, context: { sessionId: 'halfway' }, signal: AbortSignal.abort() });
  await sm.saveSession('plain', { metadata: { note: 'saved by hand' } });
  return { sm, files: () => volume.toJSON() };
}

function options(overrides: Partial<RunOptions>, sm = managerOn()): RunOptions {
  return { task: loop.task, topology: loop.topology, agents: loop.agents([]), stateManager: sm, context: { sessionId }, ...overrides };
}

describe('a topology Orchestra refuses', () => {
  it.each<[string, unknown, RegExp]>([
    ['a flow without an arrow', { agents: ['A', 'B'], flows: ['A => B'] }, /flow "A => B" is malformed \(write 'From -> To' or 'A <-> B'\)/],
    ['a flow with no target', { agents: ['A', 'B'], flows: ['A ->'] }, /flow "A ->" is malformed/],
    ['a chain in one flow', { agents: ['A', 'B', 'C'], flows: ['A -> B -> C'] }, /flow "A -> B -> C" is malformed/],
    ['a flow that is not a string', { agents: ['A'], flows: [42] }, /flow 42 is malformed/],
    ['a flow to an agent it does not list', { agents: ['A', 'B'], flows: ['A -> Z'] }, /flow "A -> Z" names "Z", which is not in agents \["A","B"\]/],
    ['an agent listed twice', { agents: ['A', 'A'], flows: [] }, /an agent is listed twice/],
    ['no agents', { agents: [], flows: [] }, /it has no agents/],
    ['an entry it does not list', { agents: ['A'], flows: [], entry: 'B' }, /entry names "B", which is not in agents/],
    ['a convergence point it does not list', { agents: ['A'], flows: [], convergence: ['Z'] }, /convergence names "Z"/],
    ['an agent name with a slash', { agents: ['web/search'], flows: [] }, /agent name "web\/search" is not allowed/],
    ['an agent name with spaces around it', { agents: [' A'], flows: [] }, /agent name " A" is not allowed/],
    ['something that is not a topology', { agents: 'A' }, /expected \{ agents: \['A', 'B'\], flows: \['A -> B'\] \}/],
  ])('%s', async (_what, topology, message) => {
    const error = await Orchestra.run(options({ topology: topology as Topology, agents: {} })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect(error).toMatchObject({ code: 'INVALID_TOPOLOGY', message: expect.stringMatching(message) });
  });
});

describe('bad options to run and resume', () => {
  it('refuses agents the topology does not name, and topology agents without a function', async () => {
    const { Planner: _, ...withoutPlanner } = loop.agents([]);
    await expect(Orchestra.run(options({ agents: withoutPlanner }))).rejects.toThrow(
      new UnknownAgentError('Planner', 'the topology names it, but agents has no function for it'),
    );
    const extra = { ...loop.agents([]), Editor: async () => ({ response: null }) };
    const error = await Orchestra.run(options({ agents: extra })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownAgentError);
    expect(error).toMatchObject({ code: 'UNKNOWN_AGENT', agent: 'Editor', message: expect.stringContaining("the topology's agents are") });
  });

  it('refuses a session id that could escape the state directory', async () => {
    await expect(Orchestra.run(options({ context: { sessionId: '../escape' } }))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(Orchestra.resume('', { topology: loop.topology, agents: loop.agents([]), stateManager: managerOn() })).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('refuses a task that is not JSON, naming the value', async () => {
    const error = await Orchestra.run(options({ task: { when: new Map() } as never })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SerializationError);
    expect(error).toMatchObject({ path: 'task.when' });
  });

  it('refuses a maxSteps that is not a whole number of at least 1', async () => {
    await expect(Orchestra.run(options({ maxSteps: 0 }))).rejects.toThrow(RangeError);
    await expect(Orchestra.run(options({ maxSteps: 2.5 }))).rejects.toThrow(/maxSteps must be a whole number of at least 1, not 2.5/);
  });

  it('refuses a saves mode it does not know, storing nothing', async () => {
    const { volume, fs } = volumeFs();
    const sm = managerOn(fs);
    const wrong = options({ saves: 'sometimes' as never }, sm);
    await expect(Orchestra.run(wrong)).rejects.toThrow(RangeError);
    await expect(Orchestra.run(wrong)).rejects.toThrow(/saves must be 'every-step' or 'background', not "sometimes"/);
    expect(volume.toJSON()).toEqual({});
  });

  it('refuses a CheckpointManager built on another StateManager', async () => {
    await expect(Orchestra.run(options({ checkpoints: new CheckpointManager(managerOn()) }))).rejects.toThrow(/same StateManager/);
  });

  it('refuses to run a session that is already running in this process, and leaves that run alone', async () => {
    const sm = managerOn();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const agents = { ...loop.agents([]), Planner: async () => (await gate, { response: { outline: 'o', draft: 0 }, next: 'Writer' }) };
    const first = Orchestra.run(options({ agents }, sm));
    const second = await Orchestra.run(options({}, sm)).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(SessionRunningError);
    expect(second).toMatchObject({ code: 'SESSION_RUNNING', message: expect.stringContaining('Orchestra.pause("job")') });
    await expect(Orchestra.resume(sessionId, { topology: loop.topology, agents: loop.agents([]), stateManager: sm })).rejects.toBeInstanceOf(SessionRunningError);
    release();
    expect(await first).toMatchObject({ status: 'completed', totalSteps: 8 });
    // Once settled, the session id is free again.
    expect(await Orchestra.run(options({}, sm))).toMatchObject({ status: 'completed' });
  });
});

describe('sessions that cannot be continued, with nothing saved changed', () => {
  it('resume of a session that does not exist', async () => {
    const { sm, files } = await storedSessions();
    const before = files();
    const error = await Orchestra.resume('missing', { topology: loop.topology, agents: loop.agents([]), stateManager: sm }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionNotFoundError);
    expect(error).toMatchObject({ message: 'Session "missing" not found: start it with Orchestra.run().' });
    expect(files()).toEqual(before);
  });

  it('resume of a session that has completed', async () => {
    const { sm, files } = await storedSessions();
    const before = files();
    const error = await Orchestra.resume('done', { topology: diamond.topology, agents: diamond.agents([]), stateManager: sm }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionCompletedError);
    expect(error).toMatchObject({ code: 'SESSION_COMPLETED', message: expect.stringContaining('nothing to resume') });
    expect(files()).toEqual(before);
  });

  it('resume or run with another topology', async () => {
    const { sm, files } = await storedSessions();
    const before = files();
    const changed = { ...loop.topology, flows: [...loop.topology.flows, 'Planner -> Publisher'] };
    const error = await Orchestra.resume('halfway', { topology: changed, agents: loop.agents([]), stateManager: sm }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyMismatchError);
    expect(error).toMatchObject({ code: 'TOPOLOGY_MISMATCH', message: expect.stringContaining('resume it with the topology it was started with') });
    await expect(Orchestra.run(options({ topology: changed, context: { sessionId: 'halfway' } }, sm))).rejects.toBeInstanceOf(TopologyMismatchError);
    expect(files()).toEqual(before);
  });

  it('run with the id of a session started with another task', async () => {
    const { sm, files } = await storedSessions();
    const before = files();
    const error = await Orchestra.run(options({ task: 'another essay', context: { sessionId: 'halfway' } }, sm)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionConflictError);
    expect(error).toMatchObject({ message: 'Session "halfway" was started with another task: use another session id, or delete the stored session first.' });
    expect(files()).toEqual(before);
  });

  it('run, resume or progress of a session that no workflow wrote', async () => {
    const { sm, files } = await storedSessions();
    const before = files();
    await expect(Orchestra.run(options({ context: { sessionId: 'plain' } }, sm))).rejects.toBeInstanceOf(SessionConflictError);
    await expect(Orchestra.resume('plain', { topology: loop.topology, agents: loop.agents([]), stateManager: sm })).rejects.toThrow(
      /is stored, but it is not a workflow Orchestra.run\(\) started/,
    );
    await expect(Orchestra.progress('plain', sm)).rejects.toBeInstanceOf(SessionConflictError);
    expect(files()).toEqual(before);
  });

  it('progress of a session that does not exist', async () => {
    expect(await Orchestra.progress('missing', managerOn())).toBeUndefined();
  });
});
