import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  JsonSyntaxError,
  MAX_NESTING_DEPTH,
  dumpPythonIndent2,
  isPythonFloat,
  parsePythonJson,
  parsePythonJsonSlow,
} from '../src/pyjson/index.js';
import type { JsonObject, JsonValue } from '../src/types.js';

const PARSERS = [
  { name: 'parsePythonJson', parse: parsePythonJson },
  { name: 'parsePythonJsonSlow', parse: parsePythonJsonSlow },
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(PARSERS)('$name', ({ parse }) => {
  it('reads RFC 8259 JSON to the values JSON.parse gives', () => {
    const text = '{"a": [1, -2.5, "x\\n\\u00e9", true, false, null, {}], "b": {"c": []}, "d": 0.1}';
    expect(parse(text)).toEqual(JSON.parse(text));
  });

  it('reads bare NaN, Infinity and -Infinity, as Python does', () => {
    const value = parse('{"nan": NaN, "inf": Infinity, "ninf": -Infinity, "list": [NaN]}') as JsonObject;
    expect(value.nan).toBeNaN();
    expect(value.inf).toBe(Infinity);
    expect(value.ninf).toBe(-Infinity);
    expect((value.list as number[])[0]).toBeNaN();
  });

  it('accepts surrounding whitespace, including a trailing newline', () => {
    expect(parse(' \t\r\n{"a": 1}\n')).toEqual({ a: 1 });
    expect(parse('\n[]\n')).toEqual([]);
  });

  it('reads raw UTF-8 text and escapes alike', () => {
    expect(parse('{"héllo 🚀": "ünï 研究"}')).toEqual({ 'héllo 🚀': 'ünï 研究' });
    expect(parse('"\\ud83d\\ude80 \\u00e9"')).toBe('🚀 é');
  });

  it('keeps lone surrogates from \\u escapes as they are', () => {
    expect(parse('["\\ud800", "\\udc00x"]')).toEqual(['\ud800', '\udc00x']);
  });

  it('decodes every short escape', () => {
    expect(parse('"\\" \\\\ \\/ \\b \\f \\n \\r \\t"')).toBe('" \\ / \b \f \n \r \t');
  });

  it('reads top-level scalars', () => {
    expect(parse('"s"')).toBe('s');
    expect(parse('12')).toBe(12);
    expect(parse('null')).toBe(null);
  });

  it('returns plain objects and arrays', () => {
    const value = parse('{"a": {"b": [{}]}}') as JsonObject;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getPrototypeOf((value.a as JsonObject).b)).toBe(Array.prototype);
  });

  it('makes a "__proto__" key an own property and leaves prototypes alone', () => {
    const value = parse('{"__proto__": {"polluted": true}, "a": {"__proto__": [1.0]}}') as JsonObject;
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(value.a, '__proto__')?.value).toEqual([1]);
    expect(dumpPythonIndent2(value)).toBe(
      '{\n  "__proto__": {\n    "polluted": true\n  },\n  "a": {\n    "__proto__": [\n      1.0\n    ]\n  }\n}',
    );
  });

  it('keeps the last value of a repeated key, at the place of the first, as Python does', () => {
    const value = parse('{"a": 1.0, "b": 2, "a": 3}') as JsonObject;
    expect(Object.keys(value)).toEqual(['a', 'b']);
    expect(value.a).toBe(3);
    // The repeated key's new value is an int: the old value's float marker must not stick.
    expect(dumpPythonIndent2(value)).toBe('{\n  "a": 3,\n  "b": 2\n}');
  });

  it('marks integral float lexemes as Python floats, keeping the value a plain number', () => {
    const value = parse('{"a": 1.0, "b": 1, "c": 1e+16, "d": 300.00, "e": 2.5, "f": 1E5, "g": 100e-2}') as JsonObject;
    expect(value).toEqual({ a: 1, b: 1, c: 1e16, d: 300, e: 2.5, f: 1e5, g: 1 });
    expect(['a', 'b', 'c', 'd', 'f', 'g'].map((key) => isPythonFloat(value, key))).toEqual([true, false, true, true, true, true]);
    expect(dumpPythonIndent2(value)).toBe(
      '{\n  "a": 1.0,\n  "b": 1,\n  "c": 1e+16,\n  "d": 300.0,\n  "e": 2.5,\n  "f": 100000.0,\n  "g": 1.0\n}',
    );
  });

  it('marks floats that only round to an integral value', () => {
    const value = parse('[1746831590.99999999, 0.99999999999999999, 1e-400, 12345678901234567.5]') as number[];
    expect(value).toEqual([1746831591, 1, 0, 12345678901234568]);
    expect(dumpPythonIndent2(value)).toBe('[\n  1746831591.0,\n  1.0,\n  0.0,\n  1.2345678901234568e+16\n]');
  });

  it('reads -0 as the int 0 and -0.0 as the float -0.0', () => {
    const value = parse('[-0, -0.0, -0e0]') as number[];
    expect(Object.is(value[0], 0)).toBe(true);
    expect(Object.is(value[1], -0)).toBe(true);
    expect(dumpPythonIndent2(value)).toBe('[\n  0,\n  -0.0,\n  -0.0\n]');
  });

  it('keeps the digits of ints past 2^53 for as long as the value is unchanged', () => {
    const value = parse('{"big": 9007199254740993, "huge": -1000000000000000000000, "safe": 9007199254740991}') as JsonObject;
    expect(value.big).toBe(9007199254740992);
    expect(dumpPythonIndent2(value)).toBe(
      '{\n  "big": 9007199254740993,\n  "huge": -1000000000000000000000,\n  "safe": 9007199254740991\n}',
    );
    value.big = 9007199254740994;
    expect(dumpPythonIndent2(value)).toContain('"big": 9007199254740994,');
  });

  it('keeps a Python int too large for a double, written back as is', () => {
    const digits = '1' + '0'.repeat(400);
    const value = parse(`[${digits}]`) as number[];
    expect(value[0]).toBe(Infinity);
    expect(dumpPythonIndent2(value)).toBe(`[\n  ${digits}\n]`);
  });

  it('keeps the file order of integer-like keys while the key set is unchanged', () => {
    const value = parse('{"b": 1, "10": 2, "2": 3, "a": 4}') as JsonObject;
    expect(Object.keys(value)).toEqual(['2', '10', 'b', 'a']);
    expect(dumpPythonIndent2(value)).toBe('{\n  "b": 1,\n  "10": 2,\n  "2": 3,\n  "a": 4\n}');
    value.b = 5;
    expect(dumpPythonIndent2(value)).toBe('{\n  "b": 5,\n  "10": 2,\n  "2": 3,\n  "a": 4\n}');
    value.c = 6;
    expect(dumpPythonIndent2(value)).toBe('{\n  "2": 3,\n  "10": 2,\n  "b": 5,\n  "a": 4,\n  "c": 6\n}');
  });

  it('parses 1,000 levels of nesting', () => {
    const text = '{"a": '.repeat(1000) + '[]' + '}'.repeat(1000);
    let value = parse(text) as JsonValue;
    for (let depth = 0; depth < 1000; depth++) value = (value as JsonObject).a as JsonValue;
    expect(value).toEqual([]);
  });

  it(`accepts ${MAX_NESTING_DEPTH} levels and refuses one more`, () => {
    expect(() => parse('['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH))).not.toThrow();
    const tooDeep = '['.repeat(MAX_NESTING_DEPTH + 1) + ']'.repeat(MAX_NESTING_DEPTH + 1);
    expect(() => parse(tooDeep)).toThrow(JsonSyntaxError);
    expect(() => parse(tooDeep)).toThrow(/^Nesting deeper than 2000 levels: line 1 column 2001 \(char 2000\)$/);
  });

  it('throws JsonSyntaxError, not RangeError, on 100,000 levels', () => {
    expect(() => parse('['.repeat(100_000))).toThrow(JsonSyntaxError);
    expect(() => parse('['.repeat(100_000) + ']'.repeat(100_000))).toThrow(JsonSyntaxError);
    expect(() => parse('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000))).toThrow(JsonSyntaxError);
  });

  // Messages and positions as Python 3.11's json.loads reports them.
  it.each([
    ['', 'Expecting value: line 1 column 1 (char 0)'],
    ['  ', 'Expecting value: line 1 column 3 (char 2)'],
    ['[1 2]', "Expecting ',' delimiter: line 1 column 4 (char 3)"],
    ['{"a" 1}', "Expecting ':' delimiter: line 1 column 6 (char 5)"],
    ['{"a":1,}', 'Expecting property name enclosed in double quotes: line 1 column 8 (char 7)'],
    ['[1,]', 'Expecting value: line 1 column 4 (char 3)'],
    ['{"a":1 "b"}', "Expecting ',' delimiter: line 1 column 8 (char 7)"],
    ['"abc', 'Unterminated string starting at: line 1 column 1 (char 0)'],
    ['"a\x01"', 'Invalid control character at: line 1 column 3 (char 2)'],
    ['"\\x"', 'Invalid \\escape: line 1 column 2 (char 1)'],
    ['"\\u12"', 'Invalid \\uXXXX escape: line 1 column 3 (char 2)'],
    ['[1]x', 'Extra data: line 1 column 4 (char 3)'],
    ['01', 'Extra data: line 1 column 2 (char 1)'],
    ['-', 'Expecting value: line 1 column 1 (char 0)'],
    ['nul', 'Expecting value: line 1 column 1 (char 0)'],
    ['{1:2}', 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
    ['[', 'Expecting value: line 1 column 2 (char 1)'],
    ['{"a":', 'Expecting value: line 1 column 6 (char 5)'],
    ['\ufeff{}', 'Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)'],
    ['-NaN', 'Expecting value: line 1 column 1 (char 0)'],
    ['[1,2', "Expecting ',' delimiter: line 1 column 5 (char 4)"],
    ['1.', 'Extra data: line 1 column 2 (char 1)'],
    ['.5', 'Expecting value: line 1 column 1 (char 0)'],
    ['{\n  "a": 1,\n  "b": tru\n}', 'Expecting value: line 3 column 8 (char 19)'],
  ])('rejects %j as Python does: %s', (text, message) => {
    let thrown: unknown;
    try {
      parse(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JsonSyntaxError);
    expect((thrown as JsonSyntaxError).message).toBe(message);
  });

  it('gives the position, line and column of the error', () => {
    const error = (() => {
      try {
        parse('{\n  "a": [1,\n    2 3]\n}');
      } catch (caught) {
        return caught as JsonSyntaxError;
      }
      throw new Error('expected a JsonSyntaxError');
    })();
    expect(error).toMatchObject({ name: 'JsonSyntaxError', problem: "Expecting ',' delimiter", position: 19, line: 3, column: 7 });
  });
});

describe('parsePythonJson fast path', () => {
  it('reads a document without Python-only number forms with native JSON.parse', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const text = '{\n  "checksum": "5a1e24ea33d3",\n  "name": "caf\\u00e9 cr\\u00e8me",\n  "t": 1746831565.4213047,\n  "n": [1, 2.5]\n}';
    expect(parsePythonJson(text)).toEqual({ checksum: '5a1e24ea33d3', name: 'café crème', t: 1746831565.4213047, n: [1, 2.5] });
    expect(parse).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['an integral float', '{"a": 2.0}'],
    ['an unsigned exponent', '{"a": 1e5}'],
    ['an int past 2^53', '{"a": 9007199254740993}'],
    ['-0', '{"a": [-0]}'],
    ['integer-like keys', '{"b": 1, "1": 2}'],
  ])('falls back to the exact parser for %s', (_what, text) => {
    expect(dumpPythonIndent2(parsePythonJson(text))).toBe(dumpPythonIndent2(parsePythonJsonSlow(text)));
    expect(dumpPythonIndent2(parsePythonJson(text))).not.toBe(dumpPythonIndent2(JSON.parse(text) as JsonValue));
  });
});
