// The peers' way of listing every stored session with its data: LangGraph's
// SqliteSaver.list over all threads, unstorage's getKeys + getItem of each.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const SQLITE_FILE = 'langgraph-listing.db';

/** Stores `count` sessions of `state` in each peer under `dir` (setup, untimed). */
export async function fillListingPeers(dir, state, count) {
  const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
  const { emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
  const Database = require('better-sqlite3');
  const db = new Database(join(dir, SQLITE_FILE));
  const saver = new SqliteSaver(db);
  saver.setup();
  db.pragma('synchronous=OFF'); // setup only: the listing is what is timed
  for (let i = 0; i < count; i++) {
    const checkpoint = { ...emptyCheckpoint(), id: 'current', channel_values: { state }, channel_versions: { state: 1 } };
    await saver.put({ configurable: { thread_id: `s${i}`, checkpoint_ns: '' } }, checkpoint, { source: 'update', step: 1, parents: {} }, {});
  }
  db.close();

  const { createStorage } = await import('unstorage');
  const { default: fsDriver } = await import('unstorage/drivers/fs');
  const storage = createStorage({ driver: fsDriver({ base: join(dir, 'unstorage') }) });
  for (let i = 0; i < count; i++) await storage.setItem(`sessions:s${i}`, state);
  await storage.dispose();
}

export async function openSqliteListing(dir) {
  const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
  const Database = require('better-sqlite3');
  const saver = new SqliteSaver(new Database(join(dir, SQLITE_FILE)));
  return async () => {
    let count = 0;
    for await (const tuple of saver.list({ configurable: {} })) if (tuple.checkpoint) count++;
    return count;
  };
}

export async function openUnstorageListing(dir) {
  const { createStorage } = await import('unstorage');
  const { default: fsDriver } = await import('unstorage/drivers/fs');
  const storage = createStorage({ driver: fsDriver({ base: join(dir, 'unstorage') }) });
  return async () => {
    let count = 0;
    for (const key of await storage.getKeys('sessions')) if (await storage.getItem(key)) count++;
    return count;
  };
}
