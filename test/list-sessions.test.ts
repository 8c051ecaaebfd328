/**
 * listSessions() remembers what it read (summary-index.ts) and must never
 * show a stale row: after any change made through waymark, by this process
 * or another, and after files another tool rewrote in place, once their size
 * or mtime shows it.
 */
import { readdir as readdirOnDisk, stat as statOnDisk, utimes } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { idbFs } from '../adapters/idb.js';
import { memFs } from '../adapters/memfs.js';
import type { MinimalFs } from '../src/fs.js';
import { FileStorageBackend, StateManager, type SessionStateInput } from '../src/index.js';
import { dumpPythonIndent2, parsePythonJson } from '../src/pyjson/index.js';
import { RACY_MS } from '../src/summary-index.js';
import { FILE_SYSTEMS, type Place } from './support/file-systems.js';
import { sampleState } from './support/states.js';

/** A state whose metadata tag is `tag`: tags of one length give files of one size. */
const tagged = (tag: string): SessionStateInput => ({ ...sampleState(), metadata: { tag } });

/** Another process: its own backend, hence its own memory, on the same files. */
const processOn = (place: Place) => new StateManager(new FileStorageBackend(place.base, { fs: place.fs }));

const tags = async (manager: StateManager) => (await manager.listSessions()).map((s) => `${s.sessionId}=${String(s.metadata.tag)}`);

describe.each(FILE_SYSTEMS)('listSessions on $name', ({ name, makePlace }) => {
  let place: Place;
  beforeEach(async () => {
    place = await makePlace();
  });
  afterEach(() => place.cleanup());

  /** Makes the directory's time (and `files`') old enough to trust: on the disk by setting them, elsewhere by moving the clock on. */
  async function ageDirectory(files: string[] = []): Promise<void> {
    if (name === 'node') {
      const hourAgo = new Date(Date.now() - 3600_000);
      for (const path of [`${place.base}/sessions`, ...files]) await utimes(path, hourAgo, hourAgo);
    } else {
      vi.useFakeTimers({ toFake: ['Date'] });
      onTestFinished(() => void vi.useRealTimers());
      vi.advanceTimersByTime(RACY_MS + 1);
    }
  }

  it('never shows a stale row after another process saves, even within the same millisecond', async () => {
    // memfs and the IndexedDB fs take mtimes from Date: frozen, every save gets the same one. The disk's clock runs on.
    if (name !== 'node') vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const lister = processOn(place);
    const writer = processOn(place);
    // Two-letter tags: every save has the same size, so only the racy rule can tell versions saved within one mtime grain apart.
    const tag = (i: number) => `${String.fromCharCode(97 + (i % 26))}x`;
    await writer.saveSession('s', tagged(tag(0)));
    for (let i = 1; i <= 30; i++) {
      expect(await tags(lister)).toEqual([`s=${tag(i - 1)}`]);
      await writer.saveSession('s', tagged(tag(i)));
      expect(await tags(lister)).toEqual([`s=${tag(i)}`]);
    }
  });

  it('sees another process\'s changes when a warm listing trusts the directory\'s time', async () => {
    const lister = processOn(place);
    const writer = processOn(place);
    await writer.saveSession('a', tagged('1'));
    await ageDirectory();
    expect(await tags(lister)).toEqual(['a=1']);
    expect(await tags(lister)).toEqual(['a=1']); // warm: one stat of the directory
    await writer.saveSession('b', tagged('2'));
    expect(await tags(lister)).toEqual(['a=1', 'b=2']);
    await writer.saveSession('a', tagged('3'));
    expect(await tags(lister)).toEqual(['a=3', 'b=2']);
    await writer.deleteSession('b');
    expect(await tags(lister)).toEqual(['a=3']);
  });

  it('sees a session saved again while a warm listing trusts the directory\'s time', async () => {
    const lister = processOn(place);
    const writer = processOn(place);
    await writer.saveSession('a', tagged('1'));
    await ageDirectory([`${place.base}/sessions/session_a.json`]);
    expect(await tags(lister)).toEqual(['a=1']);
    expect(await tags(lister)).toEqual(['a=1']); // warm: one stat of the directory
    if (name !== 'node') vi.advanceTimersByTime(RACY_MS + 1);
    // The same session, the same size: only the directory's time can tell the listing.
    await writer.saveSession('a', tagged('2'));
    expect(await tags(lister)).toEqual(['a=2']);
  });

  it('shows sessions another process created and hides those it deleted', async () => {
    const lister = processOn(place);
    const writer = processOn(place);
    await writer.saveSession('a', tagged('1'));
    expect(await tags(lister)).toEqual(['a=1']);
    await writer.saveSession('b', tagged('2'));
    expect(await tags(lister)).toEqual(['a=1', 'b=2']);
    await writer.deleteSession('a');
    expect(await tags(lister)).toEqual(['b=2']);
    await writer.deleteSession('b');
    expect(await lister.listSessions()).toEqual([]);
  });

  it('notices a file another tool rewrote in place, as MARSYS does, on the next backend', async () => {
    const first = processOn(place);
    await first.saveSession('s', tagged('old'));
    expect(await tags(first)).toEqual(['s=old']);
    // MARSYS opens the file for writing and dumps into it: no temp file, no rename.
    const file = `${place.base}/sessions/session_s.json`;
    const doc = parsePythonJson(await place.fs.readFile(file, 'utf8')) as { metadata: object };
    doc.metadata = { tag: 'rewritten in place' };
    await place.fs.writeFile(file, dumpPythonIndent2(doc as never));
    expect(await tags(processOn(place))).toEqual(['s=rewritten in place']);
  });

  it('leaves out files that do not parse, and lists them again once repaired', async () => {
    const manager = processOn(place);
    await manager.saveSession('ok', tagged('1'));
    await place.fs.writeFile(`${place.base}/sessions/session_torn.json`, '{"session_id": "torn", "times');
    expect(await tags(manager)).toEqual(['ok=1']);
    expect(await tags(processOn(place))).toEqual(['ok=1']);
    await processOn(place).saveSession('torn', tagged('2'));
    expect(await tags(manager)).toEqual(['ok=1', 'torn=2']);
  });

  it('hands out copies: changing a row does not change the next listing', async () => {
    const manager = processOn(place);
    await manager.saveSession('s', { metadata: { nested: { n: 1 } } });
    const [row] = await manager.listSessions();
    (row!.metadata.nested as { n: number }).n = 2;
    row!.metadata.added = true;
    expect((await manager.listSessions())[0]!.metadata).toEqual({ nested: { n: 1 } });
  });

  it('gives rows whose metadata writes back as read: 1.0 stays a float, "__proto__" stays a key', async () => {
    const manager = processOn(place);
    const file = `${place.base}/sessions/session_s.json`;
    await manager.saveSession('s', {});
    // Metadata as MARSYS could have written it.
    const text = (await place.fs.readFile(file, 'utf8')).replace('"metadata": {}', '"metadata": {"ratio": 1.0, "__proto__": {"deep": [2.0]}}');
    await place.fs.writeFile(file, text);
    for (const lister of [manager, processOn(place), processOn(place)]) {
      const [row] = await lister.listSessions();
      expect(Object.getPrototypeOf(row!.metadata)).toBe(Object.prototype);
      expect(dumpPythonIndent2(row!.metadata)).toBe('{\n  "ratio": 1.0,\n  "__proto__": {\n    "deep": [\n      2.0\n    ]\n  }\n}');
    }
  });

  it('keeps its index out of sight: a dot-file at the base, not a key', async () => {
    const manager = processOn(place);
    await manager.saveSession('s', {});
    await manager.listSessions();
    const atBase = await place.fs.readdir(place.base);
    expect(atBase.filter((name) => name.startsWith('.'))).toEqual(['.waymark-index-sessions-1.json']);
    expect(await manager.storage.listKeys()).toEqual(['session_s']);
  });

  it('ignores a damaged index file', async () => {
    const manager = processOn(place);
    await manager.saveSession('s', tagged('1'));
    await manager.listSessions();
    await place.fs.writeFile(`${place.base}/.waymark-index-sessions-1.json`, '{"format": 1, "dirs": {"sessions": {"files": {"session_s.json": [1, 2');
    expect(await tags(processOn(place))).toEqual(['s=1']);
  });
});

/** memfs on a fake clock: the listing's own times and memfs's mtimes both come from Date. */
describe('listSessions, counting file reads (memfs)', () => {
  let fs: MinimalFs;
  let calls: { readFile: string[]; stat: string[] };

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_800_000_000_000 });
    const inner = memFs();
    calls = { readFile: [], stat: [] };
    fs = {
      ...inner,
      readFile: (path, encoding) => (calls.readFile.push(path), inner.readFile(path, encoding)),
      stat: (path) => (calls.stat.push(path), inner.stat(path)),
    };
  });
  afterEach(() => vi.useRealTimers());

  const manager = () => new StateManager(new FileStorageBackend('/state', { fs }));
  const reset = () => {
    calls.readFile.length = 0;
    calls.stat.length = 0;
  };

  it('answers a warm call with one stat of the directory, reading nothing', async () => {
    const sm = manager();
    for (const id of ['a', 'b', 'c']) await sm.saveSession(id, tagged(id));
    await sm.listSessions();
    vi.advanceTimersByTime(RACY_MS + 1);
    await sm.listSessions(); // checks once more: the first check came too soon after the saves to trust their times
    reset();
    expect((await sm.listSessions()).map((s) => s.sessionId)).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual({ readFile: [], stat: ['/state/sessions'] });
  });

  it('reads, in a new process, only the files that changed since the index was written', async () => {
    const sm = manager();
    for (const id of ['a', 'b', 'c']) await sm.saveSession(id, tagged(id));
    vi.advanceTimersByTime(RACY_MS + 1);
    await sm.listSessions();
    await sm.saveSession('b', tagged('B'));
    vi.advanceTimersByTime(RACY_MS + 1);
    reset();
    expect(await tags(manager())).toEqual(['a=a', 'b=B', 'c=c']);
    expect(calls.readFile).toEqual(['/state/.waymark-index-sessions-1.json', '/state/sessions/session_b.json']);
  });

  it('reads a file again when its mtime was too recent to trust, however equal it looks', async () => {
    const sm = manager();
    await sm.saveSession('s', tagged('1'));
    await sm.listSessions();
    // Same size, and with time frozen the same mtime: only the racy rule tells the two apart.
    await processOn({ fs, base: '/state' } as Place).saveSession('s', tagged('2'));
    expect(await tags(sm)).toEqual(['s=2']);
  });
});

/** The IndexedDB fs knows which files it wrote since a listing checked them (changesSince): the others are not checked again. */
describe('listSessions, counting file reads (IndexedDB)', () => {
  let databases = 0;
  let dbName: string;
  let calls: { readFile: string[]; statMany: string[]; writeFile: string[] };

  /** A process's fs on the shared database, its reads, stats and writes recorded. */
  function recordedFs(): MinimalFs {
    const inner = idbFs({ dbName });
    return {
      ...inner,
      readFile: (path, encoding) => (calls.readFile.push(path), inner.readFile(path, encoding)),
      statMany: (paths) => (calls.statMany.push(...paths), inner.statMany!(paths)),
      writeFile: (path, data, encoding) => (calls.writeFile.push(path), inner.writeFile(path, data, encoding)),
    };
  }
  const INDEX = '/state/.waymark-index-sessions-1.json';
  const indexWritten = () => calls.writeFile.some((path) => path.startsWith('/state/..waymark-index-sessions-1.json.tmp-'));
  const manager = (fs: MinimalFs) => new StateManager(new FileStorageBackend('/state', { fs }));
  const file = (id: string) => `/state/sessions/session_${id}.json`;
  const reset = () => {
    calls.readFile.length = 0;
    calls.statMany.length = 0;
    calls.writeFile.length = 0;
  };

  beforeEach(() => {
    dbName = `list-sessions-idb-${++databases}`;
    calls = { readFile: [], statMany: [], writeFile: [] };
  });

  it('after its own saves, reads only the files it saved, and stats no other', async () => {
    const sm = manager(recordedFs());
    for (const id of ['a', 'b', 'c', 'd', 'e']) await sm.saveSession(id, tagged(id));
    await sm.listSessions();
    await sm.saveSession('b', tagged('B'));
    await sm.saveSession('d', tagged('D'));
    await sm.saveSession('b', tagged('X'));
    reset();
    expect(await tags(sm)).toEqual(['a=a', 'b=X', 'c=c', 'd=D', 'e=e']);
    expect(calls.readFile.sort()).toEqual([file('b'), file('d')]);
    expect(calls.statMany.sort()).toEqual([file('b'), file('d')]);
    // The index file is a hint for new processes, which check every file anyway: not rewritten for two files.
    expect(indexWritten()).toBe(false);
    reset();
    expect(await tags(sm)).toEqual(['a=a', 'b=X', 'c=c', 'd=D', 'e=e']);
    expect(calls).toEqual({ readFile: [], statMany: [], writeFile: [] });
    // A new session takes its place in the order.
    await sm.saveSession('c0', tagged('new'));
    reset();
    expect(await tags(sm)).toEqual(['a=a', 'b=X', 'c=c', 'c0=new', 'd=D', 'e=e']);
    expect(calls.readFile).toEqual([file('c0')]);
  });

  it('writes the index file again once more than 64 files were read again, so a new process reads none', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_800_000_000_000 });
    onTestFinished(() => void vi.useRealTimers());
    const sm = manager(recordedFs());
    const ids = Array.from({ length: 65 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    await sm.saveSession('a', tagged('a'));
    vi.advanceTimersByTime(RACY_MS + 1);
    await sm.listSessions();
    for (const id of ids) await sm.saveSession(id, tagged(id));
    // Checked 2 s after they were written: their times can be trusted by the next process.
    vi.advanceTimersByTime(RACY_MS + 1);
    reset();
    await sm.listSessions();
    expect(calls.readFile).toHaveLength(65);
    expect(indexWritten()).toBe(true);
    reset();
    expect(await tags(manager(recordedFs()))).toEqual(['a=a', ...ids.map((id) => `${id}=${id}`)]);
    expect(calls.readFile).toEqual([INDEX]);
  });

  const changes = [
    ['another connection saved', (other: StateManager) => other.saveSession('c', tagged('C'))],
    ['another connection deleted', (other: StateManager) => other.deleteSession('c')],
    ['this connection deleted', (_: StateManager, own: StateManager) => own.deleteSession('c')],
  ] as const;
  it.each(changes.flatMap(([what, change]) => [
    [what, 'between its saves', change, true],
    [what, 'after its saves', change, false],
  ]))('checks every file once %s %s, even in the same millisecond as they were', async (_, __, change, saveAfter) => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_800_000_000_000 });
    onTestFinished(() => void vi.useRealTimers());
    const sm = manager(recordedFs());
    const other = manager(idbFs({ dbName }));
    for (const id of ['a', 'b', 'c']) await sm.saveSession(id, tagged(id));
    await sm.listSessions();
    await sm.saveSession('a', tagged('A'));
    await change(other, sm);
    if (saveAfter) await sm.saveSession('b', tagged('B'));
    reset();
    const listed = await tags(sm);
    // What a new process, which checks every file, lists.
    expect(listed).toEqual(await tags(manager(idbFs({ dbName }))));
    expect(calls.statMany.sort()).toEqual(listed.map((row) => file(row.slice(0, row.indexOf('=')))));
  });
});

describe('listSessions on the disk: what size and mtime can and cannot show', () => {
  it('notices an in-place rewrite of the same size by its mtime, and misses one that puts the old mtime back', async () => {
    const place = await FILE_SYSTEMS.find((k) => k.name === 'node')!.makePlace();
    onTestFinished(() => place.cleanup());
    const sm = processOn(place);
    await sm.saveSession('s', tagged('aa'));
    const file = `${place.base}/sessions/session_s.json`;
    const old = new Date(Date.now() - 3600_000);
    // Files and directory an hour old: their times are trusted from here on.
    await utimes(file, old, old);
    await utimes(`${place.base}/sessions`, old, old);
    expect(await tags(processOn(place))).toEqual(['s=aa']);

    const rewrite = async (tag: string) => {
      const doc = parsePythonJson(await place.fs.readFile(file, 'utf8')) as { metadata: object };
      doc.metadata = { tag };
      await place.fs.writeFile(file, dumpPythonIndent2(doc as never));
    };
    await rewrite('bb'); // same size, new mtime
    expect((await statOnDisk(file)).mtimeMs).not.toBe(old.getTime());
    expect(await tags(processOn(place))).toEqual(['s=bb']);

    // A tool that rewrites a file with the same size and then puts its old mtime back defeats size and mtime: documented, not detected.
    await utimes(file, old, old);
    await processOn(place).listSessions(); // the index now trusts this (size, mtime)
    await rewrite('cc');
    await utimes(file, old, old);
    expect(await tags(processOn(place))).toEqual(['s=bb']);
    expect(await readdirOnDisk(`${place.base}/sessions`)).toEqual(['session_s.json']);
  });
});
