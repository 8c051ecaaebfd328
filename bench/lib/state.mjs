// Realistic workflow state for the benchmark: up to a dozen branches, each with
// a message history (role, content, tokens, timestamps), a trace and a result,
// plus session metadata. Deterministic (a seeded generator), so every run and
// every row measures the same bytes.

/** A small deterministic PRNG (mulberry32): the same state in every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the agent plan step tool result search query document summary answer draft review ' +
  'source evidence claim table figure revision request context memory branch merge ' +
  'budget latency retry error timeout cache index report section paragraph citation'
).split(' ');
// LLM output is mostly ASCII, with the odd typographic character: these take Python's \uXXXX escapes.
const EXTRAS = ['—', '’', '“', '”', 'é', '…', '✓'];
const AGENTS = ['Planner', 'Researcher', 'Writer', 'Reviewer', 'Coder', 'Tester'];

function sentence(rand, words) {
  let out = '';
  for (let i = 0; i < words; i++) {
    out += (i ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
    if (rand() < 0.02) out += EXTRAS[Math.floor(rand() * EXTRAS.length)];
  }
  return out.charAt(0).toUpperCase() + out.slice(1) + '.';
}

function message(rand, i, t0) {
  const role = i % 2 === 0 ? 'user' : 'assistant';
  const msg = {
    role,
    content: sentence(rand, 8 + Math.floor(rand() * 40)),
    name: AGENTS[Math.floor(rand() * AGENTS.length)],
    timestamp: t0 + i * 1.25 + rand(),
    tokens: { prompt: Math.floor(rand() * 4000), completion: Math.floor(rand() * 800) },
  };
  if (role === 'assistant' && rand() < 0.3) {
    msg.tool_calls = [{ id: `call_${i}`, name: 'search', arguments: { query: sentence(rand, 4), top_k: 5 } }];
  }
  return msg;
}

function makeBranch(id, parent, status, agents, t0) {
  return {
    id,
    name: id === 'main' ? 'Main' : `Branch ${id}`,
    type: parent === null ? 'simple' : 'conversation',
    topology: {
      agents,
      entryAgent: agents[0],
      currentAgent: status === 'running' ? agents[1] : null,
      allowedTransitions: { [agents[0]]: [agents[1]], [agents[1]]: [agents[0]] },
      conversationPattern: parent === null ? null : 'dialogue',
      maxIterations: 20,
      conversationTurns: 3,
    },
    state: {
      status,
      currentStep: 4,
      totalSteps: 4,
      conversationTurns: 3,
      startTime: t0,
      endTime: status === 'completed' ? t0 + 42.5 : null,
      error: null,
      completedAgents: new Set(agents.slice(0, 1)),
    },
    parentBranch: parent,
    metadata: { model: 'gpt-4o', temperature: 0.2, retries: 0, history: [] },
  };
}

/**
 * A session state of about `targetBytes` once saved (Python indent-2 bytes).
 * Small states have few branches; from ~20 KB on there are twelve.
 */
export function makeState(targetBytes, seed = 1) {
  const rand = random(seed);
  const t0 = 1_746_831_500.25;
  const branchCount = Math.max(1, Math.min(12, Math.floor(targetBytes / 2000)));
  const state = {
    branches: {},
    activeBranches: new Set(),
    completedBranches: new Set(),
    waitingBranches: {},
    branchResults: {},
    parentChildMap: { main: [] },
    childParentMap: {},
    metadata: { task: 'Write a literature review on durable workflow state', user: 'bench', tags: ['bench', 'review'], budget_usd: 2.5 },
  };
  const ids = ['main'];
  for (let i = 1; i < branchCount; i++) ids.push(`research_${i}`);
  ids.forEach((id, i) => {
    const agents = [AGENTS[i % AGENTS.length], AGENTS[(i + 1) % AGENTS.length]];
    const status = i === 0 || i % 3 === 0 ? 'running' : 'completed';
    state.branches[id] = makeBranch(id, i === 0 ? null : 'main', status, agents, t0 + i);
    if (status === 'running') state.activeBranches.add(id);
    else state.completedBranches.add(id);
    // A tiny state is a bare branch: the fixed fields alone are about 1 KB.
    if (targetBytes < 4000) state.branches[id].metadata = {};
    if (i > 0) {
      state.parentChildMap.main.push(id);
      state.childParentMap[id] = 'main';
    }
  });
  if (branchCount > 1) state.waitingBranches.main = new Set(ids.slice(1, 3));
  // Message histories: running branches keep theirs in metadata, finished ones in their result's memory.
  const histories = {};
  for (const id of ids) histories[id] = [];
  for (const id of ids) {
    const b = state.branches[id];
    if (b.state.status === 'completed') {
      state.branchResults[id] = {
        branchId: id,
        success: true,
        finalResponse: { summary: sentence(rand, 20), sources: [`doc-${id}-1`, `doc-${id}-2`] },
        totalSteps: 4,
        executionTrace: b.topology.agents.map((agentName) => ({ agentName, success: true, actionType: 'invoke_agent', error: null })),
        branchMemory: { messages: histories[id] },
        metadata: { cost_usd: 0.0123, duration_s: 42.5 },
        error: null,
      };
    } else {
      if (targetBytes >= 4000) b.metadata.history = histories[id];
    }
  }
  // Grow the histories round-robin until the saved size reaches the target,
  // measured on the real indent-2 text every few messages.
  const size = () => JSON.stringify(plainCopy(state), null, 2).length;
  let estimate = size();
  if (targetBytes < 4000) state.metadata = { task: state.metadata.task };
  for (let i = 0; estimate < targetBytes && targetBytes >= 4000; i++) {
    const id = ids[i % ids.length];
    histories[id].push(message(rand, histories[id].length, t0));
    if (i % 16 === 15 || estimate + 600 >= targetBytes) estimate = size();
    else estimate += 450;
  }
  return state;
}

/** A JSON-only copy of `state` (Sets as arrays), as the floors serialise it. */
export function plainCopy(state) {
  return JSON.parse(JSON.stringify(state, (_k, v) => (v instanceof Set ? [...v] : v)));
}
