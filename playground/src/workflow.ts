/**
 * The demo workflow: a research pipeline of simulated agents.
 *
 *   Planner ─┬─ Researcher A ─┐
 *            ├─ Researcher B ─┼─ Writer ⇄ Reviewer ─ done
 *            └─ Researcher C ─┘
 *
 * The Planner fans out into three parallel branches; they meet again at the
 * Writer, whose drafts go back and forth with the Reviewer until it approves.
 * Each agent "thinks" for a while (the page's speed setting), gives up at
 * once when the run stops (its step then runs again on resume), and is
 * deterministic: a step that runs again gives the same answer.
 */
import type { Agent, AgentContext, AgentReply, JsonObject, JsonValue, Topology } from '../../src/index.js';

export const RESEARCHERS = ['Researcher A', 'Researcher B', 'Researcher C'] as const;

export const TOPOLOGY: Topology = {
  agents: ['Planner', ...RESEARCHERS, 'Writer', 'Reviewer'],
  flows: [...RESEARCHERS.map((r) => `Planner -> ${r}`), ...RESEARCHERS.map((r) => `${r} -> Writer`), 'Writer <-> Reviewer'],
  entry: 'Planner',
  convergence: ['Writer'],
};

/** What a demo session is started with. */
export interface DemoTask extends JsonObject {
  topic: string;
  /** How many times the Reviewer sends the draft back before it approves. */
  revisions: number;
}

export function demoTask(topic: string, revisions = 1): DemoTask {
  return { topic, revisions };
}

/** Steps a demo session takes to complete: Planner, the researchers, then Writer and Reviewer once per draft. */
export function expectedSteps(task: JsonValue): number | undefined {
  if (!isDemoTask(task)) return undefined;
  return 1 + RESEARCHERS.length + 2 * (task.revisions + 1);
}

function isDemoTask(task: JsonValue): task is DemoTask {
  return typeof task === 'object' && task !== null && !Array.isArray(task) && typeof task.topic === 'string' && typeof task.revisions === 'number';
}

export interface AgentSettings {
  /** How long an agent thinks, in milliseconds (each step varies a little around it). */
  delayMs(): number;
  /** Agents that fail while this says so: a flaky source, to show a failed branch and its retry. */
  broken(agent: string): boolean;
  /** Agents that, once started, wait until the run stops: a fixed point to pause or reload at. */
  held(agent: string): boolean;
}

/** Waits `ms` (forever when infinite), or rejects as soon as `signal` aborts (the run is pausing). */
function think(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = ms === Infinity ? undefined : setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** A stable variation per step, so that the branches do not all finish at once. */
function jitter(context: AgentContext): number {
  let hash = 7;
  for (const char of `${context.branchId}:${context.agent}:${context.step}`) hash = (hash * 31 + char.charCodeAt(0)) % 997;
  return 0.7 + (hash / 997) * 0.6;
}

const ANGLES: Record<(typeof RESEARCHERS)[number], string> = {
  'Researcher A': 'history and prior work',
  'Researcher B': 'current practice and tools',
  'Researcher C': 'open problems and risks',
};

function topicOf(context: AgentContext): string {
  return isDemoTask(context.task) ? context.task.topic : String(context.task);
}

function revisionsOf(context: AgentContext): number {
  return isDemoTask(context.task) ? context.task.revisions : 0;
}

export function demoAgents(settings: AgentSettings): Record<string, Agent> {
  const agent =
    (work: (input: JsonValue, context: AgentContext) => AgentReply): Agent =>
    async (input, context) => {
      await think(settings.held(context.agent) ? Infinity : settings.delayMs() * jitter(context), context.signal);
      if (settings.broken(context.agent)) throw new Error(`${context.agent} could not reach its sources ("Break ${context.agent}" is on).`);
      return work(input, context);
    };

  const agents: Record<string, Agent> = {
    Planner: agent((_input, context) => ({
      response: {
        topic: topicOf(context),
        questions: RESEARCHERS.map((r) => `${topicOf(context)}: ${ANGLES[r]}`),
      },
      next: [...RESEARCHERS],
    })),
    Writer: agent((input, context) => {
      const draft = context.memory.filter((m) => (m as JsonObject).agent === 'Writer').length + 1;
      const notes = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
      const sources = RESEARCHERS.filter((r) => r in notes).length;
      return {
        response: {
          draft,
          text: `${topicOf(context)} — draft ${draft}, from ${sources || 'the reviewer\u2019s'} ${sources ? 'research notes' : 'comments'}.`,
        },
        next: 'Reviewer',
      };
    }),
    Reviewer: agent((input, context): AgentReply => {
      const draft = typeof input === 'object' && input !== null && !Array.isArray(input) ? Number(input.draft) : 1;
      if (draft <= revisionsOf(context)) {
        return { response: { draft, comments: 'Tighten the summary and cite all three angles.' }, next: 'Writer' };
      }
      return { response: { approved: true, report: `A short report on ${topicOf(context)}, approved at draft ${draft}.` } };
    }),
  };
  for (const researcher of RESEARCHERS) {
    agents[researcher] = agent((_input, context) => ({
      response: { angle: ANGLES[researcher], findings: `Three notes on ${topicOf(context)}: ${ANGLES[researcher]}.` },
      next: 'Writer',
    }));
  }
  return agents;
}
