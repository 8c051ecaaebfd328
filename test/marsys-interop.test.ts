import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { nodeFs } from '../adapters/node.js';
import { FileStorageBackend, StateManager } from '../src/index.js';
import { fixturePath } from './support/marsys.js';
import { branch, sampleState } from './support/states.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;

/**
 * MARSYS's reading of a session file, restated in Python from FORMAT.md:
 * json.load, then StateSnapshot.calculate_checksum (sha256 over json.dumps with
 * sort_keys of five fields, branches as sorted [id, branch] pairs). Prints, per
 * file, whether the stored checksum verifies and whether json.dumps(indent=2)
 * of what Python loaded gives the file's bytes back.
 */
const MARSYS_READER = String.raw`
import hashlib, json, sys
for path in sys.argv[1:]:
    text = open(path, encoding='utf-8').read()
    data = json.loads(text)
    hashed = {
        'active_branches': sorted(set(data['active_branches'])),
        'branches': [[k, data['branches'][k]] for k in sorted(data['branches'])],
        'completed_branches': sorted(set(data['completed_branches'])),
        'session_id': data['session_id'],
        'timestamp': data['timestamp'],
    }
    digest = hashlib.sha256(json.dumps(hashed, sort_keys=True, default=str).encode('utf-8')).hexdigest()
    print(json.dumps({'path': path, 'verifies': digest == data['checksum'], 'python_bytes': json.dumps(data, indent=2) == text, 'timestamp_is_float': isinstance(data['timestamp'], float)}))
`;

function readWithPython(files: string[]): Array<{ verifies: boolean; python_bytes: boolean; timestamp_is_float: boolean }> {
  const run = spawnSync('python3', ['-c', MARSYS_READER, ...files], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return run.stdout.trim().split('\n').map((line) => JSON.parse(line));
}

describe.skipIf(!hasPython)('files waymark writes, read by Python as MARSYS reads them', () => {
  it('verify with MARSYS checksum and are the bytes Python would write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'waymark-interop-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const manager = new StateManager(new FileStorageBackend(dir, { fs: nodeFs() }), { clock: () => 1_800_000_000 });
    const unusual = sampleState();
    unusual.branches!['ｚ'] = branch('ｚ', { metadata: { '😀': 1.5, é: [1e-7, 1e21, -0.000015, 123456789.125], '10': 'ten', '2': 'two' } });
    unusual.activeBranches = new Set(['ｚ', 'main', '😀']);
    await manager.saveSession('plain', sampleState());
    await manager.saveSession('ünïcode 😀', unusual);
    await manager.saveSession('empty', {});
    const checkpoint = await manager.createCheckpoint('plain', 'cp');
    const results = readWithPython([
      join(dir, 'sessions', 'session_plain.json'),
      join(dir, 'sessions', 'session_ünïcode 😀.json'),
      join(dir, 'sessions', 'session_empty.json'),
      join(dir, 'checkpoints', `${checkpoint}.json`),
    ]);
    for (const result of results) expect(result).toMatchObject({ verifies: true, python_bytes: true, timestamp_is_float: true });
  });

  it('a MARSYS fixture loaded and saved back verifies in Python with the same content', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'waymark-interop-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const reader = new StateManager(new FileStorageBackend(fixturePath('state'), { fs: readOnly() }));
    for (const sessionId of ['alpha', 'unicode', 'numbers', 'coercions']) {
      const snapshot = await reader.loadSession(sessionId);
      const writer = new StateManager(new FileStorageBackend(dir, { fs: nodeFs() }), { clock: () => 1_800_000_000.5 });
      await writer.saveSession(sessionId, snapshot!);
      const file = join(dir, 'sessions', `session_${sessionId}.json`);
      expect(readWithPython([file])[0]).toMatchObject({ verifies: true, python_bytes: true });
      // Same content as MARSYS wrote, apart from the save time and the checksum that covers it.
      const strip = (text: string) => text.replace(/"timestamp": [^,]+,/, '').replace(/"checksum": "[0-9a-f]+"/, '');
      expect(strip(await readFile(file, 'utf8'))).toBe(strip(await readFile(fixturePath('state', 'sessions', `session_${sessionId}.json`), 'utf8')));
    }
  });
});

/** The fixtures are read in place and must never be written: an fs that refuses writes. */
function readOnly() {
  const fs = nodeFs();
  const refuse = async () => {
    throw Object.assign(new Error('EROFS: the fixtures are read-only'), { code: 'EROFS' });
  };
  return { ...fs, writeFile: refuse, rename: refuse, unlink: refuse, mkdir: async () => undefined };
}
