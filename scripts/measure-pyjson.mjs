// Speed of src/pyjson against the native JSON functions, on ~1 MB MARSYS-like
// session documents. Not a test (timings depend on the machine); run it with
//   node scripts/measure-pyjson.mjs [--runs 20]
// It transpiles src/ with the project's TypeScript into a temp dir first, so
// it needs no build and no TS loader.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

// English as LLMs write it: mostly ASCII, with typographic apostrophes and dashes.
const ENGLISH = ['the', 'agent', 'report', 'analysis', 'tool', 'call', 'result', 'search', 'query', 'plan', 'step', 'summary',
  'value', 'data', 'of', 'and', 'to', 'in', 'is', 'for', 'that', 'with', '"quoted"', 'path/to/file', 'line\nbreak', 'x = 1;',
  'it’s', '—', 'naïve'];
const MULTILINGUAL = [...ENGLISH.slice(0, 14), 'résumé', 'für', 'données', '研究', 'мир', '🚀', 'café', 'señor'];
const ASCII_ONLY = ENGLISH.filter((word) => /^[\x00-\x7e]*$/.test(word));

/** A deterministic session: many branches, conversation memory, time.time()-style floats. */
function makeSession(targetBytes, words) {
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
  return doc;
}

/**
 * Runs `native` and `ours` alternately, so both see the same machine load,
 * and returns the median time of each and the median of the per-pair ratios
 * (steadier than a ratio of medians on a busy machine).
 */
function compare(native, ours) {
  for (let i = 0; i < 3; i++) native(), ours();
  const nativeTimes = [];
  const ourTimes = [];
  const ratios = [];
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    native();
    const nativeTime = performance.now() - start;
    start = performance.now();
    ours();
    const ourTime = performance.now() - start;
    nativeTimes.push(nativeTime);
    ourTimes.push(ourTime);
    ratios.push(ourTime / nativeTime);
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    native: median(nativeTimes),
    ours: median(ourTimes),
    ratio: median(ratios),
    // On a busy machine the fastest run is the one least disturbed: the best estimate of the work itself.
    minRatio: Math.min(...ourTimes) / Math.min(...nativeTimes),
  };
}

const pyjson = await loadPyjson();
const cases = [
  { name: 'ASCII-only content, no Python-only number forms', words: ASCII_ONLY, integralFloats: false },
  { name: 'English content, no Python-only number forms', words: ENGLISH, integralFloats: false },
  { name: 'English content, an integral float (300.0) in every branch', words: ENGLISH, integralFloats: true },
  { name: 'multilingual content (a non-ASCII word in three)', words: MULTILINGUAL, integralFloats: false },
];
console.log(`node ${process.version}, ${runs} runs each (after 3 warm-ups): medians, median of per-run ratios, ratio of fastest runs\n`);
for (const { name, words, integralFloats } of cases) {
  const doc = makeSession(1_000_000, words);
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
  const row = (label, nativeLabel, { native, ours, ratio, minRatio }) =>
    console.log(
      `  ${label.padEnd(22)} ${ours.toFixed(2).padStart(6)} ms  vs ${nativeLabel.padEnd(26)} ${native.toFixed(2).padStart(6)} ms` +
        `  = ${ratio.toFixed(2)}x (fastest runs: ${minRatio.toFixed(2)}x)`,
    );
  const nativeParse = () => JSON.parse(text);
  const nativeDump = () => JSON.stringify(parsed, null, 2);
  console.log(`${name}: ${(text.length / 1e6).toFixed(2)} MB`);
  row('parsePythonJson', 'JSON.parse', compare(nativeParse, () => pyjson.parsePythonJson(text)));
  row('parsePythonJsonSlow', 'JSON.parse', compare(nativeParse, () => pyjson.parsePythonJsonSlow(text)));
  row('dumpPythonIndent2', 'JSON.stringify(v, null, 2)', compare(nativeDump, () => pyjson.dumpPythonIndent2(parsed)));
  // What a save does with the text: UTF-8 bytes. JSON.stringify returns a rope that this flattens; dumpPythonIndent2
  // flattens it already (its ASCII pass reads the text), so this row compares the same work on both sides.
  const utf8 = new TextEncoder();
  row('  ... then UTF-8 bytes', 'JSON.stringify, UTF-8 bytes', compare(() => utf8.encode(nativeDump()), () => utf8.encode(pyjson.dumpPythonIndent2(parsed))));
  row('dumpPythonIndent2Slow', 'JSON.stringify(v, null, 2)', compare(nativeDump, () => pyjson.dumpPythonIndent2Slow(parsed)));
  // The checksum covers the branches (and a few small fields), in compact sorted form.
  row('marsysChecksumInput', 'JSON.stringify(v.branches)', compare(() => JSON.stringify(parsed.branches), () => pyjson.marsysChecksumInput(parsed)));
  console.log();
}
