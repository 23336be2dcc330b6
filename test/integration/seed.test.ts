import { describe, expect, it } from 'vitest';
import { DEMO, events, exchanges, startLab } from './helpers';

const SEED_401 = { code: 401, reason: 'Unauthorized', message: 'Session has timed out' };

describe('the seed ticket: chain login behind a load balancer', () => {
  it('fails with the exact 401 when the balancer is not sticky (3 nodes, round-robin)', async () => {
    const lab = await startLab({ nodes: 3, policy: 'round-robin', auth: 'chain' });
    const b = lab.createBrowser('customer');
    const { outcome, steps } = await b.login(...DEMO);

    expect(steps[0]!.kind).toBe('callbacks');
    expect(outcome.kind).toBe('failure');
    expect(outcome.status).toBe(401);
    expect(outcome.kind === 'failure' && outcome.body).toEqual(SEED_401);

    // The 401 came from a node that really did not hold the auth session: the trace shows two
    // different nodes and the node's own lookup miss.
    const [first, second] = await exchanges(lab);
    expect(first!.routing.node).not.toBe(second!.routing.node);
    expect(second!.routing.reason).toBe('round-robin');
    expect(second!.response.status).toBe(401);
    const created = (await events(lab, 'auth-session-created'))[0]!;
    const missed = (await events(lab, 'auth-session-missed'))[0]!;
    expect(created.node).toBe(first!.routing.node);
    expect(missed.node).toBe(second!.routing.node);
    expect(missed.data.createdOn).toBe(first!.routing.node);
    expect(missed.exchangeId).toBe(second!.id);
    // No session was created anywhere.
    expect(await lab.sessionRows()).toEqual([]);
  });

  it('succeeds with stickiness on amlbcookie; every step lands on the node that started it', async () => {
    const lab = await startLab({ nodes: 3, policy: 'sticky' });
    const b = lab.createBrowser();
    const { outcome } = await b.login(...DEMO);
    expect(outcome.kind).toBe('success');
    const [first, second] = await exchanges(lab);
    expect(second!.routing.reason).toBe(`sticky amlbcookie=${first!.routing.node}`);
    expect(second!.routing.node).toBe(first!.routing.node);
    const jar = await b.cookies();
    expect(jar.find((c) => c.name === 'amlbcookie')?.value).toBe(first!.routing.node);
    // AM 7.0–7.4 (the default profile): HttpOnly is opt-in, com.sun.identity.cookie.httponly (docs 7.2 sec-rest-httponly).
    expect(jar.find((c) => c.name === 'iPlanetDirectoryPro')?.httpOnly).toBe(false);
    expect(jar.find((c) => c.name === 'AMAuthCookie')).toBeUndefined();
  });

  it('turning stickiness on live fixes the next login without restarting anything', async () => {
    const lab = await startLab({ nodes: 3 });
    const b = lab.createBrowser();
    expect((await b.login(...DEMO)).outcome.status).toBe(401);
    await lab.configure({ policy: 'sticky' });
    expect((await b.login(...DEMO)).outcome.kind).toBe('success');
    expect((await events(lab, 'config-changed')).map((e) => e.message)).toContain('Stickiness turned on (sticky on amlbcookie)');
  });

  it('active/passive sends every step to the active node', async () => {
    const lab = await startLab({ nodes: 3, policy: 'active-passive' });
    const { outcome } = await lab.createBrowser().login(...DEMO);
    expect(outcome.kind).toBe('success');
    expect((await exchanges(lab)).map((e) => e.routing.node)).toEqual(['01', '01']);
  });

  for (const authSessions of ['cts', 'client'] as const) {
    it(`trees with ${authSessions} auth sessions succeed without stickiness, across nodes`, async () => {
      const lab = await startLab({ nodes: 3, auth: 'tree', authSessions });
      const { outcome, steps } = await lab.createBrowser().login(...DEMO, { service: 'Example' });
      expect(steps.map((s) => s.kind)).toEqual(['callbacks', 'callbacks', 'success']);
      expect(outcome.kind).toBe('success');
      const nodes = (await exchanges(lab)).map((e) => e.routing.node);
      expect(new Set(nodes).size).toBe(3); // three steps, three different nodes, and it still works
    });
  }

  it('trees with in-memory auth sessions fail like chains, with AM 6.5.3+ detail', async () => {
    const lab = await startLab({ nodes: 2, auth: 'tree', authSessions: 'memory' });
    const { outcome } = await lab.createBrowser().login(...DEMO);
    expect(outcome.status).toBe(401);
    expect(outcome.kind === 'failure' && outcome.body).toEqual({ ...SEED_401, detail: { errorCode: '110' } });
  });

  it('a single node never fails: the 401 needs a second node', async () => {
    const lab = await startLab({ nodes: 1 });
    expect((await lab.createBrowser().login(...DEMO)).outcome.kind).toBe('success');
  });

  it('wrong password gives AM 401 Authentication Failed (chain) and Login failure (tree)', async () => {
    const chain = await startLab({ nodes: 1 });
    const a = await chain.createBrowser().login('demo', 'wrong');
    expect(a.outcome.kind === 'failure' && a.outcome.body).toEqual({ code: 401, reason: 'Unauthorized', message: 'Authentication Failed' });
    const tree = await startLab({ nodes: 1, auth: 'tree' });
    const b = await tree.createBrowser().login('demo', 'wrong');
    expect(b.outcome.kind === 'failure' && b.outcome.body).toEqual({ code: 401, reason: 'Unauthorized', message: 'Login failure', detail: { failureUrl: '' } });
    expect(await events(tree, 'login-failed')).toHaveLength(1);
  });
});
