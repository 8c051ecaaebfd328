/**
 * Spawns crash-writer.mjs (which runs the built library from dist/) and
 * collects what it acknowledged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** Child processes run the built library: `npm test` builds it first; alone, run `npm run build`. */
export function assertBuilt(): void {
  if (!existsSync(DIST)) throw new Error('dist/ is missing: run `npm run build` before this test (npm test does it for you).');
}

export interface WriterOptions {
  base: string;
  writer: string;
  sessions: string[];
  mode: 'loop' | 'race';
  iterations?: number;
  payloadBytes?: number;
  checkpointEvery?: number;
  deleteEvery?: number;
  waitForGo?: boolean;
}

export interface Ack {
  kind: 'save' | 'checkpoint' | 'delete';
  sessionId: string;
  writer: string;
  seq: number;
  /** The checksum (save), checkpoint id (checkpoint) or whether it existed (delete). */
  value: string;
}

export interface Writer {
  child: ChildProcess;
  acks: Ack[];
  /** Resolves once the child has printed `line` (rejects if it exits first). */
  waitFor(line: string): Promise<void>;
  /** Resolves when the child has exited and all it printed has been read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function startWriter(options: WriterOptions): Writer {
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const acks: Ack[] = [];
  const seen = new Set<string>();
  const waiters = new Map<string, Array<() => void>>();
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const [kind, sessionId, writer, seq, value] = line.split(' ');
    if (kind === 'save' || kind === 'checkpoint' || kind === 'delete') {
      acks.push({ kind, sessionId: sessionId!, writer: writer!, seq: Number(seq), value: value! });
    } else {
      seen.add(line);
      for (const resolve of waiters.get(line) ?? []) resolve();
      waiters.delete(line);
    }
  });
  const closed = new Promise<void>((resolve) => lines.once('close', resolve));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.once('exit', (code, signal) => void closed.then(() => resolve({ code, signal, stderr })));
  });
  return {
    child,
    acks,
    exited,
    waitFor(line) {
      if (seen.has(line)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.set(line, [...(waiters.get(line) ?? []), resolve]);
        void exited.then(({ code, signal, stderr: err }) => {
          if (!seen.has(line)) reject(new Error(`writer exited (${code ?? signal}) before printing ${line}: ${err}`));
        });
      });
    },
  };
}
