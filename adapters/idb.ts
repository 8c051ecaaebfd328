/**
 * `waymark/idb`: a `MinimalFs` on IndexedDB, for browsers.
 *
 * Each path is one key of one object store: keys are absolute, normalised
 * POSIX paths and values are `{ kind: 'file', data, mtimeMs }` or
 * `{ kind: 'dir', mtimeMs }`. The root `/` always exists and is not stored.
 * Every call is one IndexedDB transaction, so it happens entirely or not at all.
 */
import { createStore, get } from 'idb-keyval';
import { isNotFound, type FileContent, type MinimalFs, type MinimalStats } from '../src/fs.js';
import { fsError } from './fs-error.js';
import type { Entry } from './idb-transaction.js';
import { transact } from './idb-transaction.js';
import { WrittenFiles } from './idb-written-files.js';
import { childPrefixOf, lineageOf, normalizePath } from './posix-path.js';

export interface IdbFsOptions {
  /**
   * The IndexedDB database. Give each store its own database: the store is
   * created when the database is first opened, so a second store added to an
   * existing database later would never be created.
   * @default 'waymark'
   */
  dbName?: string;
  /**
   * The object store inside `dbName` that holds the files.
   * @default 'files'
   */
  storeName?: string;
}

/**
 * A file system in IndexedDB, through idb-keyval's `createStore`.
 *
 * It behaves like Node on Linux: the same error codes, on errors with `code`,
 * `syscall` and `path` and Node's message form. Where it differs:
 * - paths are normalised (`.`, `..` and repeated slashes removed) and relative
 *   ones start at `/`; `..` is resolved on the path's text, so `/a/gone/../b`
 *   names `/a/b` even when `/a/gone` does not exist;
 * - only files can be renamed: renaming a directory fails with `EPERM`;
 * - a directory's `mtimeMs` changes whenever an entry in it is created,
 *   written, renamed or deleted, in the same transaction (Node changes it for
 *   all but writes): saves write files in place here (below), and listings
 *   cached against the directory's time must see them. It always moves
 *   forward, a microsecond past the old time when the clock has not, so an
 *   unchanged time means an unchanged directory: rewriting a file it wrote,
 *   the fs reads only the directory, not the file's old content;
 * - `writeFile` is atomic (`atomicWriteFile`): one transaction, so waymark
 *   writes files in place instead of through a temp file and a rename;
 * - files hold text: bytes written (`writesBytes`) are stored as the text
 *   they encode in UTF-8 (see `textOf`);
 *
 * It has no `open`, so there is nothing to fsync: a call resolves once its
 * transaction has committed, which makes it atomic and safe from a crash of
 * the page or the browser. Browsers commit with relaxed durability by default
 * (the OS flushes the data a moment later), so a power loss or OS crash can
 * lose the last writes, but never tear one.
 */
export function idbFs({ dbName = 'waymark', storeName = 'files' }: IdbFsOptions = {}): MinimalFs {
  const store = createStore(dbName, storeName);
  const written = new WrittenFiles();
  /** `giveParentLaterTime`, for a change `written` does not track. */
  const touchParent = (files: IDBObjectStore, lineage: (Entry | undefined)[], path: string): void => {
    giveParentLaterTime(files, lineage, path);
    written.forget(parentOf(path));
  };

  const fs: MinimalFs = {
    atomicWriteFile: true,
    writesBytes: true,

    readFile: (path) => {
      const at = normalizePath(path);
      // One get, answered when its request succeeds (a read need not wait for the commit).
      const quick = get<Entry>(at, store).then((entry) => {
        if (entry?.kind === 'file') return entry.data;
        throw WALK_AGAIN;
      });
      return orWalkAgain(quick, () =>
        transact(store, 'readonly', lineageOf(at), (lineage) => {
          const entry = walk(lineage, 'open', at);
          if (entry === undefined) throw fsError('ENOENT', 'open', at);
          if (entry.kind === 'dir') throw fsError('EISDIR', 'read', at);
          return entry.data;
        }),
      );
    },

    writeFile: (path, content) => {
      const data = textOf(content);
      const at = normalizePath(path);
      const parent = parentOf(at);
      const walkAll = () =>
        transact(store, 'readwrite', lineageOf(at), (lineage, files) => {
          if (walk(lineage, 'open', at)?.kind === 'dir') throw fsError('EISDIR', 'open', at);
          files.put(fileEntry(data), at);
          touchParent(files, lineage, at);
        });
      if (parent === '/') return walkAll();
      const knownTime = written.timeWith(parent, at);
      if (knownTime === undefined) return orWalkAgain(writeAhead(undefined), walkAll);
      return orWalkAgain(writeAhead(knownTime), () => orWalkAgain(writeAhead(undefined), walkAll));

      /**
       * Writes the file and the parent's later time ahead of the checks, which then read only the parent, and
       * the file itself unless this fs wrote it and the parent still has the time it gave it (`knownTime`):
       * its old content, as large as the new, is then not read. Enough when the parent is a stored
       * directory, as every ancestor then is. A failed check aborts the transaction, undoing the writes.
       */
      function writeAhead(knownTime: number | undefined): Promise<void> {
        const mtimeMs = knownTime === undefined ? Date.now() : laterThan(knownTime);
        return transact(
          store,
          'readwrite',
          knownTime === undefined ? [parent, at] : [parent],
          ([parentEntry, entry], files) => {
            if (parentEntry?.kind !== 'dir') throw WALK_AGAIN;
            if (knownTime === undefined) {
              if (entry?.kind === 'dir') throw fsError('EISDIR', 'open', at);
            } else if (!written.holds(parent, parentEntry.mtimeMs, at)) {
              throw WALK_AGAIN;
            }
            written.wrote(parent, parentEntry.mtimeMs, at, afterWriteAhead(files, parent, parentEntry, mtimeMs));
          },
          (files) => {
            files.put(fileEntry(data), at);
            files.put(dirEntry(mtimeMs), parent);
          },
        );
      }
    },

    rename: (from, to) => {
      const source = normalizePath(from);
      const target = normalizePath(to);
      const sourceLineage = lineageOf(source);
      return transact(store, 'readwrite', [...sourceLineage, ...lineageOf(target)], (lineages, files) => {
        const entry = walk(lineages.slice(0, sourceLineage.length), 'rename', source, target);
        if (entry === undefined) throw fsError('ENOENT', 'rename', source, target);
        // Moving a directory would mean moving every key under it; nothing in
        // waymark renames directories, so this fs does not pretend to.
        if (entry.kind === 'dir') throw fsError('EPERM', 'rename', source, target);
        const replaced = walk(lineages.slice(sourceLineage.length), 'rename', source, target);
        if (replaced?.kind === 'dir') throw fsError('EISDIR', 'rename', source, target);
        if (source === target) return;
        // Both in this transaction: if either fails, neither happens.
        files.put(entry, target);
        files.delete(source);
        touchParent(files, lineages.slice(0, sourceLineage.length), source);
        if (parentOf(target) !== parentOf(source)) touchParent(files, lineages.slice(sourceLineage.length), target);
      });
    },

    unlink: (path) => {
      const at = normalizePath(path);
      return transact(store, 'readwrite', lineageOf(at), (lineage, files) => {
        const entry = walk(lineage, 'unlink', at);
        if (entry === undefined) throw fsError('ENOENT', 'unlink', at);
        if (entry.kind === 'dir') throw fsError('EISDIR', 'unlink', at);
        files.delete(at);
        touchParent(files, lineage, at);
      });
    },

    readdir: async (path) => {
      const at = normalizePath(path);
      const prefix = childPrefixOf(at);
      const listing = await transact(store, 'readonly', lineageOf(at), (lineage, files) => {
        const entry = walk(lineage, 'scandir', at);
        if (entry === undefined) throw fsError('ENOENT', 'scandir', at);
        if (entry.kind === 'file') throw fsError('ENOTDIR', 'scandir', at);
        // One range query for everything under the directory. The upper bound
        // is the prefix with its '/' bumped to '0', the next code unit,
        // excluded: it bounds every key that starts with the prefix, however
        // high the code units after it.
        const upper = `${prefix.slice(0, -1)}0`;
        return files.getAllKeys(IDBKeyRange.bound(prefix, upper, false, true));
      });
      // The request's result is ready: transact resolves after the commit.
      const names: string[] = [];
      for (const key of listing.result) {
        const name = String(key).slice(prefix.length);
        // Deeper keys share the prefix; only direct children are listed.
        if (!name.includes('/')) names.push(name);
      }
      return names;
    },

    mkdir: (path) => {
      const at = normalizePath(path);
      const lineage = lineageOf(at);
      return transact(store, 'readwrite', lineage, (entries, files) => {
        let created = false;
        lineage.forEach((dir, i) => {
          const entry = entries[i];
          if (entry?.kind === 'file') throw fsError(dir === at ? 'EEXIST' : 'ENOTDIR', 'mkdir', at);
          if (entry === undefined) {
            // The outermost directory created is a new entry of its parent; the ones inside it are new anyway.
            if (!created) touchParent(files, entries.slice(0, i + 1), dir);
            created = true;
            files.put(dirEntry(), dir);
          }
        });
      });
    },

    stat: (path) => {
      const at = normalizePath(path);
      // The parent too: when it is a stored directory, a missing entry is plain ENOENT without a second walk
      // (a save checks that a new checkpoint's id is free this way).
      const parent = parentOf(at);
      const quick = transact(store, 'readonly', parent === at ? [at] : [parent, at], (entries) => {
        const entry = entries.at(-1);
        if (entry !== undefined) return statsOf(entry);
        if (entries.length === 2 && entries[0]?.kind === 'dir') throw fsError('ENOENT', 'stat', at);
        throw WALK_AGAIN;
      });
      return orWalkAgain(quick, () =>
        transact(store, 'readonly', lineageOf(at), (lineage) => {
          const entry = walk(lineage, 'stat', at);
          if (entry === undefined) throw fsError('ENOENT', 'stat', at);
          return statsOf(entry);
        }),
      );
    },

    changesSince: (dir, fromMtimeMs, toMtimeMs) => written.writtenBetween(normalizePath(dir), fromMtimeMs, toMtimeMs),

    statMany: async (paths) => {
      const out: Array<MinimalStats | undefined> = [];
      // A transaction per batch, not per path: a listing stats every file of a directory after each save,
      // and a transaction costs far more than one read in it. Batches, not one transaction for all: each
      // read brings the file's content along with its time, and a directory of large files must not be
      // held in memory all at once.
      for (let start = 0; start < paths.length; start += STAT_BATCH) {
        const batch = paths.slice(start, start + STAT_BATCH);
        // An entry found is reachable (its ancestors are stored directories).
        const stats = await transact(store, 'readonly', batch.map(normalizePath), (found) => found.map((entry) => entry && statsOf(entry)));
        // One missing (deleted since it was listed) is rare: stat tells ENOENT from ENOTDIR, as alone.
        for (const [i, found] of stats.entries()) out.push(found ?? (await fs.stat(batch[i]!).catch(undefinedIfNotFound)));
      }
      return out;
    },
  };
  return fs;
}

/** How many paths `statMany` reads per transaction. */
const STAT_BATCH = 64;

function undefinedIfNotFound(error: unknown): undefined {
  if (isNotFound(error)) return undefined;
  throw error;
}

/**
 * Thrown by a call's quick transaction, which reads only the entries it acts
 * on, when they do not settle the outcome. That suffices on the common path
 * because every stored entry's ancestors are stored directories (this fs
 * creates ancestors first, and never removes or moves a directory), so an
 * entry found is reachable. When one is missing, the call runs again reading
 * every ancestor, to fail as a kernel would (ENOENT or ENOTDIR, and where).
 */
const WALK_AGAIN = new Error('read every ancestor of the path');

function orWalkAgain<T>(quick: Promise<T>, walkAgain: () => Promise<T>): Promise<T> {
  return quick.catch((error: unknown) => (error === WALK_AGAIN ? walkAgain() : Promise.reject(error)));
}

/**
 * The last entry of a path's lineage, once every entry above it has been
 * checked to be a directory, as a kernel resolves a path: `ENOENT` when one is
 * missing, `ENOTDIR` when one is a file.
 */
function walk(lineage: (Entry | undefined)[], syscall: string, path: string, dest?: string): Entry | undefined {
  for (const ancestor of lineage.slice(0, -1)) {
    if (ancestor === undefined) throw fsError('ENOENT', syscall, path, dest);
    if (ancestor.kind === 'file') throw fsError('ENOTDIR', syscall, path, dest);
  }
  return lineage.at(-1);
}

/**
 * Gives the parent directory of `path` (the next-to-last of `lineage`, which
 * ends at `path`) a later `mtimeMs`, as a kernel does when an entry is
 * created, renamed or removed in it (and here also when one is written):
 * listings cached against it (summary-index.ts) see the change. Later always,
 * even within one millisecond or when the clock goes back, so that an
 * unchanged time means an unchanged directory. The root is not stored, so it
 * keeps its time.
 */
function giveParentLaterTime(files: IDBObjectStore, lineage: (Entry | undefined)[], path: string): void {
  const parent = parentOf(path);
  const entry = lineage.at(-2);
  if (parent !== '/' && entry?.kind === 'dir') files.put(dirEntry(laterThan(entry.mtimeMs)), parent);
}

/**
 * A directory time after `mtimeMs`: now, or a microsecond after it when the
 * clock has not passed it. Not a millisecond: a directory written more than
 * once a millisecond for a while would run ahead of the clock, and listings
 * do not trust a directory's time until it is 2 s old.
 */
function laterThan(mtimeMs: number): number {
  return Math.max(Date.now(), mtimeMs + MICROSECOND);
}

/** In milliseconds: more than the spacing of doubles near such times (2^-12 ms today) until the year 2248, so adding it always moves the time. */
const MICROSECOND = 0.001;

/**
 * The time a write-ahead gave `parent` (`written`, chosen before its entry was
 * read), or, when that is not later than the entry's time, a later one, put
 * now. Returns the time the parent is left with.
 */
function afterWriteAhead(files: IDBObjectStore, parent: string, before: Entry, written: number): number {
  if (written > before.mtimeMs) return written;
  const mtimeMs = laterThan(before.mtimeMs);
  files.put(dirEntry(mtimeMs), parent);
  return mtimeMs;
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

let utf8: TextDecoder | undefined;

/**
 * The text a file holds. Bytes are decoded as UTF-8, which for a document
 * waymark wrote (ASCII) makes a string of one byte a character. That is why
 * this fs takes bytes: the text waymark's writer makes is two bytes a
 * character in the browser (the native encoder's output is, as soon as the
 * state holds a character beyond Latin-1, and the escaped text is cut from
 * it), and IndexedDB stores and reads back a one-byte string of the same
 * text in little more than half the time (Chromium, 100 KB and 1 MB).
 */
function textOf(content: FileContent): string {
  return typeof content === 'string' ? content : (utf8 ??= new TextDecoder()).decode(content);
}

function fileEntry(data: string): Entry {
  return { kind: 'file', data, mtimeMs: Date.now() };
}

function dirEntry(mtimeMs = Date.now()): Entry {
  return { kind: 'dir', mtimeMs };
}

function statsOf(entry: Entry): MinimalStats {
  // Node reports a file's size in bytes, and waymark writes UTF-8.
  const size = entry.kind === 'file' ? utf8Length(entry.data) : 0;
  return {
    size,
    mtimeMs: entry.mtimeMs,
    isFile: () => entry.kind === 'file',
    isDirectory: () => entry.kind === 'dir',
  };
}

const NOT_ASCII = /[^\0-\x7f]/;

/**
 * The length of `text` in UTF-8, as `TextEncoder` would encode it (a lone
 * surrogate as U+FFFD, three bytes), counted without encoding it: a cold
 * listing stats every file, and waymark's files are ASCII, one byte a character.
 */
function utf8Length(text: string): number {
  if (!NOT_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
