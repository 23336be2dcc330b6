import { describe, expect, it, vi } from 'vitest';
import { DEMO, events, exchanges, startLab } from './helpers';

describe('a node fails behind the balancer', () => {
  it('sticky node killed: requests are redispatched and the CTS session survives on another node', async () => {
    const lab = await startLab({ nodes: 3, policy: 'sticky' });
    const b = lab.createBrowser();
    expect((await b.login(...DEMO)).outcome.kind).toBe('success');
    const home = (await exchanges(lab)).at(-1)!.routing.node!;
    await lab.killNode(home);
    const v = await b.validate();
    expect(v.body).toMatchObject({ valid: true, uid: 'demo' });
    const last = (await exchanges(lab)).at(-1)!;
    expect(last.routing.node).not.toBe(home);
    expect(last.routing.redispatched).toBe(true);
    expect(last.routing.reason).toMatch(new RegExp(`sticky node ${home} down → 0[1-3]|node ${home} refused`));
    expect((await events(lab, 'node-down')).some((e) => e.node === home)).toBe(true);
    expect((await lab.snapshot()).nodes.find((n) => n.id === home)!.state).toBe('down');
  });

  it('sticky node killed mid-login: the in-flight chain login gets the 401 on the node it lands on', async () => {
    const lab = await startLab({ nodes: 3, policy: 'sticky' });
    const b = lab.createBrowser();
    const step = await b.startLogin();
    expect(step.kind).toBe('callbacks');
    const home = (await exchanges(lab))[0]!.routing.node!;
    await lab.killNode(home);
    const next = await b.submit((step as Extract<typeof step, { kind: 'callbacks' }>).payload, { IDToken1: DEMO[0], IDToken2: DEMO[1] });
    expect(next.kind).toBe('failure');
    expect(next.status).toBe(401);
    expect((next as { body: unknown }).body).toEqual({ code: 401, reason: 'Unauthorized', message: 'Session has timed out' });
    const missed = (await events(lab, 'auth-session-missed'))[0]!;
    expect(missed.data.createdOn).toBe(home);
    expect(missed.node).not.toBe(home);
    // Starting over works on a live node, and amlbcookie now names that node.
    expect((await b.login(...DEMO)).outcome.kind).toBe('success');
    expect((await b.cookies()).find((c) => c.name === 'amlbcookie')!.value).not.toBe(home);
  });

  it('tree login with CTS auth sessions survives its sticky node dying between steps', async () => {
    const lab = await startLab({ nodes: 3, policy: 'sticky', auth: 'tree', authSessions: 'cts' });
    const b = lab.createBrowser();
    const step = await b.startLogin({ service: 'Example' });
    const home = (await exchanges(lab))[0]!.routing.node!;
    await lab.killNode(home);
    let s = step;
    while (s.kind === 'callbacks') s = await b.submit(s.payload, { IDToken1: s.payload.callbacks[0]!.type === 'NameCallback' ? DEMO[0] : DEMO[1] }, { service: 'Example' });
    expect(s.kind).toBe('success');
  });

  it('with redispatch off, the request that meets the dead sticky node gets 503 and reaches no other node; once the node is down the CTS session carries on elsewhere', async () => {
    // The balancer's health-check interval is held, so the node is "dead but not yet detected" for sure.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      // In-process by nature: the faked timer is this thread's, and a worker balancer's health check would still run.
      const lab = await startLab({ nodes: 2, policy: 'sticky', redispatch: false, isolation: 'in-process' });
      const b = lab.createBrowser();
      await b.login(...DEMO);
      const home = (await exchanges(lab)).at(-1)!.routing.node!;
      const other = lab.nodes.find((n) => n.id !== home)!;
      const before = (await other.stats()).requests;
      await lab.killNode(home);
      const r = await b.validate();
      expect(r.status).toBe(503);
      expect((await exchanges(lab)).at(-1)!.routing.reason).toContain(`sticky node ${home} failed before it was known down, redispatch off`);
      expect((await other.stats()).requests).toBe(before);
      // HAProxy ignores a cookie naming a DOWN server even without option redispatch (reliability-security.md §3.4).
      const again = await b.validate();
      expect(again.body).toMatchObject({ valid: true });
      expect((await exchanges(lab)).at(-1)!.routing).toMatchObject({ node: other.id, reason: `sticky node ${home} down, cookie ignored → ${other.id}` });
    } finally {
      vi.useRealTimers();
    }
  });

  it('0 of 60 CTS sessions are lost when one of three nodes dies', async () => {
    const lab = await startLab({ nodes: 3, policy: 'sticky' });
    const browsers = [];
    for (let i = 0; i < 60; i++) {
      const b = lab.createBrowser();
      expect((await b.login(...DEMO)).outcome.kind).toBe('success');
      browsers.push(b);
    }
    await lab.killNode('02');
    const valid = await Promise.all(browsers.map(async (b) => ((await b.validate()).body as { valid: boolean }).valid));
    expect(valid.filter(Boolean)).toHaveLength(60);
  });

  it('a restarted node comes back up and takes traffic; its memory starts empty', async () => {
    const lab = await startLab({ nodes: 2 });
    expect((await lab.createBrowser().startLogin()).kind).toBe('callbacks');
    expect((await lab.node('01').stats()).authSessionsInMemory).toBe(1);
    await lab.killNode('01');
    await lab.restartNode('01');
    expect((await lab.node('01').stats()).authSessionsInMemory).toBe(0);
    expect((await lab.snapshot()).nodes.map((n) => n.state)).toEqual(['up', 'up']);
    const b = lab.createBrowser();
    await b.validate();
    await b.validate();
    expect(new Set((await exchanges(lab)).slice(-2).map((e) => e.routing.node))).toEqual(new Set(['01', '02']));
  });

  it('a drained node keeps its sticky users and takes no new ones', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky' });
    const b = lab.createBrowser();
    await b.login(...DEMO);
    const home = (await exchanges(lab)).at(-1)!.routing.node!;
    await lab.drainNode(home);
    expect((await b.validate()).body).toMatchObject({ valid: true });
    expect((await exchanges(lab)).at(-1)!.routing.node).toBe(home);
    for (let i = 0; i < 4; i++) await lab.createBrowser().startLogin();
    expect((await exchanges(lab)).slice(-4).every((e) => e.routing.node !== home)).toBe(true);
  });
});
