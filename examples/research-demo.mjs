#!/usr/bin/env node
/**
 * waymark's Node demo: a research pipeline that pauses, resumes and survives
 * a crash. `npm start` builds waymark and runs it.
 *
 *   Ctrl-C        pause: running steps finish, everything is saved
 *   npm start     resume from the last saved step (also after kill -9)
 *
 * Options: --state-dir <dir> (default ./waymark-state), --fresh (start over),
 * --fast (steps take milliseconds), --session <id>, --step-log <file>
 * (append a line per step as it starts: shows what runs again after a crash).
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CheckpointManager, FileStorageBackend, Orchestra, StateManager } from 'waymark';
import { nodeFs } from 'waymark/node';
import { createAgents, task, topology, totalSteps } from './research-workflow.mjs';
import { painter, statusArea } from './terminal-status.mjs';

const USAGE = 'usage: npm start -- [--state-dir <dir>] [--fresh] [--fast] [--session <id>] [--step-log <file>]';
const DEFAULT_DIR = './waymark-state';

let options;
try {
  options = parseArgs({
    options: {
      'state-dir': { type: 'string', default: DEFAULT_DIR },
      fresh: { type: 'boolean', default: false },
      fast: { type: 'boolean', default: false },
      session: { type: 'string', default: 'research-demo' },
      'step-log': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

const paint = painter();
const sessionId = options.session;
const stateDir = options['state-dir'];
const stateManager = new StateManager(new FileStorageBackend(stateDir, { fs: nodeFs() }));
const checkpoints = new CheckpointManager(stateManager, { everySteps: 4, beforeAgents: ['Writer'], keepAuto: 3 });

/** The command that continues this session, as the user started it. */
const again = (() => {
  const extra = [stateDir !== DEFAULT_DIR && `--state-dir ${stateDir}`, options.session !== 'research-demo' && `--session ${sessionId}`, options.fast && '--fast'].filter(Boolean);
  if (process.env.npm_lifecycle_event === 'start') return `npm start${extra.length ? ` -- ${extra.join(' ')}` : ''}`;
  return ['node examples/research-demo.mjs', ...extra].join(' ');
})();

const describeSteps = (steps) => steps.map((s) => `${s.branchId} (${s.agent}, step ${s.step})`).join(', ');
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

async function main() {
  if (options.fresh) await stateManager.deleteSession(sessionId, { checkpoints: true });
  const before = await Orchestra.progress(sessionId, stateManager);
  console.log(paint.bold(`waymark research demo`) + paint.dim(` · session ${sessionId} · state in ${stateDir}`));
  if (before === undefined) {
    console.log(`Starting a fresh run: ${totalSteps} steps, 3 of them branches in parallel.`);
  } else if (before.status === 'completed') {
    console.log(`This session has already completed (${before.steps} steps). Run with --fresh to start over.`);
    return report(await Orchestra.run(runOptions()));
  } else if (before.status === 'paused') {
    console.log(`Resuming the paused session: ${before.steps} of ${totalSteps} steps done. Next: ${describeSteps(before.next)}.`);
  } else if (before.status === 'failed') {
    console.log(`Retrying the failed session after step ${before.steps} (${before.error}).`);
  } else {
    const saved = before.steps === 0 ? 'No step had completed yet.' : `Its ${before.steps} completed steps are saved and will not run again.`;
    console.log(`Recovering: the last run stopped without pausing (killed?). ${saved}`);
    console.log(`Running again what was in flight: ${describeSteps(before.next)}.`);
  }
  return report(await live((signal, onEvent) => Orchestra.run({ ...runOptions(), signal, onEvent })));
}

function runOptions() {
  const stepLog = options['step-log'];
  const onStart = stepLog && ((context) => appendFileSync(stepLog, `${context.branchId} ${context.step} ${context.agent}\n`));
  return { task, topology, agents: createAgents({ fast: options.fast, onStart }), stateManager, checkpoints, context: { sessionId } };
}

/** Runs with a live status area, and Ctrl-C wired to pause. */
async function live(run) {
  const running = new Map();
  let done = 0;
  let lastCheckpoint = 'none yet';
  const status = statusArea(() => [
    ...[...running].map(([branch, s]) => `  ${paint.cyan('▸')} ${branch.padEnd(18)} ${`${s.agent} (step ${s.step})`.padEnd(24)} ${paint.dim(seconds(Date.now() - s.since))}`),
    paint.bold(`  ${done}/${totalSteps} steps done`) + paint.dim(` · ${running.size} running · last checkpoint: ${lastCheckpoint}`),
  ]);

  const controller = new AbortController();
  let pausedAt = 0;
  process.on('SIGINT', () => {
    const now = Date.now();
    if (pausedAt === 0) {
      pausedAt = now;
      controller.abort();
      status.log(paint.yellow(`Pausing: ${running.size ? `letting ${running.size} running step${running.size > 1 ? 's' : ''} finish, then ` : ''}saving. Ctrl-C again quits at once.`));
    } else if (now - pausedAt > 500) {
      // (npm forwards the terminal's Ctrl-C once more: a second one within half a second is that echo.)
      status.stop();
      console.log(paint.red(`Quit without waiting. Every completed step is saved: \`${again}\` continues after the last one.`));
      process.exit(130);
    }
  });

  const onEvent = (event) => {
    if (event.type === 'step-started') {
      running.set(event.branchId, { agent: event.agent, step: event.step, since: Date.now() });
      status.refresh();
    } else if (event.type === 'step-completed') {
      const took = Date.now() - (running.get(event.branchId)?.since ?? Date.now());
      running.delete(event.branchId);
      done = event.steps;
      const next = event.next.length ? `→ ${event.next.join(', ')}` : paint.dim('(branch done)');
      status.log(`${paint.green('✓')} step ${String(done).padStart(2)}  ${event.branchId.padEnd(18)} ${event.agent.padEnd(12)} ${next} ${paint.dim(seconds(took))}`);
    } else if (event.type === 'step-failed') {
      running.delete(event.branchId);
      status.log(`${paint.red('✗')} ${event.branchId} ${event.agent}: ${event.error.detail}`);
    } else if (event.type === 'checkpoint') {
      lastCheckpoint = event.name;
      status.log(paint.dim(`  ⚑ checkpoint ${event.name}`));
    }
  };

  status.start();
  try {
    return await run(controller.signal, onEvent);
  } finally {
    status.stop();
  }
}

async function report(result) {
  if (result.status === 'completed') {
    const { report, points } = result.finalResponse;
    console.log(paint.green(paint.bold(`Completed: ${result.totalSteps} steps.`)));
    console.log(`${report}\n${points.map((p) => `  • ${p}`).join('\n')}`);
  } else if (result.status === 'paused') {
    console.log(paint.yellow(paint.bold(`Paused after ${result.totalSteps} of ${totalSteps} steps; saved in ${stateDir}.`)) + ` Run \`${again}\` to resume from there.`);
  } else {
    console.log(paint.red(`Failed: ${result.error.message}`));
    process.exitCode = 1;
  }
  const list = await checkpoints.listCheckpoints(sessionId);
  console.log(paint.bold(`\nCheckpoints of ${sessionId}`) + paint.dim(' (newest first; automatic ones beyond the last 3 are deleted)'));
  for (const c of list) {
    const kind = c.critical ? 'critical' : c.auto ? 'auto' : 'manual';
    console.log(`  ${new Date(c.timestamp * 1000).toLocaleTimeString()}  ${c.name.padEnd(16)} ${paint.dim(kind)}`);
  }
  if (list.length === 0) console.log(paint.dim('  none yet'));
}

main().catch((error) => {
  console.error(paint.red(`${error.name}: ${error.message}`));
  process.exitCode = 1;
});
