/**
 * `waymark/node`: the `MinimalFs` on the local disk, through `node:fs/promises`.
 * Errors are Node's own, passed through unchanged.
 */
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { MinimalFs } from '../src/fs.js';

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

/** Node's file system as a `MinimalFs`; see {@link NodeFsOptions.durable} for what a write survives. */
export function nodeFs({ durable = true }: NodeFsOptions = {}): MinimalFs {
  const fs: MinimalFs = { readFile, writeFile, rename, unlink, readdir, mkdir, stat };
  return durable ? { ...fs, open } : fs;
}
