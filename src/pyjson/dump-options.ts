/** Options of the Python-compatible encoders. */
export interface DumpOptions {
  /**
   * Write `NaN`, `Infinity` and `-Infinity` bare, as Python does by default
   * (`allow_nan=True`). That is not RFC 8259 JSON: `JSON.parse` rejects it.
   * Only for reproducing bytes of files that already contain them (their
   * checksum, their re-dump); never for writing new state.
   * @default false (they are refused with a `NonJsonValueError`)
   */
  allowNonFinite?: boolean;
}
