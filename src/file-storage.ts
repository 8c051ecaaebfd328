import { writeFileAtomic, fsyncDirectory, isTempName } from './atomic-write.js';
import { compareCodePoints } from './pyjson/index.js';
import { CorruptStateError, SerializationError, StorageError, WaymarkError } from './errors.js';
import { isNotFound, parentDirectory, type FileContent, type MinimalFs } from './fs.js';
import { KeyQueue } from './key-queue.js';
import { CHECKPOINT_PREFIX, DOCUMENT_EXTENSION as EXTENSION, assertValidKey, isDocumentFileName } from './keys.js';
import { isPlainObject, describeType } from './own.js';
import { JsonSyntaxError, NonJsonValueError, dumpPythonIndent2Pieces, parsePythonJson, type TextPieces } from './pyjson/index.js';
import type { StorageBackend } from './storage.js';
import { SummaryIndex, type Summariser } from './summary-index.js';
import type { JsonObject } from './types.js';

export interface FileStorageOptions {
  /**
   * The file system to store files on.
   * @default Node's disk (`waymark/node`, durable) under Node; the IndexedDB fs
   * (`waymark/idb`) in a browser bundle. Pass `memFs()` for in-memory tests.
   */
  fs?: MinimalFs;
}

const SESSIONS_DIR = 'sessions';
const CHECKPOINTS_DIR = 'checkpoints';
/** Python's json.dump (ensure_ascii) writes pure ASCII, whose Latin-1 bytes are its UTF-8 bytes and cheaper to make. */
const ASCII = 'latin1';
/**
 * From this many characters a document goes to an fs that `writesBytes` as
 * bytes, encoded piece by piece: below it, joining the pieces into one string
 * costs less than encoding them one by one.
 */
const BYTES_FROM = 32 * 1024;

/** What to write of a document: its bytes where the fs takes them and the document is large, else its text. */
function contentFor(fs: MinimalFs, text: TextPieces): FileContent {
  return fs.writesBytes && text.length >= BYTES_FROM ? text.asciiBytes() : text.text();
}

/**
 * MARSYS's layout on any `MinimalFs`: `<base>/sessions/<key>.json` for
 * sessions, `<base>/checkpoints/<key>.json` for keys starting `checkpoint_`,
 * written as Python's `json.dump(indent=2)` writes them.
 *
 * - **Atomic:** a save replaces the file through a temp file and a rename; a
 *   crash leaves the old document or the new one, never a torn one.
 * - **Durable** when the fs can fsync (`nodeFs()` by default): a save that
 *   resolved survives a power loss.
 * - **Ordered:** saves and deletes of one key run in call order; a load waits
 *   for the saves and deletes of its key called before it.
 * - Temp files are never listed, and stale ones are swept when the backend starts
 *   (in every process that opens the directory: a write under way in another
 *   process whose temp file is swept writes it again).
 * - Stays inside its base directory: with an fs that has `lstat` (Node's), it
 *   refuses a `sessions/` or `checkpoints/` that is a symbolic link.
 */
export class FileStorageBackend implements StorageBackend {
  readonly basePath: string;
  readonly #fsOption: MinimalFs | undefined;
  readonly #queue = new KeyQueue();
  readonly #indexes = new Map<string, SummaryIndex<unknown>>();
  #ready: Promise<MinimalFs> | undefined;
  /** The fs once #ready has resolved: saves and loads then start without a turn of the event loop. */
  #readyFs: MinimalFs | undefined;

  constructor(basePath: string, options: FileStorageOptions = {}) {
    if (typeof basePath !== 'string' || basePath === '') {
      throw new TypeError('FileStorageBackend needs a base directory, such as new FileStorageBackend("./state").');
    }
    this.basePath = basePath.length > 1 ? basePath.replace(/\/+$/, '') : basePath;
    this.#fsOption = options.fs;
  }

  /** The file a key is stored in. */
  locate(key: string): string {
    return `${this.#dirOf(key)}/${key}${EXTENSION}`;
  }

  async save(key: string, data: JsonObject): Promise<void> {
    return this.prepareSave(key, data)();
  }

  /** Encodes `data` now (the bytes `save` writes); the returned write stores them. */
  prepareSave(key: string, data: JsonObject): () => Promise<void> {
    assertValidKey('key', key);
    let text: TextPieces;
    try {
      // Pieces: joined or encoded when written, once the fs says which it takes (see contentFor).
      text = dumpPythonIndent2Pieces(data);
    } catch (error) {
      if (error instanceof NonJsonValueError) throw new SerializationError(error.segments, error.problem);
      throw error;
    }
    return async () => {
      const fs = this.#readyFs ?? (await this.#fs());
      const dir = this.#dirOf(key);
      const content = contentFor(fs, text);
      await this.#queue.run(key, () => this.#attempt('write', this.locate(key), () => writeFileAtomic(fs, dir, key + EXTENSION, content, ASCII)));
    };
  }

  async load(key: string): Promise<JsonObject | undefined> {
    assertValidKey('key', key);
    const fs = this.#readyFs ?? (await this.#fs());
    await this.#queue.settled(key);
    const file = this.locate(key);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new StorageError('read', file, error);
    }
    let data: unknown;
    try {
      data = parsePythonJson(text);
    } catch (error) {
      if (error instanceof JsonSyntaxError) {
        throw new CorruptStateError(key, text.trim() === '' ? 'the file is empty' : `not valid JSON: ${error.message}`, { file, cause: error });
      }
      throw error;
    }
    if (!isPlainObject(data)) throw new CorruptStateError(key, `expected an object at the top level, found ${describeType(data)}`, { file });
    return data as JsonObject;
  }

  async delete(key: string): Promise<boolean> {
    assertValidKey('key', key);
    const fs = await this.#fs();
    const file = this.locate(key);
    return this.#queue.run(key, () =>
      this.#attempt('delete', file, async () => {
        try {
          await fs.unlink(file);
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
        await fsyncDirectory(fs, this.#dirOf(key));
        return true;
      }),
    );
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey('key', key);
    const fs = await this.#fs();
    await this.#queue.settled(key);
    const file = this.locate(key);
    try {
      return (await fs.stat(file)).isFile();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new StorageError('stat', file, error);
    }
  }

  async listKeys(prefix = ''): Promise<string[]> {
    const fs = await this.#fs();
    const keys: string[] = [];
    for (const dir of [SESSIONS_DIR, CHECKPOINTS_DIR]) {
      for (const name of await this.#readdir(fs, `${this.basePath}/${dir}`)) {
        if (!isDocumentFileName(name)) continue;
        const key = name.slice(0, -EXTENSION.length);
        if (key.startsWith(prefix)) keys.push(key);
      }
    }
    return keys.sort(compareCodePoints);
  }

  /**
   * The summaries of the documents whose key starts with `prefix`, sorted by
   * key, without reading every file each time: they are kept in memory and in
   * a dot-file at the base, and checked before use. A warm call costs one
   * `stat` of the directory; the first call of a backend checks every file's
   * size and mtime and reads only the new and changed ones. Never stale after
   * a change made through waymark, in any process; files another tool rewrote
   * in place are noticed by their size or mtime by the next call that checks
   * every file (see summary-index.ts for the exact rules).
   */
  async summaries<T>(prefix: string, summariser: Summariser<T>): Promise<T[]> {
    const fs = await this.#fs();
    let index = this.#indexes.get(summariser.id) as SummaryIndex<T> | undefined;
    if (index === undefined) {
      index = new SummaryIndex(fs, this.basePath, summariser, (key) => this.load(key));
      this.#indexes.set(summariser.id, index);
    }
    // A prefix decides which directory its keys live in, as #dirOf does.
    const dirs = prefix.startsWith(CHECKPOINT_PREFIX) ? [CHECKPOINTS_DIR] : CHECKPOINT_PREFIX.startsWith(prefix) ? [SESSIONS_DIR, CHECKPOINTS_DIR] : [SESSIONS_DIR];
    try {
      return await index.list(dirs, prefix);
    } catch (error) {
      throw error instanceof WaymarkError ? error : new StorageError('list', this.basePath, error);
    }
  }

  #dirOf(key: string): string {
    return `${this.basePath}/${key.startsWith(CHECKPOINT_PREFIX) ? CHECKPOINTS_DIR : SESSIONS_DIR}`;
  }

  async #readdir(fs: MinimalFs, dir: string): Promise<string[]> {
    try {
      return await fs.readdir(dir);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw new StorageError('list', dir, error);
    }
  }

  async #attempt<T>(operation: string, path: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new StorageError(operation, path, error);
    }
  }

  /** The fs, once the directories exist and stale temp files are gone. */
  #fs(): Promise<MinimalFs> {
    this.#ready ??= this.#start();
    return this.#ready;
  }

  async #start(): Promise<MinimalFs> {
    const fs = this.#fsOption ?? (await import('#default-fs')).defaultFs();
    const created = fs.open ? await missingDirectories(fs, this.basePath) : [];
    for (const dir of [SESSIONS_DIR, CHECKPOINTS_DIR]) {
      const path = `${this.basePath}/${dir}`;
      await this.#attempt('create directory', path, () => fs.mkdir(path, { recursive: true }));
      // A link here would make every read and write land outside the base directory.
      if (fs.lstat && (await this.#attempt('inspect', path, () => fs.lstat!(path))).isSymbolicLink()) {
        throw new StorageError('use', path, new Error('it is a symbolic link, and waymark does not follow links inside its base directory (link the base directory itself instead)'));
      }
      // A temp file left behind is a write that never completed: its target still holds the previous version.
      for (const name of await this.#readdir(fs, path)) {
        if (isTempName(name)) await fs.unlink(`${path}/${name}`).catch(() => undefined);
      }
    }
    // A directory's name lives in its parent: without these fsyncs a power loss
    // could take sessions/ (or the base itself) away with every save made in it.
    await fsyncDirectory(fs, this.basePath);
    for (const dir of created) await fsyncDirectory(fs, parentDirectory(dir));
    this.#readyFs = fs;
    return fs;
  }
}


/** `path` and those of its ancestors that do not exist yet, innermost first. */
async function missingDirectories(fs: MinimalFs, path: string): Promise<string[]> {
  const missing: string[] = [];
  for (let dir = path; ; dir = parentDirectory(dir)) {
    const exists = await fs.stat(dir).then(
      () => true,
      () => false,
    );
    if (exists) return missing;
    missing.push(dir);
    if (parentDirectory(dir) === dir) return missing;
  }
}
