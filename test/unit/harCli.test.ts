import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDiagnose, runRedact, runSequence, type Io } from '../../main/cli/har';
import { validateHar } from '../../main/lab/trace/harSchema';
import { FIXTURES, harSecrets, leaks } from '../fixtures/har/scan';

const dir = mkdtempSync(join(tmpdir(), 'har-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const sink: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  return { sink, out: () => out.join(''), err: () => err.join('') };
}

const seed = join(FIXTURES, 'chrome-full-seed401.har');

describe('session-lab har diagnose', () => {
  it('prints each finding as a sentence with its evidence and fix, exit 0', async () => {
    const c = io();
    expect(await runDiagnose(seed, {}, c.sink)).toBe(0);
    expect(c.out()).toContain('ERROR Step 2 of the login got 401 Session has timed out');
    expect(c.out()).toContain('        - step 2 carried amlbcookie=01');
    expect(c.out()).toContain('        Fix: sticky amlbcookie, or trees with CTS / client-side auth sessions.');
    expect(c.out()).toContain('note: This HAR holds live session tokens');
  });

  it('--json gives {warnings, findings}', async () => {
    const c = io();
    expect(await runDiagnose(join(FIXTURES, 'chrome-sanitized-seed401.har'), { json: true }, c.sink)).toBe(0);
    const r = JSON.parse(c.out());
    expect(r.creator).toBe('Chrome');
    expect(r.warnings[0]).toMatch(/^cookies absent \(sanitized export\?\)/);
    expect(r.findings.map((f: { kind: string }) => f.kind)).toEqual(['cookies-absent', 'auth-session-missed']);
  });

  it('exit 2 with a clear message on missing, malformed, non-HAR, too deep and too large files', async () => {
    const cases: [string, string, RegExp, number?][] = [
      ['missing.har', '', /cannot read .*missing\.har: no such file/],
      ['broken.har', '{"log": {"entries": [', /not valid JSON/],
      ['array.har', '[]', /not a HAR file: it has no "log" object/],
      ['deep.har', '{"log":' + '['.repeat(5000) + ']'.repeat(5000) + '}', /nested deeper than 64 levels/],
      ['big.har', `{"log":{"entries":[],"pad":"${'x'.repeat(2 * 1024 * 1024)}"}}`, /over the 1 MB limit/, 1],
    ];
    for (const [name, content, message, maxMb] of cases) {
      const file = join(dir, name);
      if (content) writeFileSync(file, content);
      const c = io();
      expect(await runDiagnose(file, { maxMb }, c.sink), name).toBe(2);
      expect(c.err(), name).toMatch(message);
      expect(c.out()).toBe('');
    }
  });
});

describe('session-lab har redact', () => {
  it('writes a redacted copy with mode 0600 and leaves IN untouched', async () => {
    const out = join(dir, 'redacted.har');
    const before = readFileSync(seed, 'utf8');
    const c = io();
    expect(await runRedact(seed, out, {}, c.sink)).toBe(0);
    expect(readFileSync(seed, 'utf8')).toBe(before);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = readFileSync(out, 'utf8');
    expect(leaks(text, harSecrets(before))).toEqual([]);
    expect(validateHar(JSON.parse(text)).valid).toBe(true);
    expect(c.err()).toMatch(/Wrote .*redacted\.har \(mode 0600\): 7 distinct secrets replaced in \d+ places .*user names pseudonymized/);
    // The redacted file still tells the same story.
    const d = io();
    await runDiagnose(out, {}, d.sink);
    expect(d.out()).toContain('- auth session created on node 01 (step 1)');
  });

  it('refuses to overwrite IN (also spelled differently) and an existing OUT without --force', async () => {
    const copy = join(dir, 'in.har');
    writeFileSync(copy, readFileSync(seed));
    const c = io();
    expect(await runRedact(copy, join(dir, '.', 'in.har'), {}, c.sink)).toBe(2);
    expect(c.err()).toMatch(/OUT must be a different file from IN/);
    const out = join(dir, 'exists.har');
    writeFileSync(out, 'keep me', { mode: 0o644 });
    const d = io();
    expect(await runRedact(copy, out, {}, d.sink)).toBe(2);
    expect(d.err()).toMatch(/already exists \(use --force/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect(await runRedact(copy, out, { force: true }, io().sink)).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('keeps user names with --keep-users', async () => {
    const out = join(dir, 'users.har');
    expect(await runRedact(seed, out, { keepUsers: true }, io().sink)).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('bjensen');
  });
});

describe('session-lab har sequence', () => {
  it('lists flows and writes one flow as SVG (mode 0600)', async () => {
    const c = io();
    expect(await runSequence(seed, join(dir, 'x.svg'), { listFlows: true }, c.sink)).toBe(0);
    expect(c.out()).toContain('login:har-1\tpage_1: login, 2 steps — failure\t2 exchanges');
    const out = join(dir, 'seed.svg');
    expect(await runSequence(seed, out, { flow: 'login:har-1' }, io().sink)).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/data-exchange-id=/g)).toHaveLength(2);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const bad = io();
    expect(await runSequence(seed, join(dir, 'y.svg'), { flow: 'login:nope' }, bad.sink)).toBe(2);
    expect(bad.err()).toMatch(/no flow login:nope/);
  });
});
