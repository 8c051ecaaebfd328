import { errorCode, type FileContent, type MinimalFs, type TextEncoding } from './fs.js';

let tempCounter = 0;

/** `.name.tmp-<unique>`: dot-prefixed so listings skip it, unique per write. */
export function tempNameFor(fileName: string): string {
  const unique = `${Date.now().toString(36)}${(tempCounter++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return `.${fileName}.tmp-${unique}`;
}

const TEMP_NAME = /^\..+\.tmp-[0-9a-z]+$/;

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/** Flushes a file or directory to stable storage when the fs can (it has `open`). */
export async function fsyncPath(fs: MinimalFs, path: string, flags: 'r+' | 'r'): Promise<void> {
  if (!fs.open) return;
  const handle = await fs.open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (a rename or unlink) where the platform allows it. */
export async function fsyncDirectory(fs: MinimalFs, dir: string): Promise<void> {
  try {
    await fsyncPath(fs, dir, 'r');
  } catch {
    // Best effort: some platforms (Windows, some network file systems) cannot open or sync a directory.
  }
}

/** Writes of one file before a swept temp file is reported as the error it is. */
const MAX_ATTEMPTS = 10;

/**
 * Replaces `dir/fileName` with `content` so that a reader, or a restart after a
 * crash, sees either the old content or the new one, never a torn file:
 * write a temp file beside it, fsync it, rename it over the target, fsync the
 * directory. The temp file is removed on any failure. `content` and
 * `encoding`: see `MinimalFs.writeFile` (bytes only for an fs that
 * `writesBytes`; `'latin1'` only for pure ASCII text).
 */
export function writeFileAtomic(fs: MinimalFs, dir: string, fileName: string, content: FileContent, encoding: TextEncoding = 'utf8'): Promise<void> {
  if (fs.atomicWriteFile) return fs.writeFile(`${dir}/${fileName}`, content, encoding);
  return writeThroughTempFile(fs, dir, fileName, content, encoding);
}

async function writeThroughTempFile(fs: MinimalFs, dir: string, fileName: string, content: FileContent, encoding: TextEncoding): Promise<void> {
  const target = `${dir}/${fileName}`;
  // Another process starting up may sweep our temp file as stale between write and
  // rename; the rename then fails with ENOENT and writing again is the remedy.
  // Processes that restart often (the kill test restarts one every ~75 ms) can
  // sweep a few attempts in a row: three was observed to fall short.
  for (let attempt = 1; ; attempt++) {
    const temp = `${dir}/${tempNameFor(fileName)}`;
    try {
      if (fs.open && fs.writeFileSynced) {
        await fs.writeFileSynced(temp, content, encoding);
      } else {
        await fs.writeFile(temp, content, encoding);
        await fsyncPath(fs, temp, 'r+');
      }
      await fs.rename(temp, target);
    } catch (error) {
      await fs.unlink(temp).catch(() => undefined);
      if (errorCode(error) === 'ENOENT' && attempt < MAX_ATTEMPTS && (await isDirectory(fs, dir))) continue;
      throw error;
    }
    await fsyncDirectory(fs, dir);
    return;
  }
}

async function isDirectory(fs: MinimalFs, path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}
