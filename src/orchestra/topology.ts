import { TopologyError } from './errors.js';

/**
 * Which agents a workflow has and where each may hand over to, MARSYS-style:
 * `{ agents: ['Planner', 'Writer'], flows: ['Planner -> Writer'] }`.
 */
export interface Topology {
  /** The agents' names, each once. */
  agents: string[];
  /** `'A -> B'`: A may hand over to B. `'A <-> B'`: both ways. */
  flows: string[];
  /**
   * The agent that receives the task.
   * @default agents[0]
   */
  entry?: string;
  /**
   * Agents where parallel branches meet: a child branch that hands over to
   * one of them ends there, and its parent continues at that agent once all
   * of its children have ended.
   * @default every agent that two or more flows lead into, not counting flows
   * that close a loop (back edges of a depth-first walk from the entry). List
   * them yourself when that guess is wrong for your workflow.
   */
  convergence?: string[];
}

/** A validated topology, as the engine uses it. */
export interface ParsedTopology {
  agents: string[];
  entry: string;
  /** For each agent, where it may hand over to, in the order the flows name them. */
  allowed: Record<string, string[]>;
  convergence: Set<string>;
  /** A short hash of the topology's meaning (order of agents and flows aside), stored to check resumes. */
  digest: string;
}

// `<`, `>` would make flows ambiguous, `/` and `\` cannot go into checkpoint names.
const AGENT_NAME = /^[^\s<>/\\\u0000-\u001f](?:[^<>/\\\u0000-\u001f]*[^\s<>/\\\u0000-\u001f])?$/;
const FLOW = /^\s*(.*?)\s*(<->|->)\s*(.*?)\s*$/;

/**
 * Checks a topology and works out what the engine needs from it.
 * @throws TopologyError naming the first problem found.
 */
export function parseTopology(topology: Topology): ParsedTopology {
  if (typeof topology !== 'object' || topology === null || !Array.isArray(topology.agents) || !Array.isArray(topology.flows)) {
    throw new TopologyError("expected { agents: ['A', 'B'], flows: ['A -> B'] }");
  }
  const agents = [...topology.agents];
  if (agents.length === 0) throw new TopologyError('it has no agents');
  for (const agent of agents) {
    if (typeof agent !== 'string' || !AGENT_NAME.test(agent) || agent === '__proto__') {
      throw new TopologyError(
        `agent name ${JSON.stringify(agent)} is not allowed (use a non-empty name without <, >, /, \\, control characters or surrounding spaces)`,
      );
    }
  }
  const known = new Set(agents);
  if (known.size !== agents.length) throw new TopologyError(`an agent is listed twice in ${JSON.stringify(agents)}`);
  const mustBeKnown = (agent: string, where: string) => {
    if (!known.has(agent)) throw new TopologyError(`${where} names ${JSON.stringify(agent)}, which is not in agents ${JSON.stringify(agents)}`);
  };

  const allowed: Record<string, string[]> = {};
  for (const agent of agents) allowed[agent] = [];
  const allow = (from: string, to: string) => {
    const targets = allowed[from]!;
    if (!targets.includes(to)) targets.push(to);
  };
  for (const flow of topology.flows) {
    const match = typeof flow === 'string' ? FLOW.exec(flow) : null;
    const [, from = '', arrow, to = ''] = match ?? [];
    if (!match || !AGENT_NAME.test(from) || !AGENT_NAME.test(to)) {
      throw new TopologyError(`flow ${JSON.stringify(flow)} is malformed (write 'From -> To' or 'A <-> B')`);
    }
    mustBeKnown(from, `flow ${JSON.stringify(flow)}`);
    mustBeKnown(to, `flow ${JSON.stringify(flow)}`);
    allow(from, to);
    if (arrow === '<->') allow(to, from);
  }

  const entry = topology.entry ?? agents[0]!;
  mustBeKnown(entry, 'entry');
  let convergence: Set<string>;
  if (topology.convergence === undefined) {
    convergence = joinPoints(agents, entry, allowed);
  } else {
    if (!Array.isArray(topology.convergence)) throw new TopologyError('convergence must be an array of agent names');
    for (const agent of topology.convergence) mustBeKnown(agent, 'convergence');
    convergence = new Set(topology.convergence);
  }

  const edges = agents.flatMap((from) => allowed[from]!.map((to) => [from, to]));
  const canonical = JSON.stringify([entry, [...agents].sort(), edges.sort(compareJson), [...convergence].sort()]);
  return { agents, entry, allowed, convergence, digest: fnv1a(canonical) };
}

/** Agents with two or more flows in that do not close a loop: the default convergence points. */
function joinPoints(agents: string[], entry: string, allowed: Record<string, string[]>): Set<string> {
  const visiting = new Set<string>();
  const visited = new Set<string>();
  const inflow = new Map<string, number>();
  const visit = (from: string): void => {
    visiting.add(from);
    visited.add(from);
    for (const to of allowed[from]!) {
      // An edge back into the walk's current path closes a loop (a reviewer sending work back).
      if (visiting.has(to)) continue;
      inflow.set(to, (inflow.get(to) ?? 0) + 1);
      if (!visited.has(to)) visit(to);
    }
    visiting.delete(from);
  };
  for (const agent of [entry, ...agents]) if (!visited.has(agent)) visit(agent);
  return new Set([...inflow].filter(([, count]) => count >= 2).map(([agent]) => agent));
}

function compareJson(a: unknown, b: unknown): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, as 8 hex digits: enough to tell topologies apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
