import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../main/lab/clock';
import { DEMO, events, exchanges, startLab } from './helpers';

async function loggedIn(opts: Parameters<typeof startLab>[0] = {}) {
  const lab = await startLab({ nodes: 3, policy: 'sticky', ...opts });
  const b = lab.createBrowser();
  const { outcome } = await b.login(...DEMO);
  expect(outcome.kind).toBe('success');
  return { lab, b };
}

describe('CTS-based sessions', () => {
  it('a session created on one node validates on every other node (read from the CTS)', async () => {
    const { lab, b } = await loggedIn();
    await lab.configure({ policy: 'round-robin' });
    const results = [];
    for (let i = 0; i < 3; i++) results.push((await b.validate()).body);
    expect(results.every((r) => (r as { valid: boolean }).valid)).toBe(true);
    const nodes = (await exchanges(lab)).slice(-3).map((e) => e.routing.node);
    expect(new Set(nodes).size).toBe(3);
  });

  it('logout removes the session for all nodes and invalidates the cookie in its response', async () => {
    const { lab, b } = await loggedIn();
    const before = (await b.cookies()).find((c) => c.name === 'iPlanetDirectoryPro')!.value;
    const r = await b.logout();
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ result: 'Successfully logged out' });
    const setCookie = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
    expect(setCookie.some((c) => /^iPlanetDirectoryPro="";.*Expires=Thu, 01 Jan 1970/.test(c))).toBe(true);
    expect(setCookie.some((c) => /^amlbcookie=LOGOUT;/.test(c))).toBe(true);
    expect((await b.cookies()).map((c) => c.name)).not.toContain('iPlanetDirectoryPro');
    // Replaying the old token on any node: validate says false, other actions 401 Access Denied.
    await lab.configure({ policy: 'round-robin' });
    const replay = lab.createBrowser();
    for (let i = 0; i < 3; i++) {
      const v = await replay.send('POST', 'json/realms/root/sessions?_action=validate', { headers: { 'accept-api-version': 'resource=3.0, protocol=1.0' }, body: { tokenId: before } });
      expect(v.body).toEqual({ valid: false });
    }
    const info = await replay.send('POST', 'json/realms/root/sessions?_action=getSessionInfo', { headers: { iPlanetDirectoryPro: before, 'accept-api-version': 'resource=4.0' }, body: {} });
    expect(info.status).toBe(401);
    expect(info.body).toEqual({ code: 401, reason: 'Unauthorized', message: 'Access Denied' });
    expect((await events(lab, 'session-terminated'))[0]!.data.reason).toBe('logout');
  });

  it('admin termination ends the session; AM never clears the stale cookie on validate (only logout sets Set-Cookie, SessionResource/LogoutActionHandler)', async () => {
    const { lab, b } = await loggedIn();
    const [row] = await lab.sessionRows();
    expect(await lab.terminateSession(row!.handle)).toBe(true);
    const terminated = (await events(lab, 'session-terminated')).find((e) => e.data.handle === row!.handle)!;
    expect(terminated.data.reason).toBe('admin');
    // No Set-Cookie reached the user: the cookie is still in the jar.
    expect((await b.cookies()).map((c) => c.name)).toContain('iPlanetDirectoryPro');
    // Next access: AM says invalid and sends no Set-Cookie; the dead cookie stays in the jar.
    const v = await b.validate();
    expect(v.body).toEqual({ valid: false });
    expect(v.headers['set-cookie']).toBeUndefined();
    expect((await b.cookies()).map((c) => c.name)).toContain('iPlanetDirectoryPro');
    const rows = await lab.sessionRows();
    expect(rows.find((r) => r.handle === row!.handle)).toMatchObject({ status: 'ended', reason: 'admin' });
  });

  it('idle expiry, driven by the lab clock: the CTS reaper removes it with reason idle', async () => {
    const { lab, b } = await loggedIn({ maxIdleTime: 1 });
    await lab.advanceClock(30_000);
    expect((await b.validate()).body).toMatchObject({ valid: true });
    await lab.advanceClock(61_000);
    await lab.reap();
    const ended = await events(lab, 'session-terminated');
    expect(ended).toHaveLength(1);
    expect(ended[0]!.data).toMatchObject({ reason: 'idle', detectedBy: 'reaper' });
    expect((await b.validate()).body).toEqual({ valid: false });
  });

  it('idle expiry is also seen on access, before any reaper runs', async () => {
    const { lab, b } = await loggedIn({ maxIdleTime: 1, latestAccessUpdateSeconds: 0 });
    lab.clock.pause();
    // advance without the reaper hook: the clock's own method, then validate at once
    lab.clock.advance(2 * MINUTE);
    expect((await b.validate()).body).toEqual({ valid: false });
    const e = (await events(lab, 'session-terminated')).find((x) => x.data.reason === 'idle')!;
    expect(['access', 'reaper']).toContain(e.data.detectedBy);
  });

  it('max session time ends an active session even though it was just used', async () => {
    const { lab, b } = await loggedIn({ maxSessionTime: 10, maxIdleTime: 5, latestAccessUpdateSeconds: 0 });
    for (let i = 0; i < 3; i++) {
      await lab.advanceClock(3 * MINUTE);
      expect((await b.refresh()).status).toBe(200);
    }
    await lab.advanceClock(2 * MINUTE); // 11 minutes since login, 2 since the last refresh
    expect((await b.validate()).body).toMatchObject({ valid: false });
    expect((await events(lab, 'session-terminated'))[0]!.data.reason).toBe('max-time');
  });

  it('refresh and getSessionInfo report AM fields; getSessionInfo does not reset idle', async () => {
    const { lab, b } = await loggedIn({ latestAccessUpdateSeconds: 0 });
    await lab.advanceClock(5 * MINUTE);
    const info = (await b.sessionInfo()).body as Record<string, string>;
    expect(Object.keys(info)).toEqual(expect.arrayContaining(['username', 'universalId', 'realm', 'latestAccessTime', 'maxIdleExpirationTime', 'maxSessionExpirationTime', 'properties']));
    const created = (await lab.sessionRows())[0]!.createdAt;
    expect(Date.parse(info.latestAccessTime!)).toBe(created);
    const r = (await b.refresh()).body as Record<string, number>;
    expect(r).toMatchObject({ uid: 'demo', realm: '/', idletime: 0, maxidletime: 30, maxsessiontime: 120 });
    expect(r.maxtime).toBeGreaterThan(114 * 60);
    expect(r.maxtime).toBeLessThanOrEqual(115 * 60);
  });

  it('changing max idle time live applies to sessions created afterwards, as in AM', async () => {
    const { lab, b } = await loggedIn();
    await lab.configure({ maxIdleTime: 1 });
    const c = lab.createBrowser();
    await c.login(...DEMO);
    await lab.advanceClock(2 * MINUTE);
    await lab.reap();
    expect((await c.validate()).body).toEqual({ valid: false });
    expect((await b.validate()).body).toMatchObject({ valid: true });
  });
});

describe('client-based sessions', () => {
  it('carry a signed JWT in the cookie, have no idle timeout, end at max session time', async () => {
    const { lab, b } = await loggedIn({ sessions: 'client', maxIdleTime: 1, maxSessionTime: 10 });
    const cookie = (await b.cookies()).find((c) => c.name === 'iPlanetDirectoryPro')!.value;
    expect(cookie).toMatch(/\*eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    await lab.advanceClock(5 * MINUTE); // far past the 1-minute idle time
    expect((await b.validate()).body).toMatchObject({ valid: true });
    await lab.advanceClock(6 * MINUTE);
    expect((await b.validate()).body).toEqual({ valid: false });
  });

  it('logout denylists the JWT: a replay fails at once on the same node, after the poll delay elsewhere', async () => {
    const { lab, b } = await loggedIn({ sessions: 'client', nodes: 2 });
    const token = (await b.cookies()).find((c) => c.name === 'iPlanetDirectoryPro')!.value;
    const home = (await exchanges(lab)).at(-1)!.routing.node!;
    await b.logout();
    const replay = async (node: string) => {
      const r = await fetch(`${lab.node(node).url}/json/realms/root/sessions?_action=validate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=3.0' },
        body: JSON.stringify({ tokenId: token }),
      });
      return r.json();
    };
    const other = home === '01' ? '02' : '01';
    expect(await replay(home)).toEqual({ valid: false });
    expect(await replay(other)).toMatchObject({ valid: true }); // not yet polled
    await lab.advanceClock(11_000);
    expect(await replay(other)).toEqual({ valid: false });
  });

  it('without the denylist a replayed JWT stays valid after logout, as AM documents', async () => {
    const { lab, b } = await loggedIn({ sessions: 'client', denylist: false });
    const token = (await b.cookies()).find((c) => c.name === 'iPlanetDirectoryPro')!.value;
    await b.logout();
    const r = await lab.createBrowser().send('POST', 'json/realms/root/sessions?_action=validate', { headers: { 'accept-api-version': 'resource=3.0' }, body: { tokenId: token } });
    expect(r.body).toMatchObject({ valid: true });
  });
});
