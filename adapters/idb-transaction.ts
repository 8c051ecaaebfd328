/**
 * The one way the IndexedDB fs touches its store: read some paths, then decide
 * (and write) while the same transaction is still open.
 */
import type { UseStore } from 'idb-keyval';

/** What the IndexedDB fs stores under each absolute, normalised path. */
export type Entry = { kind: 'file'; data: string; mtimeMs: number } | { kind: 'dir'; mtimeMs: number };

/** The root always exists and is never stored, so no store can lose it. */
const root: Entry = { kind: 'dir', mtimeMs: 0 };

/**
 * Reads the entries at `paths` (at least one) in one transaction, then calls
 * `decide` with them, still inside it, so what it writes is based on what was
 * read with nothing in between. Resolves with what `decide` returned once the
 * transaction has committed. When `decide` throws, the transaction is aborted
 * (nothing it wrote is kept) and the promise rejects with what it threw; when
 * IndexedDB fails a request or the commit, it rejects with IndexedDB's error.
 *
 * `writeAhead`, when given, makes its writes right after the reads are
 * requested, without waiting for them: when the reads are there only to check
 * that the writes are allowed, this saves a round trip to the database, and
 * if `decide` then throws, the abort undoes the writes.
 *
 * Plain request callbacks instead of awaited promises: a transaction commits
 * as soon as no request is pending at the end of a task, and only code run
 * from a request's own callback is sure to run before that. Once `decide` has
 * returned, the transaction is committed at once: nothing more may be asked
 * of it, which is why `decide` must make its requests before it returns.
 */
export function transact<T>(
  useStore: UseStore,
  mode: IDBTransactionMode,
  paths: readonly string[],
  decide: (entries: (Entry | undefined)[], store: IDBObjectStore) => T,
  writeAhead?: (store: IDBObjectStore) => void,
): Promise<T> {
  return useStore(
    mode,
    (store) =>
      new Promise<T>((resolve, reject) => {
        const transaction = store.transaction;
        const requests = paths.map((path) => store.get(path));
        // Requests run in the order they are made: the reads above see the entries as they were before these writes.
        writeAhead?.(store);
        let outcome: { value: T } | { error: unknown } | undefined;

        // Requests on one store succeed in the order they were made: when the
        // last one has, every result is in.
        const last = requests.at(-1);
        if (last === undefined) throw new RangeError('transact() needs at least one path to read');
        last.onsuccess = () => {
          try {
            // The store holds nothing but entries this fs wrote.
            const entries = requests.map((request, i) =>
              paths[i] === '/' ? root : (request.result as Entry | undefined),
            );
            outcome = { value: decide(entries, store) };
          } catch (error) {
            outcome = { error };
            try {
              transaction.abort();
            } catch {
              // IndexedDB had aborted it already (a request failed): nothing
              // is left to undo, and onabort reports `error`.
            }
            return;
          }
          // Every request is made: commit now, instead of when the browser
          // notices that none is left once this task ends (in Chromium about
          // 0.2 ms, a sixth of a small save). Browsers without commit() (Safari
          // before 15) commit on their own.
          try {
            transaction.commit?.();
          } catch {
            // Not active any more (aborted, or committing already): onabort or
            // oncomplete reports the outcome.
          }
        };
        transaction.oncomplete = () => {
          if (outcome !== undefined && 'value' in outcome) resolve(outcome.value);
          else reject(new Error('IndexedDB committed a transaction before its reads were done'));
        };
        transaction.onabort = () => {
          if (outcome !== undefined && 'error' in outcome) reject(outcome.error);
          // An abort that no request caused (the browser closing the database,
          // say) leaves `error` null; the caller still needs an Error.
          else reject(transaction.error ?? new DOMException('The transaction was aborted.', 'AbortError'));
        };
      }),
  );
}
