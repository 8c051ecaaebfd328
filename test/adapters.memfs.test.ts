/**
 * What `memFs` promises beyond the MinimalFs contract: a volume of its own by
 * default, or the one it is given, so a test can assert the files it holds.
 */
import { Volume } from 'memfs';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { memFs } from '../adapters/memfs.js';

describe('memFs', () => {
  it('starts on a new, empty volume of its own by default', async () => {
    const first = memFs();
    await first.writeFile('/only-here.json', '{}');
    expect(await memFs().readdir('/')).toEqual([]);
  });

  it('writes to the volume it is given, where a test can read every file at once', async () => {
    const volume = Volume.fromJSON({ '/state/sessions/session_old.json': '{"old":true}' });
    const fs = memFs(volume);
    await fs.writeFile('/state/sessions/session_new.json', '{"new":true}');
    await fs.unlink('/state/sessions/session_old.json');
    expect(volume.toJSON()).toEqual({ '/state/sessions/session_new.json': '{"new":true}' });
  });

  it('stores bytes as they are, with or without a global Buffer (memfs in a browser, on a polyfill)', async () => {
    const text = '{"a": "\\u00e9"}';
    // A view into the middle of a larger buffer: only its own bytes may land in the file.
    const bytes = new TextEncoder().encode(`xx${text}yy`).subarray(2, 2 + text.length);
    const volume = new Volume();
    await memFs(volume).writeFile('/with-buffer.json', bytes);
    vi.stubGlobal('Buffer', undefined);
    onTestFinished(() => void vi.unstubAllGlobals());
    await memFs(volume).writeFile('/without-buffer.json', bytes);
    expect(volume.toJSON()).toEqual({ '/with-buffer.json': text, '/without-buffer.json': text });
  });

  it("fails with Node's error shape where it corrects memfs", async () => {
    const fs = memFs(Volume.fromJSON({ '/dir/inside': 'x', '/file': 'y' }));
    await expect(fs.rename('/file', '/dir')).rejects.toMatchObject({
      code: 'EISDIR',
      syscall: 'rename',
      path: '/file',
      dest: '/dir',
      message: "EISDIR: illegal operation on a directory, rename '/file' -> '/dir'",
    });
    await expect(fs.rename('/dir', '/file')).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(fs.mkdir('/file', { recursive: true })).rejects.toMatchObject({
      code: 'EEXIST',
      syscall: 'mkdir',
      path: '/file',
    });
  });
});
