import { webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../src/pyjson/index.js';
import { sha256HexPortable } from '../src/pyjson/sha256.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

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
    expect(sha256HexPortable(utf8(text))).toBe(digest);
    await expect(sha256Hex(text)).resolves.toBe(digest);
  });

  it('portable SHA-256 agrees with Web Crypto on random inputs, across block boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        expect(sha256HexPortable(bytes)).toBe(await subtleHex(bytes));
      }),
      { numRuns: 500 },
    );
    for (const length of [55, 56, 57, 63, 64, 65, 119, 120, 128, 1_000_000]) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 31 + 7) & 0xff);
      expect(sha256HexPortable(bytes)).toBe(await subtleHex(bytes));
    }
  });

  it('hashes the UTF-8 bytes of a string', async () => {
    const text = 'héllo 🚀 \u2028';
    await expect(sha256Hex(text)).resolves.toBe(await subtleHex(utf8(text)));
  });

  it('uses Web Crypto where there is no Node, as in browsers, for inputs of 8 KB and more', async () => {
    const large = 'x'.repeat(8192);
    const expected = await subtleHex(utf8(large));
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    const digest = vi.spyOn(globalThis.crypto.subtle, 'digest');
    await expect(sha256Hex(large)).resolves.toBe(expected);
    expect(digest).toHaveBeenCalledOnce();
    // Smaller ones are hashed at once: Web Crypto's answer would come later than the portable code's.
    await expect(sha256Hex('abc')).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(digest).toHaveBeenCalledOnce();
  });

  it('falls back to the portable code where crypto.subtle is missing (insecure browser contexts)', async () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    // Were subtle used, these stubs would make sha256Hex throw.
    vi.stubGlobal('crypto', { getRandomValues: webcrypto.getRandomValues.bind(webcrypto) });
    await expect(sha256Hex('abc')).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    vi.stubGlobal('crypto', undefined);
    await expect(sha256Hex('abc')).resolves.toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
