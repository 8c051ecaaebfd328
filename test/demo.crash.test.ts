/**
 * Crash for real: the demo, running on disk in a child process, is killed
 * with SIGKILL at random moments, then run again until it completes.
 *
 * Each rerun must not run any step the killed process had saved as
 * completed, and every session must end with the result of an uninterrupted
 * run. WAYMARK_CRASH_KILLS sets how many kills to make (20 by default; raise
 * it for a longer local run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoOutcome, demoState, readStepLog, startDemo } from './support/demo.js';
import { savedSteps, type StepKey } from './support/workflows.js';

const KILLS = Number(process.env.WAYMARK_CRASH_KILLS ?? 20);
/** The demo's first line: it has started up and read its session. */
const HEADER = /waymark research demo/;
/** Kills per session before it is left to finish. */
const KILLS_PER_SESSION = 3;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'waymark-crash-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(`survives ${KILLS} kill -9 at random moments: no saved step runs again, and every session ends with the same result`, { timeout: 60_000 + KILLS * 3_000 }, async () => {
  const referenceDir = join(dir, 'reference');
  const reference = startDemo(referenceDir, ['--step-log', join(dir, 'reference.log')]);
  expect(await reference.exited).toEqual({ code: 0, signal: null });
  const expected = await demoOutcome(referenceDir);
  const allSteps = [...new Set(readStepLog(join(dir, 'reference.log')))].sort();
  // How long a run takes once the demo has started up (printed its header): kills are spread over that.
  const timing = startDemo(join(dir, 'timing'));
  await timing.waitFor(HEADER);
  const started = Date.now();
  await timing.exited;
  const runMs = Math.max(50, Date.now() - started);

  let kills = 0;
  let killsMidRun = 0;
  let sessions = 0;
  const killedAt: number[] = [];
  while (kills < KILLS) {
    const stateDir = join(dir, `session-${sessions}`);
    const stepLog = join(dir, `session-${sessions}.log`);
    sessions++;
    let ranBefore = 0;
    for (let attempt = 0; ; attempt++) {
      const saved = savedSteps(await demoState(stateDir).loadSession('research-demo'));
      const demo = startDemo(stateDir, ['--step-log', stepLog]);
      if (attempt < KILLS_PER_SESSION) {
        const delay = Math.random() * runMs;
        demo.waitFor(HEADER).then(
          () => setTimeout(() => demo.child.kill('SIGKILL'), delay),
          () => undefined,
        );
        killedAt.push(Math.round(delay));
      }
      const { code, signal } = await demo.exited;
      const ran = readStepLog(stepLog);
      const thisRun: StepKey[] = ran.slice(ranBefore);
      ranBefore = ran.length;
      expect(thisRun.filter((key) => saved.has(key)), `run ${attempt + 1} of session ${sessions} ran steps saved before it started`).toEqual([]);
      if (signal === 'SIGKILL') {
        kills++;
        if (thisRun.length > 0) killsMidRun++;
        continue;
      }
      expect({ code, signal }, demo.output()).toEqual({ code: 0, signal: null });
      break;
    }
    expect(await demoOutcome(stateDir), `session ${sessions}`).toEqual(expected);
    expect([...new Set(readStepLog(stepLog))].sort()).toEqual(allSteps);
  }
  console.log(
    `demo crash test: ${kills} kills (${killsMidRun} after a step had started) over ${sessions} sessions, ` +
      `at ${killedAt.join(', ')} ms into a ${runMs} ms run`,
  );
});
