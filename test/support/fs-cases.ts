/**
 * The `MinimalFs` contract as tests: every fs waymark runs on must pass them,
 * Node's own `node:fs/promises` included, so they state what Node does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MinimalFs, MinimalStats } from '../../src/fs.js';

/** A fresh, empty directory `root` on `fs`, and how to throw it away. */
export interface FsFixture {
  fs: MinimalFs;
  root: string;
  cleanup(): Promise<void>;
}

/** Registers the contract's cases for the fs `makeFs` makes, a fresh one per case. */
export function describeMinimalFs(name: string, makeFs: () => Promise<FsFixture>): void {
  describe(`MinimalFs contract: ${name}`, () => {
    let fixture: FsFixture;
    let fs: MinimalFs;
    /** `parts` joined under the fixture's root. */
    let at: (...parts: string[]) => string;

    beforeEach(async () => {
      fixture = await makeFs();
      fs = fixture.fs;
      const base = fixture.root.endsWith('/') ? fixture.root.slice(0, -1) : fixture.root;
      at = (...parts) => [base, ...parts].join('/');
    });
    afterEach(() => fixture.cleanup());

    /** Asserts that `operation` rejects with an `Error` whose `code` is one of `codes`. */
    async function expectCode(operation: Promise<unknown>, ...codes: string[]): Promise<void> {
      const error: unknown = await operation.then(
        () => expect.unreachable(`expected ${codes.join(' or ')}, but it succeeded`),
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(Error);
      expect(codes).toContain((error as { code?: unknown }).code);
    }

    async function sortedListing(dir: string): Promise<string[]> {
      return (await fs.readdir(dir)).sort();
    }

    describe('readFile and writeFile', () => {
      it('reads back what was written', async () => {
        await fs.writeFile(at('a.json'), '{"x":1}');
        expect(await fs.readFile(at('a.json'), 'utf8')).toBe('{"x":1}');
      });

      it('replaces the whole content on overwrite', async () => {
        await fs.writeFile(at('a.json'), 'a much longer first version');
        await fs.writeFile(at('a.json'), 'short');
        expect(await fs.readFile(at('a.json'), 'utf8')).toBe('short');
      });

      it('keeps an empty file', async () => {
        await fs.writeFile(at('empty'), '');
        expect(await fs.readFile(at('empty'), 'utf8')).toBe('');
        expect((await fs.stat(at('empty'))).size).toBe(0);
      });

      it('round-trips unicode, counting its size in UTF-8 bytes', async () => {
        const text = 'naïve café — 日本語 — 🧭👩‍💻 — e\u0301 — \u2028\u2029 — \u0000';
        await fs.writeFile(at('unicode.txt'), text);
        expect(await fs.readFile(at('unicode.txt'), 'utf8')).toBe(text);
        expect((await fs.stat(at('unicode.txt'))).size).toBe(new TextEncoder().encode(text).byteLength);
      });

      it('round-trips 5 MB', async () => {
        const text = `${'0123456789abcdef'.repeat((5 * 1024 * 1024) / 16)}🧭`;
        await fs.writeFile(at('large.json'), text);
        const read = await fs.readFile(at('large.json'), 'utf8');
        // Compared as a boolean: a failing toBe would print 5 MB twice.
        expect(read === text).toBe(true);
        expect((await fs.stat(at('large.json'))).size).toBe(5 * 1024 * 1024 + 4);
      });

      it('treats names like __proto__ as ordinary files', async () => {
        const names = ['__proto__', 'constructor', 'hasOwnProperty', 'toString'];
        for (const name of names) await fs.writeFile(at(name), name);
        for (const name of names) expect(await fs.readFile(at(name), 'utf8')).toBe(name);
        expect(await sortedListing(fixture.root)).toEqual([...names].sort());
      });

      it('fails to read a missing file with ENOENT', async () => {
        await expectCode(fs.readFile(at('missing'), 'utf8'), 'ENOENT');
      });

      it('fails to read a directory with EISDIR', async () => {
        await fs.mkdir(at('dir'), { recursive: true });
        await expectCode(fs.readFile(at('dir'), 'utf8'), 'EISDIR');
      });

      it('fails to read below a file with ENOTDIR', async () => {
        await fs.writeFile(at('file'), 'x');
        await expectCode(fs.readFile(at('file', 'below'), 'utf8'), 'ENOTDIR');
      });

      it('fails to write into a missing directory with ENOENT', async () => {
        await expectCode(fs.writeFile(at('missing', 'a.json'), 'x'), 'ENOENT');
        await expectCode(fs.stat(at('missing')), 'ENOENT');
      });

      it('fails to write below a file with ENOTDIR', async () => {
        await fs.writeFile(at('file'), 'x');
        await expectCode(fs.writeFile(at('file', 'below'), 'y'), 'ENOTDIR');
        expect(await fs.readFile(at('file'), 'utf8')).toBe('x');
      });

      it('fails to write onto a directory with EISDIR', async () => {
        await fs.mkdir(at('dir'), { recursive: true });
        await expectCode(fs.writeFile(at('dir'), 'x'), 'EISDIR');
        expect((await fs.stat(at('dir'))).isDirectory()).toBe(true);
      });
    });

    describe('rename', () => {
      it('moves a file, removing the source', async () => {
        await fs.writeFile(at('from'), 'content');
        await fs.rename(at('from'), at('to'));
        expect(await fs.readFile(at('to'), 'utf8')).toBe('content');
        await expectCode(fs.stat(at('from')), 'ENOENT');
        expect(await sortedListing(fixture.root)).toEqual(['to']);
      });

      it('replaces an existing file', async () => {
        await fs.writeFile(at('.to.tmp-1'), 'new');
        await fs.writeFile(at('to'), 'old');
        await fs.rename(at('.to.tmp-1'), at('to'));
        expect(await fs.readFile(at('to'), 'utf8')).toBe('new');
        expect(await sortedListing(fixture.root)).toEqual(['to']);
      });

      it('lets readers see the old or the new file, never neither', async () => {
        await fs.writeFile(at('doc'), 'v0');
        const seen = new Set<string>();
        for (let version = 1; version <= 20; version++) {
          await fs.writeFile(at(`.doc.tmp-${version}`), `v${version}`);
          const [read] = await Promise.all([
            fs.readFile(at('doc'), 'utf8'),
            fs.rename(at(`.doc.tmp-${version}`), at('doc')),
          ]);
          seen.add(read);
        }
        for (const read of seen) expect(read).toMatch(/^v\d+$/);
        expect(await fs.readFile(at('doc'), 'utf8')).toBe('v20');
      });

      it('moves a file into another directory', async () => {
        await fs.mkdir(at('other'), { recursive: true });
        await fs.writeFile(at('from'), 'content');
        await fs.rename(at('from'), at('other', 'to'));
        expect(await fs.readFile(at('other', 'to'), 'utf8')).toBe('content');
        expect(await sortedListing(fixture.root)).toEqual(['other']);
      });

      it('leaves a file renamed onto itself in place', async () => {
        await fs.writeFile(at('same'), 'content');
        await fs.rename(at('same'), at('same'));
        expect(await fs.readFile(at('same'), 'utf8')).toBe('content');
      });

      it('fails to rename a file onto a directory with EISDIR, touching neither', async () => {
        await fs.mkdir(at('dir'), { recursive: true });
        await fs.writeFile(at('dir', 'inside'), 'kept');
        await fs.writeFile(at('file'), 'content');
        await expectCode(fs.rename(at('file'), at('dir')), 'EISDIR');
        expect(await fs.readFile(at('file'), 'utf8')).toBe('content');
        expect(await fs.readFile(at('dir', 'inside'), 'utf8')).toBe('kept');
      });

      it('fails to rename a file onto an empty directory with EISDIR', async () => {
        await fs.mkdir(at('dir'), { recursive: true });
        await fs.writeFile(at('file'), 'content');
        await expectCode(fs.rename(at('file'), at('dir')), 'EISDIR');
        expect((await fs.stat(at('dir'))).isDirectory()).toBe(true);
      });

      it('fails to rename a missing file with ENOENT', async () => {
        await expectCode(fs.rename(at('missing'), at('to')), 'ENOENT');
        await expectCode(fs.stat(at('to')), 'ENOENT');
      });

      it('fails to rename into a missing directory with ENOENT, keeping the source', async () => {
        await fs.writeFile(at('from'), 'content');
        await expectCode(fs.rename(at('from'), at('missing', 'to')), 'ENOENT');
        expect(await fs.readFile(at('from'), 'utf8')).toBe('content');
      });
    });

    describe('unlink', () => {
      it('removes a file', async () => {
        await fs.writeFile(at('gone'), 'x');
        await fs.writeFile(at('kept'), 'y');
        await fs.unlink(at('gone'));
        await expectCode(fs.readFile(at('gone'), 'utf8'), 'ENOENT');
        expect(await sortedListing(fixture.root)).toEqual(['kept']);
      });

      it('fails on a missing file with ENOENT', async () => {
        await expectCode(fs.unlink(at('missing')), 'ENOENT');
      });

      it('fails on a directory with EISDIR (EPERM on macOS), keeping it', async () => {
        await fs.mkdir(at('dir'), { recursive: true });
        await expectCode(fs.unlink(at('dir')), 'EISDIR', 'EPERM');
        expect((await fs.stat(at('dir'))).isDirectory()).toBe(true);
      });
    });

    describe('readdir', () => {
      it('lists the direct children, files and directories, not deeper entries', async () => {
        await fs.mkdir(at('dir', 'sub', 'deeper'), { recursive: true });
        await fs.writeFile(at('dir', 'b.json'), '1');
        await fs.writeFile(at('dir', 'a.json'), '2');
        await fs.writeFile(at('dir', 'sub', 'nested.json'), '3');
        await fs.writeFile(at('dir', 'sub', 'deeper', 'nested.json'), '4');
        expect(await sortedListing(at('dir'))).toEqual(['a.json', 'b.json', 'sub']);
        expect(await sortedListing(at('dir', 'sub'))).toEqual(['deeper', 'nested.json']);
      });

      it('does not list siblings whose names extend the directory name', async () => {
        await fs.mkdir(at('dir'), { recursive: true });
        await fs.mkdir(at('dir0'), { recursive: true });
        await fs.mkdir(at('dir.x'), { recursive: true });
        await fs.writeFile(at('dir', 'in'), '1');
        await fs.writeFile(at('dir0', 'out'), '2');
        await fs.writeFile(at('dir.x', 'out'), '3');
        await fs.writeFile(at('dirfile'), '4');
        expect(await fs.readdir(at('dir'))).toEqual(['in']);
      });

      it('lists an empty directory as empty', async () => {
        await fs.mkdir(at('empty'), { recursive: true });
        expect(await fs.readdir(at('empty'))).toEqual([]);
      });

      it('fails on a missing directory with ENOENT', async () => {
        await expectCode(fs.readdir(at('missing')), 'ENOENT');
      });

      it('fails on a file with ENOTDIR', async () => {
        await fs.writeFile(at('file'), 'x');
        await expectCode(fs.readdir(at('file')), 'ENOTDIR');
      });
    });

    describe('mkdir', () => {
      it('creates the directory and its missing parents', async () => {
        await fs.mkdir(at('a', 'b', 'c'), { recursive: true });
        expect(await fs.readdir(at('a'))).toEqual(['b']);
        expect(await fs.readdir(at('a', 'b'))).toEqual(['c']);
        expect((await fs.stat(at('a', 'b', 'c'))).isDirectory()).toBe(true);
      });

      it('succeeds on a directory that exists, keeping what is in it', async () => {
        await fs.mkdir(at('a', 'b'), { recursive: true });
        await fs.writeFile(at('a', 'b', 'file'), 'kept');
        await fs.mkdir(at('a', 'b'), { recursive: true });
        await fs.mkdir(at('a'), { recursive: true });
        expect(await fs.readFile(at('a', 'b', 'file'), 'utf8')).toBe('kept');
      });

      it('fails onto a file with EEXIST, keeping the file', async () => {
        await fs.writeFile(at('file'), 'kept');
        await expectCode(fs.mkdir(at('file'), { recursive: true }), 'EEXIST');
        expect(await fs.readFile(at('file'), 'utf8')).toBe('kept');
      });

      it('fails through a file with ENOTDIR', async () => {
        await fs.writeFile(at('file'), 'kept');
        await expectCode(fs.mkdir(at('file', 'sub'), { recursive: true }), 'ENOTDIR');
        expect(await fs.readFile(at('file'), 'utf8')).toBe('kept');
      });
    });

    describe('stat', () => {
      it('describes a file: size in bytes, mtime, kind', async () => {
        const before = Date.now();
        await fs.writeFile(at('file'), 'héllo');
        const stats = await fs.stat(at('file'));
        expect(stats.size).toBe(6);
        expect(stats.isFile()).toBe(true);
        expect(stats.isDirectory()).toBe(false);
        // File systems keep coarser clocks than Date.now(): allow a few seconds.
        expect(stats.mtimeMs).toBeGreaterThan(before - 5_000);
        expect(stats.mtimeMs).toBeLessThan(Date.now() + 5_000);
      });

      it('does not move mtime backwards on overwrite', async () => {
        await fs.writeFile(at('file'), 'one');
        const first = (await fs.stat(at('file'))).mtimeMs;
        await fs.writeFile(at('file'), 'two');
        expect((await fs.stat(at('file'))).mtimeMs).toBeGreaterThanOrEqual(first);
      });

      it('describes a directory', async () => {
        await fs.mkdir(at('dir'), { recursive: true });
        const stats = await fs.stat(at('dir'));
        expect(stats.isDirectory()).toBe(true);
        expect(stats.isFile()).toBe(false);
        expect(typeof stats.mtimeMs).toBe('number');
      });

      it('fails on a missing path with ENOENT', async () => {
        await expectCode(fs.stat(at('missing')), 'ENOENT');
      });
    });

    describe('statMany, when the fs has it', () => {
      it('answers each path as stat does, in the order given', async ({ skip }) => {
        if (fs.statMany === undefined) return skip('this fs has no statMany: listings stat each file');
        await fs.writeFile(at('file'), 'héllo');
        await fs.mkdir(at('dir'), { recursive: true });
        const paths = [at('dir'), at('file'), at('file')];
        const many = await fs.statMany(paths);
        const one = await Promise.all(paths.map((path) => fs.stat(path)));
        const facts = (stats: MinimalStats | undefined) =>
          stats && { size: stats.isFile() ? stats.size : 'dir', mtimeMs: stats.mtimeMs, isFile: stats.isFile(), isDirectory: stats.isDirectory() };
        expect(many.map(facts)).toEqual(one.map(facts));
        expect(many[1]?.size).toBe(6);
      });

      it('answers undefined for a missing path; below a file, fails with ENOTDIR as stat does', async ({ skip }) => {
        if (fs.statMany === undefined) return skip('this fs has no statMany: listings stat each file');
        await fs.writeFile(at('file'), 'x');
        const many = await fs.statMany([at('missing'), at('file'), at('gone', 'deeper')]);
        expect(many.map((stats) => stats?.isFile())).toEqual([undefined, true, undefined]);
        await expectCode(fs.statMany([at('file'), at('file', 'below')]), 'ENOTDIR');
      });

      it('answers an empty list with an empty list', async ({ skip }) => {
        if (fs.statMany === undefined) return skip('this fs has no statMany: listings stat each file');
        expect(await fs.statMany([])).toEqual([]);
      });
    });

    describe('bytes, when the fs writesBytes', () => {
      const NO_BYTES = 'this fs does not declare writesBytes: waymark hands it strings only';

      /** `text`'s ASCII bytes as a view into the middle of a larger buffer, as an encoder may leave them (not a Node Buffer). */
      function bytesInside(text: string): Uint8Array {
        const backing = new Uint8Array(text.length + 16).fill(0x21);
        const view = backing.subarray(8, 8 + text.length);
        new TextEncoder().encodeInto(text, view);
        return view;
      }

      it.for([
        ['a small file', '{"x": 1}'],
        ['a file above the blocking limit (2 MiB)', `${'0123456789abcdef'.repeat((2 * 1024 * 1024) / 16)}\n`],
      ])('writeFile stores exactly the bytes of %s, and only those', async ([, text = ''], { skip }) => {
        if (!fs.writesBytes) return skip(NO_BYTES);
        await fs.writeFile(at('bytes.json'), 'an older and longer content, to be replaced'.repeat(3));
        await fs.writeFile(at('bytes.json'), bytesInside(text));
        expect((await fs.readFile(at('bytes.json'), 'utf8')) === text).toBe(true);
        expect((await fs.stat(at('bytes.json'))).size).toBe(text.length);
      });

      it.for([
        ['a small file', '{"y": 2}'],
        ['a file above the blocking limit (2 MiB)', `${'fedcba9876543210'.repeat((2 * 1024 * 1024) / 16)}\n`],
      ])('writeFileSynced stores exactly the bytes of %s', async ([, text = ''], { skip }) => {
        if (!fs.writesBytes || fs.writeFileSynced === undefined) return skip(`${NO_BYTES}, or it has no writeFileSynced`);
        await fs.writeFileSynced(at('synced.json'), bytesInside(text));
        expect((await fs.readFile(at('synced.json'), 'utf8')) === text).toBe(true);
      });
    });

    describe('open, for fsync, when the fs has it', () => {
      it('opens a file r+ to sync and close it, leaving its content', async ({ skip }) => {
        if (fs.open === undefined) return skip('this fs has no open: atomic but not durable');
        await fs.writeFile(at('file'), 'content');
        const handle = await fs.open(at('file'), 'r+');
        await handle.sync();
        await handle.close();
        expect(await fs.readFile(at('file'), 'utf8')).toBe('content');
      });

      it('opens a directory r to sync and close it', async ({ skip }) => {
        if (fs.open === undefined) return skip('this fs has no open: atomic but not durable');
        await fs.mkdir(at('dir'), { recursive: true });
        const handle = await fs.open(at('dir'), 'r');
        await handle.sync();
        await handle.close();
        expect(await fs.readdir(at('dir'))).toEqual([]);
      });

      it('fails to open a missing file with ENOENT', async ({ skip }) => {
        if (fs.open === undefined) return skip('this fs has no open: atomic but not durable');
        await expectCode(fs.open(at('missing'), 'r+'), 'ENOENT');
      });
    });
  });
}
