/**
 * A `MinimalFs` that records every operation that changes what is stored, in
 * the order the wrapped fs completed them, so that a test can replay any
 * prefix of the sequence (see crash-states.ts) as the state a crash would
 * leave.
 *
 * Recorded: each directory `mkdir` created (a recursive one is expanded into
 * the directories it made, outermost first), `writeFile`, `rename`,
 * `unlink`, and `fsync` of a file or directory (`open(...)` then `sync()`).
 * Reads are not recorded: they change nothing a crash could lose. An
 * operation is recorded once the wrapped fs has completed it; one that fails
 * is not recorded. The test marks where each API call resolved with `ack()`.
 *
 * It offers what the wrapped fs offers (`open`, `writeFileSynced`, `lstat`, `statMany`,
 * `atomicWriteFile`, `writesBytes`), so waymark takes the same paths through it.
 * Bytes written are recorded as their (ASCII) text.
 *
 * Paths are recorded relative to `root` (`''` is `root` itself). Every path
 * an operation names outside `root`, reads included, is listed in `outside`:
 * nothing waymark does should ever land there.
 */
import type { MinimalFileHandle, MinimalFs } from '../../src/fs.js';
import { writtenText } from './wrap-writes.js';

export type FsOp =
  | { op: 'mkdir'; path: string }
  | { op: 'write'; path: string; data: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'unlink'; path: string }
  | { op: 'fsync'; path: string };

/** An fs operation, or the mark that an API call resolved after the operations before it. */
export type LogEntry = FsOp | { op: 'ack'; label: string };

export interface RecordingFs extends MinimalFs {
  readonly log: LogEntry[];
  readonly outside: string[];
  /** Records that the API call `label` has resolved. */
  ack(label: string): void;
}

/** `path` with `.` segments, empty segments and a trailing slash removed (`..` is kept: it is what is asked for). */
function tidy(path: string): string {
  const absolute = path.startsWith('/');
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  return (absolute ? '/' : '') + segments.join('/');
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

export function recordingFs(inner: MinimalFs, root: string): RecordingFs {
  const log: LogEntry[] = [];
  const outside: string[] = [];
  const rootPath = tidy(root);

  /** `path` relative to root, or `undefined` (and noted) when it is not under root. */
  const relative = (path: string): string | undefined => {
    const full = tidy(path);
    if (full.split('/').includes('..')) {
      outside.push(path);
      return undefined;
    }
    if (full === rootPath) return '';
    const prefix = rootPath === '/' ? '/' : `${rootPath}/`;
    if (full.startsWith(prefix)) return full.slice(prefix.length);
    outside.push(path);
    return undefined;
  };
  const record = (op: FsOp) => log.push(op);

  const exists = (path: string) =>
    inner.stat(path).then(
      () => true,
      () => false,
    );

  const fs: RecordingFs = {
    log,
    outside,
    ack: (label) => void log.push({ op: 'ack', label }),

    readFile: (path, encoding) => {
      relative(path);
      return inner.readFile(path, encoding);
    },
    readdir: (path) => {
      relative(path);
      return inner.readdir(path);
    },
    stat: (path) => {
      relative(path);
      return inner.stat(path);
    },
    async writeFile(path, data) {
      const at = relative(path);
      await inner.writeFile(path, data);
      if (at !== undefined) record({ op: 'write', path: at, data: writtenText(data) });
    },
    async rename(from, to) {
      const source = relative(from);
      const target = relative(to);
      await inner.rename(from, to);
      if (source !== undefined && target !== undefined) record({ op: 'rename', from: source, to: target });
    },
    async unlink(path) {
      const at = relative(path);
      await inner.unlink(path);
      if (at !== undefined) record({ op: 'unlink', path: at });
    },
    async mkdir(path, options) {
      const at = relative(path);
      // Which directories this call will create, outermost first.
      const missing: string[] = [];
      for (let dir = tidy(path); dir !== '' && dir !== '/' && !(await exists(dir)); dir = parentOf(dir) || (dir.startsWith('/') ? '/' : '')) {
        missing.unshift(dir);
      }
      const result = await inner.mkdir(path, options);
      if (at !== undefined) {
        for (const dir of missing) {
          const made = relative(dir);
          if (made !== undefined && made !== '') record({ op: 'mkdir', path: made });
        }
      }
      return result;
    },
  };

  // Transparent to what the wrapped fs can do: reads it offers pass through, flags are kept.
  const { lstat, statMany, atomicWriteFile, writesBytes } = inner;
  if (lstat !== undefined) {
    fs.lstat = (path) => {
      relative(path);
      return lstat.call(inner, path);
    };
  }
  if (statMany !== undefined) {
    fs.statMany = (paths) => {
      paths.forEach(relative);
      return statMany.call(inner, paths);
    };
  }
  const recorded: RecordingFs = { ...fs, ...(atomicWriteFile && { atomicWriteFile }), ...(writesBytes && { writesBytes }) };
  const open = inner.open;
  if (open !== undefined) {
    recorded.open = async (path, flags): Promise<MinimalFileHandle> => {
      const at = relative(path);
      const handle = await open.call(inner, path, flags);
      return {
        async sync() {
          await handle.sync();
          if (at !== undefined) record({ op: 'fsync', path: at });
        },
        close: () => handle.close(),
      };
    };
  }
  const writeFileSynced = inner.writeFileSynced;
  if (writeFileSynced !== undefined) {
    // One call that writes then flushes: recorded as the two, which a crash can come between.
    recorded.writeFileSynced = async (path, data) => {
      const at = relative(path);
      await writeFileSynced.call(inner, path, data);
      if (at !== undefined) {
        record({ op: 'write', path: at, data: writtenText(data) });
        record({ op: 'fsync', path: at });
      }
    };
  }
  return recorded;
}
