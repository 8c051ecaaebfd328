/**
 * `waymark/node`: the `MinimalFs` on the local disk, through `node:fs/promises`.
 * Errors are Node's own, passed through unchanged.
 */
import { constants, statSync } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { MinimalFs, TextEncoding } from '../src/fs.js';

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
}

// Files are read and written without following a symbolic link in their last
// component (ELOOP instead), so a link planted in the state directory cannot
// make waymark read or write a file elsewhere. Windows has no O_NOFOLLOW.
const NO_FOLLOW = constants.O_NOFOLLOW as number | undefined;
const READ = NO_FOLLOW === undefined ? 'r' : constants.O_RDONLY | NO_FOLLOW;
const WRITE = NO_FOLLOW === undefined ? 'w' : constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NO_FOLLOW;

/**
 * Node's file system as a `MinimalFs`; see {@link NodeFsOptions.durable} for
 * what a write survives. It does not follow a symbolic link that names a
 * file (reading or writing one fails with `ELOOP`; rename and unlink act on
 * the link itself), and has `lstat`, with which waymark refuses a state
 * directory whose `sessions/` or `checkpoints/` is a link.
 */
export function nodeFs({ durable = true }: NodeFsOptions = {}): MinimalFs {
  const fs: MinimalFs = {
    readFile: (path, encoding) => readFile(path, { encoding, flag: READ }),
    writeFile: (path, data, encoding = 'utf8') => writeFile(path, data, { encoding, flag: WRITE }),
    rename,
    unlink,
    readdir,
    mkdir,
    stat,
    lstat,
    statMany,
  };
  return durable ? { ...fs, open, writeFileSynced } : fs;
}

/**
 * Writes and flushes through one handle: four calls where `writeFile` and
 * then `open`, `sync`, `close` make six. fdatasync, as SQLite does: it
 * flushes the data and what is needed to read it back (the size), not the
 * access times.
 */
async function writeFileSynced(path: string, data: string, encoding: TextEncoding = 'utf8'): Promise<void> {
  const handle = await open(path, WRITE);
  try {
    await handle.writeFile(data, encoding);
    await handle.datasync();
  } finally {
    await handle.close();
  }
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
