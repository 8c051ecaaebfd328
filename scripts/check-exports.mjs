#!/usr/bin/env node
// Fails the build when package.json and dist/ drift apart:
// - every file that "main", "types", "exports" and "imports" name exists;
// - in each condition object "types" comes first and "default" last (resolvers
//   take the first match, so a misplaced one is silently never used);
// - every entry rollup emitted (a file at the top of dist/; shared chunks live in
//   dist/chunks/) is reachable from "exports" or "imports";
// - built code imports only relative files, node:* builtins, peer dependencies and
//   "#" specifiers that "imports" maps: waymark has no runtime dependencies.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAst } from 'rollup/parseAst';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const problems = [];

if (!existsSync(dist)) fail(['dist/ does not exist: run rollup -c first']);

// 1. Targets of main/types/exports/imports, with where each was named.
const targets = new Map(); // './dist/x.js' -> 'exports["./node"].import.default'
for (const field of ['main', 'types']) {
  if (typeof pkg[field] === 'string') targets.set(pkg[field], field);
}
collect(pkg.exports, 'exports');
collect(pkg.imports, 'imports');

for (const [target, where] of targets) {
  if (!target.startsWith('./')) {
    problems.push(`${where} is "${target}": a target must start with "./"`);
  } else if (!existsSync(join(root, target))) {
    problems.push(`${where} names ${target}, which the build did not emit`);
  }
}

// 2. Every emitted entry is reachable.
const reachable = new Set([...targets.keys()].map((t) => t.replace(/^\.\//, '')));
for (const name of readdirSync(dist)) {
  if (name === 'chunks') continue;
  if (!reachable.has(`dist/${name}`)) {
    problems.push(
      `dist/${name} was built but nothing in package.json "exports" or "imports" reaches it: ` +
        'map it there, or drop its input from rollup.config.mjs',
    );
  }
}

// 3. What the built code imports.
const peers = Object.keys(pkg.peerDependencies ?? {});
if (Object.keys(pkg.dependencies ?? {}).length > 0) {
  problems.push(`package.json has "dependencies" (${Object.keys(pkg.dependencies).join(', ')}): waymark has none at run time`);
}
for (const file of builtCode(dist)) {
  const code = readFileSync(file, 'utf8');
  for (const specifier of specifiers(code)) {
    const ok =
      specifier.startsWith('./') ||
      specifier.startsWith('../') ||
      specifier.startsWith('node:') ||
      (specifier.startsWith('#') && pkg.imports?.[specifier] !== undefined) ||
      peers.some((peer) => specifier === peer || specifier.startsWith(`${peer}/`));
    if (!ok) {
      problems.push(
        `${relative(root, file)} imports "${specifier}", which is neither relative, node:*, ` +
          `a peer dependency nor mapped in package.json "imports"`,
      );
    }
  }
}

if (problems.length > 0) fail(problems);
console.log(`check-exports: package.json and dist/ agree (${targets.size} targets)`);

function fail(lines) {
  console.error(`check-exports: package.json and dist/ disagree:\n${lines.map((l) => `  - ${l}`).join('\n')}`);
  process.exit(1);
}

function collect(value, where) {
  if (value === undefined || value === null) return;
  if (typeof value === 'string') {
    targets.set(value, where);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => collect(v, `${where}[${i}]`));
    return;
  }
  const keys = Object.keys(value);
  if (keys.includes('types') && keys[0] !== 'types') {
    problems.push(`${where}: "types" must be the first condition, or resolvers pick a JS file for types`);
  }
  if (keys.includes('default') && keys.at(-1) !== 'default') {
    problems.push(`${where}: "default" must be the last condition, or the ones after it are never used`);
  }
  for (const key of keys) collect(value[key], `${where}${key.startsWith('.') || key.startsWith('#') ? `["${key}"]` : `.${key}`}`);
}

function* builtCode(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* builtCode(path);
    else if (/\.c?js$/.test(entry.name)) yield path;
  }
}

/** The module specifiers a JS file imports: static, dynamic, re-exports and require(). */
function specifiers(code) {
  const found = [];
  (function walk(node) {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const source =
      node.type === 'ImportDeclaration' ||
      node.type === 'ExportAllDeclaration' ||
      node.type === 'ExportNamedDeclaration' ||
      node.type === 'ImportExpression'
        ? node.source
        : node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'require'
          ? node.arguments[0]
          : undefined;
    if (source?.type === 'Literal' && typeof source.value === 'string') found.push(source.value);
    for (const key in node) if (key !== 'type') walk(node[key]);
  })(parseAst(code));
  return found;
}
