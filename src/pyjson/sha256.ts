// SHA-256 (FIPS 180-4) in plain TypeScript, for where Web Crypto is missing:
// browsers expose crypto.subtle only in secure contexts (https, localhost).

let roundConstants: Uint32Array | undefined;
let initialHash: Uint32Array | undefined;

/** The first 32 bits of the fractional parts of the square (`2`) or cube (`3`) roots of the first primes, as the standard defines its constants. */
function rootFractions(count: number, root: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let candidate = 2, found = 0; found < count; candidate++) {
    let prime = true;
    for (let d = 2; d * d <= candidate; d++) if (candidate % d === 0) prime = false;
    if (prime) out[found++] = (candidate ** (1 / root) % 1) * 2 ** 32;
  }
  return out;
}

/** SHA-256 of `bytes`, as 64 lower-case hex digits, without Web Crypto. */
export function sha256HexPortable(bytes: Uint8Array): string {
  const k = (roundConstants ??= rootFractions(64, 3));
  const hash = (initialHash ??= rootFractions(8, 2)).slice();
  // Message, a 1 bit, zeros, then the bit length as 64 bits: a whole number of 64-byte blocks.
  const blockCount = ((bytes.length + 8) >> 6) + 1;
  const words = new Uint32Array(blockCount * 16);
  for (let i = 0; i < bytes.length; i++) words[i >> 2]! |= (bytes[i] as number) << (24 - (i % 4) * 8);
  words[bytes.length >> 2]! |= 0x80 << (24 - (bytes.length % 4) * 8);
  words[words.length - 2] = Math.floor(bytes.length / 2 ** 29);
  words[words.length - 1] = bytes.length * 8;
  const w = new Uint32Array(64);
  for (let block = 0; block < words.length; block += 16) {
    for (let t = 0; t < 64; t++) {
      if (t < 16) {
        w[t] = words[block + t] as number;
      } else {
        const a = w[t - 15] as number;
        const b = w[t - 2] as number;
        const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[t] = (w[t - 16] as number) + s0 + (w[t - 7] as number) + s1;
      }
    }
    let [a, b, c, d, e, f, g, h] = hash as unknown as [number, number, number, number, number, number, number, number];
    for (let t = 0; t < 64; t++) {
      const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + s1 + ((e & f) ^ (~e & g)) + (k[t] as number) + (w[t] as number)) | 0;
      const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    const sums = [a, b, c, d, e, f, g, h];
    for (let i = 0; i < 8; i++) hash[i] = (hash[i] as number) + (sums[i] as number);
  }
  let hex = '';
  for (const word of hash) hex += word.toString(16).padStart(8, '0');
  return hex;
}

/**
 * SHA-256 of the UTF-8 bytes of `text`, as 64 lower-case hex digits: Web
 * Crypto when the environment has it (Node, secure browser contexts),
 * `sha256HexPortable` otherwise.
 */
export async function sha256Hex(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const subtle = (globalThis.crypto as Partial<Crypto> | undefined)?.subtle;
  if (subtle === undefined) return sha256HexPortable(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
