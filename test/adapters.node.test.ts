/**
 * What `nodeFs` promises beyond the MinimalFs contract: durable mode fsyncs
 * through Node's own calls, and errors are Node's, untouched.
 */
import nodeFsModule from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nodeFs } from '../adapters/node.js';

let root: string;

beforeEach(async () => {
  root = await fsPromises.mkdtemp(join(tmpdir(), 'waymark-node-adapter-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fsPromises.rm(root, { recursive: true, force: true });
});

/** The prototype of Node's `FileHandle`, which `node:fs/promises` does not export. */
async function fileHandlePrototype(): Promise<{ sync(): Promise<void>; datasync(): Promise<void> }> {
  const handle = await fsPromises.open(root, 'r');
  await handle.close();
  return Object.getPrototypeOf(handle) as { sync(): Promise<void>; datasync(): Promise<void> };
}

describe('nodeFs durability', () => {
  it('is durable by default: it has open', () => {
    expect(nodeFs().open).toBeTypeOf('function');
  });

  it.each([
    ['small files, with synchronous calls', undefined],
    ['every file, with asynchronous calls', 0],
  ])('fsyncs a file and its directory through Node when durable: %s', async (_how, blockingIoLimit) => {
    const handles = await fileHandlePrototype();
    const flushes = [
      vi.spyOn(nodeFsModule, 'fsync'),
      vi.spyOn(nodeFsModule, 'fdatasync'),
      vi.spyOn(handles, 'sync'),
      vi.spyOn(handles, 'datasync'),
    ];
    const flushed = () => flushes.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    const fs = nodeFs({ durable: true, blockingIoLimit });
    const { open, writeFileSynced } = fs;
    if (open === undefined || writeFileSynced === undefined) return expect.unreachable('a durable nodeFs has open and writeFileSynced');
    const file = join(root, 'session_a.json');

    // What an atomic write does: write and flush the temp file, rename it, flush the directory.
    await writeFileSynced(file, '{}');
    expect(flushed()).toBe(1);
    for (const [path, flags] of [[file, 'r+'], [root, 'r']] as const) {
      const handle = await open(path, flags);
      await handle.sync();
      await handle.close();
    }
    expect(flushed()).toBe(3);
    expect(await fsPromises.readFile(file, 'utf8')).toBe('{}');
  });

  it('has no open when not durable, so nothing can fsync', () => {
    expect('open' in nodeFs({ durable: false })).toBe(false);
  });
});

describe('nodeFs errors', () => {
  it("are Node's own, passed through unchanged", async () => {
    const missing = join(root, 'missing.json');
    const fromNode = await fsPromises.readFile(missing, 'utf8').catch((reason: unknown) => reason);
    const fromAdapter = await nodeFs().readFile(missing, 'utf8').catch((reason: unknown) => reason);

    expect(fromAdapter).toBeInstanceOf(Error);
    expect(fromAdapter).toMatchObject({ code: 'ENOENT', syscall: 'open', path: missing, errno: expect.any(Number) });
    expect(Object.getPrototypeOf(fromAdapter)).toBe(Object.getPrototypeOf(fromNode));
    expect({ ...(fromAdapter as object) }).toEqual({ ...(fromNode as object) });
    expect((fromAdapter as Error).message).toBe((fromNode as Error).message);
  });
});
