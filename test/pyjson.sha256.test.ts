import { webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256HexOfAscii, sha256HexOfAsciiNow, sha256HexPortable } from '../src/pyjson/sha256.js';
import { TextPieces } from '../src/pyjson/text-pieces.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** ASCII text as the writers hand it to the hash: `texts`, each added as a piece. */
function piecesOf(...texts: string[]): TextPieces {
  const out = new TextPieces();
  for (const text of texts) out.add(text);
  return out;
}

/** `text` hashed as the checksum is: as pieces, asynchronously and at once. */
async function hashesOf(text: string): Promise<string[]> {
  return [await sha256HexOfAscii(piecesOf(text)), sha256HexOfAsciiNow(piecesOf(text))];
}

async function subtleHex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await webcrypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('SHA-256', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('hashes the FIPS 180 example %j', async (text, digest) => {
    expect(sha256HexPortable([text])).toBe(digest);
    expect(await hashesOf(text)).toEqual([digest, digest]);
  });

  it('portable SHA-256 agrees with Web Crypto on random ASCII text in random pieces, across block boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary-ascii', maxLength: 150 }), { maxLength: 6 }), async (pieces) => {
        expect(sha256HexPortable(pieces)).toBe(await subtleHex(utf8(pieces.join(''))));
      }),
      { numRuns: 500, seed: 6 },
    );
    for (const length of [55, 56, 57, 63, 64, 65, 119, 120, 128, 1_000_000]) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode((i * 31 + 7) & 0x7f)).join('');
      const expected = await subtleHex(utf8(text));
      expect(sha256HexPortable([text])).toBe(expected);
      // Pieces that end one character either side of a block's end, and one character long.
      expect(sha256HexPortable([text.slice(0, 63), text.slice(63, 65), text.slice(65, 66), text.slice(66)])).toBe(expected);
    }
  });

  it('refuses text that is not ASCII, wherever the character falls in a word, a block or the last bytes', () => {
    for (const pieces of [['\u2014' + 'b'.repeat(100)], ['a'.repeat(65) + '\u0100'], ['a'.repeat(60), '\u00e9' + 'b'.repeat(10)], ['x', '\u00ff']]) {
      expect(() => sha256HexPortable(pieces), JSON.stringify(pieces)).toThrow(RangeError);
    }
  });

  it('hashes long text of many pieces with the portable code, at once and asynchronously where Web Crypto is missing', async () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    const texts = Array.from({ length: 40 }, (_, i) => `{"n": ${i}, "text": "${'abcdefghij'.repeat(i * 13 + 1)}"}, `);
    const expected = await subtleHex(utf8(texts.join('')));
    expect(texts.join('').length).toBeGreaterThan(64 * 1024);
    expect(sha256HexOfAsciiNow(piecesOf(...texts))).toBe(expected);
    vi.stubGlobal('crypto', undefined);
    await expect(sha256HexOfAscii(piecesOf(...texts))).resolves.toBe(expected);
  });

  it.each([
    ['on Node', false],
    ['without Node (the portable code, as in a browser)', true],
  ])('hashes ASCII pieces as the text they make together, short and long ones mixed, %s', async (_where, portable) => {
    if (portable) vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    const texts = ['{"a": ', 'b'.repeat(5000), ', "c": [', 'd'.repeat(70), '] ', 'e'.repeat(9000), '}'];
    const expected = await subtleHex(utf8(texts.join('')));
    expect(piecesOf(...texts).pieces().length).toBeGreaterThan(1);
    await expect(sha256HexOfAscii(piecesOf(...texts))).resolves.toBe(expected);
    expect(sha256HexOfAsciiNow(piecesOf(...texts))).toBe(expected);
  });

  it('uses Web Crypto where there is no Node, as in browsers, for inputs of 8 KB and more', async () => {
    const large = 'x'.repeat(8192);
    const expected = await subtleHex(utf8(large));
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    const digest = vi.spyOn(globalThis.crypto.subtle, 'digest');
    await expect(sha256HexOfAscii(piecesOf(large))).resolves.toBe(expected);
    expect(digest).toHaveBeenCalledOnce();
    // Smaller ones are hashed at once: Web Crypto's answer would come later than the portable code's.
    await expect(sha256HexOfAscii(piecesOf('abc'))).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(digest).toHaveBeenCalledOnce();
  });

  it('falls back to the portable code where crypto.subtle is missing (insecure browser contexts)', async () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    // Were subtle used, these stubs would make the hash throw; 9 KB, where subtle would be used if it were there.
    const large = 'y'.repeat(9000);
    const expected = await subtleHex(utf8(large));
    vi.stubGlobal('crypto', { getRandomValues: webcrypto.getRandomValues.bind(webcrypto) });
    await expect(sha256HexOfAscii(piecesOf('abc'))).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    await expect(sha256HexOfAscii(piecesOf(large))).resolves.toBe(expected);
    vi.stubGlobal('crypto', undefined);
    await expect(sha256HexOfAscii(piecesOf('abc'))).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    await expect(sha256HexOfAscii(piecesOf(large))).resolves.toBe(expected);
  });
});
