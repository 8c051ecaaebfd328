// The target of `#default-fs` under the `browser` condition (see package.json
// "imports"): a browser bundle of the core gets IndexedDB and never sees node:fs.
import { idbFs } from '../adapters/idb.js';
import type { MinimalFs } from './fs.js';

/** The fs a `FileStorageBackend` uses when given none in a browser: IndexedDB. */
export function defaultFs(): MinimalFs {
  return idbFs();
}
