import { describe, expect, it } from 'vitest';
import {
  MAX_NESTING_DEPTH,
  NonJsonValueError,
  copyNumberForm,
  dumpPythonCompactSorted,
  dumpPythonIndent2,
  dumpPythonIndent2Slow,
  formatPythonFloat,
  isPythonFloat,
  markPythonFloat,
  parsePythonJson,
} from '../src/pyjson/index.js';
import type { JsonObject, JsonValue } from '../src/types.js';

const INDENT_DUMPERS = [
  { name: 'dumpPythonIndent2', dump: dumpPythonIndent2 },
  { name: 'dumpPythonIndent2Slow', dump: dumpPythonIndent2Slow },
];

/** `[value]`, its item marked as a Python float. */
function floatItem(value: number): JsonValue[] {
  const list = [value];
  markPythonFloat(list, 0);
  return list;
}

describe('number forms (FORMAT.md 3.4)', () => {
  it.each([
    [1, '1.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [0.3333333333333333, '0.3333333333333333'],
    [-2.5, '-2.5'],
    [1e-7, '1e-07'],
    [1.5e-5, '1.5e-05'],
    [0.0001, '0.0001'],
    [0.001, '0.001'],
    [9.999999999999999e-5, '9.999999999999999e-05'],
    [1e15, '1000000000000000.0'],
    [9999999999999998, '9999999999999998.0'],
    [1e16, '1e+16'],
    [1e21, '1e+21'],
    [1e22, '1e+22'],
    [1.2345678901234568e20, '1.2345678901234568e+20'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [-1e-100, '-1e-100'],
    [3.141592653589793, '3.141592653589793'],
    [123456789.12345679, '123456789.12345679'],
    [1746831620, '1746831620.0'],
  ])('writes the Python float %d as %s', (value, text) => {
    expect(formatPythonFloat(value)).toBe(text);
    expect(dumpPythonCompactSorted(floatItem(value))).toBe(`[${text}]`);
    expect(dumpPythonIndent2(floatItem(value))).toBe(`[\n  ${text}\n]`);
  });

  it.each([
    [0, '0'],
    [-7, '-7'],
    [9007199254740991, '9007199254740991'],
    [2 ** 53, '9007199254740992'],
    [1e16, '10000000000000000'],
    [1e21, '1000000000000000000000'],
    [-1e21, '-1000000000000000000000'],
    [1e22, '10000000000000000000000'],
    [2 ** 70, '1180591620717411303424'],
  ])('writes the unmarked integer %d as the Python int %s', (value, text) => {
    expect(dumpPythonIndent2([value])).toBe(`[\n  ${text}\n]`);
    expect(dumpPythonCompactSorted(value)).toBe(text);
  });

  it('writes numbers that are not integers as Python floats without a marker', () => {
    expect(dumpPythonIndent2([-0, 1e-7, 2.5e-5, 0.5])).toBe('[\n  -0.0,\n  1e-07,\n  2.5e-05,\n  0.5\n]');
  });

  it('writes a kept int lexeme only while the value still equals it', () => {
    const doc = parsePythonJson('{"n": 9007199254740993}') as JsonObject;
    expect(dumpPythonCompactSorted(doc)).toBe('{"n": 9007199254740993}');
    doc.n = 1;
    expect(dumpPythonCompactSorted(doc)).toBe('{"n": 1}');
  });

  it('carries a number form to a new container with copyNumberForm', () => {
    const parsed = parsePythonJson('{"t": 1700000000.0, "n": 1}') as JsonObject;
    const built: JsonObject = { time: parsed.t as number, count: parsed.n as number };
    copyNumberForm(parsed, 't', built, 'time');
    copyNumberForm(parsed, 'n', built, 'count');
    expect(isPythonFloat(built, 'time')).toBe(true);
    expect(dumpPythonCompactSorted(built)).toBe('{"count": 1, "time": 1700000000.0}');
    markPythonFloat(built, 'count');
    copyNumberForm(parsed, 'n', built, 'count');
    expect(isPythonFloat(built, 'count')).toBe(false);
  });
});

describe('string escaping (FORMAT.md 3.3)', () => {
  it.each([
    ['"', '"\\""'],
    ['\\', '"\\\\"'],
    ['\n\r\t\b\f', '"\\n\\r\\t\\b\\f"'],
    ['\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
    ['\u001f', '"\\u001f"'],
    ['/ < > & \' ~', '"/ < > & \' ~"'],
    ['\u007f', '"\\u007f"'],
    ['é ü ß', '"\\u00e9 \\u00fc \\u00df"'],
    ['\u00a0', '"\\u00a0"'],
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['研究', '"\\u7814\\u7a76"'],
    ['ｚ\uffff', '"\\uff5a\\uffff"'],
    ['😀', '"\\ud83d\\ude00"'],
    ['\ud800', '"\\ud800"'],
    ['x\udc00y', '"x\\udc00y"'],
    ['\ude00\ud83d', '"\\ude00\\ud83d"'],
  ])('writes %j as %s', (value, text) => {
    expect(dumpPythonIndent2(value)).toBe(text);
    expect(dumpPythonIndent2Slow(value)).toBe(text);
    expect(dumpPythonCompactSorted(value)).toBe(text);
    expect(dumpPythonIndent2({ [value]: [value] })).toBe(`{\n  ${text}: [\n    ${text}\n  ]\n}`);
    expect(dumpPythonCompactSorted({ [value]: [value] })).toBe(`{${text}: [${text}]}`);
  });

  it('escapes the text on either side of what Python writes otherwise (a float, a string where a float was)', () => {
    const floats: JsonObject = { before: 'é', x: 1, after: ['ü'] };
    markPythonFloat(floats, 'x');
    expect(dumpPythonIndent2(floats)).toBe('{\n  "before": "\\u00e9",\n  "x": 1.0,\n  "after": [\n    "\\u00fc"\n  ]\n}');
    // The form outlives the float it was for: nothing is written otherwise, yet everything is still escaped.
    const stale: JsonObject = { x: 1, y: 3 };
    markPythonFloat(stale, 'x');
    stale.x = 'café';
    expect(dumpPythonIndent2(stale)).toBe('{\n  "x": "caf\\u00e9",\n  "y": 3\n}');
  });
});

describe.each(INDENT_DUMPERS)('$name layout', ({ dump }) => {
  it('writes json.dump(indent=2) layout: 2 spaces, ": ", "," at line ends, no final newline', () => {
    expect(dump({ a: [1, { b: null }], c: 'x', d: true })).toBe(
      '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ],\n  "c": "x",\n  "d": true\n}',
    );
  });

  it('writes empty containers on one line', () => {
    expect(dump({ a: {}, b: [], c: [[], {}] })).toBe('{\n  "a": {},\n  "b": [],\n  "c": [\n    [],\n    {}\n  ]\n}');
    expect(dump({})).toBe('{}');
    expect(dump([])).toBe('[]');
  });

  it('writes scalars at the top level', () => {
    expect(dump(null)).toBe('null');
    expect(dump(false)).toBe('false');
    expect(dump(-0)).toBe('-0.0');
    expect(dump(1e21)).toBe('1000000000000000000000');
  });

  it('writes objects with a null prototype', () => {
    const bare = Object.create(null) as JsonObject;
    bare.a = 1;
    expect(dump({ bare })).toBe('{\n  "bare": {\n    "a": 1\n  }\n}');
  });

  it('writes special numbers deep inside ordinary containers', () => {
    const value: JsonValue = { a: { b: [{ c: 'é', d: 1e-7 }, { e: [1, 2] }] }, f: { g: 1 } };
    expect(dump(value)).toBe(
      '{\n  "a": {\n    "b": [\n      {\n        "c": "\\u00e9",\n        "d": 1e-07\n      },\n      {\n        "e": [\n          1,\n          2\n        ]\n      }\n    ]\n  },\n  "f": {\n    "g": 1\n  }\n}',
    );
  });

  it('writes documents whose strings look like its internal stand-ins for numbers', () => {
    const value: JsonValue = { a: -0, b: '\u0000waymark:0', '\u0000waymark:1': [1e-7], c: '\u0000waymark:9' };
    expect(dump(value)).toBe(
      '{\n  "a": -0.0,\n  "b": "\\u0000waymark:0",\n  "\\u0000waymark:1": [\n    1e-07\n  ],\n  "c": "\\u0000waymark:9"\n}',
    );
  });

  it('encodes 1,000 levels of nesting, which parse back', () => {
    let value: JsonValue = 1.5;
    for (let depth = 0; depth < 1000; depth++) value = depth % 2 === 0 ? [value] : { k: value };
    const text = dump(value);
    expect(parsePythonJson(text)).toEqual(value);
    expect(dumpPythonCompactSorted(value)).toBe(JSON.stringify(value).replaceAll(':', ': '));
  });
});

describe('key order', () => {
  it('sorts keys by code point in compact sorted form, at every depth', () => {
    const value = { 'ｚ': 1, '😀': 2, 'é': 3, Z: 4, e: 5, '10': 6, '2': 7, nested: { b: [{ y: 1, x: 2 }], a: 0 } };
    expect(dumpPythonCompactSorted(value)).toBe(
      '{"10": 6, "2": 7, "Z": 4, "e": 5, "nested": {"a": 0, "b": [{"x": 2, "y": 1}]}, "\\u00e9": 3, "\\uff5a": 1, "\\ud83d\\ude00": 2}',
    );
  });

  it('sorts lone surrogates as the code points they are', () => {
    expect(dumpPythonCompactSorted({ '\ue000': 1, '\ud800': 2, '😀': 3 })).toBe('{"\\ud800": 2, "\\ue000": 1, "\\ud83d\\ude00": 3}');
  });

  it('keeps insertion order in indent=2 form, with integer-like keys where JS enumerates them', () => {
    expect(dumpPythonIndent2({ b: 1, a: 2, '10': 3, '2': 4 })).toBe('{\n  "2": 4,\n  "10": 3,\n  "b": 1,\n  "a": 2\n}');
  });

  it("keeps a parsed file's order of integer-like keys through parse and dump", () => {
    const text = '{\n  "b": "inserted first",\n  "10": "ten",\n  "2": "two",\n  "a": {\n    "7": 1,\n    "x": 2,\n    "0": 3\n  }\n}';
    expect(dumpPythonIndent2(parsePythonJson(text))).toBe(text);
    expect(dumpPythonCompactSorted(parsePythonJson(text))).toBe(
      '{"10": "ten", "2": "two", "a": {"0": 3, "7": 1, "x": 2}, "b": "inserted first"}',
    );
  });
});

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('refusals', () => {
  const callback = () => 1;
  const cycle: Record<string, unknown> = { name: 'loop' };
  cycle.self = { again: cycle };
  const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
  const withToJSON = { toJSON: () => 'x', a: 1 };

  it.each([
    ['a function', { branches: { b1: { metadata: { callback } } } }, ['branches', 'b1', 'metadata', 'callback'], 'a function is not a JSON value'],
    ['a symbol', { a: [Symbol('s')] }, ['a', 0], 'a symbol is not a JSON value'],
    ['a BigInt', { n: 1n }, ['n'], 'a BigInt is not a JSON value'],
    ['undefined as a property', { a: { b: undefined } }, ['a', 'b'], 'undefined is not a JSON value: use null, or leave the property out'],
    ['undefined as an item', { a: [1, undefined] }, ['a', 1], 'undefined is not a JSON value: use null'],
    ['a hole in a sparse array', { list: sparse }, ['list', 1], 'a hole in a sparse array is not a JSON value'],
    ['NaN', { x: { y: NaN } }, ['x', 'y'], 'NaN is not a JSON value'],
    ['Infinity', [Infinity], [0], 'Infinity is not a JSON value'],
    ['-Infinity', { m: -Infinity }, ['m'], '-Infinity is not a JSON value'],
    ['a cycle', { root: cycle }, ['root', 'self', 'again'], 'a cycle: this object contains itself'],
    ['a Date', { when: new Date(0) }, ['when'], 'convert the Date to a string (toISOString())'],
    ['a Map', { m: new Map() }, ['m'], 'convert the Map to a plain object'],
    ['a Set', { s: [new Set(['a'])] }, ['s', 0], 'convert the Set to an array'],
    ['a RegExp', { r: /x/ }, ['r'], 'convert the RegExp to a string'],
    ['a class instance', { p: new Point(1, 2) }, ['p'], 'a Point instance is not a plain object'],
    ['an object with a custom prototype', { o: Object.create({ inherited: 1 }) }, ['o'], 'an object with a custom prototype'],
    ['a typed array', { bytes: new Uint8Array(2) }, ['bytes'], 'a Uint8Array is not a JSON value'],
    ['a boxed string', { s: new String('x') }, ['s'], 'a String object is not a JSON value'],
    ['an Error', { e: new TypeError('bad') }, ['e'], 'a TypeError is not a JSON value: store its message'],
    ['an Error named with a vowel', { e: [new Error('bad')] }, ['e', 0], 'an Error is not a JSON value'],
    ['an object with toJSON', { a: withToJSON }, ['a'], 'toJSON() method'],
    ['a function at the top', callback, [], 'a function is not a JSON value'],
  ])('refuses %s, naming its path', (_what, value, segments, problem) => {
    for (const dump of [dumpPythonIndent2, dumpPythonIndent2Slow, dumpPythonCompactSorted]) {
      let thrown: unknown;
      try {
        dump(value as unknown as JsonValue);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(NonJsonValueError);
      expect((thrown as NonJsonValueError).segments).toEqual(segments);
      expect((thrown as NonJsonValueError).problem).toContain(problem);
    }
  });

  it('says where and what in the message', () => {
    expect(() => dumpPythonIndent2({ branches: { b1: { items: [0, () => 1] } } } as unknown as JsonValue)).toThrow(
      'branches.b1.items[1]: a function is not a JSON value',
    );
  });

  it('accepts the same object twice when it is not inside itself', () => {
    const shared = { a: 1 };
    expect(dumpPythonCompactSorted({ x: shared, y: [shared] })).toBe('{"x": {"a": 1}, "y": [{"a": 1}]}');
  });

  it(`refuses nesting deeper than ${MAX_NESTING_DEPTH} levels instead of overflowing the stack`, () => {
    let value: JsonValue = [];
    for (let depth = 1; depth < MAX_NESTING_DEPTH; depth++) value = [value];
    expect(() => dumpPythonIndent2(value)).not.toThrow();
    expect(() => dumpPythonIndent2([value])).toThrow(NonJsonValueError);
    let deeper: JsonValue = [];
    for (let depth = 0; depth < 100_000; depth++) deeper = [deeper];
    expect(() => dumpPythonIndent2(deeper)).toThrow(/nesting deeper than 2000 levels/);
  });

  it('writes NaN and the infinities bare only when allowed', () => {
    const value = { a: NaN, b: [Infinity, -Infinity] };
    expect(dumpPythonIndent2(value, { allowNonFinite: true })).toBe('{\n  "a": NaN,\n  "b": [\n    Infinity,\n    -Infinity\n  ]\n}');
    expect(dumpPythonCompactSorted(value, { allowNonFinite: true })).toBe('{"a": NaN, "b": [Infinity, -Infinity]}');
    expect(() => dumpPythonCompactSorted(value)).toThrow(NonJsonValueError);
  });
});
