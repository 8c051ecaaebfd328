import { Volume } from 'memfs';
import { memFs } from '../../adapters/memfs.js';
import type { MinimalFs } from '../../src/fs.js';
import { wrapWrites } from './wrap-writes.js';
import {
  FileStorageBackend,
  StateManager,
  type Agent,
  type AgentContext,
  type AgentReply,
  type JsonValue,
  type SessionSnapshot,
  type Topology,
  type TraceStep,
} from '../../src/index.js';

/** One executed step: `branch:step:agent`, logged when the agent is called. */
export type StepKey = string;

/** Called as each agent starts, before it does anything: lets a test pause, crash or fail the run at a chosen step. */
export type StepHook = (key: StepKey, context: AgentContext) => void;

/** A workflow for tests: deterministic agents that log every step they run. */
export interface TestWorkflow {
  topology: Topology;
  task: JsonValue;
  /** Builds the agents; each logs its steps into `log` and calls `hook` first. */
  agents(log: StepKey[], hook?: StepHook): Record<string, Agent>;
}

/** Gives other steps a chance to run, so that parallel branches really interleave. */
const yieldToOthers = () => new Promise((resolve) => setTimeout(resolve, 0));

function agent(log: StepKey[], hook: StepHook | undefined, body: (input: any, context: AgentContext) => AgentReply): Agent {
  return async (input, context) => {
    const key = `${context.branchId}:${context.step}:${context.agent}`;
    log.push(key);
    hook?.(key, context);
    await yieldToOthers();
    return body(input, context);
  };
}

/** A → B and C in parallel → D. */
export const diamond: TestWorkflow = {
  topology: { agents: ['A', 'B', 'C', 'D'], flows: ['A -> B', 'A -> C', 'B -> D', 'C -> D'] },
  task: { topic: 'tides' },
  agents: (log, hook) => ({
    A: agent(log, hook, (task) => ({ response: { plan: `plan for ${task.topic}` }, next: ['B', 'C'] })),
    B: agent(log, hook, (input) => ({ response: `B read ${input.plan}`, next: 'D' })),
    C: agent(log, hook, (input) => ({ response: `C read ${input.plan}`, next: 'D' })),
    D: agent(log, hook, (input, context) => ({ response: { merged: [input.B, input.C], memory: context.memory.length } })),
  }),
};

/** Planner → Writer ⇄ Reviewer (three drafts) → Publisher. */
export const loop: TestWorkflow = {
  topology: { agents: ['Planner', 'Writer', 'Reviewer', 'Publisher'], flows: ['Planner -> Writer', 'Writer <-> Reviewer', 'Reviewer -> Publisher'] },
  task: 'an essay on durable state',
  agents: (log, hook) => ({
    Planner: agent(log, hook, (task) => ({ response: { outline: `outline of ${task}`, draft: 0 }, next: 'Writer' })),
    Writer: agent(log, hook, (input) => ({ response: { outline: input.outline, draft: input.draft + 1 }, next: 'Reviewer' })),
    Reviewer: agent(log, hook, (input) => ({
      response: input.draft < 3 ? { ...input, feedback: `redo draft ${input.draft}` } : { final: `draft ${input.draft} of ${input.outline}` },
      next: input.draft < 3 ? 'Writer' : 'Publisher',
    })),
    Publisher: agent(log, hook, (input, context) => ({ response: { published: input.final, steps: context.memory.length + 1 } })),
  }),
};

export const WORKFLOWS = { diamond, loop };

/** A StateManager on `fs` (a new memfs volume by default) whose clock advances a millisecond per reading. */
export function managerOn(fs: MinimalFs = memFs(), base = '/state'): StateManager {
  let now = 1_800_000_000;
  return new StateManager(new FileStorageBackend(base, { fs }), { clock: () => (now += 0.001) });
}

/** A memfs fs on a volume a test can keep, to "restart the process" on it with a fresh StateManager. */
export function volumeFs(): { volume: Volume; fs: MinimalFs } {
  const volume = new Volume();
  return { volume, fs: memFs(volume) };
}

/**
 * `fs` as seen by a process that dies after `budget` file writes: every write
 * after those fails (with code `EIO`), so storage keeps exactly what the
 * first `budget` writes stored. `writes()` counts the writes that went through.
 */
export function dyingFs(fs: MinimalFs, budget = Infinity): MinimalFs & { writes(): number } {
  let writes = 0;
  const dying = wrapWrites(fs, (write) => async (path, data) => {
    if (writes >= budget) throw Object.assign(new Error('EIO: the process died here (simulated)'), { code: 'EIO' });
    writes++;
    return write(path, data);
  });
  return { ...dying, writes: () => writes };
}

/** The steps a stored session records as completed, as `branch:step:agent` keys. */
export function savedSteps(snapshot: SessionSnapshot | undefined): Set<StepKey> {
  const keys = new Set<StepKey>();
  for (const branch of Object.values(snapshot?.branches ?? {})) {
    const inProgress = (branch.metadata.waymark as { trace?: TraceStep[] }).trace;
    const trace = inProgress ?? snapshot!.branchResults[branch.id]?.executionTrace ?? [];
    trace.filter((step) => step.success).forEach((step, index) => keys.add(`${branch.id}:${index + 1}:${step.agentName}`));
  }
  return keys;
}

/** How many times each step appears in a log. */
export function countSteps(log: StepKey[]): Map<StepKey, number> {
  const counts = new Map<StepKey, number>();
  for (const key of log) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}
