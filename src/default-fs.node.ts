// The target of `#default-fs` outside browsers (see package.json "imports").
// The core imports only `#default-fs`, so which fs it gets is decided by the
// consumer's resolver at build or load time, never by sniffing globals at run time.
import { nodeFs } from '../adapters/node.js';
import type { MinimalFs } from './fs.js';

/** The fs a `FileStorageBackend` uses when given none: Node's disk. */
export function defaultFs(): MinimalFs {
  return nodeFs();
}
