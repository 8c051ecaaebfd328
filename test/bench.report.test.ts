/**
 * The benchmark's own machinery (bench/lib), which `npm test` does not run:
 * how it times (every case in every round, in rotating order; medians), how
 * it judges the targets, and that what is committed from it
 * (bench/results/latest.*, docs/bench-listing.svg, the README's headline) is
 * what that code makes of the committed results. No timings are asserted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript modules of the benchmark, without types
import { interleave, median } from '../bench/lib/measure.mjs';
// @ts-expect-error: plain JavaScript modules of the benchmark, without types
import { listingChart, markdown, verdicts } from '../bench/lib/report.mjs';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

interface Verdict {
  target: string;
  value: number;
  limit: number;
  met: boolean;
}

describe('median', () => {
  it('takes the middle value, or the mean of the middle two, without reordering its input', () => {
    const values = [5, 1, 4];
    expect(median(values)).toBe(4);
    expect(values).toEqual([5, 1, 4]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('interleave', () => {
  /** Cases that record the order they ran in; each awaits a turn, so a case that did not wait for the one before would show. */
  function recordingCases(ids: string[]) {
    const calls: string[] = [];
    const cleanups: string[] = [];
    const cases = ids.map((id) => ({
      id,
      run: async () => {
        calls.push(`${id}:start`);
        await new Promise((resolve) => setTimeout(resolve, 0));
        calls.push(`${id}:end`);
      },
      afterRound: () => {
        cleanups.push(id);
      },
    }));
    return { cases, calls, cleanups };
  }

  it('runs every case in every round, one at a time, in rotating order, and records only the rounds after the warm-up', async () => {
    const { cases, calls, cleanups } = recordingCases(['a', 'b', 'c']);
    const result = await interleave(cases, { rounds: 4, warmup: 1, maxReps: 1 });
    const order = calls.filter((call) => call.endsWith(':start')).map((call) => call[0]);
    expect(order.join('')).toBe('abc' + 'bca' + 'cab' + 'abc' + 'bca');
    // Each operation ends before the next starts.
    for (let i = 0; i < calls.length; i += 2) expect(calls[i + 1]).toBe(calls[i]!.replace('start', 'end'));
    expect(cleanups.join('')).toBe(order.join(''));
    for (const id of ['a', 'b', 'c']) {
      expect(result[id].samples).toBe(4);
      expect(result[id].median).toBeGreaterThanOrEqual(0);
    }
  });

  it('times each operation apart, or the mean of a turn with `batch`', async () => {
    const quick = () => [{ id: 'q', run: () => undefined }];
    // Operations far shorter than a round: the warm-up sizes turns to maxReps operations.
    expect((await interleave(quick(), { rounds: 3, warmup: 1, maxReps: 5 })).q.samples).toBe(15);
    expect((await interleave(quick(), { rounds: 3, warmup: 1, maxReps: 5, batch: true })).q.samples).toBe(3);
  });
});

describe('verdicts', () => {
  /** Results holding one row per target, each at `at` times its limit. */
  function resultsAt(at: number) {
    const storage = [];
    for (const size of [1_000, 100_000, 1_000_000]) {
      for (const store of ['node-durable', 'node']) {
        const saveLimit = store === 'node' ? 1.5 : 1.3;
        storage.push({ store, size, op: 'save', floor: 10, waymark: 10 * saveLimit * at, peers: [] });
        storage.push({ store, size, op: 'load', floor: 10, waymark: 10 * 1.5 * at, peers: [] });
      }
      // The memfs target is on the sum: a save far over 2× is made up for by a quick load.
      storage.push({ store: 'memfs', size, op: 'save', floor: 1, waymark: 3 * at, peers: [] });
      storage.push({ store: 'memfs', size, op: 'load', floor: 1, waymark: 1 * at, peers: [] });
    }
    const orchestraRow = (id: string, saveMode: string, ms: number) => ({ id, saveMode, agents: 'instant', ms });
    return {
      storage,
      listing: [{ count: 10_000, cold: { floor: 100, waymark: 15 * at }, warm: { floor: 100, waymark: 1 * at } }],
      orchestra: [
        orchestraRow('off', 'every-step', 10),
        orchestraRow('off-background', 'background', 20),
        orchestraRow('memfs', 'every-step', 20 * at),
        // Compared with the run without persistence in its own mode (20 ms), not the other (10 ms).
        orchestraRow('memfs-background', 'background', 40 * at),
      ],
      browser: { rows: [1_000, 100_000, 1_000_000].flatMap((size) => ['save', 'load', 'restore'].map((op) => ({ size, op, floor: 2, waymark: 3 * at }))) },
      size: [
        { label: 'StateManager only', budget: 6144, gzip: 6144 * at },
        { label: 'StateManager + Orchestra', budget: 12288, gzip: 12288 * at },
      ],
    };
  }

  it('judges each of the 23 targets of the issue besides the peers against its limit, the limit itself included', () => {
    const atLimit: Verdict[] = verdicts(resultsAt(1));
    expect(atLimit).toHaveLength(23);
    expect(atLimit.filter((v) => !v.met)).toEqual([]);
    const over: Verdict[] = verdicts(resultsAt(1.001));
    expect(over.filter((v) => v.met)).toEqual([]);
    expect(new Set(over.map((v) => v.limit))).toEqual(new Set([1.3, 1.5, 2, 0.15, 0.01, 1]));
  });

  it('judges each peer but one that promises less: waymark within 5% of its time on every row it was measured on', () => {
    const row = (storeLabel: string, op: string, waymark: number, peers: Array<{ name: string; ms: number }>) => ({
      store: storeLabel,
      storeLabel,
      size: 1_000,
      bytes: 1_300,
      op,
      floor: 10,
      waymark,
      peers,
    });
    const full = (ms: number) => [{ name: 'LangGraph SqliteSaver (FULL)', ms }];
    const storage = (durableSave: number) => [
      row('Node disk, durable', 'save', durableSave, full(20)),
      row('Node disk, durable', 'load', 5, full(20)),
      // unstorage's fs driver writes in place (no atomic write): faster, and not judged.
      row('Node disk, not durable', 'save', 10, [{ name: 'unstorage fs', ms: 1 }, { name: 'LangGraph SqliteSaver (NORMAL)', ms: 10 }]),
    ];
    // 21 ms against 20 is 1.05×: matched, the limit itself included.
    const matched: Array<Verdict & { detail: string }> = verdicts({ storage: storage(21) });
    expect(matched.map((v) => [v.target, v.met, v.detail])).toEqual([
      ['LangGraph SqliteSaver (FULL) beaten or matched (waymark ≤ 1.05× its time) on every Node disk, durable row', true, 'slowest: saveSession 1.3 KB; slower on 0 of 2 rows'],
      ['LangGraph SqliteSaver (NORMAL) beaten or matched (waymark ≤ 1.05× its time) on every Node disk, not durable row', true, 'slowest: saveSession 1.3 KB; slower on 0 of 1 row'],
    ]);
    const slower: Verdict[] = verdicts({ storage: storage(21.01) });
    expect(slower.map((v) => v.met)).toEqual([false, true]);
    expect(slower[0]!.value).toBeCloseTo(21.01 / 20);
  });

  it('leaves out targets whose rows were not measured (a --quick or --only run)', () => {
    const { storage, size } = resultsAt(1);
    const partial: Verdict[] = verdicts({ storage: storage.filter((r) => r.size !== 1_000_000), size });
    expect(partial.map((v) => v.target)).not.toContainEqual(expect.stringContaining('1 MB'));
    expect(partial).toHaveLength(4 + 2 + 2);
  });
});

describe('the committed results', () => {
  const latest = JSON.parse(read('bench/results/latest.json'));
  const targets: Verdict[] = latest.targets;

  it('are what the report code makes of them: latest.md, the targets, the listing chart', () => {
    expect(read('bench/results/latest.md')).toBe(`${markdown(latest.results, latest.meta)}\n`);
    expect(verdicts(latest.results)).toEqual(targets);
    expect(read('docs/bench-listing.svg')).toBe(`${listingChart(latest.results.listing)}\n`);
  });

  it('are the run the README reports: its date and how many targets it met', () => {
    const readme = read('README.md');
    const performance = readme.slice(readme.indexOf('## Performance'), readme.indexOf('## Development'));
    const met = targets.filter((t) => t.met).length;
    expect(performance).toContain(`${latest.meta.date}; ${met} of the ${targets.length} targets met`);
    // Every unmet target is in the README's list of them, by its measured ratio.
    const unmetList = performance.slice(performance.indexOf('**Targets not met**'));
    for (const target of targets.filter((t) => !t.met && !t.target.startsWith('bundle'))) {
      expect(unmetList, target.target).toContain(`${target.value.toFixed(target.value >= 10 ? 0 : 2)}×`);
    }
  });
});
