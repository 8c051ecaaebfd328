// Interleaved timing: every case of a group runs in every round, in a rotating
// order (A B C, B C A, C A B, ...), so that drift (page cache, disk writeback,
// CPU frequency, GC pressure) hits all cases alike; the figure is the median
// of the per-operation times over all rounds.
// Runs in Node and in the browser page alike: only the global `performance`.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs `cases` ({ id, run, afterRound? }) interleaved: `warmup` rounds that
 * are not recorded (they also size the repetitions: each case runs about
 * `roundMs` per round, at least once), then `rounds` recorded rounds.
 * `run()` may be async; each call is one timed operation.
 * `afterRound()` runs untimed after each of the case's turns (cleanup).
 * With `batch`, a turn yields one sample, the mean time of its operations.
 * Resolves with { [id]: { median, samples } } in milliseconds.
 */
export async function interleave(cases, { rounds = 15, warmup = 3, roundMs = 40, maxReps = 200, batch = false } = {}) {
  const reps = new Map(cases.map((c) => [c.id, 1]));
  const samples = new Map(cases.map((c) => [c.id, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + round) % cases.length];
      const times = [];
      const n = reps.get(c.id);
      if (batch) {
        // One sample per turn, the mean of its operations: for clocks too coarse to time one (browsers: 0.1 ms).
        const start = performance.now();
        for (let i = 0; i < n; i++) await c.run();
        times.push((performance.now() - start) / n);
      } else {
        for (let i = 0; i < n; i++) {
          const start = performance.now();
          await c.run();
          times.push(performance.now() - start);
        }
      }
      if (c.afterRound) await c.afterRound();
      if (round < warmup) {
        const per = median(times);
        reps.set(c.id, Math.max(1, Math.min(maxReps, Math.round(roundMs / Math.max(per, 0.001)))));
      } else {
        samples.get(c.id).push(...times);
      }
    }
  }
  const out = {};
  for (const [id, values] of samples) out[id] = { median: median(values), samples: values.length };
  return out;
}

/** `1.23`, `0.0456`, `123`: three significant digits, for tables. */
export function ms(value) {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  if (value >= 0.1) return value.toFixed(3);
  return value.toFixed(4);
}

export function ratio(value) {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value >= 10 ? `${value.toFixed(0)}×` : value >= 0.1 ? `${value.toFixed(2)}×` : `${value.toFixed(3)}×`;
}

export function bytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} KB`;
  return `${n} B`;
}
