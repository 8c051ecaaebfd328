import type { FileContent, MinimalFs } from '../../src/index.js';

/** A write to a path, as `writeFile` and `writeFileSynced` make one: bytes only on an fs that `writesBytes`. */
export type Write = (path: string, data: FileContent) => Promise<void>;

/**
 * `fs` with every way it writes a file (`writeFile`, and `writeFileSynced`
 * where it has one) passed through `wrap`, so that a test's failure or
 * interference reaches the writes waymark makes on any file system.
 */
export function wrapWrites(fs: MinimalFs, wrap: (write: Write) => Write): MinimalFs {
  const wrapped: MinimalFs = { ...fs, writeFile: wrap((path, data) => fs.writeFile(path, data)) };
  const synced = fs.writeFileSynced;
  if (synced) wrapped.writeFileSynced = wrap((path, data) => synced.call(fs, path, data));
  return wrapped;
}

/** What a write stored, as text: waymark writes bytes only of ASCII text. */
export function writtenText(data: FileContent): string {
  return typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
}
