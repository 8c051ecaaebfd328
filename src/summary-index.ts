/**
 * Summaries of stored documents, remembered so that a listing does not read
 * and parse every file on every call (MARSYS does). The files stay the truth;
 * this is a cache of what was read from them, checked against the file system
 * before every use:
 *
 * - **Warm** (this index has checked every file since it was created): one
 *   `stat` of the directory. Every waymark save renames a file into place and
 *   every delete unlinks one, and both change the directory's `mtimeMs`, in
 *   any process; so does any other tool that creates, deletes or renames a file.
 * - **After this process's own saves**, on an fs that can tell which files it
 *   wrote since the directory was checked and that nothing else changed there
 *   (`changesSince`: the IndexedDB fs): those files are read again, the others
 *   kept.
 * - **Otherwise** (the first listing of a FileStorageBackend, or the directory
 *   changed): `readdir`, then a `stat` of every file; a file is read again
 *   only when it is new, its size or `mtimeMs` changed, or it was last
 *   checked too soon after it was written to trust its `mtimeMs` (below).
 *   So a file another tool rewrote in place (MARSYS does) is noticed by its
 *   size or `mtimeMs` at that point: at the latest, by the next backend
 *   (process) that lists.
 * - Times are trusted only once they are RACY_MS old when checked: file
 *   systems keep times at a coarse grain (a clock tick on Linux, 2 s on FAT),
 *   so two writes in one grain can leave the same `mtimeMs`. A directory or
 *   file checked within RACY_MS of its `mtimeMs` is checked again, and read
 *   again, next time (as git does for "racily clean" files).
 *
 * What is found is kept in memory and, when it changed, written to a dot-file
 * at the base (`.waymark-index-<id>.json`, beside `sessions/` and
 * `checkpoints/`, where MARSYS never looks), so that a new process starts
 * from it: written atomically but not fsynced, as it is only ever a hint.
 * Saves do not write it: that would double their I/O. Nor does a listing
 * that only read again the files this process saved, until UNSAVED_LIMIT of
 * them have been: a new process checks every file anyway, and reads those.
 */
import { isTempName, tempNameFor } from './atomic-write.js';
import { CorruptStateError } from './errors.js';
import { isNotFound, type MinimalFs, type MinimalStats } from './fs.js';
import { DOCUMENT_EXTENSION as EXTENSION, isDocumentFileName } from './keys.js';
import { sortByCodePoint } from './pyjson/code-point-order.js';
import { cloneJson, compareCodePoints, dumpPythonIndent2, parsePythonJson } from './pyjson/index.js';
import type { JsonObject, JsonValue } from './types.js';

/** How a backend turns a stored document into the summary a listing shows. */
export interface Summariser<T> {
  /**
   * Names the function; summaries made under another id are never used.
   * Change it whenever `summarise` changes what it returns.
   */
  readonly id: string;
  /** The summary (JSON) of the document under `key`, or `undefined` to leave the key out of listings. */
  summarise(key: string, doc: JsonObject): T | undefined;
}

/** mtimes this close to the moment they were read might not change on the next write (see above). */
export const RACY_MS = 2000;
const FORMAT = 2;
const LAYOUT = /\n */g;
/** Files read again after this process's own saves before the index file is written anew (see above). */
const UNSAVED_LIMIT = 64;
/** stat calls in flight at once: enough to keep the fs busy, few enough to bound memory. */
const CONCURRENCY = 32;

interface FileEntry {
  size: number;
  mtimeMs: number;
  /** `Date.now()` just before the `stat` that gave size and mtimeMs. */
  checkedAt: number;
  /** `null`: the file is not listed (not a valid document, or the summariser left it out). */
  summary: JsonValue | null;
}

interface DirEntry {
  /** The directory's `mtimeMs` when its files were last checked; `undefined` until they are, in this process. */
  mtimeMs: number | undefined;
  checkedAt: number;
  files: Map<string, FileEntry>;
  /** The listed file names, sorted by key. */
  sorted: string[];
}

const keyOf = (name: string) => name.slice(0, -EXTENSION.length);

const isListed = (entry: FileEntry | undefined): boolean => entry !== undefined && entry.summary !== null;

function settled(mtimeMs: number, checkedAt: number): boolean {
  return mtimeMs < checkedAt - RACY_MS;
}

/** Runs `work` on every item (and its index), `CONCURRENCY` at a time. */
async function forEachConcurrently<T>(items: readonly T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

export class SummaryIndex<T> {
  readonly #fs: MinimalFs;
  readonly #base: string;
  readonly #summariser: Summariser<T>;
  readonly #load: (key: string) => Promise<JsonObject | undefined>;
  readonly #file: string;
  readonly #dirs = new Map<string, DirEntry>();
  #restored = false;
  /** Files read again by `#recheck` since the index file was last written. */
  #unsaved = 0;
  /** One listing at a time: each builds on what the previous one found. */
  #queue: Promise<unknown> = Promise.resolve();

  /** `load` reads a document as the backend does (it throws `CorruptStateError` for a damaged one). */
  constructor(fs: MinimalFs, base: string, summariser: Summariser<T>, load: (key: string) => Promise<JsonObject | undefined>) {
    this.#fs = fs;
    this.#base = base;
    this.#summariser = summariser;
    this.#load = load;
    this.#file = `.waymark-index-${summariser.id}${EXTENSION}`;
  }

  /**
   * The summaries of the documents in `dirs` (directory names under the base)
   * whose key starts with `prefix`, sorted by key; each a fresh copy.
   */
  list(dirs: readonly string[], prefix: string): Promise<T[]> {
    const result = this.#queue.then(() => this.#list(dirs, prefix));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #list(dirs: readonly string[], prefix: string): Promise<T[]> {
    if (!this.#restored) {
      this.#restored = true;
      await this.#restore();
    }
    let changed = false;
    const names: Array<[dir: DirEntry, name: string]> = [];
    for (const dir of dirs) {
      const path = `${this.#base}/${dir}`;
      const checkedAt = Date.now();
      const stats = await this.#stat(path);
      let entry = this.#dirs.get(dir);
      if (stats === undefined) {
        changed = this.#dirs.delete(dir) || changed;
        continue;
      }
      // The one stat of a warm listing: nothing was created, deleted or renamed in the directory since its files were checked.
      if (entry?.mtimeMs === undefined || entry.mtimeMs !== stats.mtimeMs || !settled(entry.mtimeMs, entry.checkedAt)) {
        const written = entry?.mtimeMs === undefined ? undefined : this.#fs.changesSince?.(path, entry.mtimeMs, stats.mtimeMs);
        const checked =
          written === undefined
            ? await this.#check(path, entry, stats.mtimeMs, checkedAt)
            : await this.#recheck(path, entry!, written, stats.mtimeMs, checkedAt);
        changed = checked.changed || changed;
        this.#dirs.set(dir, (entry = checked.entry));
      }
      for (const name of entry.sorted) if (keyOf(name).startsWith(prefix)) names.push([entry, name]);
    }
    if (changed) await this.#save();
    if (dirs.length > 1) names.sort((a, b) => compareCodePoints(keyOf(a[1]), keyOf(b[1])));
    return names.map(([dir, name]) => cloneJson(dir.files.get(name)!.summary) as T);
  }

  /** Checks every file of a directory, reading those that are new or changed; `changed` when any was, or any is gone. */
  async #check(path: string, old: DirEntry | undefined, mtimeMs: number, checkedAt: number): Promise<{ entry: DirEntry; changed: boolean }> {
    const names = (await this.#readdir(path)).filter(isDocumentFileName);
    // Taken before any file is stat'ed: a file written after it cannot look settled.
    const filesCheckedAt = Date.now();
    const stats = await this.#statAll(names.map((name) => `${path}/${name}`));
    const files = new Map<string, FileEntry>();
    const toRead: Array<[name: string, stats: MinimalStats]> = [];
    names.forEach((name, i) => {
      const current = stats[i];
      if (current === undefined || !current.isFile()) return;
      const known = old?.files.get(name);
      if (known && known.size === current.size && known.mtimeMs === current.mtimeMs && settled(known.mtimeMs, known.checkedAt)) files.set(name, known);
      else toRead.push([name, current]);
    });
    await forEachConcurrently(toRead, async ([name, current]) => {
      const entry = await this.#entryOf(name, current, filesCheckedAt);
      if (entry !== undefined) files.set(name, entry);
    });
    const changed = toRead.length > 0 || old === undefined || old.files.size !== files.size;
    return { entry: this.#dirEntry(files, mtimeMs, checkedAt), changed };
  }

  /** A file's entry, its document read and summarised now; `undefined` when it was deleted since it was stat'ed. */
  async #entryOf(name: string, current: MinimalStats, checkedAt: number): Promise<FileEntry | undefined> {
    const key = keyOf(name);
    let summary: JsonValue | null = null;
    try {
      const doc = await this.#load(key);
      if (doc === undefined) return undefined;
      summary = (this.#summariser.summarise(key, doc) as JsonValue | undefined) ?? null;
    } catch (error) {
      // A damaged file is not listed, and is remembered as such until it changes.
      if (!(error instanceof CorruptStateError)) throw error;
    }
    return { size: current.size, mtimeMs: current.mtimeMs, checkedAt, summary };
  }

  #dirEntry(files: Map<string, FileEntry>, mtimeMs: number, checkedAt: number): DirEntry {
    const listed = [...files.keys()].filter((name) => isListed(files.get(name)));
    const sorted = sortByCodePoint(listed.map(keyOf)).map((key) => key + EXTENSION);
    return { mtimeMs, checkedAt, files, sorted };
  }

  /**
   * Reads again the files the fs says it wrote (`written`, paths in `path`)
   * since the directory was last checked, when it knows nothing else changed
   * there: the other files are as they were.
   */
  async #recheck(path: string, old: DirEntry, written: string[], mtimeMs: number, checkedAt: number): Promise<{ entry: DirEntry; changed: boolean }> {
    // The fs may spell the directory otherwise (normalised): the files are its children, so their names suffice.
    const names = written.map((file) => file.slice(file.lastIndexOf('/') + 1)).filter(isDocumentFileName);
    // Nothing listable written: the files are as checked (and need no time to settle, as the fs knows it).
    if (names.length === 0) return { entry: { ...old, mtimeMs, checkedAt }, changed: false };
    const files = new Map(old.files);
    const filesCheckedAt = Date.now();
    const stats = await this.#statAll(names.map((name) => `${path}/${name}`));
    let listedChanged = false;
    await forEachConcurrently(names, async (name, i) => {
      const current = stats[i];
      const entry = current?.isFile() ? await this.#entryOf(name, current, filesCheckedAt) : undefined;
      if (entry === undefined) files.delete(name);
      else files.set(name, entry);
      if (isListed(entry) !== isListed(old.files.get(name))) listedChanged = true;
    });
    this.#unsaved += names.length;
    // Rewriting listed sessions, the common case, leaves the sorted names as they were.
    const entry = listedChanged ? this.#dirEntry(files, mtimeMs, checkedAt) : { mtimeMs, checkedAt, files, sorted: old.sorted };
    return { entry, changed: this.#unsaved > UNSAVED_LIMIT };
  }

  /** `stat` of every path, `undefined` where nothing is: in one call when the fs can (`statMany`). */
  async #statAll(paths: string[]): Promise<Array<MinimalStats | undefined>> {
    if (this.#fs.statMany) return this.#fs.statMany(paths);
    const out: Array<MinimalStats | undefined> = [];
    await forEachConcurrently(paths, async (path, i) => {
      out[i] = await this.#stat(path);
    });
    return out;
  }

  async #stat(path: string): Promise<MinimalStats | undefined> {
    try {
      return await this.#fs.stat(path);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #readdir(path: string): Promise<string[]> {
    try {
      return await this.#fs.readdir(path);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }

  /** Starts from the index file, when there is a usable one; it is only a hint, so any problem means starting without it. */
  async #restore(): Promise<void> {
    let lines: unknown;
    try {
      lines = parsePythonJson(await this.#fs.readFile(`${this.#base}/${this.#file}`, 'utf8'));
    } catch {
      return;
    }
    if (!Array.isArray(lines) || JSON.stringify(lines[0]) !== this.#header()) return;
    for (let i = 1; i < lines.length; i++) {
      const line: unknown = lines[i];
      if (!Array.isArray(line) || line.length !== 6) continue;
      const [dir, name, size, mtimeMs, checkedAt, summary] = line as [unknown, unknown, unknown, unknown, unknown, JsonValue];
      if (typeof dir !== 'string' || typeof name !== 'string' || typeof size !== 'number' || typeof mtimeMs !== 'string' || typeof checkedAt !== 'string') continue;
      let entry = this.#dirs.get(dir);
      // Its files are checked before first use: a new process notices what changed while none was listing.
      if (entry === undefined) this.#dirs.set(dir, (entry = { mtimeMs: undefined, checkedAt: 0, files: new Map(), sorted: [] }));
      entry.files.set(name, { size, mtimeMs: Number(mtimeMs), checkedAt: Number(checkedAt), summary });
    }
  }

  #header(): string {
    return JSON.stringify(['waymark-index', FORMAT, this.#summariser.id]);
  }

  /**
   * Writes the index file: temp file and rename, not fsynced; failing to
   * write it only costs the next process time. A JSON array with one line
   * per file. Times are strings, which keep every digit of a float and never
   * make the reader take its exact (slow) path; only summaries holding
   * Python-only number forms, such as `1.0`, do.
   */
  async #save(): Promise<void> {
    this.#unsaved = 0;
    const lines = [this.#header()];
    for (const [dir, { files }] of this.#dirs) {
      for (const [name, { size, mtimeMs, checkedAt, summary }] of files) {
        // allowNonFinite: metadata read from MARSYS's files may hold NaN, which parsePythonJson reads back.
        const line = dumpPythonIndent2([dir, name, size, String(mtimeMs), String(checkedAt), summary], { allowNonFinite: true });
        // Every line break in JSON text is layout (strings escape theirs): removing them leaves the same JSON on one line.
        lines.push(line.replace(LAYOUT, ''));
      }
    }
    const temp = `${this.#base}/${tempNameFor(this.#file)}`;
    try {
      await this.#fs.writeFile(temp, `[${lines.join(',\n')}]`);
      await this.#fs.rename(temp, `${this.#base}/${this.#file}`);
      // A process that died while writing the index left its temp file here, where no sweep looks.
      for (const name of await this.#fs.readdir(this.#base)) {
        if (name.startsWith(`.${this.#file}.`) && isTempName(name)) await this.#fs.unlink(`${this.#base}/${name}`).catch(() => undefined);
      }
    } catch {
      await this.#fs.unlink(temp).catch(() => undefined);
    }
  }
}
