/**
 * The async file-system contract waymark's storage is written against.
 *
 * It is a structural subset of `node:fs/promises`, so Node's module satisfies it
 * as is; memfs's `vol.promises` and the IndexedDB fs in `waymark/idb` satisfy it
 * too. Paths are POSIX, `/`-separated and absolute or relative to the process.
 *
 * Errors are `Error`s with a string `code` (`ENOENT`, `ENOTDIR`, `EISDIR`,
 * `EEXIST`, ...). Callers branch on `code` only, never on the message.
 */
export interface MinimalFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  /**
   * Writes `data`, text as UTF-8. `encoding` is `'latin1'` only for text
   * that is pure ASCII (every document waymark writes is), where both
   * encodings give the same bytes and Latin-1 is the cheaper to encode; an fs
   * may ignore it. `data` is bytes only for an fs that `writesBytes`.
   */
  writeFile(path: string, data: FileContent, encoding?: TextEncoding): Promise<void>;
  /** Replaces `to` atomically: a reader sees the old file or the new one, never neither. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Entry names, unsorted. */
  readdir(path: string): Promise<string[]>;
  /** Creates the directory and its parents; succeeds when it exists. Return value unspecified. */
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  stat(path: string): Promise<MinimalStats>;
  /**
   * Optional, used for fsync only: a file is opened `'r+'`, a directory `'r'`.
   * An fs without `open` gives atomic but not durable writes.
   */
  open?(path: string, flags: 'r+' | 'r'): Promise<MinimalFileHandle>;
  /**
   * Optional, for an fs with `open`: writes the file and flushes its data to
   * stable storage before resolving, in fewer calls than `writeFile` then an
   * fsync through `open` (Node's: open, write, fdatasync, close).
   */
  writeFileSynced?(path: string, data: FileContent, encoding?: TextEncoding): Promise<void>;
  /**
   * Optional: `stat` of a symbolic link itself. An fs that has links should
   * have it: waymark then refuses to use a `sessions/` or `checkpoints/`
   * directory that is a link to somewhere else.
   */
  lstat?(path: string): Promise<MinimalStats & { isSymbolicLink(): boolean }>;
  /**
   * Optional: `stat` of many paths at once, for an fs with a faster way than
   * one `stat` call per path: `undefined` for each that does not exist
   * (`ENOENT`); any other failure rejects as `stat` would (`ENOTDIR` below a
   * file). Listings use it to check every file of a directory (see summary-index.ts).
   */
  statMany?(paths: readonly string[]): Promise<Array<MinimalStats | undefined>>;
  /**
   * Optional: the paths of the files this fs wrote in directory `dir` while
   * the directory's `mtimeMs` went from `fromMtimeMs` to `toMtimeMs`, when it
   * knows that nothing else changed there in between (`[]` when nothing
   * changed); `undefined` when it does not know. Listings then read those
   * files again instead of checking every file (see summary-index.ts). Only
   * an fs whose directory times move forward on every change can know this.
   */
  changesSince?(dir: string, fromMtimeMs: number, toMtimeMs: number): string[] | undefined;
  /**
   * Set by an fs whose `writeFile` replaces a file's content atomically (the
   * IndexedDB fs: one transaction): a reader, or a crash, sees the old content
   * or the new, never a mix. Atomic saves then write the file directly; the
   * temp file and rename that a disk needs would only double the work. Such
   * an fs must also move the file's directory's `mtimeMs` on when it writes a
   * file, as a rename into the directory would: listings trust that time.
   */
  readonly atomicWriteFile?: boolean;
  /**
   * Set by an fs whose `writeFile` (and `writeFileSynced`) also take bytes, a
   * `Uint8Array` written as it is, as Node's and memfs's do. waymark hands
   * such an fs a large document already encoded: the writer's pieces of text
   * go straight into the bytes, and the whole text is never copied into one
   * string first (see pyjson/text-pieces.ts). Any other fs is given strings only.
   */
  readonly writesBytes?: boolean;
}

/** What a write stores: text, or (only for an fs that `writesBytes`) bytes. */
export type FileContent = string | Uint8Array;

/** How text is turned into bytes: UTF-8, or for pure ASCII text the same bytes by Latin-1. */
export type TextEncoding = 'utf8' | 'latin1';

export interface MinimalStats {
  size: number;
  mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

export interface MinimalFileHandle {
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The `code` of an fs error, or `undefined` when it has none. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function isNotFound(error: unknown): boolean {
  return errorCode(error) === 'ENOENT';
}

/** The directory holding `path`, as `dirname` gives it (`.` for a bare name, `/` at the top). */
export function parentDirectory(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : slash === 0 ? '/' : path.slice(0, slash);
}
