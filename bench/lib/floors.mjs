// The floors: the least a store that keeps JSON files can do, written with the
// plainest calls. Same state (as plain JSON), same file system, same process.
import * as nodeFsPromises from 'node:fs/promises';

/**
 * Save and load of one JSON file in `dir` on `fs` (node:fs/promises or a memfs
 * volume's promises API): `JSON.stringify(state, null, 2)`, write a temp
 * file, rename it over the target; with `durable`, fsync the temp file before
 * the rename and the directory after, as a durable atomic write must.
 * Load: `readFile` + `JSON.parse`.
 */
export function fileFloor({ fs = nodeFsPromises, dir, durable = false }) {
  const target = `${dir}/floor.json`;
  const temp = `${dir}/.floor.json.tmp`;
  const sync = async (path, flags) => {
    const handle = await fs.open(path, flags);
    await handle.sync();
    await handle.close();
  };
  return {
    async save(plainState) {
      const text = JSON.stringify(plainState, null, 2);
      await fs.writeFile(temp, text);
      if (durable) await sync(temp, 'r+');
      await fs.rename(temp, target);
      if (durable) await sync(dir, 'r');
    },
    async load() {
      return JSON.parse(await fs.readFile(target, 'utf8'));
    },
  };
}

/** The listing floor: sequential async readdir + read + parse of every session file under `base`. */
export async function readAllSessions(base) {
  const dir = `${base}/sessions`;
  const out = [];
  for (const name of await nodeFsPromises.readdir(dir)) {
    if (name.startsWith('.') || !name.endsWith('.json')) continue;
    out.push(JSON.parse(await nodeFsPromises.readFile(`${dir}/${name}`, 'utf8')));
  }
  return out;
}
