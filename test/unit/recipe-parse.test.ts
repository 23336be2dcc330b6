import { describe, expect, it } from 'vitest';
import { parseRecipe, RecipeError } from '../../main/lab/scenario/parse';
import { formatMs, parseDuration } from '../../main/lab/scenario/units';

const ok = `
name: demo-recipe
description: A chain login behind a round-robin balancer.
cluster:
  nodes: 3
  policy: round-robin
variants:
  broken: { policy: round-robin }
  fixed: { policy: sticky }
users:
  alice: {}
  bob: { username: bjensen, password: Secret12 }
steps:
  - login-start: alice
    note: first page
    expect: { status: 200, node: 1 }
  - login-next: alice
    expect:
      broken: { status: 401, message: Session has timed out }
      fixed: { outcome: success }
  - wait: 1h30m
  - kill-node: "02"
  - configure: { maxIdleTime: 5 }
  - load: { logins: 20, concurrency: 2 }
    expect: { failureRate: { min: 0.1, max: 0.9 } }
  - check:
    expect: { activeSessions: 0, nodeState: { "02": down } }
  - login: { user: bob, service: Example }
`;

function problems(text: string): string[] {
  try {
    parseRecipe(text, 'r.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(RecipeError);
    return (e as RecipeError).message.split('\n');
  }
  throw new Error('expected the recipe to be rejected');
}

describe('parseRecipe', () => {
  it('reads settings, variants, users and every kind of step', () => {
    const r = parseRecipe(ok, 'demo.yaml');
    expect(r.name).toBe('demo-recipe');
    expect(r.title).toBe('A chain login behind a round-robin balancer.');
    expect(r.cluster).toEqual({ nodes: 3, policy: 'round-robin' });
    expect(r.variants).toEqual({ broken: { policy: 'round-robin' }, fixed: { policy: 'sticky' } });
    expect(r.users).toEqual({ alice: { username: 'demo', password: 'Ch4ng31t' }, bob: { username: 'bjensen', password: 'Secret12' } });
    expect(r.steps.map((s) => s.label)).toEqual([
      'login-start alice',
      'login-next alice',
      'wait 1h30m',
      'kill node 02',
      'configure maxIdleTime=5',
      'load 20 logins × 2 concurrent',
      'check the cluster',
      'login bob (Example)',
    ]);
    expect(r.steps[0]).toMatchObject({ line: 14, note: 'first page', action: { action: 'login-start', user: 'alice' }, expect: { '*': { status: 200, node: '01' } } });
    expect(r.steps[1]!.expect).toEqual({ broken: { status: 401, message: 'Session has timed out' }, fixed: { outcome: 'success' } });
    expect(r.steps[2]!.action).toEqual({ action: 'wait', ms: 90 * 60_000 });
    // Only what the recipe wrote is a change: no defaults leak into configure.
    expect(r.steps[4]!.action).toEqual({ action: 'configure', patch: { maxIdleTime: 5 } });
    expect(r.steps[5]!.action).toEqual({ action: 'load', logins: 20, concurrency: 2, logout: false, thinkMs: 5 });
  });

  it('names the file, line and column of every problem at once', () => {
    const text = [
      'description: x', //        1
      'cluster:', //              2
      '  policy: stickyy', //     3
      '  nodez: 3', //            4
      'users:', //                5
      '  alice: {}', //           6
      'steps:', //                7
      '  - login: bob', //        8
      '  - wait: 31', //          9
      '  - logn: alice', //       10
      '  - validate: alice', //   11
      '    expect: { statuss: 2 }', // 12
    ].join('\n');
    expect(problems(text)).toEqual([
      'r.yaml:3:11: cluster.policy: Invalid option: expected one of "round-robin"|"sticky"|"active-passive"',
      'r.yaml:4:3: cluster.nodez: unknown key "nodez" (did you mean nodes?)',
      'r.yaml:8:12: step 1: no user "bob" in users (users are alice)',
      'r.yaml:9:11: step 2 wait: a duration such as 31m, 90s, 1h30m or 500ms',
      'r.yaml:10:5: step 3: unknown action "logn" (did you mean login?)',
      'r.yaml:12:15: step 4 expect.statuss: unknown key "statuss" (did you mean status?)',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const [p] = problems('description: x\nsteps:\n  - login: [alice\n');
    expect(p).toMatch(/^r\.yaml:\d+:\d+: YAML: /);
  });

  it('refuses expectations that make no sense for the action, and ambiguous steps', () => {
    const base = 'description: x\nusers: { a: {} }\nsteps:\n';
    expect(problems(base + '  - check:\n    expect: { status: 200 }\n')[0]).toBe(
      'r.yaml:5:15: step 1: a check step cannot expect "status" (it can expect activeSessions, nodeState, events, terminated)',
    );
    expect(problems(base + '  - login: a\n    validate: a\n')[0]).toBe('r.yaml:4:5: step 1: a step does one thing, found login and validate');
    expect(problems(base + '  - note: nothing\n')[0]).toMatch(/step 1: no action; use one of login, login-start/);
    expect(problems(base + '  - load: { logins: 5, duration: 10s }\n')[0]).toMatch(/r\.yaml:4:11: step 1 load: a load step needs exactly one of logins/);
    expect(problems(base + '  - kill-node: 10\n')[0]).toMatch(/step 1 kill-node: a node id such as "01"/);
  });

  it('reads a note per variant, so the fixed run never explains the broken case', async () => {
    const { stepNote } = await import('../../main/lab/scenario/schema');
    const text = ok.replace('    note: first page\n', '    note:\n      broken: the balancer picks another server\n      fixed: amlbcookie brings it back\n');
    const step = parseRecipe(text, 'r.yaml').steps[0]!;
    expect(stepNote(step, 'broken')).toBe('the balancer picks another server');
    expect(stepNote(step, 'fixed')).toBe('amlbcookie brings it back');
    expect(stepNote(step, null)).toBeUndefined();
    expect(problems(ok.replace('    note: first page\n', '    note: { sideways: x }\n'))[0]).toMatch(/step 1: note is text, or text per variant \(broken, fixed\)/);
  });

  it('needs a description a customer can read, and at least one step', () => {
    const p = problems('steps: []\n');
    expect(p).toContain('r.yaml:1:1: description: a recipe needs a description: what ticket it reproduces, in words a customer can read');
    expect(p).toContain('r.yaml:1:8: steps: a recipe needs at least one step');
  });

  it('rejects a document that is not a mapping, and alias bombs', () => {
    expect(problems('- just\n- a list\n')[0]).toMatch(/a recipe is a YAML mapping/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(problems(bomb)[0]).toMatch(/YAML: /);
  });
});

describe('durations', () => {
  it('reads the units engineers write and prints them back', () => {
    expect(parseDuration('31m')).toBe(31 * 60_000);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2min')).toBe(120_000);
    expect(parseDuration('31')).toBeUndefined();
    expect(parseDuration('m31')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
    expect(formatMs(31 * 60_000)).toBe('31m');
    expect(formatMs(90 * 60_000)).toBe('1h30m');
    expect(formatMs(90_500)).toBe('1m30s500ms');
    expect(formatMs(5)).toBe('5ms');
  });
});
