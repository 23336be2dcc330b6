import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabBridge } from '../../main/bridge';
import type { ActionResult, CompareView, HarExport, HarImportView, PushMessage, RecipeRunView } from '../../main/contract';
import { Lab } from '../../main/lab/lab';
import { bridgeCaller, exchanges } from './helpers';

/** The HAR, diagnosis and recipe operations as the window and scripts call them (through the bridge). */
describe('operations: diagnosis, HAR and recipes through the bridge', () => {
  let lab: Lab;
  let bridge: LabBridge;
  const pushes: PushMessage[] = [];
  const call = bridgeCaller(() => bridge);

  beforeAll(async () => {
    lab = await Lab.start({ nodes: 3 });
    bridge = new LabBridge(lab, { throttleMs: 10 });
    bridge.subscribe((m) => pushes.push(m));
    const b = await call<{ id: string }>('createBrowser', { name: 'Customer' });
    await call('perform', { action: 'login', browser: b.id, username: 'demo', password: 'Ch4ng31t' });
    await call('perform', { action: 'configure', patch: { policy: 'sticky' } });
    await call('perform', { action: 'login', browser: b.id, username: 'demo', password: 'Ch4ng31t' });
  });
  afterAll(async () => {
    bridge.close();
    await lab.stop();
  });

  it('diagnoses the seed 401 from the trace, with its evidence and fix', async () => {
    const { findings } = await call<{ findings: { kind: string; sentence: string; text: string; failingExchangeId?: string }[] }>('diagnose');
    const missed = findings.find((f) => f.kind === 'auth-session-missed')!;
    expect(missed.sentence).toMatch(/401 Session has timed out/);
    expect(missed.text).toMatch(/Fix: sticky amlbcookie/);
    expect((await exchanges(lab)).find((e) => e.id === missed.failingExchangeId)?.response.status).toBe(401);
  });

  it('exports a redacted HAR by default: no live token or admin password in it', async () => {
    const tokens = (await exchanges(lab)).flatMap((e) => e.response.headers.filter(([n]) => /set-cookie/i.test(n)).map(([, v]) => /^iPlanetDirectoryPro=([^;]+)/.exec(v)?.[1])).filter((v): v is string => !!v && v.length > 10);
    expect(tokens.length).toBeGreaterThan(0);
    const r = await call<HarExport>('exportHar');
    const text = JSON.stringify(r.har);
    expect(r.redacted).toBe(true);
    expect(r.fileName).toMatch(/^am-session-lab-.*\.har$/);
    expect(r.fileName).not.toContain('UNREDACTED');
    expect(r.entries).toBe((await exchanges(lab)).length);
    for (const t of tokens) expect(text).not.toContain(t);
    expect(text).not.toContain('Ch4ng31t');
    expect(Object.values(r.counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    const raw = await call<HarExport>('exportHar', { redact: false });
    expect(raw.fileName).toMatch(/\.UNREDACTED\.har$/);
    expect(JSON.stringify(raw.har)).toContain(tokens[0]!);
    expect(raw.counts).toEqual({});
  });

  it('imports its own HAR back and finds the same 401; refuses a file that is not a HAR', async () => {
    const exported = await call<HarExport>('exportHar');
    const imp = await call<HarImportView>('importHar', { text: JSON.stringify(exported.har), name: 'ticket-1234.har' });
    expect(imp).toMatchObject({ name: 'ticket-1234.har', creator: 'AM Session Lab', redaction: 'redacted', exchanges: exported.entries });
    expect(imp.findings.some((f) => f.kind === 'auth-session-missed')).toBe(true);
    expect(imp.svg).toMatch(/^<svg /);
    expect(imp.svg).not.toMatch(/<script/i);
    for (const text of ['{"log":', '[]', '{"log":{"entries":7}}', '{'.repeat(100_000)]) {
      const o = await bridge.call('importHar', { text });
      expect(o).toMatchObject({ ok: false, error: { kind: 'lab-error' } });
    }
  });

  it('lists flows and draws one as an SVG with the failing step', async () => {
    const flows = await call<{ id: string; kind: string; exchangeIds: string[]; title: string }[]>('flows');
    const failed = flows.find((f) => f.kind === 'login' && /failure/.test(f.title))!;
    const { svg, exchanges } = await call<{ svg: string; exchanges: number }>('sequence', { exchangeIds: failed.exchangeIds });
    expect(exchanges).toBe(2);
    expect(svg).toContain('Session has timed out');
  });

  it('runs a built-in recipe in a lab of its own, pushing each step, leaving this lab alone, and refuses paths and unknown names', async () => {
    const list = await call<{ name: string; variants: string[] }[]>('recipes');
    expect(list.find((r) => r.name === 'seed-401')?.variants).toEqual(['broken', 'fixed']);
    pushes.length = 0;
    const before = { config: lab.config, browsers: [...lab.browsers.keys()], exchanges: lab.recorder.stats().exchanges, paused: lab.clock.state().paused };
    const run = await call<RecipeRunView>('runRecipe', { name: 'seed-401', variant: 'broken' });
    expect(run).toMatchObject({ name: 'seed-401', variant: 'broken', passed: true, aborted: false });
    // Its settings, browsers, clock and traffic stayed in its own lab; the run hands its trace over.
    expect({ config: lab.config, browsers: [...lab.browsers.keys()], exchanges: lab.recorder.stats().exchanges, paused: lab.clock.state().paused }).toEqual(before);
    expect(run.items.filter((i) => i.kind === 'exchange' && i.response.status === 401).length).toBeGreaterThan(0);
    expect(run.steps[1]!.note).toMatch(/Without stickiness/);
    const progress = pushes.filter((p): p is Extract<PushMessage, { type: 'recipe' }> => p.type === 'recipe').map((p) => p.progress.type);
    expect(progress[0]).toBe('run-started');
    expect(progress.filter((t) => t === 'step-finished')).toHaveLength(run.steps.length);
    expect(progress.at(-1)).toBe('run-finished');
    expect(await bridge.call('runRecipe', { name: '../../etc/passwd' })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(await bridge.call('runRecipe', { name: 'no-such-recipe' })).toMatchObject({ ok: false, error: { kind: 'lab-error', message: expect.stringMatching(/no built-in recipe named/) } });
    expect(await bridge.call('runRecipe', { name: 'seed-401', variant: 'sideways' })).toMatchObject({ ok: false, error: { kind: 'lab-error', message: expect.stringMatching(/no variant "sideways"/) } });
    expect(await call('stopRun')).toEqual({ stopped: false });
  });

  it('compares broken and fixed side by side, each in its own lab, leaving this lab alone', async () => {
    const policy = lab.config.policy;
    const c = await call<CompareView>('compareRecipe', { name: 'seed-401', a: 'broken', b: 'fixed' });
    expect(c).toMatchObject({ recipe: 'seed-401', a: { label: 'broken', passed: true }, b: { label: 'fixed', passed: true } });
    const step2 = c.rows.find((r) => r.differs)!;
    expect(step2.a).toMatchObject({ httpStatus: 401, message: 'Session has timed out' });
    expect(step2.b.httpStatus).toBe(200);
    expect(lab.config.policy).toBe(policy);
  });

  it('runs a bounded load through the balancer: chains fail across nodes without stickiness, never with it', async () => {
    await call('perform', { action: 'configure', patch: { policy: 'round-robin', auth: 'chain' } });
    pushes.length = 0;
    const rr = (await call<ActionResult>('perform', { action: 'load', logins: 60, concurrency: 4 })).load!;
    expect(rr.attempted).toBe(60);
    expect(rr.failed).toBeGreaterThan(0);
    expect(rr.routing.sameNodeFailures).toBe(0);
    expect(Object.keys(rr.failuresByReason).join()).toMatch(/401 Session has timed out/);
    expect(rr).not.toHaveProperty('sampleItems');
    expect(pushes.some((p) => p.type === 'load')).toBe(true);
    await call('perform', { action: 'configure', patch: { policy: 'sticky' } });
    const sticky = (await call<ActionResult>('perform', { action: 'load', logins: 60, concurrency: 4 })).load!;
    expect(sticky).toMatchObject({ attempted: 60, failed: 0 });
    expect(await bridge.call('perform', { action: 'load', logins: 0, concurrency: 4 })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(await bridge.call('perform', { action: 'load', logins: 10, concurrency: 1000 })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
  });
});
