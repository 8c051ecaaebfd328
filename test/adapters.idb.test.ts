/**
 * What the IndexedDB fs promises beyond the MinimalFs contract: its storage
 * layout, one query per listing, one transaction per rename, path handling.
 */
import 'fake-indexeddb/auto';
import { createStore, get, keys } from 'idb-keyval';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { idbFs } from '../adapters/idb.js';

// A database per test keeps tests apart; fake-indexeddb keeps them in memory.
let databases = 0;
function freshDb() {
  const dbName = `adapters-idb-${++databases}`;
  return { dbName, fs: idbFs({ dbName }), raw: createStore(dbName, 'files') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('idbFs storage layout', () => {
  it('stores files and directories under absolute paths, as DESIGN.md describes', async () => {
    const { fs, raw } = freshDb();
    const before = Date.now();
    await fs.mkdir('/state/sessions', { recursive: true });
    await fs.writeFile('/state/sessions/session_a.json', '{}');

    expect((await keys(raw)).sort()).toEqual(['/state', '/state/sessions', '/state/sessions/session_a.json']);
    expect(await get('/state/sessions/session_a.json', raw)).toEqual({
      kind: 'file',
      data: '{}',
      mtimeMs: expect.any(Number),
    });
    const dir = await get<{ kind: string; mtimeMs: number }>('/state', raw);
    expect(dir).toEqual({ kind: 'dir', mtimeMs: expect.any(Number) });
    expect(dir?.mtimeMs).toBeGreaterThanOrEqual(before);
  });

  it("uses the database 'waymark' and the store 'files' by default", async () => {
    const fs = idbFs();
    await fs.writeFile('/default.json', 'x');
    expect(await get('/default.json', createStore('waymark', 'files'))).toMatchObject({ data: 'x' });
  });

  it('keeps files across instances on the same database, and apart between databases', async () => {
    const { dbName, fs } = freshDb();
    await fs.writeFile('/kept.json', 'kept');
    expect(await idbFs({ dbName }).readFile('/kept.json', 'utf8')).toBe('kept');
    expect(await freshDb().fs.readdir('/')).toEqual([]);
  });

  it('has no open: there is nothing to fsync', () => {
    expect('open' in freshDb().fs).toBe(false);
  });
});

describe('idbFs root', () => {
  it('always exists as an empty directory, without being stored', async () => {
    const { fs, raw } = freshDb();
    expect((await fs.stat('/')).isDirectory()).toBe(true);
    expect(await fs.readdir('/')).toEqual([]);
    await fs.mkdir('/', { recursive: true });
    expect(await keys(raw)).toEqual([]);
  });

  it('refuses file operations with EISDIR', async () => {
    const { fs } = freshDb();
    await expect(fs.writeFile('/', 'x')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(fs.readFile('/', 'utf8')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(fs.unlink('/')).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('idbFs paths', () => {
  it('normalises repeated slashes, . and .., and resolves relative paths against /', async () => {
    const { fs, raw } = freshDb();
    await fs.mkdir('state//sessions/./', { recursive: true });
    await fs.writeFile('/state/sessions/../sessions//a.json', 'a');
    await fs.writeFile('state/./sessions/b.json', 'b');

    expect((await keys(raw)).sort()).toEqual([
      '/state',
      '/state/sessions',
      '/state/sessions/a.json',
      '/state/sessions/b.json',
    ]);
    expect(await fs.readFile('/../../state/sessions/a.json', 'utf8')).toBe('a');
    expect((await fs.readdir('//state/sessions/')).sort()).toEqual(['a.json', 'b.json']);
  });

  it('resolves .. on the text of the path, even through a directory that does not exist', async () => {
    const { fs } = freshDb();
    await fs.mkdir('/a', { recursive: true });
    await fs.writeFile('/a/gone/../b', 'b');
    expect(await fs.readFile('/a/b', 'utf8')).toBe('b');
  });

  it('stores names like __proto__ as ordinary keys, for directories too', async () => {
    const { fs, raw } = freshDb();
    await fs.mkdir('/__proto__/constructor', { recursive: true });
    await fs.writeFile('/__proto__/constructor/toString', 'x');
    await fs.writeFile('/__proto__/hasOwnProperty', 'y');

    expect((await fs.readdir('/__proto__')).sort()).toEqual(['constructor', 'hasOwnProperty']);
    expect(await fs.readFile('/__proto__/constructor/toString', 'utf8')).toBe('x');
    expect(await keys(raw)).toContain('/__proto__/hasOwnProperty');
  });
});

describe('idbFs errors', () => {
  it("look like Node's: code, syscall, path and Node's message", async () => {
    const { fs } = freshDb();
    const error = await fs.readFile('x//missing.json', 'utf8').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      code: 'ENOENT',
      syscall: 'open',
      path: '/x/missing.json',
      message: "ENOENT: no such file or directory, open '/x/missing.json'",
    });
  });

  it("name both paths of a rename, as Node's do", async () => {
    const { fs } = freshDb();
    await expect(fs.rename('/from', '/to')).rejects.toMatchObject({
      code: 'ENOENT',
      syscall: 'rename',
      path: '/from',
      dest: '/to',
      message: "ENOENT: no such file or directory, rename '/from' -> '/to'",
    });
  });

  it('refuse to rename a directory with EPERM, moving nothing', async () => {
    const { fs, raw } = freshDb();
    await fs.mkdir('/dir/sub', { recursive: true });
    await expect(fs.rename('/dir', '/moved')).rejects.toMatchObject({ code: 'EPERM' });
    expect((await keys(raw)).sort()).toEqual(['/dir', '/dir/sub']);
  });
});

describe('idbFs readdir', () => {
  it('lists 1,000 files, and none of the entries deeper down or beside the directory', async () => {
    const { fs } = freshDb();
    await fs.mkdir('/dir/sub', { recursive: true });
    await fs.mkdir('/dir0', { recursive: true });
    const names = Array.from({ length: 1000 }, (_, i) => `file-${String(i).padStart(4, '0')}.json`);
    await Promise.all(names.map((name) => fs.writeFile(`/dir/${name}`, name)));
    await fs.writeFile('/dir/sub/deeper.json', 'x');
    await fs.writeFile('/dir0/beside.json', 'x');
    await fs.writeFile('/dir.json', 'x');

    expect((await fs.readdir('/dir')).sort()).toEqual([...names, 'sub'].sort());
  });

  it('lists names of any code units, up to U+FFFF and astral ones', async () => {
    const { fs } = freshDb();
    await fs.mkdir('/dir', { recursive: true });
    const names = ['\uffff', '\uffff\uffff.json', '🧭', 'é', ' '];
    for (const name of names) await fs.writeFile(`/dir/${name}`, name);
    expect((await fs.readdir('/dir')).sort()).toEqual([...names].sort());
  });

  it('reads the listing with one key-range query over the directory', async () => {
    const { fs } = freshDb();
    await fs.mkdir('/state/sessions', { recursive: true });
    for (let i = 0; i < 50; i++) await fs.writeFile(`/state/sessions/s${i}.json`, '{}');

    const store = IDBObjectStore.prototype;
    const getAllKeys = vi.spyOn(store, 'getAllKeys');
    const otherQueries = [
      vi.spyOn(store, 'getAll'),
      vi.spyOn(store, 'openCursor'),
      vi.spyOn(store, 'openKeyCursor'),
      vi.spyOn(store, 'count'),
    ];
    const get = vi.spyOn(store, 'get');

    expect(await fs.readdir('/state/sessions')).toHaveLength(50);
    expect(getAllKeys).toHaveBeenCalledTimes(1);
    const range = getAllKeys.mock.calls[0]?.[0];
    expect(range).toBeInstanceOf(IDBKeyRange);
    expect(range).toMatchObject({ lower: '/state/sessions/', lowerOpen: false });
    for (const query of otherQueries) expect(query).not.toHaveBeenCalled();
    // Besides the range, only the directory and its ancestors are looked up, one key each.
    expect(get.mock.calls.map(([key]) => key)).toEqual(['/', '/state', '/state/sessions']);
  });
});

describe('idbFs writeFile', () => {
  /** The stored time of directory `path`. */
  const dirTime = async (raw: ReturnType<typeof createStore>, path: string) => (await get<{ mtimeMs: number }>(path, raw))?.mtimeMs;

  it('rewrites a file it wrote in one transaction that reads only the parent, never the old content', async () => {
    const { fs } = freshDb();
    await fs.mkdir('/state/sessions', { recursive: true });
    await fs.writeFile('/state/sessions/a.json', 'x'.repeat(100_000));
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    const read = vi.spyOn(IDBObjectStore.prototype, 'get');

    await fs.writeFile('/state/sessions/a.json', 'new');

    expect(transaction).toHaveBeenCalledTimes(1);
    expect(read.mock.calls.map(([key]) => key)).toEqual(['/state/sessions']);
    expect(await fs.readFile('/state/sessions/a.json', 'utf8')).toBe('new');
  });

  it('gives the directory a later time on every change, even when the clock stands still or goes back', async () => {
    const { fs, raw } = freshDb();
    await fs.mkdir('/d', { recursive: true });
    const times = [await dirTime(raw, '/d')];
    let clock = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    const changes = [
      () => fs.writeFile('/d/a', '1'),
      () => fs.writeFile('/d/a', '2'),
      () => fs.writeFile('/d/a', '3'),
      () => fs.writeFile('/d/b', '1'),
      () => fs.rename('/d/b', '/d/c'),
      () => fs.unlink('/d/c'),
      () => fs.mkdir('/d/e', { recursive: true }),
      () => fs.writeFile('/d/a', '4'),
    ];
    for (const [i, change] of changes.entries()) {
      if (i === 4) clock -= 60_000;
      await change();
      times.push(await dirTime(raw, '/d'));
    }
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
  });

  it('runs ahead of a clock that stands still by no more than a microsecond per change', async () => {
    const { fs, raw } = freshDb();
    await fs.mkdir('/d', { recursive: true });
    const clock = Date.now() + 1_000;
    vi.spyOn(Date, 'now').mockReturnValue(clock);
    for (let i = 0; i < 100; i++) await fs.writeFile('/d/a', String(i));
    const time = (await dirTime(raw, '/d'))!;
    expect(time).toBeGreaterThan(clock);
    expect(time - clock).toBeLessThan(100 * 0.002);
  });

  it.each([
    ['at once', false],
    ['after writing another file there', true],
  ])('sees a file it wrote replaced by a directory through another connection in the same millisecond (%s): EISDIR', async (_, writeAnother) => {
    const { dbName, fs, raw } = freshDb();
    const other = idbFs({ dbName });
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    await fs.mkdir('/d', { recursive: true });
    await fs.writeFile('/d/f', 'file');
    await other.unlink('/d/f');
    await other.mkdir('/d/f', { recursive: true });
    await other.writeFile('/d/f/kept', 'kept');
    if (writeAnother) await fs.writeFile('/d/g', 'g');

    await expect(fs.writeFile('/d/f', 'again')).rejects.toMatchObject({ code: 'EISDIR' });
    expect(await get('/d/f', raw)).toMatchObject({ kind: 'dir' });
    expect(await fs.readFile('/d/f/kept', 'utf8')).toBe('kept');
  });

  it('reads the file again after another connection changed its directory, then goes back to reading only the parent', async () => {
    const { dbName, fs } = freshDb();
    const other = idbFs({ dbName });
    await fs.mkdir('/d', { recursive: true });
    await fs.writeFile('/d/a', '1');
    await other.writeFile('/d/b', '1');
    const read = vi.spyOn(IDBObjectStore.prototype, 'get');

    await fs.writeFile('/d/a', '2');
    expect(read.mock.calls.map(([key]) => key)).toContain('/d/a');
    read.mockClear();
    await fs.writeFile('/d/a', '3');
    expect(read.mock.calls.map(([key]) => key)).toEqual(['/d']);
    expect(await other.readFile('/d/a', 'utf8')).toBe('3');
  });

  it('commits as soon as its requests are made, without waiting for the browser to notice; and commits alone where commit() is missing', async () => {
    const { fs } = freshDb();
    await fs.mkdir('/d', { recursive: true });
    const commit = vi.spyOn(IDBTransaction.prototype, 'commit');
    await fs.writeFile('/d/a', 'first');
    await fs.writeFile('/d/a', 'second');
    expect(commit).toHaveBeenCalledTimes(2);
    vi.restoreAllMocks();

    // Safari before 15 has no commit(): transactions commit once no request is left.
    const { commit: original } = IDBTransaction.prototype;
    Reflect.deleteProperty(IDBTransaction.prototype, 'commit');
    try {
      await fs.writeFile('/d/a', 'third');
      expect(await fs.readFile('/d/a', 'utf8')).toBe('third');
    } finally {
      IDBTransaction.prototype.commit = original;
    }
  });

  it('writes after a rewrite that failed to commit, whole', async () => {
    const { fs } = freshDb();
    await fs.mkdir('/d', { recursive: true });
    await fs.writeFile('/d/a', 'old');
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(() => {
      throw quota;
    });

    await expect(fs.writeFile('/d/a', 'lost')).rejects.toBe(quota);
    put.mockRestore();
    expect(await fs.readFile('/d/a', 'utf8')).toBe('old');
    await fs.writeFile('/d/a', 'new');
    expect(await fs.readFile('/d/a', 'utf8')).toBe('new');
  });
});

describe('idbFs statMany', () => {
  it('stats the files of a directory in a few readonly transactions, not one per file, in order', async () => {
    const { fs } = freshDb();
    await fs.mkdir('/state/sessions', { recursive: true });
    const paths = Array.from({ length: 150 }, (_, i) => `/state/sessions/s${i}.json`);
    for (const [i, path] of paths.entries()) await fs.writeFile(path, 'x'.repeat(i));
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');

    const stats = await fs.statMany!(paths);

    expect(stats.map((entry) => entry?.size)).toEqual(paths.map((_, i) => i));
    // Batched: a file's time comes with its content, so a directory of large files is not read all at once.
    expect(transaction.mock.calls.length).toBeGreaterThan(1);
    expect(transaction.mock.calls.length).toBeLessThanOrEqual(150 / 32);
    for (const call of transaction.mock.calls) expect(call[1]).toBe('readonly');
  });

  it('gives sizes in UTF-8 bytes, as TextEncoder counts them, lone surrogates included', async () => {
    const { fs } = freshDb();
    const texts = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 300, seed: 6 });
    texts.push('', 'ascii only', 'é', '€', '😀', '\ud800', '\udc00x', 'a\ud83d', '\ud83d\ud83d\ude00');
    const paths = texts.map((_, i) => `/t${i}`);
    for (const [i, text] of texts.entries()) await fs.writeFile(paths[i]!, text);

    const stats = await fs.statMany!(paths);

    expect(stats.map((entry) => entry?.size)).toEqual(texts.map((text) => new TextEncoder().encode(text).byteLength));
  });
});

describe('idbFs rename', () => {
  it('is one readwrite transaction', async () => {
    const { fs } = freshDb();
    await fs.writeFile('/from', 'new');
    await fs.writeFile('/to', 'old');
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');

    await fs.rename('/from', '/to');

    expect(transaction).toHaveBeenCalledTimes(1);
    expect(transaction.mock.calls[0]?.[1]).toBe('readwrite');
    expect(await fs.readFile('/to', 'utf8')).toBe('new');
  });

  it('keeps the file mtime, as Node does', async () => {
    const { fs } = freshDb();
    await fs.writeFile('/from', 'x');
    const { mtimeMs } = await fs.stat('/from');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await fs.rename('/from', '/to');
    expect((await fs.stat('/to')).mtimeMs).toBe(mtimeMs);
  });

  it('changes nothing when writing the target fails', async () => {
    const { fs } = freshDb();
    await fs.writeFile('/from', 'new');
    await fs.writeFile('/to', 'old');
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw quota;
    });

    await expect(fs.rename('/from', '/to')).rejects.toBe(quota);
    vi.restoreAllMocks();
    expect(await fs.readFile('/from', 'utf8')).toBe('new');
    expect(await fs.readFile('/to', 'utf8')).toBe('old');
  });

  it('rolls back the written target when removing the source fails', async () => {
    const { fs } = freshDb();
    await fs.writeFile('/from', 'new');
    await fs.writeFile('/to', 'old');
    const failure = new DOMException('The disk failed.', 'UnknownError');
    vi.spyOn(IDBObjectStore.prototype, 'delete').mockImplementation(() => {
      throw failure;
    });

    await expect(fs.rename('/from', '/to')).rejects.toBe(failure);
    vi.restoreAllMocks();
    expect(await fs.readFile('/from', 'utf8')).toBe('new');
    expect(await fs.readFile('/to', 'utf8')).toBe('old');
  });

  it('rolls back, and rejects, when the commit fails after every write was made', async () => {
    const { fs } = freshDb();
    await fs.writeFile('/from', 'new');
    await fs.writeFile('/to', 'old');
    // As a commit that fails does (the disk full, say): the put and the delete were both made, then it aborts.
    const commit = vi.spyOn(IDBTransaction.prototype, 'commit').mockImplementation(function (this: IDBTransaction) {
      this.abort();
    });

    await expect(fs.rename('/from', '/to')).rejects.toMatchObject({ name: 'AbortError' });
    expect(commit).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
    expect(await fs.readFile('/from', 'utf8')).toBe('new');
    expect(await fs.readFile('/to', 'utf8')).toBe('old');
  });
});
