import { describe, expect, it } from 'vitest';
import { freezeJson } from '../src/orchestra/json-copy.js';
import {
  cloneJson,
  dumpPythonCompactSorted,
  dumpPythonIndent2,
  dumpPythonIndent2Pieces,
  dumpPythonIndent2Slow,
  markPythonFloat,
  MAX_NESTING_DEPTH,
  NonJsonValueError,
  parsePythonJson,
} from '../src/pyjson/index.js';
import type { JsonObject, JsonValue } from '../src/types.js';

/**
 * The writers remember the texts of deep-frozen containers. Every test here
 * writes a value holding frozen parts, more than once, and compares with
 * what the writers make of an unfrozen copy, which they cannot remember.
 */
function expectWrittenAsCopy(value: JsonValue): void {
  const copy = cloneJson(value);
  expect(dumpPythonIndent2(value)).toBe(dumpPythonIndent2Slow(copy));
  // The same text as pieces, as a save writes it (bytes encoded straight from them).
  expect(Buffer.from(dumpPythonIndent2Pieces(value).asciiBytes()).toString('latin1')).toBe(dumpPythonIndent2Slow(copy));
  expect(dumpPythonIndent2(value)).toBe(dumpPythonIndent2(copy));
  expect(dumpPythonCompactSorted(value)).toBe(dumpPythonCompactSorted(copy));
}

const entry = (n: number): JsonValue =>
  freezeJson({ agent: n % 2 === 0 ? 'Writer' : 'Rédacteur', response: { text: `draft ${n} ✓`, score: n / 4, tags: ['a', 'b'] }, step: n });

describe('deep-frozen values are written from memory', () => {
  it('writes a history that grows by frozen entries as its copy, after every append', () => {
    const history: JsonValue[] = [];
    const doc: JsonObject = { memory: history, steps: 0 };
    for (let n = 0; n < 40; n++) {
      history.push(entry(n));
      doc.steps = n + 1;
      expectWrittenAsCopy(doc);
    }
  });

  it('notices a history changed in any other way than by appending', () => {
    const history: JsonValue[] = Array.from({ length: 10 }, (_, n) => entry(n));
    const doc: JsonObject = { memory: history };
    expectWrittenAsCopy(doc);
    const changes: Array<() => void> = [
      () => (history[3] = entry(100)),
      () => history.pop(),
      () => history.splice(2, 1),
      () => history.unshift(entry(101)),
      () => history.reverse(),
      () => history.push({ agent: 'not frozen', response: null }),
      () => history.push(entry(102)),
      () => (history.length = 0),
      () => history.push(entry(103)),
    ];
    for (const change of changes) {
      change();
      expectWrittenAsCopy(doc);
    }
  });

  it('writes one frozen value right at every depth it sits at', () => {
    const response = freezeJson({ text: 'shared', nested: { list: [1, 2.5, { deep: 'é' }] } });
    const doc: JsonObject = { memory: [freezeJson({ agent: 'A', response })], next: { input: response }, top: response };
    expectWrittenAsCopy(doc);
    expectWrittenAsCopy(doc);
    expectWrittenAsCopy(response);
    expectWrittenAsCopy([[[[response]]]]);
  });

  it('keeps what a parsed value remembers of its file once frozen: floats, big ints, key order', () => {
    const text = '[\n  {\n    "10": 1.0,\n    "2": 12345678901234567890123,\n    "x": [\n      -0.0,\n      1e+16,\n      "\\u00e9"\n    ]\n  }\n]';
    const parsed = parsePythonJson(text) as JsonValue[];
    const doc: JsonObject = { history: [freezeJson(parsed[0]!)] };
    for (let round = 0; round < 2; round++) {
      expect(dumpPythonIndent2(doc)).toBe(`{\n  "history": ${text.replace(/\n/g, '\n  ')}\n}`);
      expect(dumpPythonCompactSorted(doc)).toBe('{"history": [{"10": 1.0, "2": 12345678901234567890123, "x": [-0.0, 1e+16, "\\u00e9"]}]}');
    }
  });

  it('follows a number form set on a frozen value after it was written, inside a frozen parent too', () => {
    const inner = freezeJson({ count: 1, list: [2] });
    const outer = freezeJson({ inner });
    const doc: JsonObject = { history: [outer], outer };
    expectWrittenAsCopy(doc);
    expect(dumpPythonIndent2(doc)).toContain('"count": 1,');

    markPythonFloat(inner, 'count');
    markPythonFloat(inner.list as JsonValue[], 0);
    expect(dumpPythonIndent2(doc)).toContain('"count": 1.0,');
    expect(dumpPythonCompactSorted(doc)).toContain('"list": [2.0]');
    expectWrittenAsCopy(doc);
  });

  it('never remembers a frozen object with a getter: it may answer differently each time', () => {
    let calls = 0;
    const counter = Object.freeze(
      Object.defineProperty({}, 'n', {
        get: () => ++calls,
        enumerable: true,
      }),
    ) as JsonObject;
    const doc = { history: [counter] } as JsonObject;
    expect(dumpPythonCompactSorted(doc)).toBe('{"history": [{"n": 1}]}');
    // Every write reads the getter anew, so no two texts are the same.
    const texts = new Set<string>();
    for (let round = 0; round < 4; round++) texts.add(dumpPythonIndent2(doc)).add(dumpPythonCompactSorted(doc));
    expect(texts.size).toBe(8);
    expect(calls).toBeGreaterThanOrEqual(9);
  });

  it('never remembers a frozen container that holds one not frozen', () => {
    const list: JsonValue[] = [1];
    const holder = Object.freeze({ list });
    const doc: JsonObject = { history: [holder] };
    expectWrittenAsCopy(doc);
    list.push(2);
    expectWrittenAsCopy(doc);
    expect(dumpPythonCompactSorted(doc)).toBe('{"history": [{"list": [1, 2]}]}');
  });

  it('refuses a frozen value that is not JSON every time, naming where it is', () => {
    const bad = Object.freeze({ ok: 1, score: Number.NaN });
    const doc: JsonObject = { history: [freezeJson({ a: 1 }), bad] };
    for (let round = 0; round < 2; round++) {
      expect(() => dumpPythonIndent2(doc)).toThrow(NonJsonValueError);
      try {
        dumpPythonIndent2(doc);
      } catch (error) {
        expect((error as NonJsonValueError).segments).toEqual(['history', 1, 'score']);
      }
      expect(() => dumpPythonCompactSorted(doc)).toThrow(NonJsonValueError);
    }
    // Python writes NaN bare where it is allowed (MARSYS's checksum input).
    expect(dumpPythonCompactSorted(doc, { allowNonFinite: true })).toBe('{"history": [{"a": 1}, {"ok": 1, "score": NaN}]}');
  });

  it('counts the depth of a remembered value wherever it is placed', () => {
    let chain: JsonValue = 'bottom';
    for (let level = 0; level < 40; level++) chain = freezeJson([chain]);
    const doc: JsonObject = { history: [chain] };
    expectWrittenAsCopy(doc);

    // Remembered at 2 levels down, then placed so that its bottom is at the limit, then one level below it.
    let atLimit: JsonValue = chain;
    for (let level = 0; level < MAX_NESTING_DEPTH - 40; level++) atLimit = [atLimit];
    expect(dumpPythonIndent2(atLimit)).toBe(dumpPythonIndent2(cloneJson(atLimit)));
    expect(dumpPythonCompactSorted(atLimit)).toBe(dumpPythonCompactSorted(cloneJson(atLimit)));
    expect(() => dumpPythonIndent2([atLimit])).toThrow(/nesting deeper than/);
    expect(() => dumpPythonCompactSorted([atLimit])).toThrow(/nesting deeper than/);
    expectWrittenAsCopy(doc);
  });

  it('does not remember a frozen value taller than a history entry, and still writes it', () => {
    let chain: JsonValue = 'bottom';
    for (let level = 0; level < MAX_NESTING_DEPTH - 2; level++) chain = freezeJson([chain]);
    const doc: JsonObject = { history: [chain] };
    for (let round = 0; round < 2; round++) {
      expect(dumpPythonIndent2(doc)).toBe(dumpPythonIndent2(cloneJson(doc)));
      expect(dumpPythonCompactSorted(doc)).toBe(dumpPythonCompactSorted(cloneJson(doc)));
    }
  });

  it('writes frozen parts beside a large unfrozen part (written natively) as the copy', () => {
    const doc: JsonObject = {
      history: Array.from({ length: 30 }, (_, n) => entry(n)),
      table: Array.from({ length: 5000 }, (_, n) => ({ n, half: n / 2, name: `row ${n} ✓` })),
    };
    // A float marker makes the unfrozen part special too: written with stand-ins.
    markPythonFloat((doc.table as JsonObject[])[2]!, 'n');
    expectWrittenAsCopy(doc);
    (doc.history as JsonValue[]).push(entry(30));
    expectWrittenAsCopy(doc);
  });
});
