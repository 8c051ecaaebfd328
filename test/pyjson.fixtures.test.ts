import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  dumpPythonIndent2,
  marsysChecksum,
  marsysChecksumInput,
  markPythonFloat,
  parsePythonJson,
  parsePythonJsonSlow,
  type MarsysChecksumFields,
} from '../src/pyjson/index.js';
import type { JsonObject } from '../src/types.js';
import { EXPECTED, fixturePath } from './support/marsys.js';

/** Fixture files under `dir` (relative to the fixtures root), as `dir/sub/file.json`. */
function jsonFilesUnder(dir: string): string[] {
  return readdirSync(fixturePath(dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.json'))
    .map((name) => `${dir}/${name}`)
    .sort();
}

function readFixture(file: string): string {
  return readFileSync(fixturePath(file), 'utf8');
}

const REDUMPED = [...jsonFilesUnder('state'), ...jsonFilesUnder('nonfinite')];
const LENIENT = jsonFilesUnder('quirks/lenient_reader');

describe('MARSYS fixture files', () => {
  it('finds every fixture file it is meant to check', () => {
    expect(REDUMPED).toHaveLength(Object.keys(EXPECTED.state.files).length + Object.keys(EXPECTED.nonfinite.files).length);
    expect(LENIENT).toHaveLength(2);
  });

  it.each(REDUMPED)('%s re-dumps byte for byte', (file) => {
    const text = readFixture(file);
    const allowNonFinite = file.startsWith('nonfinite/');
    expect(dumpPythonIndent2(parsePythonJson(text), { allowNonFinite })).toBe(text);
    expect(dumpPythonIndent2(parsePythonJsonSlow(text), { allowNonFinite })).toBe(text);
  });

  it.each(REDUMPED)('%s hashes the string MARSYS hashed, to its checksum', async (file) => {
    const doc = parsePythonJson(readFixture(file)) as MarsysChecksumFields;
    const expected = EXPECTED[file.split('/')[0] as string].files[file];
    expect(marsysChecksumInput(doc)).toBe(expected.checksum_input);
    await expect(marsysChecksum(doc)).resolves.toBe(expected.calculated_checksum);
  });

  it.each(LENIENT)('%s (compact, shuffled, raw UTF-8, int timestamp) hashes as MARSYS did', async (file) => {
    const doc = parsePythonJson(readFixture(file)) as MarsysChecksumFields;
    const validation = EXPECTED.quirks.lenient_reader.marsys;
    const calculated: string = (file.includes('/checkpoints/') ? validation.checkpoint_validate_checksum : validation.validate_checksum).returned.calculated;
    await expect(marsysChecksum(doc)).resolves.toBe(calculated);
    expect(marsysChecksumInput(doc)).toContain('"timestamp": 1746831700}');
    expect(marsysChecksumInput(doc)).toContain('"name": "\\u00fcn\\u00ef"');
  });

  it('hashes the other quirk files as MARSYS calculated', async () => {
    for (const quirk of ['tampered_uncovered_fields', 'checksum_null', 'checksum_missing', 'checksum_empty_string']) {
      const [file] = EXPECTED.quirks[quirk].files as string[];
      const doc = parsePythonJson(readFixture(file as string)) as MarsysChecksumFields;
      await expect(marsysChecksum(doc)).resolves.toBe(EXPECTED.quirks[quirk].marsys.validate_checksum.returned.calculated);
    }
  });
});

describe('FORMAT.md section 4 checksum vectors', () => {
  /** Asserts the exact hashed string and digest of expected.json's vector `name`. */
  async function expectVector(doc: MarsysChecksumFields, name: string): Promise<void> {
    const vector = (EXPECTED.checksum_vectors as { name: string; hashed_string: string; sha256: string }[]).find((v) => v.name === name);
    expect(vector).toBeDefined();
    expect(marsysChecksumInput(doc)).toBe(vector!.hashed_string);
    await expect(marsysChecksum(doc)).resolves.toBe(vector!.sha256);
  }

  const empty = (): Pick<MarsysChecksumFields, 'branches' | 'active_branches' | 'completed_branches'> => ({
    branches: {},
    active_branches: [],
    completed_branches: [],
  });

  it('vector 1, minimal', async () => {
    const doc: MarsysChecksumFields = { session_id: 's1', timestamp: 1700000000.5, ...empty() };
    await expectVector(doc, 'minimal');
  });

  it('vector 2, an integral float timestamp marked as a Python float', async () => {
    const doc: MarsysChecksumFields = { session_id: 's1', timestamp: 1700000000, ...empty() };
    markPythonFloat(doc, 'timestamp');
    await expectVector(doc, 'integral_float_timestamp');
  });

  it('vector 2, the float-ness coming from parsing `1700000000.0`', async () => {
    const doc = parsePythonJson(
      '{"session_id": "s1", "timestamp": 1700000000.0, "branches": {}, "active_branches": [], "completed_branches": []}',
    ) as MarsysChecksumFields;
    expect(doc.timestamp).toBe(1700000000);
    await expectVector(doc, 'integral_float_timestamp');
  });

  it('vector 3, an int timestamp', async () => {
    const built: MarsysChecksumFields = { session_id: 's1', timestamp: 1700000000, ...empty() };
    const parsed = parsePythonJson(
      '{"session_id": "s1", "timestamp": 1700000000, "branches": {}, "active_branches": [], "completed_branches": []}',
    ) as MarsysChecksumFields;
    for (const doc of [built, parsed]) await expectVector(doc, 'int_timestamp');
  });

  it('vector 4, a serialized branch: nested keys sorted, sets de-duplicated, float forms kept', async () => {
    const state: JsonObject = {
      status: 'completed',
      current_step: 2,
      total_steps: 2,
      conversation_turns: 0,
      start_time: 1700000000,
      end_time: 1700000012.5,
      error: null,
      completed_agents: ['B'],
    };
    markPythonFloat(state, 'start_time');
    const doc: MarsysChecksumFields = {
      session_id: 'run-42',
      timestamp: 1700000123.456789,
      branches: {
        b1: {
          id: 'b1',
          name: 'B1',
          type: 'conversation',
          topology: {
            agents: ['A', 'B'],
            entry_agent: 'A',
            current_agent: 'B',
            allowed_transitions: { A: ['B'] },
            conversation_pattern: 'dialogue',
            max_iterations: 5,
            conversation_turns: 0,
          },
          state,
          parent_branch: 'main',
          metadata: { z: 1e-7, a: 1e16, m: [true, null], '10': 2, '2': 10 },
        },
      },
      active_branches: ['main', 'b1', 'main'],
      completed_branches: ['b1'],
    };
    markPythonFloat((doc.branches.b1 as JsonObject).metadata as JsonObject, 'a');
    await expectVector(doc, 'serialized_branch');
  });

  it('vector 5, unicode: code-point order and \\u escapes', async () => {
    const fullwidth: JsonObject = { 'ｚ': 'ü', '😀': 1, 'é': null };
    markPythonFloat(fullwidth, '😀');
    const doc: MarsysChecksumFields = {
      session_id: 'sé',
      timestamp: 1700000000.25,
      branches: { 'branch_😀': { k: '😀' }, 'branch_ｚ': fullwidth },
      active_branches: ['branch_😀', 'Z', 'branch_ｚ'],
      completed_branches: [],
    };
    await expectVector(doc, 'unicode_sorting');
  });
});
