/**
 * One writer per session, across tabs: the tab that runs, resumes or changes
 * a session holds the Web Lock `waymark:<sessionId>` for as long as it does.
 * The browser releases a tab's locks when the tab reloads, closes or crashes,
 * so a session stored as running whose lock is free was interrupted.
 */

const PREFIX = 'waymark:';

export function lockName(sessionId: string): string {
  return PREFIX + sessionId;
}

/**
 * Runs `work` holding the session's lock, or returns `undefined` at once
 * without running it when another holder (this tab or another) has the lock.
 * The lock is held until `work` settles.
 */
export async function withSessionLock<T>(sessionId: string, work: () => Promise<T>): Promise<{ value: T } | undefined> {
  return navigator.locks.request(lockName(sessionId), { ifAvailable: true }, async (lock) => {
    if (lock === null) return undefined;
    return { value: await work() };
  });
}

/** The ids of sessions whose lock some tab of this origin holds right now. */
export async function lockedSessions(): Promise<Set<string>> {
  const { held = [] } = await navigator.locks.query();
  const ids = new Set<string>();
  for (const lock of held) if (lock.name?.startsWith(PREFIX)) ids.add(lock.name.slice(PREFIX.length));
  return ids;
}

/** `withSessionLock` over several sessions: all their locks, or none and `undefined`. */
export async function withSessionLocks<T>(sessionIds: readonly string[], work: () => Promise<T>): Promise<{ value: T } | undefined> {
  const [first, ...rest] = sessionIds;
  if (first === undefined) return { value: await work() };
  const inner = await withSessionLock(first, () => withSessionLocks(rest, work));
  return inner?.value;
}
