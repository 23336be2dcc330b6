#!/usr/bin/env node
// The layers' import rules, checked on every `npm test` (README, ARCHITECTURE):
//   renderer/      imports the contract (main/contract/) and npm packages only — never the engine, never Node;
//   main/contract/ is standalone: its own files, zod and type-only packages;
//   main/lab/      (the engine) imports itself, the contract and main/paths.ts — never a host;
//   outside main/lab nothing constructs engine parts (hosts and the benchmark go through the Lab
//   facade; only tests build a part alone, to test it).
// Prints one line per broken rule and exits 1, or prints a one-line summary.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SOURCE = /\.(ts|tsx|mts)$/;

function files(dir) {
  const out = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...files(path));
    else if (SOURCE.test(name)) out.push(path);
  }
  return out;
}

/** Every module specifier a file names: static imports and re-exports, and import() with a string. */
function specifiers(text) {
  const out = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

/** The import as a project path (main/lab/clock), or the package name for a bare specifier. */
function target(file, spec) {
  if (!spec.startsWith('.')) return { bare: spec };
  return { path: relative(root, resolve(root, dirname(file), spec)).split('\\').join('/') };
}

const within = (path, dir) => path === dir || path.startsWith(`${dir}/`);
const problems = [];
const rule = (file, spec, why) => problems.push(`${file}: imports ${spec}: ${why}`);

for (const file of files('renderer')) {
  for (const spec of specifiers(readFileSync(join(root, file), 'utf8'))) {
    const t = target(file, spec);
    if (t.bare !== undefined) {
      if (t.bare.startsWith('node:') || t.bare === 'electron') rule(file, spec, 'the window runs in a browser: no Node or Electron module');
    } else if (!within(t.path, 'renderer') && !within(t.path, 'main/contract')) rule(file, spec, 'the window imports the contract (main/contract) only, never the engine or a host');
  }
}

const CONTRACT_PACKAGES = new Set(['zod', 'har-format']);
for (const file of files('main/contract')) {
  for (const spec of specifiers(readFileSync(join(root, file), 'utf8'))) {
    const t = target(file, spec);
    if (t.bare !== undefined ? !CONTRACT_PACKAGES.has(t.bare) : !within(t.path, 'main/contract')) rule(file, spec, 'the contract is standalone (its own files, zod, har-format types)');
  }
}

for (const file of files('main/lab')) {
  for (const spec of specifiers(readFileSync(join(root, file), 'utf8'))) {
    const t = target(file, spec);
    if (t.path !== undefined && !within(t.path, 'main/lab') && !within(t.path, 'main/contract') && t.path !== 'main/paths') rule(file, spec, 'the engine knows no host: it imports itself, the contract and main/paths only');
  }
}

const ENGINE_PARTS = /\bnew\s+(Balancer|TraceRecorder|LabClock|AmNode|EmbeddedTokenStore|SessionService|VirtualBrowser)\s*\(/g;
for (const file of [...files('main'), ...files('renderer'), ...files('bench')].filter((f) => !within(f, 'main/lab'))) {
  for (const m of readFileSync(join(root, file), 'utf8').matchAll(ENGINE_PARTS)) problems.push(`${file}: constructs ${m[1]}: hosts go through the Lab facade (Lab.start)`);
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('layers: renderer → contract only; contract standalone; engine imports no host; no engine parts built outside main/lab and tests');
