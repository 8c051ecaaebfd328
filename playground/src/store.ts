/**
 * Where the playground keeps everything: waymark's FileStorageBackend on the
 * IndexedDB fs, in MARSYS's layout (`/state/sessions/`, `/state/checkpoints/`).
 * The page holds no state of its own: what it shows is read back from here.
 */
import { idbFs } from '../../adapters/idb.js';
import { writeFileAtomic } from '../../src/atomic-write.js';
import { FileStorageBackend, StateManager, type MinimalFs, type StorageBackend } from '../../src/index.js';

/** The database the page stores its files in; the e2e tests look into it too. */
export const DB_NAME = 'waymark-playground';
export const BASE = '/state';

/** A backend that also says where each key lives (FileStorageBackend does). */
export type LocatingBackend = StorageBackend & { locate(key: string): string };

export interface Store {
  fs: MinimalFs;
  storage: LocatingBackend;
  manager: StateManager;
  /** The exact text of a stored file (what an export downloads), or undefined. */
  readRaw(key: string): Promise<string | undefined>;
  /**
   * Stores `text` as the file of `key`, byte for byte, atomically (temp file
   * and rename, as FileStorageBackend writes). Only for text already verified.
   */
  writeRaw(key: string, text: string): Promise<void>;
  /** Size in bytes of a stored file, or undefined. */
  sizeOf(key: string): Promise<number | undefined>;
  /** Called after any save or delete, in this tab or another one, with the key. */
  onChange(listener: (key: string) => void): void;
}

/** A session or checkpoint changed, as broadcast to the other tabs of this origin. */
interface ChangeMessage {
  key: string;
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}

/**
 * Wraps a backend so that every completed save and delete is announced: to
 * this page's listeners and, through a BroadcastChannel, to other tabs, which
 * then re-read the files (the message carries no state, only the key).
 */
function announcing(inner: FileStorageBackend, announce: (key: string) => void): LocatingBackend {
  return {
    locate: (key) => inner.locate(key),
    load: (key) => inner.load(key),
    exists: (key) => inner.exists(key),
    listKeys: (prefix) => inner.listKeys(prefix),
    async save(key, data) {
      await inner.save(key, data);
      announce(key);
    },
    async delete(key) {
      const deleted = await inner.delete(key);
      if (deleted) announce(key);
      return deleted;
    },
  };
}

export function openStore(dbName = DB_NAME): Store {
  const fs = idbFs({ dbName });
  const listeners = new Set<(key: string) => void>();
  const channel = new BroadcastChannel(`waymark:${dbName}`);
  const notify = (key: string) => listeners.forEach((listener) => listener(key));
  channel.onmessage = (event: MessageEvent<ChangeMessage>) => notify(event.data.key);

  const announce = (key: string) => {
    notify(key);
    channel.postMessage({ key } satisfies ChangeMessage);
  };
  const storage = announcing(new FileStorageBackend(BASE, { fs }), announce);

  return {
    fs,
    storage,
    manager: new StateManager(storage),
    async readRaw(key) {
      try {
        return await fs.readFile(storage.locate(key), 'utf8');
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async writeRaw(key, text) {
      // Listing makes the backend create sessions/ and checkpoints/ first.
      await storage.listKeys();
      const file = storage.locate(key);
      const slash = file.lastIndexOf('/');
      await writeFileAtomic(fs, file.slice(0, slash), file.slice(slash + 1), text);
      announce(key);
    },
    async sizeOf(key) {
      try {
        return (await fs.stat(storage.locate(key))).size;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    onChange(listener) {
      listeners.add(listener);
    },
  };
}
