function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Compares strings by Unicode code point, as Python sorts `str`s.
 * JavaScript's default `sort()` compares UTF-16 code units, which disagrees
 * whenever an astral character (a surrogate pair, U+D800..) meets one from
 * U+E000..U+FFFF: `"😀"` sorts before `"ｚ"` in JS, after it in Python.
 * Lone surrogates count as the code points they are, as in Python.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Equal up to here; if the previous unit opened a pair in either string,
    // the code point starting there is where the two first differ.
    if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1))) {
      const pointA = a.codePointAt(i - 1) as number;
      const pointB = b.codePointAt(i - 1) as number;
      if (pointA !== pointB) return pointA - pointB;
    }
    return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
  }
  return a.length - b.length;
}

function hasSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) return true;
  }
  return false;
}

/**
 * Sorts `strings` in place by code point and returns them. The native sort
 * (UTF-16 code units, several times faster than a comparator) already gives
 * code point order unless some string holds a surrogate.
 */
export function sortByCodePoint(strings: string[]): string[] {
  strings.sort();
  for (const text of strings) if (hasSurrogate(text)) return strings.sort(compareCodePoints);
  return strings;
}
