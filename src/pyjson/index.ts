/**
 * Python-compatible JSON: read what Python's `json` reads, write the exact
 * bytes it writes, and compute MARSYS's checksum over them.
 */
export { parsePythonJson } from './parse.js';
export { parsePythonJsonSlow } from './parse-slow.js';
export { MAX_NESTING_DEPTH } from './nesting-limit.js';
export { JsonSyntaxError } from './json-syntax-error.js';
export { dumpPythonIndent2, dumpPythonIndent2Pieces, dumpPythonIndent2Slow } from './dump-indent2.js';
export type { TextPieces } from './text-pieces.js';
export { dumpPythonCompactSorted } from './dump-compact-sorted.js';
export type { DumpOptions } from './dump-options.js';
export { NonJsonValueError, type PathSegment } from './non-json-value-error.js';
export {
  markPythonFloat,
  isPythonFloat,
  copyNumberForm,
  cloneJson,
  type JsonContainer,
  type MemberKey,
} from './number-forms.js';
export { formatPythonFloat } from './python-number.js';
export { compareCodePoints } from './code-point-order.js';
export { marsysChecksum, marsysChecksumInput, marsysChecksumNow, type MarsysChecksumFields } from './marsys-checksum.js';
