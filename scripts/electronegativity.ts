/**
 * `npm run lint:security` (and `.ci/run`): Electron security review with @doyensec/electronegativity,
 * run isolated through `npm exec` (as a devDependency it breaks on the project's TypeScript and
 * commander), on a copy of what ships in the window: main/, renderer/ and package.json.
 * AvailableSecurityFixesGlobalCheck is left out: it fetches Electron's release list from GitHub
 * (the pinned Electron version is reviewed by hand instead). The tool's translation lookup fails
 * offline after its 1 s timeout, harmlessly. Fails (exit 1) as scripts/electronegativityGate.ts says.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judge, parseAllowlist, type EngError, type EngIssue } from './electronegativityGate';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGE = '@doyensec/electronegativity@1.10.3';
const ALLOWLIST = 'security/electronegativity-allowlist.json';
const MARK = 'ELECTRONEGATIVITY-RESULT ';

/** Runs inside `npm exec`: finds the package from its bin on PATH and calls its programmatic API. */
const INNER = `
const { existsSync, realpathSync } = require('node:fs');
const { dirname, join } = require('node:path');
const bin = process.env.PATH.split(':').map((p) => join(p, 'electronegativity')).find(existsSync);
const pkg = dirname(dirname(realpathSync(bin)));
const run = require(join(pkg, 'dist/runner.js'));
const [input, electronVersionOverride] = process.argv.slice(2);
run({ input, isRelative: true, electronVersionOverride, excludeFromScan: ['AvailableSecurityFixesGlobalCheck'], customScan: [] }, false).then((r) => {
  const issues = r.issues.map((i) => ({ id: i.id, severity: i.severity.name, confidence: i.confidence.name, file: i.file, line: i.location.line, description: i.description }));
  console.log(${JSON.stringify(MARK)} + JSON.stringify({ checks: r.globalChecks + r.atomicChecks, issues, errors: r.errors }));
});
`;

const started = performance.now();
const work = mkdtempSync(join(tmpdir(), 'electronegativity-'));
let code = 1;
try {
  const stage = join(work, 'app');
  for (const part of ['main', 'renderer', 'package.json']) cpSync(join(ROOT, part), join(stage, part), { recursive: true });
  writeFileSync(join(work, 'inner.cjs'), INNER);
  const electron = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.electron!;
  // From the temp dir, so npm resolves the tool into its own cache, never into the project.
  const r = spawnSync('npm', ['exec', '--yes', `--package=${PACKAGE}`, '--', 'node', 'inner.cjs', stage, electron], { cwd: work, encoding: 'utf8', env: { ...process.env, LANG: 'en-US' }, timeout: 300_000 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`electronegativity did not run (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${(r.stderr ?? '').slice(-2000)}`);
  const result = JSON.parse(line.slice(MARK.length)) as { checks: number; issues: EngIssue[]; errors: EngError[] };
  const verdict = judge(result.issues, result.errors, parseAllowlist(JSON.parse(readFileSync(join(ROOT, ALLOWLIST), 'utf8'))));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`electronegativity ${PACKAGE.split('@').pop()}: ${result.checks} checks on main/, renderer/, package.json (Electron ${electron}) in ${seconds} s`);
  for (const i of verdict.allowed) console.log(`  allowed  ${i.id} ${i.severity}/${i.confidence} ${i.file}:${i.line} (${ALLOWLIST})`);
  for (const i of verdict.below) console.log(`  review   ${i.id} ${i.severity}/${i.confidence} ${i.file}:${i.line}: ${i.description}`);
  for (const a of verdict.stale) console.log(`  stale    ${a.id} ${a.file}: allowed but no longer reported; remove it from ${ALLOWLIST}`);
  for (const f of verdict.failures) console.error(`  FAIL     ${f}`);
  console.log(verdict.failures.length ? `${verdict.failures.length} finding(s) at MEDIUM or above not in ${ALLOWLIST}` : 'no finding at MEDIUM or above outside the allow-list');
  code = verdict.failures.length ? 1 : 0;
} catch (e) {
  console.error(`electronegativity gate: ${(e as Error).message}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
