// Speed of src/pyjson against the native JSON functions, on ~1 MB MARSYS-like
// session documents. Not a test (timings depend on the machine); run it with
//   node scripts/measure-pyjson.mjs [--runs 20]
// It transpiles src/ with the project's TypeScript into a temp dir first, so
// it needs no build and no TS loader.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;

async function loadPyjson() {
  const out = mkdtempSync(join(tmpdir(), 'waymark-measure-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  for (const file of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(join(root, 'src', file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(out, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(out, 'package.json'), '{"type": "module"}');
  return import(pathToFileURL(join(out, 'pyjson', 'index.js')).href);
}

/** A deterministic session: many branches, conversation memory with some non-ASCII, time.time()-style floats. */
const ENGLISH = ['the', 'agent', 'report', 'analysis', 'tool', 'call', 'result', 'search', 'query', 'plan', 'step', 'summary',
  'value', 'data', 'of', 'and', 'to', 'in', 'is', 'for', 'that', 'with', '"quoted"', 'path/to/file', 'line\nbreak', 'x = 1;',
  'it’s', '—', 'naïve'];
const MULTILINGUAL = [...ENGLISH.slice(0, 14), 'résumé', 'für', 'données', '研究', 'мир', '🚀', 'café', 'señor'];

function makeSession(targetBytes, { words, integralFloats }) {
  let state = 1;
  const random = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const pick = (items) => items[Math.floor(random() * items.length)];
  const sentence = (n) => Array.from({ length: n }, () => pick(words)).join(' ');
  const doc = {
    session_id: 'bench', timestamp: 1746831565.4213047, branches: {}, active_branches: [], completed_branches: [],
    waiting_branches: {}, branch_results: {}, parent_child_map: {}, child_parent_map: {},
    metadata: { task: sentence(12), version: 2, limits: { max_steps: 200, timeout: 300.5 } },
    checksum: 'ddf4dac5aa8e6273888bfed8a86c3084a8ecfae8c70404fac06a36300f33be38',
  };
  for (let i = 0; JSON.stringify(doc).length < targetBytes * 0.82; i++) {
    const id = `branch_${i}`;
    const start = 1746831500 + random() * 1000;
    doc.branches[id] = {
      id, name: `Branch ${i}`, type: pick(['simple', 'conversation', 'nested']),
      topology: { agents: ['Planner', 'Researcher', 'Writer'], entry_agent: 'Planner', current_agent: pick(['Writer', null]),
        allowed_transitions: { Planner: ['Researcher'], Researcher: ['Writer', 'Planner'] }, conversation_pattern: pick(['dialogue', null]),
        max_iterations: 10, conversation_turns: Math.floor(random() * 5) },
      state: { status: pick(['running', 'completed']), current_step: Math.floor(random() * 20), total_steps: 20, conversation_turns: 0,
        start_time: start, end_time: start + random() * 30, error: null, completed_agents: ['Planner', 'Researcher'] },
      parent_branch: 'main',
      metadata: { score: random(), tokens: Math.floor(random() * 10000), cost_usd: Math.round(random() * 1e4) / 1e4, tags: ['a', 'b'] },
    };
    doc.active_branches.push(id);
    doc.branch_results[id] = {
      branch_id: id, success: true, final_response: sentence(40), total_steps: 3,
      execution_trace: [{ agent_name: 'Planner', success: true, action_type: 'invoke_agent', error: null }],
      branch_memory: { Writer: Array.from({ length: 4 }, (_, k) => ({ role: k % 2 ? 'assistant' : 'user', content: sentence(30 + Math.floor(random() * 60)), timestamp: start + k + 0.25 })) },
      metadata: {}, error: null,
    };
    doc.parent_child_map[id] = [`${id}_child`];
  }
  return { doc, integralFloats };
}

function median(f) {
  for (let i = 0; i < 3; i++) f();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

const pyjson = await loadPyjson();
const cases = [
  { name: 'English content, no Python-only number forms', ...makeSession(1_000_000, { words: ENGLISH, integralFloats: false }) },
  { name: 'English content, an integral float (300.0) in every branch', ...makeSession(1_000_000, { words: ENGLISH, integralFloats: true }) },
  { name: 'multilingual content (a non-ASCII word in three)', ...makeSession(1_000_000, { words: MULTILINGUAL, integralFloats: false }) },
];
console.log(`node ${process.version}, ${runs} runs each, medians in ms\n`);
for (const { name, doc, integralFloats } of cases) {
  if (integralFloats) {
    // One marked float per branch, as `"timeout": 300.0` in MARSYS metadata.
    for (const branch of Object.values(doc.branches)) {
      branch.metadata.timeout = 300;
      pyjson.markPythonFloat(branch.metadata, 'timeout');
    }
  }
  const text = pyjson.dumpPythonIndent2(doc);
  const parsed = pyjson.parsePythonJson(text);
  if (pyjson.dumpPythonIndent2(parsed) !== text) throw new Error('round trip failed');
  const nativeParse = median(() => JSON.parse(text));
  const parse = median(() => pyjson.parsePythonJson(text));
  const parseSlow = median(() => pyjson.parsePythonJsonSlow(text));
  const nativeDump = median(() => JSON.stringify(parsed, null, 2));
  const dump = median(() => pyjson.dumpPythonIndent2(parsed));
  const dumpSlow = median(() => pyjson.dumpPythonIndent2Slow(parsed));
  const checksum = median(() => pyjson.marsysChecksumInput(parsed));
  const row = (label, ms, base) => console.log(`  ${label.padEnd(34)} ${ms.toFixed(2).padStart(7)} ms${base ? `   ${(ms / base).toFixed(2)}x` : ''}`);
  console.log(`${name}: ${(text.length / 1e6).toFixed(2)} MB`);
  row('JSON.parse', nativeParse);
  row('parsePythonJson', parse, nativeParse);
  row('parsePythonJsonSlow', parseSlow, nativeParse);
  row('JSON.stringify(v, null, 2)', nativeDump);
  row('dumpPythonIndent2', dump, nativeDump);
  row('dumpPythonIndent2Slow', dumpSlow, nativeDump);
  row('marsysChecksumInput', checksum, nativeDump);
  console.log();
}
