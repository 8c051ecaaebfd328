/**
 * The Node demo as a user meets it (`node examples/research-demo.mjs`, what
 * `npm start` runs), in fast mode: a fresh run, Ctrl-C, resume, and the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countSteps } from './support/workflows.js';
import { demoOutcome, firstStepStarted, readStepLog, startDemo } from './support/demo.js';

let dir: string;
let stateDir: string;
let stepLog: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'waymark-demo-'));
  stateDir = join(dir, 'state');
  stepLog = join(dir, 'steps.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the research demo', () => {
  it('runs a fresh session to the end and lists its checkpoints', async () => {
    const demo = startDemo(stateDir, ['--step-log', stepLog]);
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    const out = demo.output();
    expect(out).toContain('Starting a fresh run: 12 steps');
    expect(out).toMatch(/✓ step {2}1 {2}main {15}Planner {6}→ WebSearch, Papers, DataAnalyst/);
    expect(out).toContain('Completed: 12 steps.');
    expect(out).toContain('Report on crash-safe workflows for LLM agents, draft 2: 5 points.');
    expect(out).toMatch(/Checkpoints of research-demo[^\n]*\n(.*\n)*.*research_done +manual/);
    expect(out).toMatch(/auto_step_12 +auto/);
    // No status area and no color codes when the output is not a terminal.
    expect(out).not.toMatch(/\x1b\[/);
    expect(readStepLog(stepLog)).toHaveLength(12);
  });

  it('pauses on Ctrl-C, lets the running step finish, says how to resume, and resumes from there', async () => {
    // At normal speed, so that the Planner (1.5 s or more) is surely still running when Ctrl-C comes.
    const first = startDemo(stateDir, ['--step-log', stepLog], { slow: true });
    await firstStepStarted(stepLog);
    first.child.kill('SIGINT');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('Pausing: letting 1 running step finish, then saving. Ctrl-C again quits at once.');
    expect(first.output()).toMatch(/✓ step {2}1 {2}main {15}Planner/);
    expect(first.output()).toMatch(/Paused after 1 of 12 steps; saved in .*\. Run `node examples\/research-demo\.mjs --state-dir \S+` to resume from there\./);

    const second = startDemo(stateDir, ['--step-log', stepLog]);
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.output()).toContain(
      'Resuming the paused session: 1 of 12 steps done. Next: main/WebSearch (WebSearch, step 1), main/Papers (Papers, step 1), main/DataAnalyst (DataAnalyst, step 1).',
    );
    expect(second.output()).toContain('Completed: 12 steps.');
    // Paused, not killed: every step ran exactly once across both runs.
    const counts = countSteps(readStepLog(stepLog));
    expect(counts.size).toBe(12);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('quits at once on a second Ctrl-C, and the next run recovers as after a crash', async () => {
    const first = startDemo(stateDir, ['--step-log', stepLog], { slow: true });
    await firstStepStarted(stepLog);
    first.child.kill('SIGINT');
    await first.waitFor(/Pausing/);
    // Later than the half second in which the demo takes a second SIGINT for npm's echo of the first.
    await new Promise((resolve) => setTimeout(resolve, 700));
    first.child.kill('SIGINT');
    expect(await first.exited).toEqual({ code: 130, signal: null });
    expect(first.output()).toContain('Quit without waiting. Every completed step is saved: `node examples/research-demo.mjs --state-dir');
    expect(first.output()).not.toContain('Paused after');

    const second = startDemo(stateDir, ['--step-log', stepLog]);
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.output()).toContain('Recovering: the last run stopped without pausing (killed?). No step had completed yet.');
    expect(second.output()).toContain('Running again what was in flight: main (Planner, step 1).');
    expect(readStepLog(stepLog).filter((key) => key === 'main:1:Planner')).toHaveLength(2);
  });

  it('says a completed session is complete, shows its result, and starts over with --fresh', async () => {
    await startDemo(stateDir).exited;
    const reference = await demoOutcome(stateDir);
    const again = startDemo(stateDir, ['--step-log', stepLog]);
    expect(await again.exited).toEqual({ code: 0, signal: null });
    expect(again.output()).toContain('This session has already completed (12 steps). Run with --fresh to start over.');
    expect(again.output()).toContain('Report on crash-safe workflows');
    expect(readStepLog(stepLog)).toEqual([]);

    const fresh = startDemo(stateDir, ['--fresh', '--step-log', stepLog]);
    expect(await fresh.exited).toEqual({ code: 0, signal: null });
    expect(fresh.output()).toContain('Starting a fresh run');
    expect(readStepLog(stepLog)).toHaveLength(12);
    expect(await demoOutcome(stateDir)).toEqual(reference);
  });

  it('rejects an unknown option with its usage', async () => {
    const demo = startDemo(stateDir, ['--nope']);
    expect(await demo.exited).toEqual({ code: 2, signal: null });
    expect(demo.output()).toContain('usage: npm start -- [--state-dir <dir>] [--fresh] [--fast]');
  });
});
