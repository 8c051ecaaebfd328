/**
 * Errors shaped like Node's, for the adapters that have to make their own:
 * callers branch on `code` whichever fs threw, and people read the same
 * message form (`ENOENT: no such file or directory, open '/x'`) everywhere.
 */

/** Node's words for each code an adapter raises. */
const descriptions = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'illegal operation on a directory',
  EEXIST: 'file already exists',
  EPERM: 'operation not permitted',
} as const;

export type FsErrorCode = keyof typeof descriptions;

/** An `Error` with the fields Node's fs errors carry; `dest` only for two-path calls such as `rename`. */
export interface FsError extends Error {
  code: FsErrorCode;
  syscall: string;
  path: string;
  dest?: string;
}

/** The error Node would throw when `syscall` on `path` (and `dest`) fails with `code`. */
export function fsError(code: FsErrorCode, syscall: string, path: string, dest?: string): FsError {
  const paths = dest === undefined ? `'${path}'` : `'${path}' -> '${dest}'`;
  const error = new Error(`${code}: ${descriptions[code]}, ${syscall} ${paths}`);
  return Object.assign(error, dest === undefined ? { code, syscall, path } : { code, syscall, path, dest });
}
