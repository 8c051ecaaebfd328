import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeFs } from '../../adapters/node.js';
import { FileStorageBackend, StateManager, type BranchResult, type JsonValue } from '../../src/index.js';
import type { StepKey } from './workflows.js';

/** The demo, run as `node examples/research-demo.mjs`: it imports waymark's dist/ (`npm test` builds it first). */
export const DEMO = fileURLToPath(new URL('../../examples/research-demo.mjs', import.meta.url));

if (!existsSync(fileURLToPath(new URL('../../dist/index.js', import.meta.url)))) {
  throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
}

/** A running demo process and what it has printed so far. */
export interface DemoProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves once the output matches `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the demo on `stateDir` with `args`, in fast mode (steps of milliseconds) unless `slow` is set. */
export function startDemo(stateDir: string, args: string[] = [], { slow = false } = {}): DemoProcess {
  const child = spawn(process.execPath, [DEMO, ...(slow ? [] : ['--fast']), '--state-dir', stateDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      resolve({ code, signal });
      for (const listener of listeners) listener();
    }),
  );
  return {
    child,
    output: () => text,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            listeners.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            reject(new Error(`the demo ended before printing ${pattern}:\n${text}`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

/** Resolves once the `--step-log` file lists a step. */
export async function firstStepStarted(file: string): Promise<void> {
  while (readStepLog(file).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** The steps a `--step-log` file lists, as `branch:step:agent` keys. */
export function readStepLog(file: string): StepKey[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [branch, step, ...agent] = line.split(' ');
      return `${branch}:${step}:${agent.join(' ')}`;
    });
}

/** A StateManager on the demo's state directory, as a separate process would read it. */
export function demoState(stateDir: string): StateManager {
  return new StateManager(new FileStorageBackend(stateDir, { fs: nodeFs() }));
}

/** What a finished demo session holds, for comparing runs: its final response, branch results and step count. */
export async function demoOutcome(stateDir: string): Promise<{ response: JsonValue; branchResults: Record<string, BranchResult>; steps: unknown }> {
  const stored = await demoState(stateDir).loadSession('research-demo');
  if (!stored) throw new Error(`no session in ${stateDir}`);
  return {
    response: stored.branchResults.main?.finalResponse ?? null,
    branchResults: stored.branchResults,
    steps: (stored.metadata.waymark as { steps?: unknown }).steps,
  };
}
