/**
 * The demo's workflow: a research pipeline of simulated agents.
 *
 *             ┌─ WebSearch ⟲ (3 queries) ───────┐
 *   Planner ──┼─ Papers ── Summarizer ──────────┼── Synthesizer ── Writer ⇄ Reviewer
 *             └─ DataAnalyst ───────────────────┘
 *
 * The Planner fans out into three parallel branches, which meet again at the
 * Synthesizer; the Writer's drafts go back and forth with the Reviewer until it
 * approves. Agents are deterministic (a step that runs again after a crash
 * gives the same answer) and take a few seconds each, like model calls. They
 * ignore the pause signal on purpose: a call already paid for is worth
 * finishing, so a pause lets it complete and saves its result.
 */

/** @type {import('waymark').Topology} */
export const topology = {
  agents: ['Planner', 'WebSearch', 'Papers', 'Summarizer', 'DataAnalyst', 'Synthesizer', 'Writer', 'Reviewer'],
  flows: [
    'Planner -> WebSearch',
    'Planner -> Papers',
    'Planner -> DataAnalyst',
    'WebSearch -> WebSearch',
    'WebSearch -> Synthesizer',
    'Papers -> Summarizer',
    'Summarizer -> Synthesizer',
    'DataAnalyst -> Synthesizer',
    'Synthesizer -> Writer',
    'Writer <-> Reviewer',
  ],
};

export const task = { topic: 'crash-safe workflows for LLM agents', queries: 3, drafts: 2 };

/** Steps a run of `task` takes: Planner, 3 searches, Papers and Summarizer, DataAnalyst, Synthesizer, and Writer + Reviewer per draft. */
export const totalSteps = 1 + task.queries + 2 + 1 + 1 + 2 * task.drafts;

/** A stable number in [0, 1) per step, so that durations vary but a rerun behaves the same. */
function spread(text) {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return (hash >>> 0) / 2 ** 32;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The agents, each wrapped so that it "thinks" for a while first.
 * @param {{ fast?: boolean, onStart?: (context: import('waymark').AgentContext) => void }} options
 *   `fast`: 0–50 ms per step instead of 1.5–4 s; `onStart`: called as each step starts.
 * @returns {Record<string, import('waymark').Agent>}
 */
export function createAgents({ fast = false, onStart } = {}) {
  const agent = (work) => async (input, context) => {
    onStart?.(context);
    const r = spread(`${context.branchId}:${context.step}`);
    await sleep(fast ? r * 50 : 1500 + r * 2500);
    return work(input, context);
  };

  return {
    Planner: agent((task) => ({
      response: {
        topic: task.topic,
        queries: Array.from({ length: task.queries }, (_, i) => `${task.topic}, angle ${i + 1}`),
      },
      next: ['WebSearch', 'Papers', 'DataAnalyst'],
    })),
    WebSearch: agent((input, context) => {
      const found = [...(input.found ?? []), `${Math.round(spread(input.queries[context.step - 1]) * 900 + 100)} pages on "${input.queries[context.step - 1]}"`];
      const done = found.length === input.queries.length;
      return done ? { response: { found }, next: 'Synthesizer' } : { response: { ...input, found }, next: 'WebSearch' };
    }),
    Papers: agent((input) => ({ response: { papers: 7, topic: input.topic }, next: 'Summarizer' })),
    Summarizer: agent((input) => ({ response: { summary: `${input.papers} papers on ${input.topic}, summarised` }, next: 'Synthesizer' })),
    DataAnalyst: agent((input) => ({ response: { trend: `${input.topic}: adoption up ${Math.round(spread(input.topic) * 40 + 10)}% a year` }, next: 'Synthesizer' })),
    Synthesizer: agent(async (input, context) => {
      await context.checkpoint('research_done');
      return {
        response: { brief: [...input.WebSearch.found, input.Papers.summary, input.DataAnalyst.trend] },
        next: 'Writer',
      };
    }),
    Writer: agent((input, context) => {
      const draft = context.memory.filter((entry) => entry.agent === 'Writer').length + 1;
      const points = input.brief ?? input.points;
      return { response: { draft, points, text: `Report on ${context.task.topic}, draft ${draft}: ${points.length} points.` }, next: 'Reviewer' };
    }),
    Reviewer: agent((input, context) =>
      input.draft < context.task.drafts
        ? { response: { draft: input.draft, points: input.points, comments: 'Shorten the summary; cite the sources.' }, next: 'Writer' }
        : { response: { approved: true, report: input.text, points: input.points } },
    ),
  };
}
