// The browser half of the IndexedDB rows, bundled by suites/browser.mjs and
// run in Chromium: the same interleaved loop as in Node, inside the page.
import { createStore, get, set } from 'idb-keyval';
import { FileStorageBackend, StateManager } from 'waymark';
import { idbFs } from 'waymark/idb';
import { interleave } from '../lib/measure.mjs';
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

window.runBench = async ({ sizes, rounds }) => {
  const out = {};
  for (const size of sizes) out[size] = await runSize(size, rounds);
  return out;
};
window.benchReady = true;
