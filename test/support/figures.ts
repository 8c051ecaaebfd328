/**
 * The figures the proof tests produce (crash points checked, kills survived,
 * ...), for the README's "Guarantees, proven" table. Each is printed as
 *
 *     [waymark figure] crash points checked: 1234 (test/crash.consistency.test.ts)
 *
 * and appended as a JSON line to test/output/figures.jsonl, so a run leaves
 * the table's numbers in one place: `cat test/output/figures.jsonl`.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const OUTPUT = fileURLToPath(new URL('../output/', import.meta.url));

/** Larger counts for a longer local run: `WAYMARK_STRESS=1 npx vitest run ...`. */
export const STRESS = process.env.WAYMARK_STRESS === '1' || process.env.WAYMARK_STRESS === 'true';

/** `ci` normally, `stress` under WAYMARK_STRESS. */
export function scaled(ci: number, stress: number): number {
  return STRESS ? stress : ci;
}

export function recordFigure(name: string, value: number | string, testFile: string): void {
  const shown = typeof value === 'number' ? value.toLocaleString('en-US') : value;
  console.log(`[waymark figure] ${name}: ${shown} (${testFile})`);
  try {
    mkdirSync(OUTPUT, { recursive: true });
    appendFileSync(`${OUTPUT}figures.jsonl`, `${JSON.stringify({ name, value, test: testFile, stress: STRESS })}\n`);
  } catch {
    // The printed line is the record; the file is a convenience (the output dir may be read-only).
  }
}

/** A figure: its name in the table and its value. */
export type Figure = readonly [name: string, value: number | string];

/**
 * Records the figures `figures()` returns once the file's tests have run; none
 * when the first counts nothing (its tests did not run: a filtered run).
 */
export function recordFiguresAfterAll(testFile: string, figures: () => readonly Figure[]): void {
  afterAll(() => {
    const list = figures();
    if (list.length === 0 || list[0]![1] === 0) return;
    for (const [name, value] of list) recordFigure(name, value, testFile);
  });
}
