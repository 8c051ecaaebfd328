// listSessions() over 100, 1,000 and 10,000 stored sessions of about 5 KB:
// cold (a fresh process per call) and warm (called again, nothing changed),
// against sequential async readdir + read + parse of every file.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PACKAGE, nodeFs, waymark } from '../lib/waymark.mjs';
import { interleave, median } from '../lib/measure.mjs';
import { readAllSessions } from '../lib/floors.mjs';
import { fillListingPeers } from '../lib/listing-peers.mjs';
import { makeState, plainCopy } from '../lib/state.mjs';

const { FileStorageBackend, StateManager } = waymark;
const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('../listing-child.mjs', import.meta.url));
export const COUNTS = [100, 1_000, 10_000];
const COLD = ['floor', 'waymark', 'sqlite', 'unstorage'];

async function cold(who, dir) {
  const env = { ...process.env, WAYMARK_BENCH_PACKAGE: PACKAGE };
  const { stdout } = await run(process.execPath, [CHILD, who, dir], { maxBuffer: 1 << 20, env });
  return JSON.parse(stdout);
}

/**
 * Rows of { count, cold: { floor, waymark, sqlite, unstorage }, warm: { floor, waymark } } in ms.
 * Cold figures are medians over `coldRounds` fresh processes per lister, interleaved.
 */
export async function runListing({ counts = COUNTS, coldRounds = 7, rounds = 15, log = () => {} }) {
  const state = makeState(5_000, 7);
  const rows = [];
  for (const count of counts) {
    const dir = mkdtempSync(join(tmpdir(), `waymark-bench-list-${count}-`));
    try {
      // Setup, untimed: waymark writes the sessions (not fsynced: only the listing is measured).
      const writer = new StateManager(new FileStorageBackend(dir, { fs: nodeFs({ durable: false }) }));
      for (let i = 0; i < count; i++) await writer.saveSession(`s${String(i).padStart(5, '0')}`, state);
      await fillListingPeers(dir, plainCopy(state), count);
      // A directory that was listed before (so its index exists), as in a service that lists now and then.
      await new StateManager(new FileStorageBackend(dir, { fs: nodeFs() })).listSessions();
      log(`listing ${count}: stored`);

      const coldTimes = Object.fromEntries(COLD.map((who) => [who, []]));
      for (let round = 0; round < coldRounds; round++) {
        for (let k = 0; k < COLD.length; k++) {
          const who = COLD[(k + round) % COLD.length];
          const result = await cold(who, dir);
          if (result.count !== count) throw new Error(`${who} listed ${result.count} sessions, not ${count}`);
          coldTimes[who].push(result.ms);
        }
      }

      // Warm: one process, each lister called once before timing starts.
      const sm = new StateManager(new FileStorageBackend(dir, { fs: nodeFs() }));
      if ((await sm.listSessions()).length !== count) throw new Error('waymark listed the wrong number of sessions');
      const warm = await interleave(
        [
          { id: 'floor', run: () => readAllSessions(dir) },
          { id: 'waymark', run: () => sm.listSessions() },
        ],
        { rounds, warmup: 2, roundMs: 50 },
      );
      rows.push({
        count,
        cold: Object.fromEntries(COLD.map((who) => [who, median(coldTimes[who])])),
        warm: { floor: warm.floor.median, waymark: warm.waymark.median },
      });
      log(`listing ${count}: measured`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
