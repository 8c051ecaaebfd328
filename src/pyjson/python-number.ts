import { PYTHON_FLOAT, type NumberForm } from './number-forms.js';

/**
 * Python's `repr()` of a float, as `json.dumps` writes it: the shortest
 * digits that round-trip (the same digits JavaScript picks), scientific when
 * the decimal exponent is below -4 or at least 16, with a signed exponent of
 * at least two digits (`1e-07`, `1e+16`); otherwise fixed with at least one
 * fractional digit (`1.0`, `-0.0`, `0.0001`).
 */
export function formatPythonFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  if (x !== x) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  const magnitude = x < 0 ? -x : x;
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    // JS writes fixed notation throughout [1e-7, 1e21), so here it agrees with Python except for the ".0".
    const text = String(x);
    return Number.isInteger(x) ? `${text}.0` : text;
  }
  // toExponential() without an argument gives the shortest round-trip digits, as `d.ddde+N`.
  const text = x.toExponential();
  const e = text.indexOf('e');
  const exponentDigits = text.slice(e + 2);
  return exponentDigits.length === 1 ? `${text.slice(0, e + 2)}0${exponentDigits}` : text;
}

/**
 * How Python's json writes the number `value` held by a member with number
 * form `form` (see number-forms.ts): a float marker forces float form, a kept
 * int lexeme is written while it still denotes `value`; otherwise integral
 * numbers are Python ints (all their digits, `1e21` is
 * `1000000000000000000000`) and the rest floats. `-0` is a float (`-0.0`):
 * Python has no negative int zero.
 */
export function formatPythonNumber(value: number, form: NumberForm | undefined): string {
  if (form !== undefined) {
    if (form === PYTHON_FLOAT) return formatPythonFloat(value);
    if (value === Number(form)) return form;
  }
  if (Number.isInteger(value) && !Object.is(value, -0)) {
    // Beyond 1e21 String() switches to exponent form; BigInt prints the double's exact integer value, as Python's int() would.
    return value < 1e21 && value > -1e21 ? String(value) : BigInt(value).toString();
  }
  return formatPythonFloat(value);
}
