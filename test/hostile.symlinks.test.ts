/**
 * Symbolic links planted inside the state directory, on the Node disk (the
 * only adapter where a third party can plant one: memFs is a private
 * in-memory volume, IndexedDB has no links).
 *
 * What waymark does: it never follows a link that names a document (reads
 * fail with a StorageError, ELOOP; a save replaces the link itself; a delete
 * removes the link itself), and it refuses to use a `sessions/` or
 * `checkpoints/` directory that is a link. A file outside the base is never
 * read, written or removed. The base directory itself may be a link: where
 * it lives is the application's choice.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFs } from '../adapters/node.js';
import { FileStorageBackend, StateManager, StorageError } from '../src/index.js';
import { sampleState } from './support/states.js';

let dir: string;
let base: string;
let outside: string;
/** A valid session file for `evil`, kept outside the base. */
let secret: string;
let secretText: string;

beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'waymark-symlinks-')));
  base = join(dir, 'state');
  outside = join(dir, 'outside');
  const elsewhere = new StateManager(new FileStorageBackend(outside, { fs: nodeFs() }));
  await elsewhere.saveSession('evil', { metadata: { secret: 'do not read me' } });
  await elsewhere.createCheckpoint('evil', 'secret');
  secret = join(outside, 'sessions', 'session_evil.json');
  secretText = await readFile(secret, 'utf8');
  await new StateManager(new FileStorageBackend(base, { fs: nodeFs() })).saveSession('keep', sampleState(1));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const manager = () => new StateManager(new FileStorageBackend(base, { fs: nodeFs() }));
const storageError = (code: string) => expect.objectContaining({ code: 'STORAGE', cause: expect.objectContaining({ code }) });

/** The outside directory exactly as it was: same files, same bytes. */
async function expectOutsideUntouched(): Promise<void> {
  expect((await readdir(join(outside, 'sessions'))).sort()).toEqual(['session_evil.json']);
  expect((await readdir(join(outside, 'checkpoints'))).length).toBe(1);
  expect(await readFile(secret, 'utf8')).toBe(secretText);
}

describe('a link planted as a session file', () => {
  beforeEach(() => symlink(secret, join(base, 'sessions', 'session_evil.json')));

  it('is not read through: loading, checkpointing, resuming and listing fail with a StorageError', async () => {
    const sm = manager();
    await expect(sm.loadSession('evil')).rejects.toThrow(storageError('ELOOP'));
    await expect(sm.createCheckpoint('evil', 'x')).rejects.toThrow(storageError('ELOOP'));
    await expect(sm.resumeExecution('evil')).rejects.toThrow(storageError('ELOOP'));
    await expect(sm.listSessions()).rejects.toThrow(StorageError);
    expect((await sm.loadSession('keep'))!.metadata.step).toBe(1);
    await expectOutsideUntouched();
  });

  it('is replaced, not written through, by a save; removed, not followed, by a delete', async () => {
    const sm = manager();
    await sm.saveSession('evil', sampleState(2));
    expect((await lstat(join(base, 'sessions', 'session_evil.json'))).isSymbolicLink()).toBe(false);
    expect((await sm.loadSession('evil'))!.metadata.step).toBe(2);
    await expectOutsideUntouched();
    await symlink(secret, join(base, 'sessions', 'session_evil2.json'));
    expect(await sm.deleteSession('evil2')).toBe(true);
    await expectOutsideUntouched();
  });
});

it('a link planted as a checkpoint file is not read through', async () => {
  const [name] = await readdir(join(outside, 'checkpoints'));
  const id = name!.slice(0, -'.json'.length);
  await symlink(join(outside, 'checkpoints', name!), join(base, 'checkpoints', name!));
  const sm = manager();
  await expect(sm.restoreCheckpoint(id)).rejects.toThrow(storageError('ELOOP'));
  await expect(sm.listCheckpoints('evil')).rejects.toThrow(StorageError);
  expect(await sm.deleteCheckpoint(id)).toBe(true);
  await expectOutsideUntouched();
});

it('a link planted under a temp file name is removed at start-up, its target kept', async () => {
  await symlink(secret, join(base, 'sessions', '.session_keep.json.tmp-planted1'));
  await manager().listSessions();
  expect(await readdir(join(base, 'sessions'))).toEqual(['session_keep.json']);
  await expectOutsideUntouched();
});

describe.each(['sessions', 'checkpoints'])('%s/ replaced by a link to a directory outside', (sub) => {
  beforeEach(async () => {
    await rm(join(base, sub), { recursive: true });
    await symlink(join(outside, sub), join(base, sub));
  });

  it('is refused: every call fails with a StorageError, and nothing outside is read or written', async () => {
    const sm = manager();
    for (const call of [
      () => sm.loadSession('evil'),
      () => sm.saveSession('new', sampleState(3)),
      () => sm.listSessions(),
      () => sm.listCheckpoints('evil'),
      () => sm.deleteSession('evil', { checkpoints: true }),
    ]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toMatch(/symbolic link/);
    }
    await expectOutsideUntouched();
  });
});

it('a base directory that is itself a link is used: where it lives is the application’s choice', async () => {
  const elsewhere = join(dir, 'real-state');
  await mkdir(elsewhere);
  const linked = join(dir, 'linked-state');
  await symlink(elsewhere, linked);
  const sm = new StateManager(new FileStorageBackend(linked, { fs: nodeFs() }));
  await sm.saveSession('s', sampleState(1));
  expect((await sm.loadSession('s'))!.metadata.step).toBe(1);
  expect(await readdir(join(elsewhere, 'sessions'))).toEqual(['session_s.json']);
});
