import { describe, expect, it } from 'vitest';
import type { Action, ActionResult, RecipeExport } from '../../main/contract';
import { MACHINE_SETTINGS, parseConfig, type LiveConfigPatch } from '../../main/lab/config';
import type { Lab } from '../../main/lab/lab';
import { dispatch } from '../../main/operations';
import { actionLogOf, builtinRecipes, loadRecipe, parseRecipe, runRecipe, type RecipeResult } from '../../main/lab/scenario';
import { DEMO, recipeLabs, startLab } from './helpers';

/**
 * The window's session and recipes are one vocabulary: what the window performs is logged as
 * recipe steps, an exported recipe re-runs headless with the same outcomes, and a recipe played in
 * a lab with its action log exports back as itself.
 */
function window(lab: Lab) {
  return async <T>(name: string, input: unknown = {}) => {
    const o = await dispatch(lab, name, input);
    if (!o.ok) throw new Error(`${name}: ${o.error.kind}: ${o.error.message}`);
    return o.value as T;
  };
}

/** What each step of a run showed: the outcome a person compares (status, AM message, node). */
const outcomes = (r: RecipeResult) => r.steps.map((s) => ({ step: s.label.replace(/ .*/, ''), status: s.observation?.status ?? null, message: s.observation?.message ?? null, node: s.observation?.node ?? null }));

/** The ticket's settings a recipe starts from (machine settings are not part of it). */
const ticketSettings = (patch: LiveConfigPatch) => Object.fromEntries(Object.entries(parseConfig(patch)).filter(([k]) => !MACHINE_SETTINGS.has(k)));

describe('exportRecipe: the window session as a recipe', () => {
  it('a reproduction made by hand in the window re-runs headless with identical outcomes', async () => {
    const lab = await startLab({ nodes: 3, policy: 'round-robin' });
    const call = window(lab);
    const [username, password] = DEMO;
    const seen: ActionResult[] = [];
    const perform = async (a: Action) => {
      const r = await call<ActionResult>('perform', a);
      seen.push(r);
      return r;
    };

    expect((await call<RecipeExport>('exportRecipe')).actions).toBe(0);
    const b = await call<{ id: string }>('createBrowser', { name: 'Customer' });
    expect((await perform({ action: 'login', browser: b.id, username, password })).steps?.at(-1)?.kind).toBe('failure');
    await perform({ action: 'configure', patch: { policy: 'sticky' } });
    expect((await perform({ action: 'login', browser: b.id, username, password })).steps?.at(-1)?.kind).toBe('success');
    await perform({ action: 'validate', browser: b.id });
    // Refused input never reaches the log.
    expect((await dispatch(lab, 'perform', { action: 'kill-node', node: '42' })).ok).toBe(false);

    const r = await call<RecipeExport>('exportRecipe', { name: 'ticket-seed-401', title: 'Seed 401 made by hand' });
    expect(r).toMatchObject({ fileName: 'ticket-seed-401.yaml', actions: 4 });
    expect(r.yaml).toContain('Session has timed out');
    const recipe = parseRecipe(r.yaml, r.fileName);
    expect(recipe.cluster.policy).toBe('round-robin');
    expect(recipe.steps.map((s) => s.label)).toEqual(['login customer', 'configure policy="sticky"', 'login customer', 'validate customer']);

    const rerun = await runRecipe(recipe);
    expect(rerun.steps.filter((s) => s.status !== 'passed').map((s) => `${s.label}: ${s.error ?? s.expectations.filter((e) => !e.passed).map((e) => e.message).join('; ')}`)).toEqual([]);
    // Identical outcomes: what each action's own last exchange showed in the window, step by step.
    const inWindow = seen.map((x) => {
      const last = x.exchanges.at(-1);
      const body = last ? (JSON.parse(last.response.body || '{}') as { message?: string }) : {};
      return { step: x.action.action, status: last?.response.status ?? null, message: body.message ?? null, node: last?.routing.node ?? null };
    });
    expect(outcomes(rerun)).toEqual(inWindow);

    expect(await call('clearActionLog')).toEqual({ cleared: 4 });
    expect((await call<RecipeExport>('exportRecipe')).actions).toBe(0);
  });

  it('step-by-step logins, clock, nodes and admin terminate are written as their recipe steps', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky' });
    const call = window(lab);
    await call('pauseClock', { paused: true });
    const b = await call<{ id: string }>('createBrowser', { name: 'Browser 1' });
    const start = await call<ActionResult>('perform', { action: 'login-start', browser: b.id });
    const form = start.steps![0]!;
    if (form.kind !== 'callbacks') throw new Error('expected callbacks');
    // The window sends what was typed into the form; the log keeps the credentials it carried.
    const values = Object.fromEntries(form.payload.callbacks.map((cb) => [cb.input![0]!.name, cb.type === 'PasswordCallback' ? DEMO[1] : DEMO[0]]));
    const next = await call<ActionResult>('perform', { action: 'login-next', browser: b.id, values });
    expect(next.action).toMatchObject({ action: 'login-next', username: DEMO[0], password: DEMO[1] });
    for (const a of [
      { action: 'wait', ms: 60_000 },
      { action: 'drain-node', node: '02' },
      { action: 'undrain-node', node: '02' },
      { action: 'kill-node', node: '02' },
      { action: 'restart-node', node: '02' },
    ]) await call('perform', a);
    const rows = await call<{ handle: string; status: string }[]>('sessions');
    // The Sessions tab terminates by handle; the log writes it as the user whose login created it.
    const ended = await call<ActionResult>('perform', { action: 'admin-terminate', handle: rows.find((s) => s.status === 'active')!.handle });
    expect(ended.action).toMatchObject({ browser: b.id });
    await call('perform', { action: 'validate', browser: b.id });

    const recipe = parseRecipe((await call<RecipeExport>('exportRecipe')).yaml, 'exported.yaml');
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

  it('OAuth2 calls made in the window export with the OAuth2 error AM answered, and re-run the same', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky' });
    const call = window(lab);
    const b = await call<{ id: string }>('createBrowser', { name: 'SPA' });
    const held: string[] = [];
    // FRUser.logout as the SDK does it: session logout, then OAuth2Client.revokeToken (the access
    // token only; OpenAM TokenRevocationResource). userinfo refuses the revoked token (401
    // invalid_token, RFC 6750 §3.1) while the refresh token still works.
    for (const a of [
      { action: 'login', browser: b.id, username: DEMO[0], password: DEMO[1] },
      { action: 'get-tokens', browser: b.id, prompt: 'none' },
      { action: 'logout', browser: b.id },
      { action: 'revoke', browser: b.id },
      { action: 'userinfo', browser: b.id },
      { action: 'refresh-tokens', browser: b.id },
    ] as const)
      held.push(...((await call<ActionResult>('perform', a)).oauth2?.held.map((t) => t.value) ?? []));
    expect(held.length).toBeGreaterThan(0);
    const r = await call<RecipeExport>('exportRecipe', { name: 'refresh-after-logout' });
    // A recipe carries what to do and what AM answered, never the tokens it handed over.
    for (const token of held) expect(r.yaml).not.toContain(token);
    const recipe = parseRecipe(r.yaml, r.fileName);
    expect(recipe.steps.map((s) => s.label)).toEqual(['login spa', 'get-tokens spa (prompt=none)', 'logout spa', 'revoke spa', 'userinfo spa', 'refresh-tokens spa']);
    expect(recipe.steps[4]!.expect['*']).toMatchObject({ status: 401, error: 'invalid_token' });
    expect(recipe.steps[5]!.expect['*']).toMatchObject({ status: 200 });
    const rerun = await runRecipe(recipe);
    expect(rerun.steps.filter((s) => s.status !== 'passed').map((s) => `${s.label}: ${s.error ?? s.expectations.filter((e) => !e.passed).map((e) => e.message).join('; ')}`)).toEqual([]);
  });

  it('every built-in recipe played in the window exports back as an equivalent recipe', async () => {
    const labFor = recipeLabs({ nodes: 3 });
    for (const { name } of builtinRecipes()) {
      const original = loadRecipe(name);
      const variant = Object.keys(original.variants)[0];
      const recipeLab = await labFor(original, variant);
      const call = window(recipeLab);
      // Played in the window's lab, with its action log: what the engine's runner does when given a lab.
      const played = await runRecipe(original, { lab: recipeLab, variant, log: actionLogOf(recipeLab) });
      expect(played.passed, name).toBe(true);
      const exported = parseRecipe((await call<RecipeExport>('exportRecipe', { name: `${name}-again` })).yaml, `${name}-again.yaml`);
      // The same ticket settings, the same users, the same actions in the same order.
      expect(ticketSettings(exported.cluster), name).toEqual(ticketSettings({ ...original.cluster, ...(variant ? original.variants[variant] : {}) }));
      expect(exported.users, name).toEqual(Object.fromEntries(Object.entries(original.users).filter(([u]) => original.steps.some((s) => ('user' in s.action && s.action.user === u) || (s.action.action === 'load' && s.action.as === u)))));
      expect(exported.steps.map((s) => s.action), name).toEqual(original.steps.map((s) => s.action));
      // Its expectations are what the window saw, and a headless run sees the same.
      expect((await runRecipe(exported)).passed, name).toBe(true);
    }
  }, 120_000);
});
