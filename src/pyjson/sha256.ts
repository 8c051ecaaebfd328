import type { TextPieces } from './text-pieces.js';

// SHA-256 for the MARSYS checksum: Node's crypto on Node; elsewhere Web Crypto
// when an answer may come later, else SHA-256 in plain TypeScript (browsers
// expose crypto.subtle only in secure contexts: https, localhost).

let roundConstants: Int32Array | undefined;
let initialHash: Int32Array | undefined;

/**
 * The first 32 bits of the fractional parts of the square (`2`) or cube (`3`)
 * roots of the first primes, as the standard defines its constants. As int32s:
 * V8 keeps int32 arithmetic in integer registers, where a uint32 above 2^31
 * would be a double and make every sum it meets a double too.
 */
function rootFractions(count: number, root: number): Int32Array {
  const out = new Uint32Array(count);
  for (let candidate = 2, found = 0; found < count; candidate++) {
    let prime = true;
    for (let d = 2; d * d <= candidate; d++) if (candidate % d === 0) prime = false;
    if (prime) out[found++] = (candidate ** (1 / root) % 1) * 2 ** 32;
  }
  return new Int32Array(out.buffer);
}

/** The message schedule of the block being hashed: one for all, as hashing never yields. */
const schedule = new Int32Array(64);

/**
 * Runs the compression function over the 64-byte blocks of `bytes` from
 * `start` to `end` (a multiple of 64 apart), updating `state` (h0..h7).
 * Words are read with shifts, straight from the bytes given.
 */
function compress(state: Int32Array, bytes: Uint8Array, start: number, end: number): void {
  const k = (roundConstants ??= rootFractions(64, 3));
  const w = schedule;
  let h0 = state[0]!, h1 = state[1]!, h2 = state[2]!, h3 = state[3]!;
  let h4 = state[4]!, h5 = state[5]!, h6 = state[6]!, h7 = state[7]!;
  for (let block = start; block < end; block += 64) {
    for (let t = 0, i = block; t < 16; t++, i += 4) w[t] = (bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!;
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let t = 0; t < 64; t++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + s1 + (g ^ (e & (f ^ g))) + k[t]! + w[t]!) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (c & (a ^ b)))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  state.set([h0, h1, h2, h3, h4, h5, h6, h7]);
}

/**
 * SHA-256 (FIPS 180-4) in plain TypeScript, for where Web Crypto is missing or
 * would answer too late: of `bytes`, as 64 lower-case hex digits. Whole blocks
 * are hashed straight from `bytes`; the rest in a block or two of its own,
 * with the padding: a 1 bit, zeros, then the message's length in bits as 64 bits.
 */
export function sha256HexPortable(bytes: Uint8Array): string {
  const state = (initialHash ??= rootFractions(8, 2)).slice();
  const length = bytes.length;
  const whole = length & ~63;
  compress(state, bytes, 0, whole);
  const tail = new Uint8Array(length - whole < 56 ? 64 : 128);
  tail.set(bytes.subarray(whole));
  tail[length - whole] = 0x80;
  const view = new DataView(tail.buffer);
  view.setUint32(tail.length - 8, Math.floor(length / 2 ** 29));
  view.setUint32(tail.length - 4, length << 3);
  compress(state, tail, 0, tail.length);
  let hex = '';
  for (const word of state) hex += (word >>> 0).toString(16).padStart(8, '0');
  return hex;
}

interface NodeHash {
  update(text: string, encoding?: 'latin1'): NodeHash;
  digest(encoding: 'hex'): string;
}

interface NodeCrypto {
  createHash(algorithm: 'sha256'): NodeHash;
  /** One-shot hashing (Node 20.12 and later): half the calls of createHash for a small input. */
  hash?(algorithm: 'sha256', text: string, encoding: 'hex'): string;
}

/**
 * Node's crypto module when running on Node (20.16 and later have
 * `process.getBuiltinModule`), else `undefined`. Hashing there is
 * synchronous: Web Crypto's `digest` makes a round trip through the thread
 * pool that costs more than hashing a whole small document. Looked up at run
 * time, not imported, so that browser bundles never see `node:crypto`.
 */
function nodeCrypto(): NodeCrypto | undefined {
  const lookup = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  // Looked up once per lookup function (tests replace it to take the browser's path).
  if (lookup !== cached.lookup) cached = { lookup, module: lookup?.('node:crypto') as NodeCrypto | undefined };
  return cached.module;
}

let cached: { lookup: unknown; module: NodeCrypto | undefined } = { lookup: undefined, module: undefined };

/** Inputs shorter than this (in bytes) are hashed by `sha256HexPortable` even where Web Crypto is. */
const PORTABLE_BELOW = 8192;

/**
 * SHA-256 of ASCII text given as pieces (text-pieces.ts), as 64 lower-case
 * hex digits; the pieces are hashed one after another, never joined. Node's
 * crypto on Node; elsewhere Web Crypto for inputs of 8 KB and more (browsers,
 * in secure contexts), `sha256HexPortable` otherwise.
 */
export async function sha256HexOfAscii(text: TextPieces): Promise<string> {
  const node = nodeCrypto();
  return node !== undefined ? nodeSha256HexOfPieces(node, text) : sha256HexOfBytes(text.asciiBytes());
}

/**
 * `sha256HexOfAscii`, computed before it returns: Node's crypto on Node,
 * `sha256HexPortable` elsewhere. For callers that must hash a value in the
 * same instant they read it.
 */
export function sha256HexOfAsciiNow(text: TextPieces): string {
  const node = nodeCrypto();
  return node !== undefined ? nodeSha256HexOfPieces(node, text) : sha256HexPortable(text.asciiBytes());
}

async function sha256HexOfBytes(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const subtle = (globalThis.crypto as Partial<Crypto> | undefined)?.subtle;
  // Web Crypto answers on another thread: below a few KB, hashing here is done before the answer would be.
  if (subtle === undefined || bytes.length < PORTABLE_BELOW) return sha256HexPortable(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function nodeSha256Hex(node: NodeCrypto, text: string): string {
  return node.hash ? node.hash('sha256', text, 'hex') : node.createHash('sha256').update(text).digest('hex');
}

function nodeSha256HexOfPieces(node: NodeCrypto, text: TextPieces): string {
  const pieces = text.pieces();
  if (pieces.length <= 1) return nodeSha256Hex(node, pieces[0] ?? '');
  const hash = node.createHash('sha256');
  // ASCII: its Latin-1 bytes are its UTF-8 bytes, and cheaper to make.
  for (const piece of pieces) hash.update(piece, 'latin1');
  return hash.digest('hex');
}
