/**
 * What one IndexedDB fs knows of the files it wrote, so that rewriting one
 * need not read it first: per directory, the time the fs gave the directory
 * with its last write there, and the files it knows are in it. Every change
 * in a directory (by any connection) gives it a later time, so while it still
 * has that time, nothing was created, written, renamed or deleted in it since:
 * those files are still files.
 */
export class WrittenFiles {
  readonly #dirs = new Map<string, { mtimeMs: number; files: Set<string> }>();

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
    const known = this.#dirs.get(dir);
    const files = known?.mtimeMs === before ? known.files : new Set<string>();
    files.add(path);
    this.#dirs.set(dir, { mtimeMs: after, files });
  }

  /** Something else changed in `dir`: its files must be read again. */
  forget(dir: string): void {
    this.#dirs.delete(dir);
  }
}
