/**
 * What one IndexedDB fs knows of the files it wrote, so that rewriting one
 * need not read it first, and a listing after a save need not check every
 * file: per directory, the time the fs gave the directory with its last write
 * there, the files it knows are in it, and the writes that led there. Every
 * change in a directory (by any connection) gives it a later time, so while
 * it still has that time, nothing was created, written, renamed or deleted in
 * it but those writes: the files are still files.
 */
export class WrittenFiles {
  readonly #dirs = new Map<string, KnownDirectory>();

  /** The time this fs left `dir` with, when it knows `path` as a file there; else `undefined`. */
  timeWith(dir: string, path: string): number | undefined {
    const known = this.#dirs.get(dir);
    return known?.files.has(path) ? known.mtimeMs : undefined;
  }

  /** Whether `path` is still a file that this fs wrote, `dir` having the time `mtimeMs`. */
  holds(dir: string, mtimeMs: number, path: string): boolean {
    return this.timeWith(dir, path) === mtimeMs;
  }

  /** `path` was written into `dir`, which had the time `before` and now has `after`. */
  wrote(dir: string, before: number, path: string, after: number): void {
    let known = this.#dirs.get(dir);
    if (known?.mtimeMs !== before) this.#dirs.set(dir, (known = { mtimeMs: before, files: new Set(), writes: [] }));
    known.files.add(path);
    known.writes.push({ before, after, path });
    if (known.writes.length > WRITES_KEPT) known.writes.splice(0, known.writes.length - WRITES_KEPT);
    known.mtimeMs = after;
  }

  /**
   * The paths this fs wrote in `dir` while its time went from `from` to `to`,
   * when those writes are all that happened there; `undefined` otherwise.
   */
  writtenBetween(dir: string, from: number, to: number): string[] | undefined {
    const known = this.#dirs.get(dir);
    if (known?.mtimeMs !== to) return undefined;
    // An unchanged time is an unchanged directory.
    if (from === to) return [];
    const paths = new Set<string>();
    for (let i = known.writes.length - 1; i >= 0; i--) {
      const write = known.writes[i]!;
      paths.add(write.path);
      if (write.before === from) return [...paths];
    }
    return undefined;
  }

  /** Something else changed in `dir`: its files must be read again. */
  forget(dir: string): void {
    this.#dirs.delete(dir);
  }
}

interface KnownDirectory {
  mtimeMs: number;
  files: Set<string>;
  /** Oldest first, each starting at the time the one before it ended at. */
  writes: Array<{ before: number; after: number; path: string }>;
}

/** Writes remembered per directory: a listing that comes later than this many saves checks every file. */
const WRITES_KEPT = 1024;
