/**
 * Runs demo sessions in this tab: Orchestra on the playground's store, under
 * the session's Web Lock for the whole run, so that no other tab writes it.
 */
import { CheckpointManager, Orchestra, type JsonValue, type OrchestraEvent, type RunResult } from '../../src/index.js';
import { withSessionLock } from './locks.js';
import type { Store } from './store.js';
import { TOPOLOGY, demoAgents, type AgentSettings } from './workflow.js';

/** Another tab holds the session's lock. */
export class SessionBusyError extends Error {
  constructor(sessionId: string) {
    super(`Session "${sessionId}" is open for writing in another tab. Pause it there, or close that tab, then try again.`);
    this.name = 'SessionBusyError';
  }
}

export interface Runner {
  /** Sessions running in this tab. */
  readonly running: ReadonlySet<string>;
  /** Steps in flight in this tab: `${sessionId}\n${branchId}` → step number. */
  readonly inFlight: ReadonlyMap<string, number>;
  readonly checkpoints: CheckpointManager;
  /** Starts a new session; resolves when its run ends (completed, paused or failed). */
  start(sessionId: string, task: JsonValue): Promise<RunResult>;
  /** Continues a stored session from its last saved step. */
  resume(sessionId: string): Promise<RunResult>;
  /** Asks a run of this tab to pause: no new step starts; steps in flight stop and run again on resume. */
  pause(sessionId: string): boolean;
}

export function createRunner(store: Store, settings: AgentSettings, changed: () => void): Runner {
  const running = new Set<string>();
  const inFlight = new Map<string, number>();
  const controllers = new Map<string, AbortController>();
  const agents = demoAgents(settings);
  // Automatic checkpoints: one before every Writer step, the latest six kept.
  const checkpoints = new CheckpointManager(store.manager, { beforeAgents: ['Writer'], keepAuto: 6 });

  const onEvent = (sessionId: string) => (event: OrchestraEvent) => {
    // Only the steps' own events change what is in flight.
    if (event.type === 'checkpoint' || event.type === 'saved') return;
    const key = `${sessionId}\n${event.branchId}`;
    if (event.type === 'step-started') inFlight.set(key, event.step);
    else inFlight.delete(key);
    changed();
  };

  async function exclusive(sessionId: string, run: (signal: AbortSignal) => Promise<RunResult>): Promise<RunResult> {
    const controller = new AbortController();
    const outcome = await withSessionLock(sessionId, async () => {
      running.add(sessionId);
      controllers.set(sessionId, controller);
      changed();
      try {
        return await run(controller.signal);
      } finally {
        controllers.delete(sessionId);
        for (const key of inFlight.keys()) if (key.startsWith(`${sessionId}\n`)) inFlight.delete(key);
      }
    }).finally(() => {
      // Only now is the lock released: until then the session must not look free.
      running.delete(sessionId);
      changed();
    });
    if (outcome === undefined) throw new SessionBusyError(sessionId);
    return outcome.value;
  }

  return {
    running,
    inFlight,
    checkpoints,
    start: (sessionId, task) =>
      exclusive(sessionId, (signal) =>
        Orchestra.run({
          task,
          topology: TOPOLOGY,
          agents,
          stateManager: store.manager,
          context: { sessionId },
          signal,
          checkpoints,
          onEvent: onEvent(sessionId),
        }),
      ),
    resume: (sessionId) =>
      exclusive(sessionId, (signal) =>
        Orchestra.resume(sessionId, { topology: TOPOLOGY, agents, stateManager: store.manager, signal, checkpoints, onEvent: onEvent(sessionId) }),
      ),
    pause(sessionId) {
      const controller = controllers.get(sessionId);
      if (controller === undefined) return false;
      controller.abort();
      return true;
    },
  };
}
