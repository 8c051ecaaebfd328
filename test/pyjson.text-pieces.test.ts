import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freezeJson } from '../src/orchestra/json-copy.js';
import {
  cloneJson,
  dumpPythonIndent2Pieces,
  dumpPythonIndent2Slow,
  markPythonFloat,
  marsysChecksum,
  marsysChecksumInput,
  marsysChecksumNow,
  type MarsysChecksumFields,
} from '../src/pyjson/index.js';
import { LONG_PIECE, TextPieces } from '../src/pyjson/text-pieces.js';
import type { JsonObject, JsonValue } from '../src/types.js';

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

function piecesOf(...texts: string[]): TextPieces {
  const out = new TextPieces();
  for (const text of texts) out.add(text);
  return out;
}

describe('TextPieces', () => {
  it('joins short pieces as they come and keeps long ones apart, in order', () => {
    const long = 'L'.repeat(LONG_PIECE);
    const out = piecesOf('a', 'b', long, 'c', '', 'd');
    expect(out.pieces()).toEqual(['ab', long, 'cd']);
    expect(out.text()).toBe(`ab${long}cd`);
    expect(out.length).toBe(LONG_PIECE + 4);
  });

  it('starts a new piece once short ones add up to a long one', () => {
    const short = 's'.repeat(LONG_PIECE / 4);
    const out = piecesOf(short, short, short, short, 'tail');
    expect(out.pieces()).toEqual([short.repeat(4), 'tail']);
  });

  it('gives the text of no pieces as the empty string, and of one piece as that piece', () => {
    expect(new TextPieces().text()).toBe('');
    expect(new TextPieces().asciiBytes()).toEqual(new Uint8Array(0));
    const only = 'x'.repeat(LONG_PIECE * 2);
    expect(piecesOf(only).text()).toBe(only);
  });

  it('encodes ASCII pieces into exactly their bytes, slices of a two-byte string among them', () => {
    // Slices of a string holding non-ASCII are two-byte strings in V8, however ASCII the slice.
    const twoByte = `${'q'.repeat(LONG_PIECE * 2)}é`;
    const out = piecesOf('{"a": ', twoByte.slice(0, LONG_PIECE + 7), ', "b": ', twoByte.slice(3, 20), '}');
    expect(latin1(out.asciiBytes())).toBe(out.text());
    expect(out.asciiBytes().byteLength).toBe(out.length);
  });

  it('refuses to encode text that is not ASCII, rather than write a torn file', () => {
    expect(() => piecesOf('{"name": ', '"café"', '}').asciiBytes()).toThrow(RangeError);
    expect(() => piecesOf('x'.repeat(LONG_PIECE), '🧭').asciiBytes()).toThrow(/not ASCII/);
  });
});

const entry = (n: number): JsonValue =>
  freezeJson({ agent: n % 2 === 0 ? 'Writer' : 'Rédacteur', response: { text: `draft ${n} — ✓ ${'word '.repeat(40)}`, score: n / 4 }, step: n });

/** Documents taking each of the indent-2 writer's ways, each large enough to be written as several pieces. */
function documents(): Array<[string, JsonValue]> {
  const messages = Array.from({ length: 300 }, (_, n) => ({ role: n % 2 ? 'assistant' : 'user', content: `message ${n}: “quoted” — naïve ${'text '.repeat(30)}` }));
  const withFloat: JsonObject = { temperature: 1, messages: cloneJson(messages) };
  markPythonFloat(withFloat, 'temperature');
  const history = Array.from({ length: 200 }, (_, n) => entry(n));
  const lookalike: JsonObject = { note: '\u0000waymark:0', temperature: 2, messages: cloneJson(messages) };
  markPythonFloat(lookalike, 'temperature');
  return [
    ['native, with non-ASCII text', { messages }],
    ['native with stand-ins (a Python float)', withFloat],
    ['by hand, around a remembered history', { branches: { main: { memory: history, steps: 200 } }, status: 'running' }],
    ['by hand, the document holding a stand-in look-alike', lookalike],
    ['a long string at the top level', `${'é'.repeat(LONG_PIECE)}${'a'.repeat(LONG_PIECE)}`],
  ];
}

describe('dumpPythonIndent2Pieces', () => {
  it.each(documents())('%s: the pieces are the text the slow writer writes, and encode to its bytes', (_name, doc) => {
    const expected = dumpPythonIndent2Slow(cloneJson(doc));
    // Twice: the second time from remembered texts where there are any.
    for (let round = 0; round < 2; round++) {
      const out = dumpPythonIndent2Pieces(doc);
      expect(out.text() === expected).toBe(true);
      expect(out.pieces().join('') === expected).toBe(true);
      expect(latin1(out.asciiBytes()) === expected).toBe(true);
      // Kept as pieces, not one string: the point of the exercise.
      expect(out.pieces().length).toBeGreaterThan(1);
    }
  });
});

describe('the MARSYS checksum of a document holding long remembered histories', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Two branches whose histories are frozen entries, their remembered texts long pieces of the checksum's input. */
  function session(): MarsysChecksumFields {
    const branch = (from: number) => ({ id: `b${from}`, metadata: { waymark: { memory: Array.from({ length: 150 }, (_, n) => entry(from + n)) } }, state: { step: from } });
    return { session_id: 's', timestamp: 1700000000.5, branches: { main: branch(0), child: branch(1000) }, active_branches: ['main'], completed_branches: ['child'] };
  }

  /** What it must be: SHA-256 of the input written from an unfrozen copy, which nothing is remembered of. */
  const expectedOf = (doc: MarsysChecksumFields) => createHash('sha256').update(marsysChecksumInput(cloneJson(doc))).digest('hex');

  it.each([
    ['on Node', false],
    ['without Node (the portable code, as in a browser)', true],
  ])('hashes every piece, in order, %s', async (_where, portable) => {
    if (portable) vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    const doc = session();
    const expected = expectedOf(doc);
    expect(marsysChecksumInput(doc).length).toBeGreaterThan(4 * LONG_PIECE);
    // Twice: the second time from the remembered texts. Written first, as a save does: that finds the frozen values.
    for (let round = 0; round < 2; round++) {
      dumpPythonIndent2Pieces(doc);
      expect(marsysChecksumNow(doc)).toBe(expected);
      await expect(marsysChecksum(doc)).resolves.toBe(expected);
    }
    // A history that grew: the remembered text grows with it.
    (doc.branches.main as { metadata: { waymark: { memory: JsonValue[] } } }).metadata.waymark.memory.push(entry(9999));
    dumpPythonIndent2Pieces(doc);
    expect(marsysChecksumNow(doc)).toBe(expectedOf(doc));
  });
});
