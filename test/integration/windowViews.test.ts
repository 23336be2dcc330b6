import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabBridge } from '../../main/bridge';
import type { LabState, PushMessage, SessionPage } from '../../main/contract';
import { Lab } from '../../main/lab/lab';
import { bridgeCaller, DEMO } from './helpers';

/**
 * What the window is pushed and how its sessions monitor pages through a lab full of sessions
 * (main/windowViews.ts), through the bridge as both hosts call it.
 */
describe('window views: the pushed state and the sessions page', () => {
  let lab: Lab;
  let bridge: LabBridge;
  const pushes: PushMessage[] = [];
  const call = bridgeCaller(() => bridge);
  const page = (q: object = {}) => call<SessionPage>('sessionPage', q);
  let alice = '';
  let bob = '';

  beforeAll(async () => {
    lab = await Lab.start({ nodes: 3, policy: 'sticky' });
    bridge = new LabBridge(lab, { throttleMs: 10 });
    bridge.subscribe((m) => pushes.push(m));
    alice = (await call<{ id: string }>('createBrowser', { name: 'Alice laptop' })).id;
    bob = (await call<{ id: string }>('createBrowser', { name: 'Bob phone' })).id;
    await call('perform', { action: 'login', browser: alice, username: DEMO[0], password: DEMO[1] });
    await call('perform', { action: 'login', browser: bob, username: DEMO[0], password: DEMO[1] });
    // 40 more sessions from a load run's own browsers (not the window's).
    await call('perform', { action: 'load', logins: 40, concurrency: 4 });
  });
  afterAll(async () => {
    bridge.close();
    await lab.stop();
  });

  it('pushes counts instead of the session list, and each browser its newest session', async () => {
    const state = await bridge.state();
    expect('sessions' in state.snapshot).toBe(false);
    // amadmin's own session is not there yet: nobody terminated anything.
    expect(state.snapshot.sessionCounts).toEqual({ active: 42, ended: 0 });
    const mine = state.browserSessions[alice]!;
    expect(mine).toMatchObject({ username: 'demo', status: 'active' });
    await call('perform', { action: 'admin-terminate', browser: alice });
    const after: LabState = await bridge.state();
    expect(after.browserSessions[alice]).toMatchObject({ handle: mine.handle, status: 'ended', reason: 'admin' });
    expect(after.browserSessions[bob]).toMatchObject({ status: 'active' });
    const pushed = pushes.filter((p): p is Extract<PushMessage, { type: 'state' }> => p.type === 'state').at(-1)!;
    expect(Object.keys(pushed)).toEqual(['type', 'snapshot', 'jars', 'browserSessions']);
  });

  it('pages, sorts newest first by default, and counts what matches', async () => {
    const first = await page({ limit: 10 });
    expect(first.rows).toHaveLength(10);
    // 42 demo sessions and amadmin's console session (it logged in to terminate).
    expect(first).toMatchObject({ total: 43, offset: 0, active: 42, ended: 1 });
    const created = first.rows.map((r) => r.createdAt);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const second = await page({ limit: 10, offset: 10 });
    expect(second.rows.map((r) => r.handle).some((h) => first.rows.some((r) => r.handle === h))).toBe(false);
  });

  it('names the virtual browser that owns a session, and filters by it, by user, node and state', async () => {
    const owned = await page({ browser: bob });
    expect(owned.rows).toHaveLength(1);
    expect(owned.rows[0]).toMatchObject({ browser: bob, status: 'active' });
    expect((await page({ browser: 'none', limit: 1000 })).rows.every((r) => r.browser === null)).toBe(true);
    expect((await page({ user: 'AMAD' })).rows.map((r) => r.username)).toEqual(['amadmin']);
    const ended = await page({ state: 'ended' });
    expect(ended.rows.map((r) => [r.browser, r.reason])).toEqual([[alice, 'admin']]);
    const node = (await page({ limit: 1 })).rows[0]!.homeNode;
    const onNode = await page({ node, limit: 1000 });
    expect(onNode.total).toBeGreaterThan(0);
    expect(onNode.rows.every((r) => r.homeNode === node)).toBe(true);
  });

  it('sorts by a column either way, and refreshes exactly the rows a frozen view holds', async () => {
    const byUser = await page({ sort: 'user', dir: 'asc', limit: 1 });
    expect(byUser.rows[0]!.username).toBe('amadmin');
    const byIdle = (await page({ sort: 'idle', dir: 'asc', state: 'active', limit: 1000 })).rows.map((r) => r.maxIdleExpiration!);
    expect([...byIdle].sort((a, b) => a - b)).toEqual(byIdle);
    const held = (await page({ limit: 3 })).rows.map((r) => r.handle).reverse();
    expect((await page({ handles: [...held, 'no-such-handle'] })).rows.map((r) => r.handle)).toEqual(held);
  });

  it('refuses a query the monitor could not have sent', async () => {
    expect(await bridge.call('sessionPage', { limit: 100_000 })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(await bridge.call('sessionPage', { sort: 'password' })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(await bridge.call('sessionPage', { browser: '../b1' })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
  });

  it("terminates a selection in parallel (the window's bulk terminate) with one amadmin session, each by logoutByHandle", async () => {
    // amadmin's console session exists, then idles out with everyone else's (AM 7 default 30 min).
    await call('perform', { action: 'admin-terminate', handle: (await page({ state: 'active', user: 'demo', limit: 1 })).rows[0]!.handle });
    await call('perform', { action: 'wait', ms: 31 * 60_000 });
    for (let i = 0; i < 4; i++) {
      const b = (await call<{ id: string }>('createBrowser', { name: `Late ${i}` })).id;
      await call('perform', { action: 'login', browser: b, username: DEMO[0], password: DEMO[1] });
    }
    const active = (await page({ state: 'active', user: 'demo' })).rows.map((r) => r.handle);
    expect(active).toHaveLength(4);
    await Promise.all(active.map((handle) => call('perform', { action: 'admin-terminate', handle })));
    const ended = await page({ handles: active });
    expect(ended.rows.map((r) => `${r.status}:${r.reason}`)).toEqual(active.map(() => 'ended:admin'));
    expect((await page({ user: 'amadmin', state: 'active' })).total).toBe(1);
  });
});
