/**
 * What Orchestra.run does, on memfs: branches, fan-out and convergence,
 * loops, the state it saves after each step, pause, failure and retry.
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidTransitionError,
  MaxStepsExceededError,
  Orchestra,
  SerializationError,
  StepFailedError,
  type Agent,
  type JsonObject,
  type JsonValue,
  type OrchestraEvent,
  type SessionSnapshot,
  type StateManager,
} from '../src/index.js';
import { memFs } from '../adapters/memfs.js';
import { dumpPythonIndent2Slow, marsysChecksumNow, parsePythonJson, type MarsysChecksumFields } from '../src/pyjson/index.js';
import { diamond, loop, managerOn, volumeFs } from './support/workflows.js';
import { wrapWrites, writtenText } from './support/wrap-writes.js';

const sessionId = 'run-1';

function run(sm: StateManager, workflow: typeof diamond, log: string[] = [], extra: Partial<Parameters<typeof Orchestra.run>[0]> = {}) {
  return Orchestra.run({ task: workflow.task, topology: workflow.topology, agents: workflow.agents(log), stateManager: sm, context: { sessionId }, ...extra });
}

/** Replies as `reply` says, after logging the step. */
const agentThat =
  (log: string[], reply: (input: any, context: Parameters<Agent>[1]) => any): Agent =>
  async (input, context) => {
    log.push(`${context.branchId}:${context.step}:${context.agent}`);
    return reply(input, context);
  };

describe('Orchestra.run', () => {
  it('runs the diamond: A fans out to B and C in parallel, D gets both their responses', async () => {
    const sm = managerOn();
    const log: string[] = [];
    const result = await run(sm, diamond, log);
    expect(result).toMatchObject({
      sessionId,
      status: 'completed',
      finalResponse: { merged: ['B read plan for tides', 'C read plan for tides'], memory: 1 },
      totalSteps: 4,
    });
    expect(result.error).toBeUndefined();
    expect(log.slice(0, 1)).toEqual(['main:1:A']);
    expect(log.slice(1, 3).sort()).toEqual(['main/B:1:B', 'main/C:1:C']);
    expect(log.slice(3)).toEqual(['main:2:D']);
    expect(Object.keys(result.branchResults).sort()).toEqual(['main', 'main/B', 'main/C']);
    expect(result.branchResults.main).toMatchObject({
      success: true,
      totalSteps: 2,
      executionTrace: [
        { agentName: 'A', success: true, actionType: 'parallel_invoke', error: null },
        { agentName: 'D', success: true, actionType: 'final_response', error: null },
      ],
    });
  });

  it('runs a loop: the reviewer sends the draft back to the writer until it is good', async () => {
    const log: string[] = [];
    const result = await run(managerOn(), loop, log);
    expect(result).toMatchObject({ status: 'completed', finalResponse: { published: 'draft 3 of outline of an essay on durable state', steps: 8 }, totalSteps: 8 });
    expect(log).toEqual([
      'main:1:Planner',
      'main:2:Writer',
      'main:3:Reviewer',
      'main:4:Writer',
      'main:5:Reviewer',
      'main:6:Writer',
      'main:7:Reviewer',
      'main:8:Publisher',
    ]);
  });

  it('saves the finished workflow in the MARSYS snapshot shape', async () => {
    const sm = managerOn();
    await run(sm, diamond);
    const stored = (await sm.loadSession(sessionId))!;
    expect(stored.activeBranches).toEqual(new Set());
    expect(stored.completedBranches).toEqual(new Set(['main', 'main/B', 'main/C']));
    expect(stored.waitingBranches).toEqual({});
    expect(stored.parentChildMap).toEqual({ main: ['main/B', 'main/C'] });
    expect(stored.childParentMap).toEqual({ 'main/B': 'main', 'main/C': 'main' });
    const main = stored.branches.main!;
    expect(main.state).toMatchObject({ status: 'completed', currentStep: 2, totalSteps: 2, error: null, completedAgents: new Set(['A', 'D']) });
    expect(main.topology).toMatchObject({ entryAgent: 'A', currentAgent: null, allowedTransitions: { A: ['B', 'C'], B: ['D'], C: ['D'], D: [] } });
    expect(stored.branches['main/B']).toMatchObject({ parentBranch: 'main', topology: { entryAgent: 'B' }, state: { status: 'completed' } });
    expect(stored.branchResults['main/B']!.branchMemory).toEqual([{ agent: 'B', response: 'B read plan for tides' }]);
    expect(stored.metadata.waymark).toMatchObject({ version: 1, task: diamond.task, status: 'completed', steps: 4, error: null });
  });

  it('saves the whole state after every step, parent waiting for its children included', async () => {
    const sm = managerOn();
    const seen: SessionSnapshot[] = [];
    // Each agent looks at what is stored when it starts: the state saved after the step before.
    const agents = diamond.agents([], () => void 0);
    const peeking = Object.fromEntries(
      Object.entries(agents).map(([name, agent]) => [
        name,
        (async (input, context) => {
          seen.push((await sm.loadSession(sessionId))!);
          return agent(input, context);
        }) as Agent,
      ]),
    );
    await Orchestra.run({ task: diamond.task, topology: diamond.topology, agents: peeking, stateManager: sm, context: { sessionId } });

    const beforeA = seen[0]!;
    expect(beforeA.metadata.waymark).toMatchObject({ status: 'running', steps: 0 });
    expect(beforeA.branches.main!.metadata.waymark).toMatchObject({ next: { agent: 'A', input: diamond.task } });
    const beforeChildren = seen[1]!;
    expect(beforeChildren.metadata.waymark).toMatchObject({ steps: 1 });
    expect(beforeChildren.branches.main!.state.status).toBe('waiting');
    expect(beforeChildren.waitingBranches).toEqual({ main: new Set(['main/B', 'main/C']) });
    expect(beforeChildren.activeBranches).toEqual(new Set(['main', 'main/B', 'main/C']));
    expect(beforeChildren.branches['main/C']!.metadata.waymark).toMatchObject({ next: { agent: 'C', input: { plan: 'plan for tides' } } });
    const beforeD = seen[3]!;
    expect(beforeD.metadata.waymark).toMatchObject({ steps: 3 });
    expect(beforeD.branches.main!.metadata.waymark).toMatchObject({
      next: { agent: 'D', input: { B: 'B read plan for tides', C: 'C read plan for tides' } },
    });
  });

  it('gives each agent its context: ids, step, task, memory of its branch', async () => {
    const contexts: unknown[] = [];
    const agents = {
      One: agentThat([], (_input, context) => {
        contexts.push({ ...context, signal: context.signal instanceof AbortSignal, checkpoint: typeof context.checkpoint });
        return { response: 'first', next: 'Two' };
      }),
      Two: agentThat([], (_input, context) => {
        contexts.push({ ...context, signal: context.signal.aborted, checkpoint: typeof context.checkpoint });
        return { response: 'second' };
      }),
    };
    await Orchestra.run({ task: { q: 1 }, topology: { agents: ['One', 'Two'], flows: ['One -> Two'] }, agents, stateManager: managerOn(), context: { sessionId } });
    expect(contexts).toEqual([
      { sessionId, branchId: 'main', agent: 'One', step: 1, task: { q: 1 }, signal: true, memory: [], checkpoint: 'function' },
      { sessionId, branchId: 'main', agent: 'Two', step: 2, task: { q: 1 }, signal: false, memory: [{ agent: 'One', response: 'first' }], checkpoint: 'function' },
    ]);
  });

  it('lets an agent checkpoint the session as last saved', async () => {
    const sm = managerOn();
    const agents = {
      One: agentThat([], () => ({ response: 1, next: 'Two' })),
      Two: agentThat([], async (_input, context) => ({ response: await context.checkpoint('before_two') })),
    };
    const result = await Orchestra.run({ task: null, topology: { agents: ['One', 'Two'], flows: ['One -> Two'] }, agents, stateManager: sm, context: { sessionId } });
    const [checkpoint] = await sm.listCheckpoints(sessionId);
    expect(checkpoint).toMatchObject({ checkpointId: result.finalResponse, name: 'before_two', auto: false });
    const restored = await sm.restoreCheckpoint(checkpoint!.checkpointId);
    expect(restored.metadata.waymark).toMatchObject({ steps: 1, status: 'running' });
  });

  it('ends the parent with its children’s responses when they end without meeting', async () => {
    const agents = {
      Split: agentThat([], () => ({ response: 'go', next: ['Left', 'Right'] })),
      Left: agentThat([], () => ({ response: 'l' })),
      Right: agentThat([], () => ({ response: 'r' })),
    };
    const result = await Orchestra.run({
      task: null,
      topology: { agents: ['Split', 'Left', 'Right'], flows: ['Split -> Left', 'Split -> Right'] },
      agents,
      stateManager: managerOn(),
      context: { sessionId },
    });
    expect(result).toMatchObject({ status: 'completed', finalResponse: { Left: 'l', Right: 'r' }, totalSteps: 3 });
  });

  it('fans out again inside a loop, with a new child branch each round', async () => {
    const log: string[] = [];
    const agents = {
      Hub: agentThat(log, (input) => ({ response: (input ?? 0) + 1, next: ['Worker', 'Helper'] })),
      Worker: agentThat(log, (input) => ({ response: input * 10, next: 'Join' })),
      Helper: agentThat(log, (input) => ({ response: input * 100, next: 'Join' })),
      Join: agentThat(log, (input) => (input.Worker < 20 ? { response: 1, next: 'Hub' } : { response: input })),
    };
    const result = await Orchestra.run({
      task: null,
      topology: { agents: ['Hub', 'Worker', 'Helper', 'Join'], flows: ['Hub -> Worker', 'Hub -> Helper', 'Worker -> Join', 'Helper -> Join', 'Join -> Hub'] },
      agents,
      stateManager: managerOn(),
      context: { sessionId },
    });
    expect(result.finalResponse).toEqual({ Worker: 20, Helper: 200 });
    expect(Object.keys(result.branchResults).sort()).toEqual(['main', 'main/Helper', 'main/Helper#2', 'main/Worker', 'main/Worker#2']);
    expect(log.filter((key) => key.startsWith('main:'))).toEqual(['main:1:Hub', 'main:2:Join', 'main:3:Hub', 'main:4:Join']);
  });

  it('reports progress through onEvent, and survives a listener that throws', async () => {
    const events: OrchestraEvent[] = [];
    await run(managerOn(), loop, [], {
      checkpoints: { everySteps: 4 },
      onEvent: (event) => {
        events.push(event);
        throw new Error('a broken progress display');
      },
    });
    expect(events.filter((e) => e.type === 'step-started')).toHaveLength(8);
    expect(events.filter((e) => e.type === 'step-completed').map((e) => e.type === 'step-completed' && e.steps)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.find((e) => e.type === 'step-completed')).toEqual({ type: 'step-completed', branchId: 'main', agent: 'Planner', step: 1, next: ['Writer'], steps: 1 });
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => e.type === 'checkpoint' && e.name)).toEqual(['auto_step_4', 'auto_step_8']);
    // The run's first save, then one after every step: each once it is stored.
    expect(events.filter((e) => e.type === 'saved').map((e) => e.type === 'saved' && e.steps)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('reports each save as stored only once storage has it, and the last save of a paused run', async () => {
    const { volume, fs } = volumeFs();
    const sm = managerOn(fs);
    const stored: number[] = [];
    const controller = new AbortController();
    await run(sm, loop, [], {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type !== 'saved') return;
        // What a new process would read at this moment.
        const file = Object.entries(volume.toJSON()).find(([path]) => path.endsWith('session_run-1.json'))![1]!;
        stored.push((parsePythonJson(file) as { metadata: { waymark: { steps: number } } }).metadata.waymark.steps);
        expect(stored.at(-1)).toBe(event.steps);
        if (event.steps === 3) controller.abort();
      },
    });
    // Paused as step 3 was stored, before step 4 could start: then the paused session's save, of the same 3 steps.
    expect(stored).toEqual([0, 1, 2, 3, 3]);
  });

  it('returns the stored result of a completed session without running anything', async () => {
    const sm = managerOn();
    const first = await run(sm, diamond);
    const log: string[] = [];
    const again = await run(sm, diamond, log);
    expect(log).toEqual([]);
    expect(again).toEqual(first);
  });
});

describe('pausing', () => {
  it('lets the steps in flight finish, saves them, and resolves paused; resume continues', async () => {
    const sm = managerOn();
    const controller = new AbortController();
    const log: string[] = [];
    const agents = diamond.agents(log, (key) => key === 'main/B:1:B' && controller.abort());
    const paused = await Orchestra.run({ task: diamond.task, topology: diamond.topology, agents, stateManager: sm, context: { sessionId }, signal: controller.signal });
    // B was in flight and finished; C, which would have started right after B, never started.
    expect(paused).toMatchObject({ status: 'paused', finalResponse: null, totalSteps: 2 });
    expect(log).toEqual(['main:1:A', 'main/B:1:B']);

    const stored = (await sm.loadSession(sessionId))!;
    expect(stored.metadata).toMatchObject({ paused: true, waymark: { status: 'paused', steps: 2 } });
    expect(stored.branches['main/B']!.state.status).toBe('completed');
    expect(stored.branches['main/C']!.state.status).toBe('paused');
    expect(stored.branches.main!.state.status).toBe('waiting');
    expect((await sm.listSessions({ includePaused: false })).map((s) => s.sessionId)).toEqual([]);

    const resumed = await Orchestra.resume(sessionId, { topology: diamond.topology, agents: diamond.agents(log), stateManager: sm });
    expect(resumed).toMatchObject({ status: 'completed', totalSteps: 4 });
    expect(log).toEqual(['main:1:A', 'main/B:1:B', 'main/C:1:C', 'main:2:D']);
    expect((await sm.loadSession(sessionId))!.metadata).toMatchObject({ paused: false, waymark: { status: 'completed' } });
  });

  it('pauses a running session by id with Orchestra.pause', async () => {
    const sm = managerOn();
    const log: string[] = [];
    const agents = loop.agents(log, (key) => key === 'main:2:Writer' && expect(Orchestra.pause(sessionId)).toBe(true));
    const result = await Orchestra.run({ task: loop.task, topology: loop.topology, agents, stateManager: sm, context: { sessionId } });
    expect(result).toMatchObject({ status: 'paused', totalSteps: 2 });
    expect(Orchestra.pause(sessionId)).toBe(false);
  });

  it('saves a session paused before its first step when the signal is already aborted', async () => {
    const sm = managerOn();
    const log: string[] = [];
    const result = await run(sm, loop, log, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ status: 'paused', totalSteps: 0 });
    expect(log).toEqual([]);
    expect(await Orchestra.progress(sessionId, sm)).toEqual({
      sessionId,
      status: 'paused',
      steps: 0,
      next: [{ branchId: 'main', agent: 'Planner', step: 1 }],
      error: null,
    });
  });

  it('counts a step that gives up on the abort signal as interrupted: it runs again on resume', async () => {
    const sm = managerOn();
    const log: string[] = [];
    const controller = new AbortController();
    const patient: Agent = (_input, context) =>
      new Promise((_resolve, reject) => {
        log.push(`${context.branchId}:${context.step}:${context.agent}`);
        // Gives up as soon as the run stops, as an agent waiting on a model call might; never finishes otherwise.
        context.signal.addEventListener('abort', () => reject(new Error('aborted')));
        controller.abort();
      });
    const topology = { agents: ['Only'], flows: [] };
    const paused = await Orchestra.run({ task: 1, topology, agents: { Only: patient }, stateManager: sm, context: { sessionId }, signal: controller.signal });
    expect(paused).toMatchObject({ status: 'paused', totalSteps: 0 });
    expect((await sm.loadSession(sessionId))!.branches.main!.state).toMatchObject({ status: 'paused', totalSteps: 0, error: null });

    // The step number stays 1: it is the same step, not yet completed.
    const retry: Agent = async (_input, context) => (log.push(`${context.branchId}:${context.step}:${context.agent}`), { response: 'done' });
    const resumed = await Orchestra.resume(sessionId, { topology, agents: { Only: retry }, stateManager: sm });
    expect(resumed).toMatchObject({ status: 'completed', finalResponse: 'done', totalSteps: 1 });
    expect(log).toEqual(['main:1:Only', 'main:1:Only']);
  });
});

describe('failures', () => {
  it('saves a throwing agent’s branch and session as failed; resume retries the step once it is fixed', async () => {
    const sm = managerOn();
    const log: string[] = [];
    let broken = true;
    const agents = diamond.agents(log, (key) => {
      if (broken && key === 'main/C:1:C') throw new Error('the search API is down');
    });
    const failed = await Orchestra.run({ task: diamond.task, topology: diamond.topology, agents, stateManager: sm, context: { sessionId } });
    expect(failed.status).toBe('failed');
    expect(failed.error).toBeInstanceOf(StepFailedError);
    expect(failed.error).toMatchObject({ code: 'STEP_FAILED', branchId: 'main/C', agent: 'C', step: 1, detail: 'the search API is down' });
    expect(failed.error!.message).toContain('Orchestra.resume("run-1", ...) retries this step');
    expect((failed.error!.cause as Error).message).toBe('the search API is down');
    expect(failed.branchResults['main/C']).toMatchObject({
      success: false,
      error: 'the search API is down',
      executionTrace: [{ agentName: 'C', success: false, actionType: null, error: 'the search API is down' }],
    });

    const stored = (await sm.loadSession(sessionId))!;
    expect(stored.branches['main/C']!.state).toMatchObject({ status: 'failed', error: 'the search API is down', currentStep: 0, totalSteps: 1 });
    expect(stored.branches['main/B']!.state.status).toBe('completed');
    expect(stored.metadata.waymark).toMatchObject({
      status: 'failed',
      error: { branchId: 'main/C', agent: 'C', step: 1, message: 'the search API is down' },
    });
    expect(await Orchestra.progress(sessionId, sm)).toMatchObject({ status: 'failed', error: 'the search API is down', next: [{ branchId: 'main/C', agent: 'C', step: 1 }] });

    broken = false;
    const resumed = await Orchestra.resume(sessionId, { topology: diamond.topology, agents, stateManager: sm });
    expect(resumed).toMatchObject({ status: 'completed', totalSteps: 4, finalResponse: { merged: ['B read plan for tides', 'C read plan for tides'] } });
    expect(log.filter((key) => key === 'main/C:1:C')).toHaveLength(2);
    expect(log.filter((key) => key === 'main/B:1:B')).toHaveLength(1);
    expect(resumed.branchResults['main/C']!.executionTrace.map((s) => s.success)).toEqual([false, true]);
  });

  it('reads a failure back from storage in a later process, with the message it had', async () => {
    const sm = managerOn();
    const agents = { Only: agentThat([], () => Promise.reject(new Error('quota exceeded'))) };
    const topology = { agents: ['Only'], flows: [] };
    await Orchestra.run({ task: 1, topology, agents, stateManager: sm, context: { sessionId } });
    const progress = await Orchestra.progress(sessionId, sm);
    expect(progress).toMatchObject({ status: 'failed', error: 'quota exceeded' });
  });

  it('fails the step of an agent that names a transition the topology does not allow, naming it', async () => {
    const agents = {
      One: agentThat([], () => ({ response: 1, next: 'Three' })),
      Two: agentThat([], () => ({ response: 2 })),
      Three: agentThat([], () => ({ response: 3 })),
    };
    const result = await Orchestra.run({
      task: null,
      topology: { agents: ['One', 'Two', 'Three'], flows: ['One -> Two', 'Two -> Three'] },
      agents,
      stateManager: managerOn(),
      context: { sessionId },
    });
    expect(result.status).toBe('failed');
    expect(result.error!.cause).toBeInstanceOf(InvalidTransitionError);
    expect(result.error!.cause).toMatchObject({ code: 'INVALID_TRANSITION', from: 'One', to: 'Three' });
    expect(result.error!.message).toContain("Invalid transition One -> Three: the topology lets One hand over to Two only; add the flow 'One -> Three' to allow it");
  });

  it.each([
    ['an agent that is not in the topology', 'Nobody', /"Nobody" is not an agent of the topology/],
    ['the same agent twice', ['Two', 'Two'], /next names it twice/],
    ['something that is not a name', 42, /next must be an agent name or an array of them, not number 42/],
  ])('fails the step of an agent whose next names %s', async (_what, next, message) => {
    const agents = { One: agentThat([], () => ({ response: 1, next })), Two: agentThat([], () => ({ response: 2 })) };
    const result = await Orchestra.run({ task: null, topology: { agents: ['One', 'Two'], flows: ['One -> Two'] }, agents, stateManager: managerOn(), context: { sessionId } });
    expect(result.status).toBe('failed');
    expect(result.error!.cause).toBeInstanceOf(InvalidTransitionError);
    expect(result.error!.message).toMatch(message);
  });

  it.each([
    ['a response that is not JSON', { response: { when: new Date(0) } }, 'response.when', /a Date is not a JSON value: convert the Date to a string/],
    ['a reply without a response', { next: null }, 'reply', /an agent must resolve with \{ response, next\? \}/],
    ['a response with undefined in it', { response: [1, undefined] }, 'response[1]', /undefined is not a JSON value: use null/],
  ])('fails the step of an agent that returns %s, naming the value', async (_what, reply, path, message) => {
    const sm = managerOn();
    const result = await Orchestra.run({ task: null, topology: { agents: ['One'], flows: [] }, agents: { One: agentThat([], () => reply) }, stateManager: sm, context: { sessionId } });
    expect(result.status).toBe('failed');
    expect(result.error!.cause).toBeInstanceOf(SerializationError);
    expect(result.error!.cause).toMatchObject({ path });
    expect(result.error!.message).toMatch(message);
    expect((await sm.loadSession(sessionId))!.metadata.waymark).toMatchObject({ status: 'failed' });
  });

  it('fails a child that would meet its siblings at another convergence point', async () => {
    const agents = {
      Split: agentThat([], () => ({ response: 0, next: ['Left', 'Right'] })),
      Left: agentThat([], () => ({ response: 'l', next: 'JoinA' })),
      Right: agentThat([], async () => (await new Promise((r) => setTimeout(r, 5)), { response: 'r', next: 'JoinB' })),
      JoinA: agentThat([], () => ({ response: 'a' })),
      JoinB: agentThat([], () => ({ response: 'b' })),
    };
    const result = await Orchestra.run({
      task: null,
      topology: {
        agents: ['Split', 'Left', 'Right', 'JoinA', 'JoinB'],
        flows: ['Split -> Left', 'Split -> Right', 'Left -> JoinA', 'Right -> JoinB', 'Left -> JoinB', 'Right -> JoinA'],
      },
      agents,
      stateManager: managerOn(),
      context: { sessionId },
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ branchId: 'main/Right', agent: 'Right' });
    expect(result.error!.message).toContain('parallel branch "main/Left" already met at JoinA, and parallel branches meet at one agent');
  });

  it('fails the session when a loop reaches maxSteps; resume with a higher limit goes on', async () => {
    const sm = managerOn();
    const log: string[] = [];
    const failed = await run(sm, loop, log, { maxSteps: 5 });
    expect(failed).toMatchObject({ status: 'failed', totalSteps: 5 });
    expect(failed.error!.cause).toBeInstanceOf(MaxStepsExceededError);
    expect(failed.error).toMatchObject({ branchId: 'main', agent: 'Writer', step: 6 });
    expect(failed.error!.message).toContain('resume it with a higher maxSteps');
    expect(log).toHaveLength(5);
    // The step that was refused never ran, so the trace does not list it.
    expect(failed.branchResults.main!.executionTrace).toHaveLength(5);

    const resumed = await Orchestra.resume(sessionId, { topology: loop.topology, agents: loop.agents(log), stateManager: sm, maxSteps: 8 });
    expect(resumed).toMatchObject({ status: 'completed', totalSteps: 8 });
    expect(log).toHaveLength(8);
  });
});

describe('a long history', () => {
  it('is handed to each agent without a copy: frozen entries, in an array the agent may change', async () => {
    const sm = managerOn();
    const lengths: number[] = [];
    const controller = new AbortController();
    const agent: Agent = async (_input, context) => {
      const { memory } = context;
      lengths.push(memory.length);
      expect(memory.every((entry) => Object.isFrozen(entry) && Object.isFrozen((entry as JsonObject).response))).toBe(true);
      if (memory.length > 0) expect(() => ((memory[0] as JsonObject).agent = 'changed')).toThrow(TypeError);
      memory.push('the agent’s own');
      memory.reverse();
      if (context.step === 3) controller.abort();
      return { response: { step: context.step, list: [context.step] }, next: context.step === 6 ? [] : context.agent === 'A' ? 'B' : 'A' };
    };
    const options = { topology: { agents: ['A', 'B'], flows: ['A <-> B'] }, agents: { A: agent, B: agent }, stateManager: sm };
    await Orchestra.run({ ...options, task: 'share', context: { sessionId }, signal: controller.signal });
    // Resumed from storage: the entries it loads are frozen too.
    expect(await Orchestra.resume(sessionId, options)).toMatchObject({ status: 'completed', totalSteps: 6 });
    expect(lengths).toEqual([0, 1, 2, 3, 4, 5]);
    const stored = (await sm.loadSession(sessionId))!.branchResults.main!.branchMemory;
    expect(stored).toEqual([1, 2, 3, 4, 5, 6].map((step) => ({ agent: step % 2 === 1 ? 'A' : 'B', response: { step, list: [step] } })));
  });


  it('is saved whole and exact at every step, across a pause and a resume, while its entries are written from memory', async () => {
    const sessionTexts: string[] = [];
    const fs = wrapWrites(memFs(), (write) => async (path, data) => {
      if (path.includes('/sessions/')) sessionTexts.push(writtenText(data));
      return write(path, data);
    });
    const sm = managerOn(fs);
    const steps = 40;
    // Numbers Python writes otherwise than JS (1e-07, 2.0), and text that must be escaped.
    const responseAt = (step: number): JsonValue => ({ step, text: `draft ${step}: é ✓ 😀`, score: step / 8, tiny: step * 1e-7, nested: [[step], { even: step % 2 === 0 }] });
    const controller = new AbortController();
    const agent: Agent = async (_input, context) => {
      if (context.step === 25) controller.abort();
      return { response: responseAt(context.step), next: context.step === steps ? [] : context.agent === 'A' ? 'B' : 'A' };
    };
    const options = { topology: { agents: ['A', 'B'], flows: ['A <-> B'] }, agents: { A: agent, B: agent }, stateManager: sm };
    expect(await Orchestra.run({ ...options, task: 'long', context: { sessionId }, signal: controller.signal })).toMatchObject({ status: 'paused', totalSteps: 25 });
    expect(await Orchestra.resume(sessionId, options)).toMatchObject({ status: 'completed', totalSteps: steps });

    expect(sessionTexts.length).toBeGreaterThan(steps);
    for (const text of sessionTexts) {
      // Each file is Python's text of its values, and its checksum is theirs.
      const doc = parsePythonJson(text) as JsonObject & MarsysChecksumFields;
      expect(dumpPythonIndent2Slow(doc)).toBe(text);
      const { checksum, ...rest } = doc;
      expect(marsysChecksumNow(rest as MarsysChecksumFields)).toBe(checksum);
      // And it holds every step completed so far, each as it was.
      const waymark = (doc.metadata as JsonObject).waymark as JsonObject;
      const main = doc.branches.main as JsonObject;
      const memory = ((main.metadata as JsonObject).waymark as JsonObject).memory ?? (doc.branch_results as JsonObject & { main: JsonObject }).main.branch_memory;
      expect(memory).toEqual(Array.from({ length: waymark.steps as number }, (_, i) => ({ agent: i % 2 === 0 ? 'A' : 'B', response: responseAt(i + 1) })));
    }
  });
});
