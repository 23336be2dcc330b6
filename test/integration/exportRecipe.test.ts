import { describe, expect, it } from 'vitest';
import type { RecipeExport } from '../../main/contract';
import { dispatch } from '../../main/operations';
import { parseRecipe, runRecipe } from '../../main/lab/scenario';
import { DEMO, startLab } from './helpers';

/** A reproduction made by hand in the window, exported through the operation registry and re-run as a recipe. */
describe('exportRecipe: the window session as a recipe', () => {
  it('exports the seed 401 and the sticky fix; the recipe parses back and passes on re-run', async () => {
    const lab = await startLab({ nodes: 3, policy: 'round-robin' });
    const call = async <T>(name: string, input: unknown = {}) => {
      const o = await dispatch(lab, name, input);
      if (!o.ok) throw new Error(`${name}: ${o.error.kind}: ${o.error.message}`);
      return o.value as T;
    };
    const [username, password] = DEMO;

    const empty = await call<RecipeExport>('exportRecipe');
    expect(empty.actions).toBe(0);

    const b = await call<{ id: string }>('createBrowser', { name: 'Customer' });
    const broken = await call<{ outcome: { kind: string } }>('login', { browser: b.id, username, password });
    expect(broken.outcome.kind).toBe('failure');
    await call('configure', { policy: 'sticky' });
    const fixed = await call<{ outcome: { kind: string } }>('login', { browser: b.id, username, password });
    expect(fixed.outcome.kind).toBe('success');
    await call('validate', { browser: b.id });
    // Refused input never reaches the log.
    expect((await dispatch(lab, 'killNode', { node: '42' })).ok).toBe(false);

    const r = await call<RecipeExport>('exportRecipe', { name: 'ticket-seed-401', title: 'Seed 401 made by hand' });
    expect(r.fileName).toBe('ticket-seed-401.yaml');
    expect(r.actions).toBe(4);
    expect(r.yaml).toMatch(/status: 401/);
    expect(r.yaml).toContain('Session has timed out');
    expect(r.yaml).toMatch(/policy: round-robin/);

    const recipe = parseRecipe(r.yaml, r.fileName);
    expect(recipe.cluster.policy).toBe('round-robin');
    expect(recipe.steps.map((s) => s.label)).toEqual(['login customer', 'configure policy="sticky"', 'login customer', 'validate customer']);
    expect(recipe.steps[0]!.expect['*']).toMatchObject({ status: 401 });

    const result = await runRecipe(recipe);
    expect(result.steps.filter((s) => s.status !== 'passed').map((s) => `${s.label}: ${s.error ?? s.expectations.filter((e) => !e.passed).map((e) => e.message).join('; ')}`)).toEqual([]);
    expect(result.passed).toBe(true);

    expect(await call('clearActionLog')).toEqual({ cleared: 4 });
    expect((await call<RecipeExport>('exportRecipe')).actions).toBe(0);
  });

  it('step-by-step logins, clock, nodes and admin terminate are written as their recipe steps', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky' });
    const call = async <T>(name: string, input: unknown = {}) => {
      const o = await dispatch(lab, name, input);
      if (!o.ok) throw new Error(`${name}: ${o.error.kind}: ${o.error.message}`);
      return o.value as T;
    };
    await call('pauseClock', { paused: true });
    const b = await call<{ id: string }>('createBrowser', { name: 'Browser 1' });
    const start = await call<{ step: { kind: string; payload: { callbacks: { type: string; input: { name: string }[] }[] } } }>('startLogin', { browser: b.id });
    const values: Record<string, string> = {};
    for (const cb of start.step.payload.callbacks) values[cb.input[0]!.name] = cb.type === 'PasswordCallback' ? DEMO[1] : DEMO[0];
    await call('submitStep', { browser: b.id, payload: start.step.payload, values });
    await call('advanceClock', { ms: 60_000 });
    await call('drainNode', { node: '02', drained: true });
    await call('drainNode', { node: '02', drained: false });
    await call('killNode', { node: '02' });
    await call('restartNode', { node: '02' });
    const rows = await call<{ handle: string; status: string }[]>('sessions');
    await call('terminateSession', { handle: rows.find((s) => s.status === 'active')!.handle });
    await call('validate', { browser: b.id });

    const r = await call<RecipeExport>('exportRecipe');
    const recipe = parseRecipe(r.yaml, r.fileName);
    expect(recipe.steps.map((s) => s.label)).toEqual([
      'login-start browser-1',
      'login-next browser-1',
      'wait 1m',
      'drain node 02',
      'undrain node 02',
      'kill node 02',
      'restart node 02',
      'admin-terminate browser-1',
      'validate browser-1',
    ]);
    const result = await runRecipe(recipe);
    expect(result.passed).toBe(true);
  });
});
