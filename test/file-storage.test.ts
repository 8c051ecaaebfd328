import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptStateError, FileStorageBackend, InvalidKeyError, StateManager, StorageError, type MinimalFs } from '../src/index.js';
import { dumpPythonIndent2, markPythonFloat } from '../src/pyjson/index.js';
import type { JsonObject } from '../src/types.js';
import { FILE_SYSTEMS, type Place } from './support/file-systems.js';
import { sampleState } from './support/states.js';
import { wrapWrites } from './support/wrap-writes.js';

describe.each(FILE_SYSTEMS)('FileStorageBackend on $name', ({ makePlace }) => {
  let place: Place;
  let backend: FileStorageBackend;

  beforeEach(async () => {
    place = await makePlace();
    backend = new FileStorageBackend(place.base, { fs: place.fs });
  });
  afterEach(() => place.cleanup());

  const names = async (dir: string) => (await place.fs.readdir(`${place.base}/${dir}`)).sort();

  it('maps keys to files as MARSYS does', async () => {
    await backend.save('session_a', { x: 1 });
    await backend.save('checkpoint_a_n_1', { y: 2 });
    await backend.save('other', { z: 3 });
    expect(await names('sessions')).toEqual(['other.json', 'session_a.json']);
    expect(await names('checkpoints')).toEqual(['checkpoint_a_n_1.json']);
    expect(backend.locate('checkpoint_a_n_1')).toBe(`${place.base}/checkpoints/checkpoint_a_n_1.json`);
  });

  it('writes what Python json.dump(indent=2) writes', async () => {
    await backend.save('k', { a: [1, 1.5, 1e-7], b: {}, c: [], d: 'é\u2028', e: null, f: true });
    expect(await place.fs.readFile(backend.locate('k'), 'utf8')).toBe(
      '{\n  "a": [\n    1,\n    1.5,\n    1e-07\n  ],\n  "b": {},\n  "c": [],\n  "d": "\\u00e9\\u2028",\n  "e": null,\n  "f": true\n}',
    );
  });

  it('stores pure ASCII bytes whatever the text, so writing them as Latin-1 is exact', async () => {
    // Latin-1-representable characters (é, ÿ, DEL) would be written as single bytes if one escaped badly.
    const text = 'é ÿ \u007f \u0080 ✓ 😀 \ud800 "quoted" \n';
    await backend.save('k', { text, [text]: [text] });
    const stored = await place.fs.readFile(backend.locate('k'), 'utf8');
    expect(stored).toMatch(/^[\x00-\x7e]*$/);
    expect(stored).toContain('"\\u00e9 \\u00ff \\u007f \\u0080 \\u2713 \\ud83d\\ude00 \\ud800 \\"quoted\\" \\n"');
    expect(await backend.load('k')).toEqual({ text, [text]: [text] });
  });

  it('writes a large document exactly, as bytes where the fs takes them and as text where it does not', async () => {
    const written: Array<{ type: string; bytes: number }> = [];
    const watched = wrapWrites(place.fs, (write) => async (path, data) => {
      written.push({ type: typeof data === 'string' ? 'text' : 'bytes', bytes: data.length });
      return write(path, data);
    });
    const large = new FileStorageBackend(place.base, { fs: watched });
    const doc = largeDocument();
    await large.save('large', doc);
    await large.save('small', { a: 'é' });
    expect((await place.fs.readFile(large.locate('large'), 'utf8')) === dumpPythonIndent2(doc)).toBe(true);
    expect(await large.load('large')).toEqual(doc);
    const [largeWrite, smallWrite] = written;
    expect(largeWrite!.bytes).toBeGreaterThan(200_000);
    expect(largeWrite!.type).toBe(place.fs.writesBytes ? 'bytes' : 'text');
    expect(smallWrite!.type).toBe('text');
  });

  it('loads what it saved, and undefined for a missing key', async () => {
    await backend.save('k', { a: { b: [1, 'two', null] } });
    expect(await backend.load('k')).toEqual({ a: { b: [1, 'two', null] } });
    expect(await backend.load('missing')).toBeUndefined();
  });

  it('answers exists and delete', async () => {
    await backend.save('k', {});
    expect(await backend.exists('k')).toBe(true);
    expect(await backend.delete('k')).toBe(true);
    expect(await backend.exists('k')).toBe(false);
    expect(await backend.delete('k')).toBe(false);
  });

  it('lists keys by literal prefix, sorted by code point', async () => {
    for (const key of ['session_b', 'session_a', 'session_a[b]', 'session_ab', 'session_😀', 'session_ｚ', 'checkpoint_a_x_1']) {
      await backend.save(key, {});
    }
    expect(await backend.listKeys()).toEqual([
      'checkpoint_a_x_1',
      'session_a',
      'session_a[b]',
      'session_ab',
      'session_b',
      'session_ｚ',
      'session_😀',
    ]);
    expect(await backend.listKeys('session_a[')).toEqual(['session_a[b]']);
    expect(await backend.listKeys('session_*')).toEqual([]);
  });

  it('orders writes and deletes of one key as they were called', async () => {
    const done = [backend.save('k', { v: 1 }), backend.delete('k'), backend.save('k', { v: 3 })];
    const loaded = backend.load('k');
    await Promise.all(done);
    expect(await loaded).toEqual({ v: 3 });
  });

  it('never lists temp files and sweeps stale ones at start', async () => {
    await backend.save('session_a', { v: 1 });
    await place.fs.writeFile(`${place.base}/sessions/.session_a.json.tmp-abc123`, '{"v": 2');
    expect(await backend.listKeys()).toEqual(['session_a']);
    const restarted = new FileStorageBackend(place.base, { fs: place.fs });
    expect(await restarted.listKeys()).toEqual(['session_a']);
    expect(await names('sessions')).toEqual(['session_a.json']);
    expect(await restarted.load('session_a')).toEqual({ v: 1 });
  });

  it('throws CorruptStateError naming the file for text that is not JSON', async () => {
    await backend.save('k', {});
    await place.fs.writeFile(backend.locate('k'), '{"a": ');
    await expect(backend.load('k')).rejects.toThrow(CorruptStateError);
    await expect(backend.load('k')).rejects.toThrow(backend.locate('k'));
  });

  it('refuses keys that would leave its directories', async () => {
    for (const key of ['../x', 'a/b', '.hidden', '', 'a\u0000']) {
      await expect(backend.save(key, {})).rejects.toThrow(InvalidKeyError);
      await expect(backend.load(key)).rejects.toThrow(InvalidKeyError);
    }
  });
});

/** About 300 KB of JSON with text to escape and Python floats: above the size from which a save is written as bytes. */
function largeDocument(): JsonObject {
  const messages = Array.from({ length: 1_500 }, (_, n) => ({ role: n % 2 ? 'assistant' : 'user', content: `step ${n}: naïve “draft” ✓ ${'text '.repeat(30)}`, score: n / 3 }));
  const doc: JsonObject = { temperature: 1, messages };
  markPythonFloat(doc, 'temperature');
  return doc;
}

/** Wraps an fs so that the next write (plain or synced) writes part of its data and then fails, as a full disk would. */
function failingMidWrite(fs: MinimalFs): MinimalFs & { armed: boolean } {
  const failing = wrapWrites(fs, (write) => async (path, data) => {
    if (!wrapper.armed) return write(path, data);
    wrapper.armed = false;
    await write(path, data.slice(0, Math.floor(data.length / 2)));
    throw Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC' });
  });
  // Its writes can tear: it must not claim the atomic writeFile the IndexedDB fs has.
  const wrapper = Object.assign(failing, { atomicWriteFile: false, armed: false });
  return wrapper;
}

/** Wraps an fs so that the first `sweeps` temp files written vanish before their rename, as another process's start-up sweep makes them. */
function sweptBeforeRename(fs: MinimalFs, sweeps: number): MinimalFs {
  let left = sweeps;
  const swept = wrapWrites(fs, (write) => async (path, data) => {
    await write(path, data);
    if (left > 0 && /\/\.[^/]*\.tmp-[0-9a-z]+$/.test(path)) {
      left--;
      await fs.unlink(path);
    }
  });
  return { ...swept, atomicWriteFile: false };
}

describe.each(FILE_SYSTEMS)('a temp file swept by another process on $name', ({ makePlace }) => {
  it('is written again until the save lands, leaving no temp file', async () => {
    const place = await makePlace();
    const manager = new StateManager(new FileStorageBackend(place.base, { fs: sweptBeforeRename(place.fs, 5) }));
    await manager.saveSession('s', sampleState(1));
    expect((await manager.loadSession('s'))!.metadata.step).toBe(1);
    expect(await place.fs.readdir(`${place.base}/sessions`)).toEqual(['session_s.json']);
    await place.cleanup();
  });
});

describe.each(FILE_SYSTEMS)('a write that fails half-way on $name', ({ makePlace }) => {
  // Large: written as bytes on a file system that takes them.
  it.each([
    ['small', () => ({})],
    ['large', () => ({ notes: largeDocument() })],
  ])('leaves the previous version loadable and no temp file behind (%s state)', async (_size, extra) => {
    const place = await makePlace();
    const fs = failingMidWrite(place.fs);
    const manager = new StateManager(new FileStorageBackend(place.base, { fs }));
    const stateAt = (step: number) => {
      const state = sampleState(step);
      return { ...state, metadata: { ...state.metadata, ...extra() } };
    };
    await manager.saveSession('s', stateAt(1));
    fs.armed = true;
    const error = await manager.saveSession('s', stateAt(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toMatch(/ENOSPC/);
    expect((await manager.loadSession('s'))!.metadata.step).toBe(1);
    expect(await place.fs.readdir(`${place.base}/sessions`)).toEqual(['session_s.json']);
    await place.cleanup();
  });
});
