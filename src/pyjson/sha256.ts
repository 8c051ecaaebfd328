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
 * Runs the compression function over one 64-byte block, whose 16 words the
 * caller has put in `schedule[0..15]`, updating `state` (h0..h7).
 */
function compressBlock(state: Int32Array): void {
  const k = (roundConstants ??= rootFractions(64, 3));
  const w = schedule;
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
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
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/**
 * Compresses the 64-character blocks of `text` from `start` to `end` (a
 * multiple of 64 apart), each character one byte, read where it lies:
 * reading the characters costs less than encoding them into bytes first
 * (in Chromium, which encodes two-byte text slowly, about 30% less). Returns
 * the bitwise OR of the character codes read, for callers to check that all
 * were ASCII.
 */
function compressText(state: Int32Array, text: string, start: number, end: number): number {
  const w = schedule;
  let seen = 0;
  for (let block = start; block < end; block += 64) {
    for (let t = 0, i = block; t < 16; t++, i += 4) {
      const a = text.charCodeAt(i), b = text.charCodeAt(i + 1), c = text.charCodeAt(i + 2), d = text.charCodeAt(i + 3);
      seen |= a | b | c | d;
      w[t] = (a << 24) | (b << 16) | (c << 8) | d;
    }
    compressBlock(state);
  }
  return seen;
}

/**
 * SHA-256 (FIPS 180-4) in plain TypeScript, for where Node's crypto is not
 * and Web Crypto is missing or would answer too late: of ASCII text given as
 * pieces (hashed one after another, never joined), as 64 lower-case hex
 * digits. A block that straddles two pieces is put together apart.
 * @throws RangeError when the text is not ASCII.
 */
export function sha256HexPortable(pieces: readonly string[]): string {
  const state = (initialHash ??= rootFractions(8, 2)).slice();
  let rest = '';
  let length = 0;
  let seen = 0;
  for (const piece of pieces) {
    length += piece.length;
    let at = 0;
    if (rest !== '') {
      at = 64 - rest.length;
      if (piece.length < at) {
        rest += piece;
        continue;
      }
      seen |= compressText(state, rest + piece.slice(0, at), 0, 64);
    }
    const whole = at + ((piece.length - at) & ~63);
    seen |= compressText(state, piece, at, whole);
    rest = piece.slice(whole);
  }
  for (let i = 0; i < rest.length; i++) seen |= rest.charCodeAt(i);
  // The words keep a character's low byte only: the OR of the codes says whether all were ASCII.
  if (seen > 0x7f) throw new RangeError('sha256HexPortable: the text is not ASCII, and only ASCII is hashed as one byte a character');
  // The padding: a 1 bit, zeros up to 8 bytes short of a block's end, then the length in bits as 64 bits.
  const zeros = (119 - rest.length) % 64;
  const bits = length * 8;
  let lengthBytes = '';
  for (let shift = 56; shift >= 0; shift -= 8) lengthBytes += String.fromCharCode(Math.floor(bits / 2 ** shift) & 0xff);
  const tail = `${rest}\x80${'\0'.repeat(zeros)}${lengthBytes}`;
  compressText(state, tail, 0, tail.length);
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

/** Inputs shorter than this (in bytes) are hashed by the portable code even where Web Crypto is. */
const PORTABLE_BELOW = 8192;

/**
 * SHA-256 of ASCII text given as pieces (text-pieces.ts), as 64 lower-case
 * hex digits; the pieces are hashed one after another, never joined. Node's
 * crypto on Node; elsewhere Web Crypto for inputs of 8 KB and more (browsers,
 * in secure contexts), `sha256HexPortable` otherwise.
 */
export async function sha256HexOfAscii(text: TextPieces): Promise<string> {
  const node = nodeCrypto();
  if (node !== undefined) return nodeSha256HexOfPieces(node, text);
  const subtle = (globalThis.crypto as Partial<Crypto> | undefined)?.subtle;
  // Web Crypto answers on another thread: below a few KB, hashing here is done before the answer would be.
  if (subtle === undefined || text.length < PORTABLE_BELOW) return sha256HexPortable(text.pieces());
  const digest = new Uint8Array(await subtle.digest('SHA-256', text.asciiBytes()));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * `sha256HexOfAscii`, computed before it returns: Node's crypto on Node,
 * `sha256HexPortable` elsewhere. For callers that must hash a value in the
 * same instant they read it.
 */
export function sha256HexOfAsciiNow(text: TextPieces): string {
  const node = nodeCrypto();
  return node !== undefined ? nodeSha256HexOfPieces(node, text) : sha256HexPortable(text.pieces());
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
