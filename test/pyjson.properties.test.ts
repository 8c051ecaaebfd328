import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freezeJson } from '../src/orchestra/json-copy.js';
import {
  cloneJson,
  dumpPythonCompactSorted,
  dumpPythonIndent2,
  dumpPythonIndent2Slow,
  markPythonFloat,
  parsePythonJson,
  parsePythonJsonSlow,
} from '../src/pyjson/index.js';
import type { JsonObject, JsonValue } from '../src/types.js';

// ---- values ----------------------------------------------------------------

const interestingDouble = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
  fc.constantFrom(0, -0, 1e-7, 1.5e-5, 1e-4, 9.999999999999999e-5, 1e15, 1e16, 1e21, 1e22, 2 ** 53, 2 ** 53 + 2, -(2 ** 70), 5e-324, 0.1),
  fc.integer(),
);

const interestingKey = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.nat().map(String),
  fc.constantFrom('10', '2', '0', '01', '-1', '1.5', '4294967294', '4294967295', '__proto__', 'constructor', 'ｚ', '😀', 'é'),
);

/** JSON values with what is hard for a Python-compatible encoder: integer-like keys, any UTF-16, extreme doubles. */
const hardJsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false),
    fc.string({ unit: 'binary' }),
    interestingDouble,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(interestingKey, tie('value')), { maxLength: 6 }).map((members) => {
      const object: JsonObject = {};
      for (const [key, member] of members) Object.defineProperty(object, key, { value: member, writable: true, enumerable: true, configurable: true });
      return object;
    }),
  ),
})).value;

const anyJsonValue = fc.oneof(fc.jsonValue() as fc.Arbitrary<JsonValue>, hardJsonValue);

/** Marks some integral numbers of `value` as Python floats (the choice driven by `seed`); returns `value`. */
function withFloatMarkers(value: JsonValue, seed: number): JsonValue {
  let counter = seed;
  const visit = (node: JsonValue): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const key of Object.keys(node)) {
      const member = (node as JsonObject)[key] as JsonValue;
      if (typeof member === 'number' && (counter++ * 2654435761) % 3 === 0) markPythonFloat(node, Array.isArray(node) ? Number(key) : key);
      visit(member);
    }
  };
  visit(value);
  return value;
}

const markedJsonValue = fc.tuple(anyJsonValue, fc.nat()).map(([value, seed]) => withFloatMarkers(value, seed));

// ---- texts -----------------------------------------------------------------

/** Number lexemes of every kind Python reads, many of which JS numbers cannot tell apart. */
const numberLexeme = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Number.isInteger(x) && !String(x).includes('e') ? `${x}.0` : String(x))),
  fc
    .tuple(fc.integer({ min: -99999, max: 99999 }), fc.stringMatching(/^[0-9]{1,20}$/), fc.option(fc.integer({ min: -30, max: 30 })), fc.constantFrom('e', 'E', 'e+'))
    .map(([int, fraction, exponent, e]) => `${int}.${fraction}${exponent === null ? '' : `${e}${exponent}`.replace('+-', '-')}`),
  fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: -5, max: 25 })).map(([mantissa, exponent]) => `${mantissa}e${exponent}`),
  fc.constantFrom(
    '1.0', '-0.0', '-0', '0', '0.0', '1e5', '1E+5', '2.5e-3', '100e-2', '1746831590.99999999', '1746831590.00000001',
    '0.99999999999999999', '1e400', '-1e400', '12345678901234567.5', '9007199254740993', '1.000', '0.000001',
    '123.00000001', '5e-324', '1.7976931348623157e+308', '4.35', '1e+16', '1e-07', 'NaN', 'Infinity', '-Infinity',
    '1' + '0'.repeat(400),
  ),
);

/** A string as some writer might write it: Python's escapes, raw UTF-8, or escapes mixed with raw text. */
const stringLexeme = fc
  .tuple(fc.string({ unit: 'binary' }), fc.constantFrom('python', 'raw', 'hex'))
  .map(([text, style]) =>
    style === 'python' ? dumpPythonCompactSorted(text) : style === 'raw' ? JSON.stringify(text) : `"5a1e24${text.length}e${text.length}ea33"`,
  );

const keyLexeme = interestingKey.map((key) => dumpPythonCompactSorted(key));

const whitespace = fc.constantFrom('', ' ', '\n  ', '\t', '\r\n');

/** JSON values as Python, JS or a hand would write them, with repeated keys and every number form. */
const valueText: fc.Arbitrary<string> = fc
  .letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('null', 'true', 'false'),
      numberLexeme,
      stringLexeme,
      fc.tuple(fc.array(tie('value'), { maxLength: 5 }), whitespace).map(([items, space]) => `[${space}${items.join(`,${space}`)}${space}]`),
      fc
        .tuple(fc.array(fc.tuple(fc.oneof(keyLexeme, fc.constantFrom('"a"', '"10"')), tie('value')), { maxLength: 6 }), whitespace)
        .map(([members, space]) => `{${space}${members.map(([key, member]) => `${key}:${space}${member}`).join(`,${space}`)}${space}}`),
    ),
  }))
  .value;

/**
 * Whole documents. A number at the top level has no container to carry its
 * Python type (parsing `1.0` gives `1`), so documents are wrapped.
 */
const pythonJsonText = valueText.chain((value) => fc.constantFrom(`{"doc": ${value}}`, `[${value}]\n`));

/** Documents, and bare values too: the two parsers must agree on those as well. */
const anyJsonText = fc.oneof(pythonJsonText, valueText);

// ---- properties ------------------------------------------------------------

describe('fast path and exact path agree', () => {
  it('parsePythonJson reads every text to the values and number forms parsePythonJsonSlow reads', () => {
    fc.assert(
      fc.property(anyJsonText, (text) => {
        const fast = parsePythonJson(text);
        const slow = parsePythonJsonSlow(text);
        expect(fast).toEqual(slow);
        expect(dumpPythonIndent2(fast, { allowNonFinite: true })).toBe(dumpPythonIndent2(slow, { allowNonFinite: true }));
      }),
      { numRuns: 1000 },
    );
  });

  it('parsePythonJson agrees with parsePythonJsonSlow on texts of arbitrary JSON values', () => {
    fc.assert(
      fc.property(markedJsonValue, fc.boolean(), (value, indented) => {
        const text = indented ? dumpPythonIndent2(value) : dumpPythonCompactSorted(value);
        const fast = parsePythonJson(text);
        expect(fast).toEqual(parsePythonJsonSlow(text));
        expect(dumpPythonIndent2(fast)).toBe(dumpPythonIndent2(parsePythonJsonSlow(text)));
      }),
      { numRuns: 500 },
    );
  });

  it('dumpPythonIndent2 writes the bytes of its member-by-member encoder', () => {
    fc.assert(
      fc.property(markedJsonValue, (value) => {
        expect(dumpPythonIndent2(value)).toBe(dumpPythonIndent2Slow(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('both parsers throw the same error on damaged texts', () => {
    fc.assert(
      fc.property(anyJsonText, fc.nat(), fc.constantFrom('', 'x', ',', '"', ']', '}', '\\', '\u0001', '-', '.'), (text, at, junk) => {
        const cut = at % (text.length + 1);
        const damaged = text.slice(0, cut) + junk + text.slice(cut + (junk === '' ? 1 : 0));
        const outcome = (parse: (text: string) => JsonValue) => {
          try {
            return { value: dumpPythonIndent2(parse(damaged), { allowNonFinite: true }) };
          } catch (error) {
            return { error: (error as Error).message };
          }
        };
        expect(outcome(parsePythonJson)).toEqual(outcome(parsePythonJsonSlow));
      }),
      { numRuns: 500 },
    );
  });
});

describe('deep-frozen values (whose texts the writers remember)', () => {
  it('are written as their unfrozen copies, wherever they sit and however often they are written', () => {
    fc.assert(
      fc.property(markedJsonValue, markedJsonValue, (first, second) => {
        // A growing history of frozen entries, with a frozen value also sitting at other depths.
        const history: JsonValue[] = [freezeJson(cloneJson(first))];
        const doc: JsonObject = { history, next: { input: { value: history[0]! } }, top: [history[0]!] };
        const copyOf = () => cloneJson(doc);
        for (const append of [undefined, second, first]) {
          if (append !== undefined) history.push(freezeJson(cloneJson(append)));
          for (let round = 0; round < 2; round++) {
            expect(dumpPythonIndent2(doc)).toBe(dumpPythonIndent2Slow(copyOf()));
            expect(dumpPythonCompactSorted(doc)).toBe(dumpPythonCompactSorted(copyOf()));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('round trips', () => {
  it('parsePythonJson(dumpPythonIndent2(x)) deep-equals x', () => {
    fc.assert(
      fc.property(anyJsonValue, (value) => {
        expect(parsePythonJson(dumpPythonIndent2(value))).toEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('a dump of a parsed dump is the same dump: number forms and key order survive', () => {
    fc.assert(
      fc.property(markedJsonValue, (value) => {
        const text = dumpPythonIndent2(value);
        expect(dumpPythonIndent2(parsePythonJson(text))).toBe(text);
        expect(dumpPythonCompactSorted(parsePythonJson(text))).toBe(dumpPythonCompactSorted(value));
      }),
      { numRuns: 500 },
    );
  });

  it('dumps are pure ASCII', () => {
    fc.assert(
      fc.property(markedJsonValue, (value) => {
        expect(dumpPythonIndent2(value)).toMatch(/^[\x20-\x7e\n]*$/);
        expect(dumpPythonCompactSorted(value)).toMatch(/^[\x20-\x7e]*$/);
      }),
    );
  });
});

// ---- against Python itself -----------------------------------------------

const hasPython = spawnSync('python3', ['--version']).status === 0;

/**
 * Runs Python's json on each text: `json.dumps(json.loads(text), indent=2)` and
 * `json.dumps(json.loads(text), sort_keys=True)`, or the error's message.
 */
function pythonRedumps(texts: string[]): ({ indent2: string; sorted: string } | { error: string })[] {
  const script = [
    'import json, sys',
    'out = []',
    'for text in json.load(sys.stdin):',
    '    try:',
    '        value = json.loads(text)',
    '        out.append({"indent2": json.dumps(value, indent=2), "sorted": json.dumps(value, sort_keys=True)})',
    '    except ValueError as error:',
    '        out.append({"error": str(error)})',
    'json.dump(out, sys.stdout)',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as ({ indent2: string; sorted: string } | { error: string })[];
}

describe.skipIf(!hasPython)('against Python 3 json', () => {
  it('writes what Python writes for the same values, byte for byte', () => {
    const values = fc.sample(markedJsonValue, { numRuns: 1500, seed: 20250509 });
    const texts = values.map((value) => dumpPythonIndent2(value, { allowNonFinite: true }));
    const python = pythonRedumps(texts);
    values.forEach((value, i) => {
      expect(python[i]).toEqual({ indent2: texts[i], sorted: dumpPythonCompactSorted(value, { allowNonFinite: true }) });
    });
  });

  it('reads what Python reads and writes it back as Python does', () => {
    const texts = fc.sample(pythonJsonText, { numRuns: 1500, seed: 1746831565 });
    const python = pythonRedumps(texts);
    texts.forEach((text, i) => {
      const value = parsePythonJson(text);
      expect({ text, indent2: dumpPythonIndent2(value, { allowNonFinite: true }), sorted: dumpPythonCompactSorted(value, { allowNonFinite: true }) }).toEqual({
        text,
        ...(python[i] as object),
      });
    });
  });

  it('accepts what Python accepts and rejects the rest with the same message, on damaged texts', () => {
    const damaged = fc.sample(
      fc.tuple(pythonJsonText, fc.nat(), fc.constantFrom('x', ',', ']', '}', '\u0001', '\\', ':', '1', '"', ' ')).map(([text, at, junk]) => {
        const cut = at % (text.length + 1);
        return text.slice(0, cut) + junk + text.slice(cut);
      }),
      { numRuns: 1500, seed: 7 },
    );
    const python = pythonRedumps(damaged);
    let rejected = 0;
    damaged.forEach((text, i) => {
      const expected = python[i] as { error?: string };
      // Python counts positions in code points, JS in code units: compare messages only where they agree.
      if (expected.error !== undefined && /[\ud800-\udfff]/.test(text)) return;
      if (expected.error !== undefined) rejected++;
      let ours: object;
      try {
        const value = parsePythonJson(text);
        ours = { indent2: dumpPythonIndent2(value, { allowNonFinite: true }), sorted: dumpPythonCompactSorted(value, { allowNonFinite: true }) };
      } catch (error) {
        ours = { error: (error as Error).message };
      }
      expect({ text, ...ours }).toEqual({ text, ...expected });
    });
    // The damage must really produce both outcomes for this to test anything.
    expect(rejected).toBeGreaterThan(500);
    expect(rejected).toBeLessThan(damaged.length);
  });
});
