// The peers, each driven through the same four logical operations as waymark:
// save the session's state, load it, copy it into a named checkpoint, read a
// checkpoint back. Each adapter states what its store promises.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

async function langgraph() {
  const { MemorySaver, emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
  const { SqliteSaver } = await import('@langchain/langgraph-checkpoint-sqlite');
  return { MemorySaver, SqliteSaver, emptyCheckpoint };
}

/**
 * A LangGraph checkpointer as a session store: the state is the one channel
 * value of a checkpoint of thread `sessionId`. A save replaces the thread's
 * current checkpoint (same checkpoint id, INSERT OR REPLACE); a checkpoint is
 * a put under a new id, a restore a getTuple of that id.
 */
function saverStore(saver, emptyCheckpoint, sessionId = 'bench') {
  const config = { configurable: { thread_id: sessionId, checkpoint_ns: '' } };
  let step = 0;
  const put = (state, id) => {
    const checkpoint = { ...emptyCheckpoint(), id, channel_values: { state }, channel_versions: { state: ++step } };
    return saver.put(config, checkpoint, { source: 'update', step, parents: {} }, { state: step });
  };
  const checkpoints = [];
  return {
    save: (state) => put(state, 'current'),
    load: async () => (await saver.getTuple({ configurable: { ...config.configurable, checkpoint_id: 'current' } })).checkpoint.channel_values.state,
    async checkpoint() {
      const tuple = await saver.getTuple({ configurable: { ...config.configurable, checkpoint_id: 'current' } });
      const id = `ckpt-${String(checkpoints.length).padStart(8, '0')}`;
      checkpoints.push(id);
      await put(tuple.checkpoint.channel_values.state, id);
      return id;
    },
    restore: async (id) => (await saver.getTuple({ configurable: { ...config.configurable, checkpoint_id: id } })).checkpoint.channel_values.state,
  };
}

export async function memorySaver() {
  const { MemorySaver, emptyCheckpoint } = await langgraph();
  return { name: 'LangGraph MemorySaver', note: 'in memory', store: saverStore(new MemorySaver(), emptyCheckpoint) };
}

/**
 * SqliteSaver on a database file in `dir`. As shipped it sets WAL, and
 * better-sqlite3 keeps SQLite's default synchronous=FULL: every commit fsyncs
 * the WAL, so a put that returned survives a power loss, like waymark's
 * durable save. With `synchronous: 'NORMAL'` the WAL is not fsynced per
 * commit: atomic, but the last commits can be lost on power loss, like
 * waymark's `durable: false`.
 */
export async function sqliteSaver(dir, { synchronous = 'FULL' } = {}) {
  const { SqliteSaver, emptyCheckpoint } = await langgraph();
  const Database = require('better-sqlite3');
  const db = new Database(join(dir, `langgraph-${synchronous}.db`));
  const saver = new SqliteSaver(db);
  saver.setup();
  db.pragma(`synchronous=${synchronous}`);
  const mode = db.pragma('synchronous', { simple: true });
  const note = synchronous === 'FULL' ? `WAL, synchronous=FULL (${mode}): fsync per commit` : `WAL, synchronous=NORMAL (${mode}): no fsync per commit`;
  return { name: `LangGraph SqliteSaver (${synchronous})`, note, store: saverStore(saver, emptyCheckpoint), close: () => db.close() };
}

/**
 * unstorage with a driver; values go through its own JSON stringify/parse.
 * A checkpoint is a getItem of the session and a setItem under a new key.
 */
function unstorageStore(storage) {
  let n = 0;
  return {
    save: (state) => storage.setItem('sessions:bench', state),
    load: () => storage.getItem('sessions:bench'),
    async checkpoint() {
      const id = `checkpoints:bench_${n++}`;
      await storage.setItem(id, await storage.getItem('sessions:bench'));
      return id;
    },
    restore: (id) => storage.getItem(id),
  };
}

export async function unstorageFs(dir) {
  const { createStorage } = await import('unstorage');
  const { default: fsDriver } = await import('unstorage/drivers/fs');
  const storage = createStorage({ driver: fsDriver({ base: join(dir, 'unstorage') }) });
  return {
    name: 'unstorage fs',
    note: 'writeFile in place: no temp file, no rename, no fsync (a crash mid-write leaves a torn file)',
    store: unstorageStore(storage),
    close: () => storage.dispose(),
  };
}

export async function unstorageMemory() {
  const { createStorage } = await import('unstorage');
  const { default: memoryDriver } = await import('unstorage/drivers/memory');
  return { name: 'unstorage memory', note: 'in memory', store: unstorageStore(createStorage({ driver: memoryDriver() })) };
}
