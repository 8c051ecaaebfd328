import type { StorageBackend } from '../storage.js';

/**
 * The sessions being run in this process. A session may be run once at a
 * time per storage backend: two runs of it would overwrite each other's saves.
 */
const claimed = new WeakMap<StorageBackend, Set<string>>();
const pausers = new Map<string, Set<() => void>>();

/**
 * Marks `sessionId` as running on `storage`, with `pause` to call when
 * `pauseSession` asks. Returns the function that releases the claim, or
 * `undefined` when the session is running already.
 */
export function claimSession(storage: StorageBackend, sessionId: string, pause: () => void): (() => void) | undefined {
  let ids = claimed.get(storage);
  if (ids === undefined) claimed.set(storage, (ids = new Set()));
  if (ids.has(sessionId)) return undefined;
  ids.add(sessionId);
  let sessionPausers = pausers.get(sessionId);
  if (sessionPausers === undefined) pausers.set(sessionId, (sessionPausers = new Set()));
  sessionPausers.add(pause);
  return () => {
    ids.delete(sessionId);
    sessionPausers.delete(pause);
    if (sessionPausers.size === 0 && pausers.get(sessionId) === sessionPausers) pausers.delete(sessionId);
  };
}

/** Asks every run of `sessionId` in this process to pause; `true` when there was one. */
export function pauseSession(sessionId: string): boolean {
  const sessionPausers = pausers.get(sessionId);
  if (sessionPausers === undefined) return false;
  for (const pause of sessionPausers) pause();
  return true;
}
