// The browser half of the IndexedDB rows, bundled by suites/browser.mjs and
// run in Chromium: the same interleaved loop as in Node, inside the page.
import { createStore, get, set, setMany, values } from 'idb-keyval';
import { FileStorageBackend, StateManager } from 'waymark';
import { idbFs } from 'waymark/idb';
import { interleave, median } from '../lib/measure.mjs';
import { makeState, plainCopy } from '../lib/state.mjs';

/** Runs one size; resolves with { bytes, medians: { [case]: ms } }. */
async function runSize(size, rounds) {
  const state = makeState(size);
  const plain = plainCopy(state);
  // Each side gets its own database, so neither's store grows the other's.
  const floorStore = createStore(`floor-${size}`, 'keyval');
  const sm = new StateManager(new FileStorageBackend('/state', { fs: idbFs({ dbName: `waymark-${size}` }) }));
  await sm.saveSession('bench', state);
  await set('floor', JSON.stringify(plain, null, 2), floorStore);
  const fixed = await sm.createCheckpoint('bench', 'fixed');
  const made = [];
  const result = await interleave(
    [
      { id: 'floor:save', run: () => set('floor', JSON.stringify(plain, null, 2), floorStore) },
      { id: 'floor:load', run: async () => JSON.parse(await get('floor', floorStore)) },
      { id: 'floor:checkpoint', run: async () => set(`copy`, JSON.stringify(JSON.parse(await get('floor', floorStore)), null, 2), floorStore) },
      { id: 'waymark:save', run: () => sm.saveSession('bench', state) },
      { id: 'waymark:load', run: () => sm.loadSession('bench') },
      {
        id: 'waymark:checkpoint',
        run: async () => made.push(await sm.createCheckpoint('bench', 'bench')),
        afterRound: async () => {
          for (const id of made.splice(0)) await sm.deleteCheckpoint(id);
        },
      },
      { id: 'waymark:restore', run: () => sm.restoreCheckpoint(fixed) },
    ],
    // performance.now() is coarsened to 0.1 ms in pages that are not cross-origin isolated: time batches.
    { rounds, batch: true, roundMs: 60 },
  );
  const text = await (await import('waymark/idb')).idbFs({ dbName: `waymark-${size}` }).readFile('/state/sessions/session_bench.json', 'utf8');
  return { bytes: new TextEncoder().encode(text).length, medians: Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v.median])) };
}

/** How long after a write a listing trusts a file's time (summary-index.ts RACY_MS, 2 s), with a margin. */
const SETTLE_MS = 2_200;

/**
 * listSessions over `count` sessions of about 5 KB in IndexedDB: cold (a new
 * backend on the same database, which restores its saved index and checks
 * every file), warm (nothing changed) and right after one session was saved
 * (every file checked again, the saved one read). Floor: idb-keyval `values`
 * (one getAll) + `JSON.parse` of every session. Medians over `rounds`.
 */
async function runListing(count, rounds) {
  const state = makeState(5_000, 7);
  const json = JSON.stringify(plainCopy(state), null, 2);
  const floorStore = createStore(`floor-list-${count}`, 'keyval');
  await setMany(Array.from({ length: count }, (_, i) => [`s${i}`, json]), floorStore);
  const dbName = `waymark-list-${count}`;
  const open = () => new StateManager(new FileStorageBackend('/state', { fs: idbFs({ dbName }) }));
  const sm = open();
  for (let i = 0; i < count; i++) await sm.saveSession(`s${String(i).padStart(5, '0')}`, state);
  // Listed once the files have settled, so the saved index holds them all, as in an app that lists now and then.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  if ((await sm.listSessions()).length !== count) throw new Error('waymark listed the wrong number of sessions');

  const time = async (run) => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  const cases = {
    floor: async () => {
      for (const text of await values(floorStore)) JSON.parse(text);
    },
    cold: () => open().listSessions(),
    warm: () => sm.listSessions(),
  };
  const names = Object.keys(cases);
  const samples = Object.fromEntries([...names, 'afterSave'].map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length];
      samples[name].push(await time(cases[name]));
    }
  }
  // Last: a save leaves the directory unsettled for 2 s, which would make the warm calls above check every file.
  for (let round = 0; round < rounds; round++) {
    await sm.saveSession('s00000', state);
    samples.afterSave.push(await time(() => sm.listSessions()));
  }
  return { count, ...Object.fromEntries(Object.entries(samples).map(([name, times]) => [name, median(times)])) };
}

window.runListing = ({ count, rounds }) => runListing(count, rounds);

window.runBench = async ({ sizes, rounds }) => {
  const out = {};
  for (const size of sizes) out[size] = await runSize(size, rounds);
  return out;
};
window.benchReady = true;
