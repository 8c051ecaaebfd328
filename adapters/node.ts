/**
 * `waymark/node`: the `MinimalFs` on the local disk, through `node:fs`.
 * Errors are Node's own, passed through unchanged.
 */
import nodeFsModule, {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { FileContent, MinimalFileHandle, MinimalFs, TextEncoding } from '../src/fs.js';

export interface NodeFsOptions {
  /**
   * Whether writes are fsynced. When `true` the fs has `open`, which waymark
   * uses to fsync each file before renaming it into place and its directory
   * after: a write that has resolved survives a power loss.
   *
   * When `false` the fs has no `open` and nothing is fsynced: writes stay
   * atomic against a crash of the process (`kill -9` leaves the old file or
   * the new one), and are faster, as they do not wait for the disk. A power
   * loss or OS crash may lose the last writes, and on file systems that do
   * not order a rename after the data it renames, leave such a file empty.
   * @default true
   */
  durable?: boolean;
  /**
   * Files up to this many bytes (or characters, for text being written) are
   * read and written with synchronous system calls, as are renames, unlinks
   * and stats. Each asynchronous call is a round trip through libuv's thread
   * pool that costs more than the call itself (opening, writing and closing a
   * 100 KB file asynchronously takes several times longer); the event loop
   * waits meanwhile, but for a fraction of the time that parsing or
   * serialising the same document already holds it. Fsyncs, which wait for
   * the disk, are always asynchronous. `0` makes every call asynchronous
   * (for a network file system, say, where a call can stall).
   * @default 1048576 (1 MiB)
   */
  blockingIoLimit?: number;
}

// Files are read and written without following a symbolic link in their last
// component (ELOOP instead), so a link planted in the state directory cannot
// make waymark read or write a file elsewhere. Windows has no O_NOFOLLOW.
const NO_FOLLOW = constants.O_NOFOLLOW as number | undefined;
const READ = NO_FOLLOW === undefined ? 'r' : constants.O_RDONLY | NO_FOLLOW;
const WRITE = NO_FOLLOW === undefined ? 'w' : constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NO_FOLLOW;

/** A flush of a descriptor to the disk: asynchronous, as it waits for the disk. Node's call is looked up per call (tests spy on it). */
const flushWith =
  (how: 'fsync' | 'fdatasync') =>
  (fd: number): Promise<void> =>
    new Promise((resolve, reject) => nodeFsModule[how](fd, (error) => (error ? reject(error) : resolve())));
const fsync = flushWith('fsync');
const fdatasync = flushWith('fdatasync');

/**
 * Node's file system as a `MinimalFs`; see {@link NodeFsOptions} for what a
 * write survives and which calls block. It does not follow a symbolic link
 * that names a file (reading or writing one fails with `ELOOP`; rename and
 * unlink act on the link itself), and has `lstat`, with which waymark
 * refuses a state directory whose `sessions/` or `checkpoints/` is a link.
 */
export function nodeFs({ durable = true, blockingIoLimit = 1 << 20 }: NodeFsOptions = {}): MinimalFs {
  const blocking = blockingIoLimit > 0;
  const small = (data: FileContent) => blocking && data.length <= blockingIoLimit;
  const fs: MinimalFs = {
    writesBytes: true,
    readFile: (path, encoding) => (blocking ? readSmallFile(path, encoding, blockingIoLimit) : readFile(path, { encoding, flag: READ })),
    writeFile: (path, data, encoding = 'utf8') => (small(data) ? writeSmallFile(path, data, encoding) : writeFile(path, data, { encoding, flag: WRITE })),
    // Metadata calls: microseconds on a local disk, against a thread-pool round trip.
    rename: blocking ? async (from, to) => renameSync(from, to) : rename,
    unlink: blocking ? async (path) => unlinkSync(path) : unlink,
    readdir,
    mkdir,
    stat: blocking ? async (path) => statSync(path) : stat,
    lstat,
    statMany,
  };
  if (!durable) return fs;
  return {
    ...fs,
    open: async (path, flags) => (blocking ? handleOf(openSync(path, flags)) : open(path, flags)),
    // fdatasync, as SQLite does: the data and what is needed to read it back (the size), not the access times.
    writeFileSynced: (path, data, encoding = 'utf8') => (small(data) ? writeSmallFile(path, data, encoding, fdatasync) : writeFileSyncedAsync(path, data, encoding)),
  };
}

/**
 * Writes `data` with synchronous calls; with `flush`, awaits it (an fsync,
 * which waits for the disk) before closing.
 */
async function writeSmallFile(path: string, data: FileContent, encoding: TextEncoding, flush?: (fd: number) => Promise<void>): Promise<void> {
  const fd = openSync(path, WRITE);
  try {
    writeFileSync(fd, data, { encoding });
    if (flush) await flush(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes and fdatasyncs through one handle, every call asynchronous: for files above the blocking limit. */
async function writeFileSyncedAsync(path: string, data: FileContent, encoding: TextEncoding): Promise<void> {
  const handle = await open(path, WRITE);
  try {
    await handle.writeFile(data, encoding);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** A handle on a descriptor opened synchronously: its fsync waits for the disk, so it stays asynchronous. */
function handleOf(fd: number): MinimalFileHandle {
  let closed = false;
  return {
    sync: () => fsync(fd),
    close: async () => {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}

/**
 * The file's text, read with synchronous calls when it is no larger than
 * `limit` (open, fstat, read, close: one round of system calls), else
 * asynchronously. Fails as `readFile` does (ENOENT, ELOOP, EISDIR).
 */
async function readSmallFile(path: string, encoding: 'utf8', limit: number): Promise<string> {
  const fd = openSync(path, READ);
  try {
    const stats = fstatSync(fd);
    if (stats.isFile() && stats.size <= limit) return readFileSync(fd, encoding);
  } finally {
    closeSync(fd);
  }
  // A directory (readFile's EISDIR) or a large file.
  return readFile(path, { encoding, flag: READ });
}

/** Paths stat'ed between two yields to the event loop: about a millisecond of work. */
const STAT_SLICE = 256;

/**
 * `statSync` in slices, yielding to the event loop between them. Each async
 * `stat` is a round trip through libuv's thread pool, and on a small machine
 * 10,000 of them take several times longer than the same calls made
 * synchronously; the slices keep the event loop responsive all the same.
 */
async function statMany(paths: readonly string[]) {
  const out = [];
  for (let i = 0; i < paths.length; i += STAT_SLICE) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const path of paths.slice(i, i + STAT_SLICE)) out.push(statSync(path, { throwIfNoEntry: false }));
  }
  return out;
}
