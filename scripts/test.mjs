#!/usr/bin/env node
// The one test command (`npm test`): layer rules and typecheck, unit + integration tests, the
// integration tests again with every lab's CTS on a real directory (slapd) and its nodes as OS
// processes, then the end-to-end tests in Chromium against the browser host. Ends with a plain
// "N passed, N failed" line for CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const run = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;
mkdirSync('test-results', { recursive: true });
let passed = 0;
let failed = 0;
let broken = false;

function suite(name, config, out, { env, extraArgs = [] } = {}) {
  rmSync(out, { force: true });
  const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...extraArgs];
  if (config) args.push('--config', config);
  console.log(`\n== ${name}`);
  const started = Date.now();
  const status = run('npx', args, env ? { ...process.env, ...env } : process.env);
  console.log(`${name}: ${Math.round((Date.now() - started) / 1000)} s`);
  if (!existsSync(out)) {
    console.error(`${name}: no results written (exit ${status})`);
    broken = true;
    return;
  }
  const r = JSON.parse(readFileSync(out, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  if (status !== 0 && r.numFailedTests === 0) broken = true; // e.g. an unhandled error outside tests
  if (r.numTotalTests === 0) broken = true;
}

console.log('== layers and typecheck (everything; the Node side without DOM; the window without Node)');
if (run('npm', ['run', '--silent', 'typecheck']) !== 0) broken = true;
// Always rebuild (about a second): the e2e tests must never drive a stale window or CLI bundle.
console.log('\n== build');
if (run('npm', ['run', 'build']) !== 0) broken = true;
suite('unit + integration', undefined, 'test-results/vitest.json');
// The same integration tests as a user's lab runs: the CTS in OpenLDAP (slapd with AM's CTS schema)
// and each AM node an OS process, the balancer on a thread of its own (the hosts' default isolation;
// the first pass runs every lab in one thread). Both are every lab's default, as `serve` reads them.
suite('integration, CTS on slapd, nodes as processes', undefined, 'test-results/vitest-ldap.json', {
  env: { SESSION_LAB_CTS: 'ldap', SESSION_LAB_ISOLATION: 'process' },
  // The cts* tests choose their stores themselves: once is enough.
  extraArgs: ['test/integration', '--exclude', 'test/integration/cts*.test.ts'],
});
if (existsSync('vitest.e2e.config.mts')) suite('end-to-end (Chromium)', 'vitest.e2e.config.mts', 'test-results/e2e.json');

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed || broken ? 1 : 0);
