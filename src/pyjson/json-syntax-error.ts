/**
 * Text that Python's `json.loads` would reject (or that nests too deeply to
 * read safely). The message follows Python's `JSONDecodeError` form, such as
 * `Expecting value: line 1 column 1 (char 0)`, so logs read the same on
 * both sides.
 */
export class JsonSyntaxError extends Error {
  /** What was wrong, without the location: `Expecting ',' delimiter`. */
  readonly problem: string;
  /** Offset in the text, in UTF-16 code units (Python counts code points; they differ only after astral characters). */
  readonly position: number;
  /** 1-based line of `position`. */
  readonly line: number;
  /** 1-based column of `position` within its line. */
  readonly column: number;

  constructor(problem: string, text: string, position: number) {
    // Python: colno = pos - doc.rfind('\n', 0, pos); the search excludes `pos` itself.
    const lineStart = position === 0 ? 0 : text.lastIndexOf('\n', position - 1) + 1;
    let line = 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) line++;
    const column = position - lineStart + 1;
    super(`${problem}: line ${line} column ${column} (char ${position})`);
    this.name = 'JsonSyntaxError';
    this.problem = problem;
    this.position = position;
    this.line = line;
    this.column = column;
  }
}
