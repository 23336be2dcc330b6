import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { DEMO, V2, call, exchanges, startLab } from '../helpers';
import { act, browser, configure, loginAfterPause, outcome, tokenOf, valid, type Case, type LiveKey } from './act';

const MIN = 60_000;
const [username, password] = DEMO;

/** The balancer, the trace and the session basics. */
export const LAB_CASES = {
  async nodes(lab) {
    await configure(lab, { nodes: 3 });
    for (let i = 0; i < 3; i++) await call(lab, 'GET', 'isAlive.jsp');
    expect(new Set((await exchanges(lab)).slice(-3).map((x) => x.routing.node))).toEqual(new Set(['01', '02', '03']));
    await configure(lab, { nodes: 1 });
    expect((await lab.snapshot()).nodes.map((n) => n.id)).toEqual(['01']);
  },
  async policy(lab) {
    const b = browser(lab);
    expect(outcome(await act(lab, { action: 'login', browser: b, username, password }))).toMatchObject({ kind: 'failure', status: 401 });
    await configure(lab, { policy: 'sticky' });
    expect(outcome(await act(lab, { action: 'login', browser: b, username, password }))?.kind).toBe('success');
  },
  async lbCookieName(lab) {
    await configure(lab, { policy: 'sticky', lbCookieName: 'mylb' });
    const b = browser(lab);
    expect(outcome(await act(lab, { action: 'login', browser: b, username, password }))?.kind).toBe('success');
    expect((await lab.browser(b).cookies()).map((c) => c.name)).toContain('mylb');
    const r = await call(lab, 'GET', 'isAlive.jsp', { headers: { cookie: 'mylb=02' } });
    expect(r.status).toBe(200);
    expect((await exchanges(lab)).at(-1)!.routing).toMatchObject({ node: '02', reason: 'sticky mylb=02', cookieName: 'mylb' });
  },
  async sessionCookieName(lab) {
    await configure(lab, { sessionCookieName: 'labSSO' });
    const b = browser(lab);
    await act(lab, { action: 'zero-page-login', browser: b, username, password });
    expect(await tokenOf(lab, b, 'labSSO')).toBeTruthy();
    expect(await tokenOf(lab, b)).toBeUndefined();
    expect(await valid(lab, b)).toBe(true);
  },
  async redispatch(lab) {
    // A sticky request whose node fails before the balancer knows it is down: moved elsewhere, or 503 without redispatch.
    const stuckTo02 = async () => {
      await act(lab, { action: 'kill-node', node: '02' });
      const r = await call(lab, 'GET', 'isAlive.jsp', { headers: { cookie: 'amlbcookie=02' } });
      await act(lab, { action: 'restart-node', node: '02' });
      return r.status;
    };
    await configure(lab, { policy: 'sticky' });
    expect(await stuckTo02()).toBe(200);
    await configure(lab, { redispatch: false });
    expect(await stuckTo02()).toBe(503);
  },
  async auth(lab) {
    const chain = await act(lab, { action: 'login-start', browser: browser(lab) });
    expect(chain.events.find((e) => e.type === 'auth-session-created')?.data).toMatchObject({ kind: 'chain' });
    await configure(lab, { auth: 'tree' });
    const tree = await act(lab, { action: 'login-start', browser: browser(lab) });
    expect(tree.events.find((e) => e.type === 'auth-session-created')?.data).toMatchObject({ kind: 'tree', service: 'Login' });
  },
  async authSessions(lab) {
    await configure(lab, { auth: 'tree' });
    expect(outcome(await act(lab, { action: 'login', browser: browser(lab), username, password }))).toMatchObject({ kind: 'failure', status: 401 });
    await configure(lab, { authSessions: 'cts' });
    const r = await act(lab, { action: 'login', browser: browser(lab), username, password });
    expect(outcome(r)?.kind).toBe('success');
    expect(r.events.find((e) => e.type === 'auth-session-created')?.data).toMatchObject({ storage: 'cts' });
  },
  async sessions(lab) {
    await configure(lab, { sessions: 'client' });
    const r = await act(lab, { action: 'zero-page-login', browser: browser(lab), username, password });
    expect(r.events.find((e) => e.type === 'session-created')?.data).toMatchObject({ kind: 'client' });
    expect((await lab.snapshot()).sessions.filter((s) => s.status === 'active')).toEqual([]);
  },
  async maxSessionTime(lab) {
    await configure(lab, { maxSessionTime: 10 });
    const b = browser(lab);
    await act(lab, { action: 'zero-page-login', browser: b, username, password });
    await act(lab, { action: 'wait', ms: 9 * MIN });
    expect(await valid(lab, b)).toBe(true);
    await act(lab, { action: 'wait', ms: 2 * MIN });
    expect(await valid(lab, b)).toBe(false);
  },
  async maxIdleTime(lab) {
    await configure(lab, { maxIdleTime: 5 });
    const b = browser(lab);
    await act(lab, { action: 'zero-page-login', browser: b, username, password });
    await act(lab, { action: 'wait', ms: 6 * MIN });
    expect(await valid(lab, b)).toBe(false);
  },
  async maxCachingTime(lab) {
    await configure(lab, { maxCachingTime: 7 });
    const b = browser(lab);
    await act(lab, { action: 'zero-page-login', browser: b, username, password });
    expect((await act(lab, { action: 'access', browser: b })).response?.body).toMatchObject({ properties: { maxCachingTime: '7' } });
  },
  async journeyMaxDuration(lab) {
    await configure(lab, { auth: 'tree', authSessions: 'cts' });
    expect(await loginAfterPause(lab, 2 * MIN)).toMatchObject({ kind: 'success' }); // 5 min by default
    await configure(lab, { journeyMaxDuration: 1 });
    expect(await loginAfterPause(lab, 2 * MIN)).toMatchObject({ kind: 'failure', status: 401 });
  },
  async chainAuthTimeoutSeconds(lab) {
    await configure(lab, { policy: 'sticky' });
    expect(await loginAfterPause(lab, 60_000)).toMatchObject({ kind: 'success' }); // 120 s by default
    await configure(lab, { chainAuthTimeoutSeconds: 30 });
    expect(await loginAfterPause(lab, 60_000)).toMatchObject({ kind: 'failure', status: 401 });
  },
  async denylist(lab) {
    await configure(lab, { sessions: 'client', denylist: false });
    const b = browser(lab);
    await act(lab, { action: 'zero-page-login', browser: b, username, password });
    const token = await tokenOf(lab, b);
    await act(lab, { action: 'logout', browser: b });
    // Without the denylist a client-based session's JWT stays valid after logout (it is stateless).
    const r = await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: { ...V2, cookie: `iPlanetDirectoryPro=${token}` }, body: '{}' });
    expect(r.json).toMatchObject({ valid: true });
  },
  async denylistPollSeconds(lab) {
    await configure(lab, { sessions: 'client', policy: 'sticky' });
    const b = browser(lab);
    await act(lab, { action: 'zero-page-login', browser: b, username, password });
    const token = await tokenOf(lab, b);
    const node = (await lab.browser(b).cookies()).find((c) => c.name === 'amlbcookie')!.value;
    await act(lab, { action: 'logout', browser: b });
    const other = node === '01' ? '02' : '01';
    const validateOn = () => call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: { ...V2, cookie: `iPlanetDirectoryPro=${token}; amlbcookie=${other}` }, body: '{}' });
    // Another node learns of the logout on its next CTS poll (10 s by default)…
    expect((await validateOn()).json).toMatchObject({ valid: true });
    await configure(lab, { denylistPollSeconds: 0 });
    // …at once when it polls continuously.
    expect((await validateOn()).json).toMatchObject({ valid: false });
  },
  async latestAccessUpdateSeconds(lab) {
    const b = browser(lab);
    await act(lab, { action: 'zero-page-login', browser: b, username, password });
    const access = async () => (await lab.sessionRows()).find((s) => s.status === 'active' && s.username === username)!.latestAccessTime;
    const created = await access();
    await act(lab, { action: 'wait', ms: 30_000 });
    await act(lab, { action: 'validate', browser: b });
    expect(await access()).toBe(created); // written at most every 60 s
    await configure(lab, { latestAccessUpdateSeconds: 0 });
    await act(lab, { action: 'validate', browser: b });
    expect(await access()).toBe(created + 30_000);
  },
  async profile(lab) {
    const b = browser(lab);
    expect(outcome(await act(lab, { action: 'zero-page-login', browser: b, username, password }))).toMatchObject({ body: { tokenId: expect.stringMatching(/\*/) } });
    await configure(lab, { profile: '8' });
    expect(outcome(await act(lab, { action: 'zero-page-login', browser: b, username, password }))).toMatchObject({ body: { tokenId: '' } });
  },
  async corsOrigins(lab) {
    const preflight = () => call(lab, 'OPTIONS', 'json/realms/root/authenticate', { headers: { origin: 'http://app.example:3000', 'access-control-request-method': 'POST' } });
    expect((await preflight()).headers['access-control-allow-origin']).toBeUndefined();
    await configure(lab, { corsOrigins: ['http://app.example:3000'] });
    expect((await preflight()).headers['access-control-allow-origin']).toBe('http://app.example:3000');
  },
  async maxBodyBytes(lab) {
    const big = JSON.stringify({ pad: 'x'.repeat(4096) });
    expect((await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: V2, body: big })).status).not.toBe(413);
    await configure(lab, { maxBodyBytes: 2048 });
    expect((await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: V2, body: big })).status).toBe(413);
  },
  async upstreamTimeoutMs() {
    // A node that answers after 2 s, behind the lab's balancer alone (as `session-lab balance` runs it).
    const slow = createServer((_req, res) => void setTimeout(() => res.end('late'), 2_000).unref());
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const lab = await startLab({ upstreams: [{ id: '01', origin: `http://127.0.0.1:${(slow.address() as AddressInfo).port}` }] });
      await configure(lab, { upstreamTimeoutMs: 200 });
      const r = await fetch(`${lab.balancer.url}/anything`);
      expect(r.status).toBe(504);
      expect(await r.text()).toContain('did not answer in 200 ms');
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  },
  async ctsReplicationDelayMs() {
    // Its own lab: trees with CTS auth sessions on two replicas, no stickiness, so step 2 of a login
    // reads the other replica. The delay is real time (the network between the replicas).
    const lab = await startLab({ nodes: 2, policy: 'round-robin', auth: 'tree', authSessions: 'cts', cts: 'ldap', ctsReplicas: 2 });
    const login = async (pauseMs: number) => {
      const b = browser(lab);
      await act(lab, { action: 'login-start', browser: b });
      await new Promise((r) => setTimeout(r, pauseMs));
      return outcome(await act(lab, { action: 'login-next', browser: b, username, password }));
    };
    expect((await login(1_000))?.kind).toBe('success');
    await configure(lab, { ctsReplicationDelayMs: 60_000 });
    expect(await login(0)).toMatchObject({ kind: 'failure', status: 401 });
  },
  async ctsLatencyMs(lab) {
    // A zero-page login writes the new session to the CTS: with the CTS slower than the balancer's
    // patience, the node cannot answer in time and the balancer gives up (504).
    await configure(lab, { upstreamTimeoutMs: 2_000 });
    const login = () => call(lab, 'POST', 'json/realms/root/authenticate', { headers: { ...V2, 'x-openam-username': username, 'x-openam-password': password } });
    expect((await login()).status).toBe(200);
    await configure(lab, { ctsLatencyMs: 3_000 });
    const slow = await login();
    expect(slow.status).toBe(504);
    expect(slow.text).toContain('did not answer in 2000 ms');
  },
  async traceCapacity(lab) {
    for (let i = 0; i < 15; i++) await call(lab, 'GET', 'isAlive.jsp');
    await configure(lab, { traceCapacity: 10 });
    expect(lab.recorder.stats()).toMatchObject({ exchanges: 10, capacity: 10 });
    for (let i = 0; i < 5; i++) await call(lab, 'GET', 'isAlive.jsp');
    expect(lab.recorder.stats()).toMatchObject({ exchanges: 10, capacity: 10 });
    expect((await lab.snapshot()).trace.capacity).toBe(10);
  },
  async traceBudgetBytes(lab) {
    const big = JSON.stringify({ pad: 'x'.repeat(60_000) });
    for (let i = 0; i < 30; i++) await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: V2, body: big });
    expect(lab.recorder.stats().bytes).toBeGreaterThan(1024 * 1024);
    await configure(lab, { traceBudgetBytes: 1024 * 1024 });
    expect(lab.recorder.stats()).toMatchObject({ budgetBytes: 1024 * 1024 });
    expect(lab.recorder.stats().bytes).toBeLessThanOrEqual(1024 * 1024);
    expect((await exchanges(lab)).length).toBeLessThan(30);
  },
  async traceBodyBytes(lab) {
    const body = JSON.stringify({ pad: 'x'.repeat(4096) });
    await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: V2, body });
    expect((await exchanges(lab)).at(-1)!.request.truncated).toBeUndefined();
    await configure(lab, { traceBodyBytes: 1024 });
    await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: V2, body });
    expect((await exchanges(lab)).at(-1)!.request).toMatchObject({ truncated: true, bodySize: body.length });
  },
  async lbConfig(lab) {
    await configure(lab, { lbConfig: readFileSync('test/fixtures/lb/haproxy/insert-domain.cfg', 'utf8') });
    await act(lab, { action: 'login-start', browser: browser(lab) });
    expect((await exchanges(lab)).at(-1)!.routing.policy).toMatch(/HAProxy/);
    expect((await exchanges(lab)).at(-1)!.response.headers.some(([n, v]) => /^set-cookie$/i.test(n) && /^SERVERID=/.test(v))).toBe(true);
  },
  async https(lab) {
    expect(lab.balancerUrl).toMatch(/^http:/);
    await configure(lab, { https: true });
    expect(lab.balancerUrl).toMatch(/^https:/);
    const b = browser(lab);
    expect(outcome(await act(lab, { action: 'zero-page-login', browser: b, username, password }))?.kind).toBe('success');
    expect((await exchanges(lab)).at(-1)!.request.url).toMatch(/^https:/);
  },
  async publicHost(lab) {
    await configure(lab, { publicHost: 'am.example.com' });
    await act(lab, { action: 'zero-page-login', browser: browser(lab), username, password });
    expect(new URL((await exchanges(lab)).at(-1)!.request.url).hostname).toBe('am.example.com');
  },
} satisfies Partial<Record<LiveKey, Case>>;
