/**
 * Path arithmetic for file systems that keep paths as keys (the IndexedDB fs):
 * one spelling per path, so that `a//b/./c` and `/a/b/c` name the same key.
 */

/**
 * `path` as an absolute POSIX path with no empty, `.` or `..` segments and no
 * trailing slash. Relative paths are resolved against `/` (there is no working
 * directory), and `..` stops at the root as it does in a kernel.
 */
export function normalizePath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/**
 * Every path from the root down to a normalised `path`, both included:
 * `/a/b` gives `['/', '/a', '/a/b']`, `/` gives `['/']`.
 */
export function lineageOf(path: string): string[] {
  const lineage = ['/'];
  if (path === '/') return lineage;
  let prefix = '';
  for (const segment of path.slice(1).split('/')) {
    prefix += `/${segment}`;
    lineage.push(prefix);
  }
  return lineage;
}

/** What every path inside the normalised directory `dir` starts with. */
export function childPrefixOf(dir: string): string {
  return dir === '/' ? '/' : `${dir}/`;
}
