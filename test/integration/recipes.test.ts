import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../main/lab/clock';
import { compareRecipe } from '../../main/lab/scenario/compare';
import { builtinRecipes, loadRecipe } from '../../main/lab/scenario/library';
import { runRecipe, type RecipeProgress } from '../../main/lab/scenario/runner';
import { events, recipeLabs, startLab } from './helpers';

const FIXTURES = 'test/fixtures/recipes';

const cases = builtinRecipes().flatMap((b) => {
  const r = loadRecipe(b.file);
  const variants = Object.keys(r.variants);
  return (variants.length ? variants : [undefined]).map((v) => ({ id: v ? `${b.name} [${v}]` : b.name, name: b.name, variant: v }));
});

describe('the built-in library', () => {
  it('holds the recipes the issue names, each with a description a customer can read', () => {
    const list = builtinRecipes();
    expect(list.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'seed-401',
        'fix-sticky-amlbcookie',
        'fix-active-passive',
        'fix-trees-cts-auth-sessions',
        'fix-trees-client-auth-sessions',
        'logout',
        'admin-termination',
        'max-session-time',
        'idle-timeout',
        'client-sessions-no-idle',
        'sticky-node-failure',
      ]),
    );
    for (const r of list) {
      expect(r.file.endsWith(`${r.name}.yaml`)).toBe(true);
      expect(r.description.length).toBeGreaterThan(200);
      expect(r.title).not.toContain('\n');
    }
  });

  it.each(cases)('$id passes', async ({ name, variant }) => {
    const result = await runRecipe(loadRecipe(name), { variant });
    const failed = result.expectations.filter((e) => !e.passed).map((e) => e.message);
    expect(failed).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.expectations.length).toBeGreaterThan(3);
  }, 60_000);
});

describe('running a recipe', () => {
  it('a wrong expectation fails, naming the expectation and what was observed', async () => {
    const result = await runRecipe(loadRecipe(`${FIXTURES}/wrong-expectation.yaml`));
    expect(result.passed).toBe(false);
    const failed = result.expectations.filter((e) => !e.passed);
    expect(failed.map((e) => e.message)).toEqual([
      'step 2 (line 14) login-next alice: HTTP status: expected 200, observed 401 "Session has timed out" from node 02',
      'step 2 (line 14) login-next alice: login outcome: expected success, observed failure (HTTP 401 "Session has timed out")',
    ]);
    expect(result.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'passed']);
  });

  it('a step that cannot run is an error naming why; the steps after it are skipped', async () => {
    const result = await runRecipe(loadRecipe(`${FIXTURES}/missing-login.yaml`));
    expect(result.passed).toBe(false);
    expect(result.steps.map((s) => s.status)).toEqual(['error', 'skipped']);
    expect(result.expectations[0]!.message).toBe('step 1 (line 5) login-next alice: ran: it could not run: alice has no login form on screen: start one with login-start first');
  });

  it('runs on the lab clock: 71 idle minutes pass without waiting for them', async () => {
    const result = await runRecipe(loadRecipe('idle-timeout'));
    expect(result.passed).toBe(true);
    expect(result.labElapsedMs).toBe(71 * MINUTE);
    const ended = result.items.filter((i) => i.kind === 'event' && i.type === 'session-terminated');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ data: { reason: 'idle', detectedBy: 'reaper' } });
  });

  it('reports each step with the seq range of its traffic, in order', async () => {
    const events: RecipeProgress[] = [];
    const result = await runRecipe(loadRecipe('seed-401'), { variant: 'broken', onProgress: (e) => events.push(e) });
    expect(events.map((e) => e.type)).toEqual(['run-started', ...result.steps.flatMap(() => ['step-started', 'step-finished']), 'run-finished']);
    let last = 0;
    for (const s of result.steps) {
      expect(s.seq).not.toBeNull();
      expect(s.seq!.from).toBeGreaterThan(last);
      last = s.seq!.to;
      const inRange = result.items.filter((i) => i.kind === 'exchange' && i.seq >= s.seq!.from && i.seq <= s.seq!.to);
      expect(inRange.length).toBeGreaterThan(0);
    }
    // The 401 of step 2 is inside step 2's range.
    const s2 = result.steps[1]!;
    const x = result.items.find((i) => i.kind === 'exchange' && i.response.status === 401)!;
    expect(x.seq).toBeGreaterThanOrEqual(s2.seq!.from);
    expect(x.seq).toBeLessThanOrEqual(s2.seq!.to);
  });

  it('stops before the next step once its signal aborts; the rest is skipped', async () => {
    const abort = new AbortController();
    const result = await runRecipe(loadRecipe('idle-timeout'), {
      signal: abort.signal,
      onProgress: (e) => {
        if (e.type === 'step-finished' && e.index === 1) abort.abort();
      },
    });
    expect(result.aborted).toBe(true);
    expect(result.passed).toBe(false);
    expect(result.steps.slice(0, 2).map((s) => s.status)).toEqual(['passed', 'passed']);
    expect(result.steps.slice(2).every((s) => s.status === 'skipped' && s.summary === 'skipped: the run was stopped')).toBe(true);
  });

  it('runs in a lab it is given: brings it to the recipe start, leaves it running, restores its clock', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky', maxIdleTime: 5 });
    // Earlier work in the window: traffic moved the round-robin turn, a node was killed.
    await lab.createBrowser().login('demo', 'Ch4ng31t');
    await lab.killNode('01');
    const result = await runRecipe(loadRecipe('seed-401'), { lab, variant: 'broken' });
    expect(result.expectations.filter((e) => !e.passed).map((e) => e.message)).toEqual([]);
    expect(lab.config.maxIdleTime).toBe(30);
    expect(result.passed).toBe(true);
    expect(lab.config.policy).toBe('round-robin');
    expect(lab.nodes).toHaveLength(3);
    expect(lab.clock.state().paused).toBe(false);
    expect(lab.browser(result.browsers.alice!).name).toBe('alice');
    expect((await events(lab)).some((e) => e.type === 'config-changed' && e.data.key === 'policy')).toBe(true);
  });
});

describe('in the window', () => {
  it('one used lab runs every built-in in turn, and each passes as it does in CI', async () => {
    const labFor = recipeLabs({ nodes: 3 });
    const failed: string[] = [];
    for (const c of cases) {
      const recipe = loadRecipe(c.name);
      const result = await runRecipe(recipe, { lab: await labFor(recipe, c.variant), variant: c.variant });
      failed.push(...result.expectations.filter((e) => !e.passed).map((e) => `${c.id}: ${e.message}`));
    }
    expect(failed).toEqual([]);
  }, 120_000);
});

describe('broken vs fixed', () => {
  it('runs both variants side by side: 401 on one side, success on the other', async () => {
    const c = await compareRecipe(loadRecipe('seed-401'), 'broken', 'fixed');
    expect(c.a.result.passed).toBe(true);
    expect(c.b.result.passed).toBe(true);
    const step2 = c.rows[1]!;
    expect(step2.a).toMatchObject({ httpStatus: 401, message: 'Session has timed out', node: '02' });
    expect(step2.b).toMatchObject({ httpStatus: 200, node: '01' });
    expect(step2.differs).toBe(true);
    expect(c.rows[0]!.differs).toBe(false);
  });

  it('takes settings of its own (stickiness off vs on)', async () => {
    const c = await compareRecipe(loadRecipe(`${FIXTURES}/wrong-expectation.yaml`), { label: 'stickiness off', patch: { policy: 'round-robin' } }, { label: 'stickiness on', patch: { policy: 'sticky' } });
    expect(c.rows[1]!.a.httpStatus).toBe(401);
    expect(c.rows[1]!.b.httpStatus).toBe(200);
    // The recipe expected success: it fails without stickiness and holds with it.
    expect(c.a.result.passed).toBe(false);
    expect(c.b.result.passed).toBe(true);
    expect(c.b.result.settings.policy).toBe('sticky');
    // Plain settings work too, labelled by what they change.
    const plain = await compareRecipe(loadRecipe('seed-401'), { policy: 'round-robin' }, { policy: 'active-passive' });
    expect([plain.a.label, plain.b.label]).toEqual(['policy=round-robin', 'policy=active-passive']);
    expect(plain.rows[1]!.a.httpStatus).toBe(401);
    expect(plain.rows[1]!.b.httpStatus).toBe(200);
  });
});
