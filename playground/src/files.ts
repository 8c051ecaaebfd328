/**
 * Export and import of sessions as the files waymark and MARSYS write:
 * `session_<id>.json` and `checkpoint_<id>_<name>_<time>.json`, byte for byte.
 *
 * Import is all or nothing: every file is first written to a scratch
 * database and read back through waymark (parse, shape, checksum, id), and
 * only when all of them pass is anything written to the real store.
 */
import { createStore, delMany, keys } from 'idb-keyval';
import { idbFs } from '../../adapters/idb.js';
import { CorruptStateError, FileStorageBackend, InvalidKeyError, StateManager } from '../../src/index.js';
import { withSessionLocks } from './locks.js';
import { DB_NAME, type Store } from './store.js';

/** One stored file of a session, ready to be downloaded. */
export interface ExportFile {
  /** `session_<id>.json` or `checkpoint_….json`. */
  name: string;
  /** `sessions` or `checkpoints`: the directory it belongs in. */
  dir: 'sessions' | 'checkpoints';
  text: string;
}

/** The session file and each of its checkpoint files, as stored. */
export async function exportSession(store: Store, sessionId: string): Promise<ExportFile[]> {
  const keys = [`session_${sessionId}`, ...(await store.manager.listCheckpoints(sessionId)).map((c) => c.checkpointId)];
  const files: ExportFile[] = [];
  for (const key of keys) {
    const text = await store.readRaw(key);
    if (text === undefined) continue;
    files.push({ name: `${key}.json`, dir: key.startsWith('checkpoint_') ? 'checkpoints' : 'sessions', text });
  }
  return files;
}

/** Starts a browser download of one file (the bytes as stored, as application/json). */
export function download(file: ExportFile): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference to the blob by now.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

interface DirectoryPicker {
  showDirectoryPicker?(options: { mode: 'readwrite'; id?: string }): Promise<FileSystemDirectoryHandle>;
}

/** Whether this browser can write the files into a folder of the user's choice. */
export function canSaveToFolder(): boolean {
  return typeof (window as DirectoryPicker).showDirectoryPicker === 'function';
}

/**
 * Writes the files into a folder the user picks, as `sessions/…` and
 * `checkpoints/…`: the folder is then a base directory that waymark's Node
 * backend (`new FileStorageBackend(folder)`) and MARSYS read as is.
 * Resolves `false` when the user cancels the picker.
 */
export async function saveToFolder(files: ExportFile[]): Promise<boolean> {
  let root: FileSystemDirectoryHandle;
  try {
    root = await (window as DirectoryPicker).showDirectoryPicker!({ mode: 'readwrite', id: 'waymark-export' });
  } catch (error) {
    if ((error as DOMException).name === 'AbortError') return false;
    throw error;
  }
  for (const file of files) {
    const dir = await root.getDirectoryHandle(file.dir, { create: true });
    const writable = await (await dir.getFileHandle(file.name, { create: true })).createWritable();
    await writable.write(file.text);
    await writable.close();
  }
  return true;
}

/** What an import stored. */
export interface ImportResult {
  sessions: string[];
  checkpoints: string[];
  /** Files that replaced a stored file with different content. */
  replaced: string[];
}

/** An import that was refused: nothing was written. One line per file that failed. */
export class ImportRefused extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ImportRefused';
    this.problems = problems;
  }
}

/** What a file's name says it is. */
type Parsed = { kind: 'session'; key: string; sessionId: string } | { kind: 'checkpoint'; key: string };

function parseName(name: string): Parsed | string {
  const session = /^session_(.+)\.json$/.exec(name);
  if (session) return { kind: 'session', key: `session_${session[1]}`, sessionId: session[1]! };
  const checkpoint = /^(checkpoint_.+)\.json$/.exec(name);
  if (checkpoint) return { kind: 'checkpoint', key: checkpoint[1]! };
  return 'not a session or checkpoint file: waymark and MARSYS name them session_<id>.json and checkpoint_<id>_<name>_<time>.json';
}

/** Why a file failed, in words, without the scratch paths it was checked under. */
function reasonOf(error: unknown): string {
  if (error instanceof CorruptStateError) return error.reason;
  if (error instanceof InvalidKeyError) return `its name gives the ${error.parameter} ${JSON.stringify(error.value)}, but ${error.rule}`;
  return error instanceof Error ? error.message : String(error);
}

// One scratch database for every import of the page (a connection each would never be closed).
const SCRATCH_DB = `${DB_NAME}-scratch`;
const scratchFs = idbFs({ dbName: SCRATCH_DB });
const scratchStore = createStore(SCRATCH_DB, 'files');

/** Removes what an import wrote to the scratch database, directories included. */
async function sweepScratch(base: string): Promise<void> {
  const written = (await keys(scratchStore)).filter((key) => String(key) === base || String(key).startsWith(`${base}/`));
  await delMany(written, scratchStore);
}

/**
 * Verifies `files` and, when every one passes, stores them. Throws
 * `ImportRefused` (having written nothing) when any file is misnamed, does not
 * parse, fails its shape or checksum, holds another session than its name
 * says, is a checkpoint of a session that is neither stored nor imported with
 * it, or belongs to a session that is running in some tab.
 */
export async function importFiles(store: Store, files: readonly File[], runningHere: ReadonlySet<string>): Promise<ImportResult> {
  if (files.length === 0) throw new ImportRefused(['No files were chosen.']);
  const problems: string[] = [];
  const accepted: { file: File; parsed: Parsed; text: string; sessionId: string }[] = [];

  // A scratch base directory of its own, in a database of its own: checking
  // never touches the real store, whatever the files hold.
  const scratchBase = `/import-${crypto.randomUUID()}`;
  const scratch = new FileStorageBackend(scratchBase, { fs: scratchFs });
  const checker = new StateManager(scratch);
  const seen = new Set<string>();

  try {
    await scratch.listKeys(); // creates the scratch sessions/ and checkpoints/
    const parsedFiles: { file: File; parsed: Parsed; text: string }[] = [];
    for (const file of files) {
      const parsed = parseName(file.name);
      if (typeof parsed === 'string') {
        problems.push(`${file.name}: ${parsed}.`);
        continue;
      }
      if (seen.has(parsed.key)) {
        problems.push(`${file.name}: chosen twice.`);
        continue;
      }
      seen.add(parsed.key);
      const text = await file.text();
      try {
        await scratchFs.writeFile(scratch.locate(parsed.key), text);
        parsedFiles.push({ file, parsed, text });
      } catch (error) {
        problems.push(`${file.name}: ${reasonOf(error)}.`);
      }
    }

    for (const { file, parsed, text } of parsedFiles) {
      try {
        const snapshot =
          parsed.kind === 'session' ? await checker.loadSession(parsed.sessionId) : await checker.restoreCheckpoint(parsed.key);
        if (snapshot === undefined) throw new Error('the file vanished while it was being checked');
        accepted.push({ file, parsed, text, sessionId: snapshot.sessionId });
      } catch (error) {
        problems.push(`${file.name}: ${reasonOf(error)}.`);
      }
    }

    const importedSessions = new Set(accepted.filter((a) => a.parsed.kind === 'session').map((a) => a.sessionId));
    for (const { file, parsed, sessionId } of accepted) {
      if (parsed.kind !== 'checkpoint' || importedSessions.has(sessionId)) continue;
      if (!(await store.storage.exists(`session_${sessionId}`))) {
        problems.push(`${file.name}: a checkpoint of session "${sessionId}", which is neither stored here nor among the chosen files; import session_${sessionId}.json with it.`);
      }
    }
  } finally {
    // What is left behind harms nothing (every import checks under a base of its own); the import goes on.
    await sweepScratch(scratchBase).catch(() => undefined);
  }

  if (problems.length > 0) throw new ImportRefused(problems);

  const sessionIds = [...new Set(accepted.map((a) => a.sessionId))];
  const busy = sessionIds.filter((id) => runningHere.has(id));
  if (busy.length > 0) {
    throw new ImportRefused(busy.map((id) => `Session "${id}" is running in this tab: pause it before importing over it.`));
  }
  const written = await withSessionLocks(sessionIds, async () => {
    const replaced: string[] = [];
    // Checkpoints first: a session that shows up has its checkpoints beside it already.
    const ordered = [...accepted].sort((a, b) => (a.parsed.kind === b.parsed.kind ? 0 : a.parsed.kind === 'checkpoint' ? -1 : 1));
    for (const { file, parsed, text } of ordered) {
      const before = await store.readRaw(parsed.key);
      if (before === text) continue;
      if (before !== undefined) replaced.push(file.name);
      await store.writeRaw(parsed.key, text);
    }
    return replaced;
  });
  if (written === undefined) {
    throw new ImportRefused([`A session among the chosen files (${sessionIds.join(', ')}) is open for writing in another tab: pause it there first.`]);
  }
  return {
    sessions: accepted.filter((a) => a.parsed.kind === 'session').map((a) => a.sessionId),
    checkpoints: accepted.filter((a) => a.parsed.kind === 'checkpoint').map((a) => a.parsed.key),
    replaced: written.value,
  };
}
