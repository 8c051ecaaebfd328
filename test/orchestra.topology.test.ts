import { describe, expect, it } from 'vitest';
import { parseTopology } from '../src/orchestra/topology.js';

describe('parseTopology', () => {
  it('reads flows into allowed transitions, both ways for <->', () => {
    const parsed = parseTopology({ agents: ['Planner', 'Writer', 'Reviewer'], flows: ['Planner -> Writer', ' Writer<->Reviewer '] });
    expect(parsed.entry).toBe('Planner');
    expect(parsed.allowed).toEqual({ Planner: ['Writer'], Writer: ['Reviewer'], Reviewer: ['Writer'] });
  });

  it('takes agent names with inner spaces, and an explicit entry', () => {
    const parsed = parseTopology({ agents: ['Web Search', 'Writer'], flows: ['Web Search -> Writer'], entry: 'Writer' });
    expect(parsed.entry).toBe('Writer');
    expect(parsed.allowed['Web Search']).toEqual(['Writer']);
  });

  it('finds convergence points: agents two or more flows lead into', () => {
    const diamond = parseTopology({ agents: ['A', 'B', 'C', 'D'], flows: ['A -> B', 'A -> C', 'B -> D', 'C -> D'] });
    expect(diamond.convergence).toEqual(new Set(['D']));
  });

  it('does not count flows that close a loop, so a loop target is not a convergence point', () => {
    const loop = parseTopology({ agents: ['Planner', 'Writer', 'Reviewer'], flows: ['Planner -> Writer', 'Writer <-> Reviewer'] });
    expect(loop.convergence).toEqual(new Set());
    const selfLoop = parseTopology({ agents: ['A', 'B'], flows: ['A -> B', 'B -> B'] });
    expect(selfLoop.convergence).toEqual(new Set());
    // A join inside an outer loop is still a join.
    const outer = parseTopology({ agents: ['Hub', 'X', 'Y', 'Join'], flows: ['Hub -> X', 'Hub -> Y', 'X -> Join', 'Y -> Join', 'Join -> Hub'] });
    expect(outer.convergence).toEqual(new Set(['Join']));
  });

  it('uses the convergence points it is given instead', () => {
    const parsed = parseTopology({ agents: ['A', 'B', 'C', 'D'], flows: ['A -> B', 'A -> C', 'B -> D', 'C -> D'], convergence: [] });
    expect(parsed.convergence).toEqual(new Set());
  });

  it('digests the meaning of a topology, not the order it is written in', () => {
    const a = parseTopology({ agents: ['A', 'B', 'C'], flows: ['A -> B', 'B -> C'] });
    const b = parseTopology({ agents: ['A', 'C', 'B'], flows: ['B->C', 'A ->  B', 'A -> B'] });
    expect(a.digest).toMatch(/^[0-9a-f]{8}$/);
    expect(b.digest).toBe(a.digest);
    expect(parseTopology({ agents: ['A', 'B', 'C'], flows: ['A -> B', 'A -> C'] }).digest).not.toBe(a.digest);
    expect(parseTopology({ agents: ['A', 'B', 'C'], flows: ['A -> B', 'B -> C'], entry: 'B' }).digest).not.toBe(a.digest);
    expect(parseTopology({ agents: ['A', 'B', 'C'], flows: ['A -> B', 'B -> C'], convergence: ['C'] }).digest).not.toBe(a.digest);
  });
});
