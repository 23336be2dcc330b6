import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../fixtures/har/scan';

/** The real `session-lab` binary, as a support engineer runs it. */
const BIN = join(process.cwd(), 'bin', 'session-lab.js');
const dir = mkdtempSync(join(tmpdir(), 'har-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('session-lab har (the installed binary)', () => {
  it('diagnose prints the findings and exits 0; malformed input exits 2 with a message', async () => {
    const ok = await run('har', 'diagnose', join(FIXTURES, 'firefox-tree-nocookie401.har'));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('- step 2 carried no amlbcookie');
    const bad = join(dir, 'bad.har');
    writeFileSync(bad, '{"log": {"entries": "nope"}}');
    const r = await run('har', 'diagnose', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('session-lab: This JSON is not a HAR file: "log.entries" is not an array.');
    expect((await run('har', 'diagnose', bad, '--max-mb', 'abc')).code).toBe(2);
  });

  it('redact writes a 0600 copy and refuses to overwrite its input', async () => {
    const out = join(dir, 'out.har');
    const r = await run('har', 'redact', join(FIXTURES, 'safari-logout-replay.har'), out);
    expect(r.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toContain('[REDACTED-PASSWORD]');
    const same = await run('har', 'redact', out, out);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/different file from IN/);
  });
});
