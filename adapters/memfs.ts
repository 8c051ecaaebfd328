/**
 * `waymark/memfs`: a `MinimalFs` in memory, on a memfs `Volume`, for tests.
 *
 * memfs is an optional peer dependency: install it to use this entry point.
 */
import { Volume } from 'memfs';
import { FileStorageBackend } from '../src/file-storage.js';
import { parentDirectory, type MinimalFs } from '../src/fs.js';
import { StateManager, type StateManagerOptions } from '../src/state-manager.js';
import { fsError } from './fs-error.js';

/**
 * `volume` (a new, empty one by default) as a `MinimalFs`.
 *
 * Its `writeFile` replaces a file's content in one synchronous step, which no
 * reader can see half done, and a crash takes the whole volume anyway: it is
 * `atomicWriteFile`, so saves write their file directly, without the temp
 * file, rename and fsyncs a disk needs (a third of the calls, most of the
 * cost of a small in-memory save). It still has `open` (whose `sync` does
 * nothing in memory), for code that fsyncs itself. Where memfs 4 is more lenient than
 * Node, it is made strict: renaming a file onto a directory fails with
 * `EISDIR` (memfs would delete the directory), a directory onto a file with
 * `ENOTDIR`, and `mkdir` onto a file with `EEXIST` (memfs would succeed
 * silently). Unlinking a directory fails with `EPERM`, as on macOS.
 *
 * Each call runs memfs's synchronous method inside an async function: the
 * same work and the same errors as its promises API, which defers each call
 * by a few promise turns and wraps handles in objects, without the overhead,
 * which is most of the cost of a small in-memory save.
 */
export function memFs(volume: Volume = new Volume()): MinimalFs {
  /** What `path` is, or `undefined` when nothing is there (or it cannot be reached). */
  const kindOf = (path: string) => {
    try {
      return volume.statSync(path).isDirectory() ? 'dir' : 'file';
    } catch {
      return undefined;
    }
  };
  // Resolved once: the handle's sync and close have nothing left to do.
  const done = Promise.resolve();

  return {
    atomicWriteFile: true,
    writesBytes: true,
    readFile: async (path, encoding) => volume.readFileSync(path, encoding) as string,
    writeFile: async (path, data, encoding = 'utf8') => {
      volume.writeFileSync(path, typeof data === 'string' ? data : asBuffer(data), { encoding });
      // Written in place, the file leaves its directory's time as it was; listings trust that time
      // to tell them nothing changed, so it moves on as a rename into the directory would move it.
      const now = new Date();
      volume.utimesSync(parentDirectory(path), now, now);
    },
    rename: async (from, to) => {
      const source = kindOf(from);
      const target = kindOf(to);
      if (source === 'file' && target === 'dir') throw fsError('EISDIR', 'rename', from, to);
      if (source === 'dir' && target === 'file') throw fsError('ENOTDIR', 'rename', from, to);
      volume.renameSync(from, to);
    },
    unlink: async (path) => volume.unlinkSync(path),
    readdir: async (path) => {
      // Without options memfs lists names as strings; its type covers every
      // option (Buffers, Dirents), so map to be sure of what we return.
      const names = volume.readdirSync(path);
      return names.map((name) => (typeof name === 'string' ? name : String(name)));
    },
    mkdir: async (path, options) => {
      volume.mkdirSync(path, options);
      if (kindOf(path) === 'file') throw fsError('EEXIST', 'mkdir', path);
    },
    stat: async (path) => {
      const stats = volume.statSync(path);
      // memfs types sizes and times as number | bigint; they are numbers
      // unless `bigint: true` is asked for, which it is not.
      return {
        size: Number(stats.size),
        mtimeMs: Number(stats.mtimeMs),
        isFile: () => stats.isFile(),
        isDirectory: () => stats.isDirectory(),
      };
    },
    open: async (path, flags) => {
      // Opened and closed at once, so that opening fails exactly when memfs's would.
      volume.closeSync(volume.openSync(path, flags));
      return { sync: () => done, close: () => done };
    },
  };
}

/**
 * The bytes as a Buffer over the same memory: memfs copies any other
 * Uint8Array before it copies it into the file. Where there is no global
 * Buffer (memfs in a browser, on a polyfill), the bytes as they are.
 */
function asBuffer(bytes: Uint8Array): Uint8Array {
  const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
  if (NodeBuffer === undefined || NodeBuffer.isBuffer(bytes)) return bytes;
  return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface MemoryStateManager {
  /** A StateManager over a FileStorageBackend at `/state` on `volume`. */
  stateManager: StateManager;
  /** The memfs volume holding the files. */
  volume: Volume;
  /** Every file written, path → content, for asserting exactly what a save produced. */
  files(): Record<string, string>;
}

/**
 * A ready StateManager in memory, for unit tests of code that persists state:
 * `const { stateManager, files } = memoryStateManager();`
 * It behaves as on disk (same layout, same bytes, same errors), in microseconds.
 */
export function memoryStateManager(options: StateManagerOptions = {}): MemoryStateManager {
  const volume = new Volume();
  const stateManager = new StateManager(new FileStorageBackend('/state', { fs: memFs(volume) }), options);
  const files = (): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [path, content] of Object.entries(volume.toJSON())) if (typeof content === 'string') out[path] = content;
    return out;
  };
  return { stateManager, volume, files };
}
