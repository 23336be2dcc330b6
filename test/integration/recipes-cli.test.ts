import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinRecipes } from '../../main/lab/scenario/library';

const dir = mkdtempSync(join(tmpdir(), 'recipes-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/session-lab.js', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('session-lab run / recipes', () => {
  it('recipes lists every built-in, one name per line with a one-line description', async () => {
    const r = await cli('recipes');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(builtinRecipes().map((b) => b.name));
    expect(lines.find((l) => l.startsWith('seed-401 '))).toMatch(/^seed-401\s+Chains behind a round-robin balancer: 401 Session has timed out$/);
  });

  it('run NAME: a pass/fail table for every variant and exit 0; JUnit and HAR on request', async () => {
    const junit = join(dir, 'seed.xml');
    const har = join(dir, 'seed.har');
    const r = await cli('run', 'seed-401', '--junit', junit, '--har', har);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('seed-401 [broken]');
    expect(r.stdout).toMatch(/2 +32 +login-next alice +401 Session has timed out · node 02 +PASS/);
    expect(r.stdout).toMatch(/2 +32 +login-next alice +200 success · node 01 +PASS/);
    expect(r.stdout.match(/^PASSED: /gm)).toHaveLength(2);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuite name="seed-401 \[fixed\]" tests="4" failures="0"/);
    // One HAR per variant (separate labs), secrets redacted by default.
    const broken = JSON.parse(readFileSync(join(dir, 'seed.broken.har'), 'utf8'));
    expect(broken.log.version).toBe('1.2');
    expect(broken.log.entries.some((e: { response: { status: number } }) => e.response.status === 401)).toBe(true);
    expect(JSON.stringify(broken)).not.toMatch(/iPlanetDirectoryPro=[A-Za-z0-9_-]{20,}/);
    expect(r.stderr).toContain('seed.fixed.har');
  }, 60_000);

  it('a wrong expectation: exit 1, the table names the expectation and what was observed', async () => {
    const r = await cli('run', 'test/fixtures/recipes/wrong-expectation.yaml');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ HTTP status: expected 200, observed 401 "Session has timed out" from node 02');
    expect(r.stdout).toMatch(/^FAILED: /m);
  }, 60_000);

  it('--json prints results a script can read', async () => {
    const r = await cli('run', 'logout', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ name: 'logout', passed: true });
    expect(json.steps[2].observation.cookies).toMatchObject({ iPlanetDirectoryPro: 'cleared' });
  }, 60_000);

  it('bad file, unknown name or bad flag: exit 2 with a clear message', async () => {
    const bad = await cli('run', 'test/fixtures/recipes/bad-fields.yaml');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad-fields.yaml:3:11: cluster.policy: Invalid option');
    expect(bad.stderr).toContain('bad-fields.yaml:8:15: step 1 expect.staus: unknown key "staus" (did you mean status?)');
    expect(bad.stderr).toContain('bad-fields.yaml:9:11: step 2 wait: a duration such as 31m');
    const unknown = await cli('run', 'no-such-recipe');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no built-in recipe named "no-such-recipe".*seed-401/);
    const flag = await cli('run', 'seed-401', '--frobnicate');
    expect(flag.code).toBe(2);
    const variant = await cli('run', 'seed-401', '--variant', 'nope');
    expect(variant.code).toBe(2);
    expect(variant.stderr).toContain('its variants are broken, fixed');
  }, 60_000);
});
