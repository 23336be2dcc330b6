import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../main/lab/config';
import { recipeFromActions } from '../../main/lab/scenario/export';
import { parseRecipe } from '../../main/lab/scenario/parse';
import { toJUnit } from '../../main/lab/scenario/junit';
import type { RecipeResult } from '../../main/lab/scenario/runner';

describe('recipeFromActions', () => {
  it('writes the window state as a recipe that parses back to the same steps', () => {
    const config = parseConfig({ nodes: 3, policy: 'round-robin', maxIdleTime: 10, traceCapacity: 500 });
    const text = recipeFromActions(
      config,
      [
        { action: { action: 'login-start', user: 'Browser 1' }, observed: { status: 200, node: '01' } },
        { action: { action: 'login-next', user: 'Browser 1' }, observed: { status: 401, message: 'Session has timed out', node: '02' } },
        { action: { action: 'configure', patch: { policy: 'sticky' } } },
        { action: { action: 'login', user: 'Browser 2', service: 'Example' } },
        { action: { action: 'wait', ms: 31 * 60_000 } },
        { action: { action: 'validate', user: 'Browser 2' }, observed: { status: 200, valid: false } },
        { action: { action: 'admin-terminate', user: 'Browser 2' } },
        { action: { action: 'kill-node', node: '02' } },
        { action: { action: 'load', logins: 50, concurrency: 4 } },
      ],
      { name: 'ticket-12345', description: 'Customer sees 401 after entering credentials.', users: { 'Browser 2': { username: 'bjensen', password: 'Passw0rd' } } },
    );
    expect(text).toContain('# Exported from AM Session Lab');
    const r = parseRecipe(text, 'ticket-12345.yaml');
    expect(r.name).toBe('ticket-12345');
    // Topology always, other settings only when they differ from the defaults; machine settings never.
    expect(r.cluster).toEqual({ nodes: 3, policy: 'round-robin', auth: 'chain', authSessions: 'memory', sessions: 'cts', maxIdleTime: 10 });
    expect(r.users).toEqual({ 'browser-1': { username: 'demo', password: 'Ch4ng31t' }, 'browser-2': { username: 'bjensen', password: 'Passw0rd' } });
    expect(r.steps.map((s) => s.label)).toEqual([
      'login-start browser-1',
      'login-next browser-1',
      'configure policy="sticky"',
      'login browser-2 (Example)',
      'wait 31m',
      'validate browser-2',
      'admin-terminate browser-2',
      'kill node 02',
      'load 50 logins × 4 concurrent',
    ]);
    expect(r.steps[1]!.expect['*']).toEqual({ status: 401, message: 'Session has timed out', node: '02' });
    expect(r.steps[5]!.expect['*']).toEqual({ status: 200, valid: false });
  });
});

describe('toJUnit', () => {
  it('one testcase per step, a failure naming the expectation and the observation, XML escaped', () => {
    const result = {
      name: 'seed-401',
      variant: 'broken',
      durationMs: 40,
      steps: [
        { index: 0, line: 25, label: 'login-start alice', status: 'passed', durationMs: 10, summary: '', expectations: [] },
        {
          index: 1,
          line: 32,
          label: 'login-next alice',
          status: 'failed',
          durationMs: 12,
          summary: '',
          expectations: [{ passed: false, message: 'step 2 (line 32) login-next alice: AM message: expected <x>, observed "Session has timed out"', expected: '<x>', observed: '"Session has timed out"' }],
        },
      ],
    } as unknown as RecipeResult;
    const xml = toJUnit([result]);
    expect(xml).toContain('<testsuite name="seed-401 [broken]" tests="2" failures="1" errors="0" skipped="0" time="0.040">');
    expect(xml).toContain('name="step 2 (line 32) login-next alice" time="0.012"><failure message="step 2 (line 32) login-next alice: AM message: expected &lt;x&gt;, observed &quot;Session has timed out&quot;"');
    expect(xml).not.toMatch(/<x>/);
  });
});
