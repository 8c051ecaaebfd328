import type { MinimalFs } from '../../src/index.js';

/** A write of text to a path, as `writeFile` and `writeFileSynced` make one. */
export type Write = (path: string, data: string) => Promise<void>;

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
