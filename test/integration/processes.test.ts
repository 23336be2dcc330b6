import { createLocalJWKSet, jwtVerify } from 'jose';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { Lab } from '../../main/lab/lab';
import { dispatch } from '../../main/operations';
import { runLoad } from '../../main/lab/scenario/load';
import type { Action, ActionResult } from '../../main/contract';
import { call, DEMO, events, exchanges, startLab, V2 } from './helpers';

/**
 * Isolation `process`, as the hosts run the lab: each AM node is an OS process of its own and the
 * balancer runs on a thread of its own. A kill is a real SIGKILL; the balancer finds the dead node
 * by its own health checks and refused connections (OpenAM's crash: a server gone, its memory with
 * it; CTS sessions survive because they are in the CTS — AM docs, "Session high availability").
 */
const processLab = (opts: Parameters<typeof startLab>[0] = {}) => startLab({ isolation: 'process', ...opts });

async function act(lab: Lab, action: Action): Promise<ActionResult> {
  const o = await dispatch(lab, 'perform', action);
  if (!o.ok) throw new Error(`${action.action}: ${o.error.message}`);
  return o.value as ActionResult;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('AM nodes as OS processes', () => {
  it('each node is its own process with its own pid, and the lab reports it', async () => {
    const lab = await processLab({ nodes: 3 });
    const pids = lab.info().nodes.map((n) => n.pid);
    expect(new Set(pids).size).toBe(3);
    for (const pid of pids) {
      expect(pid).not.toBe(process.pid);
      expect(alive(pid!)).toBe(true);
    }
    expect((await lab.snapshot()).nodes.map((n) => n.pid)).toEqual(pids);
  });

  it('kill-node is a SIGKILL: the balancer finds the node dead by itself, CTS sessions carry on elsewhere, the node memory (a login half done) is gone, and a restart is a fresh process', async () => {
    const lab = await processLab({ nodes: 3, policy: 'sticky' });
    const loggedIn = lab.createBrowser('logged in').id;
    expect((await act(lab, { action: 'login', browser: loggedIn, username: DEMO[0], password: DEMO[1] })).steps?.at(-1)?.kind).toBe('success');
    const home = (await lab.browser(loggedIn).cookies()).find((c) => c.name === 'amlbcookie')!.value;
    // Another user starts a chain login on the same node: the auth session is in that process's memory.
    const halfway = lab.createBrowser('halfway').id;
    await lab.browser(halfway).jar.setCookie(`amlbcookie=${home}; Path=/`, lab.balancerUrl);
    expect((await act(lab, { action: 'login-start', browser: halfway })).steps?.[0]?.kind).toBe('callbacks');
    expect((await lab.node(home).stats()).authSessionsInMemory).toBe(1);

    const pid = lab.node(home).pid!;
    await act(lab, { action: 'kill-node', node: home });
    expect(alive(pid)).toBe(false);
    expect(lab.node(home).running).toBe(false);

    // The sticky user's next request meets the dead node: the balancer sees the refusal and redispatches.
    const v = await act(lab, { action: 'validate', browser: loggedIn });
    expect(v.response?.body).toMatchObject({ valid: true });
    // Whether the request meets the refusal itself or the health check got there first, the balancer found out alone.
    expect(v.exchanges[0]!.routing).toMatchObject({ redispatched: true });
    expect(v.exchanges[0]!.routing.node).not.toBe(home);
    expect(v.exchanges[0]!.routing.reason).toMatch(new RegExp(`node ${home} refused the connection|sticky node ${home} down, cookie ignored`));
    // The half-done login cannot finish anywhere: its auth session died with the process.
    const step2 = await act(lab, { action: 'login-next', browser: halfway, username: DEMO[0], password: DEMO[1] });
    expect(step2.steps?.[0]).toMatchObject({ kind: 'failure', status: 401 });
    expect(step2.events.find((e) => e.type === 'auth-session-missed')?.data).toMatchObject({ cause: 'not-in-memory', createdOn: home });
    expect((await lab.snapshot()).nodes.find((n) => n.id === home)).toMatchObject({ state: 'down', running: false, authSessionsInMemory: 0 });

    await act(lab, { action: 'restart-node', node: home });
    const fresh = lab.node(home).pid!;
    expect(fresh).not.toBe(pid);
    expect(alive(fresh)).toBe(true);
    expect((await events(lab)).map((e) => [e.type, e.node, e.data])).toEqual(
      expect.arrayContaining([
        ['node-down', home, { by: 'operator' }],
        ['node-up', home, { by: 'operator', port: lab.node(home).port, pid: fresh }],
      ]),
    );
    expect((await lab.snapshot()).nodes.find((n) => n.id === home)).toMatchObject({ state: 'up', running: true, pid: fresh, authSessionsInMemory: 0 });
    // The restarted node validates the session from the CTS.
    const back = await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', {
      headers: { ...V2, cookie: (await lab.browser(loggedIn).cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
    });
    expect(back.json).toMatchObject({ valid: true });
  });

  it('kill -9 of a node process from outside the lab: the balancer marks it down on its health check, and the lab records the process ending', async () => {
    const lab = await processLab({ nodes: 2, policy: 'round-robin' });
    const pid = lab.node('02').pid!;
    process.kill(pid, 'SIGKILL');
    // Nobody tells the balancer: its TCP health check (every 500 ms) finds the port closed.
    await until('the balancer to see node 02 down', () => (lab.balancer.states().find((s) => s.id === '02')?.state === 'down' ? true : undefined));
    await lab.settle();
    const types = (await events(lab)).map((e) => [e.type, e.node, e.data]);
    expect(types).toContainEqual(['node-process-ended', '02', { pid, signal: 'SIGKILL', code: null }]);
    expect(types).toContainEqual(['node-down', '02', { by: 'balancer', from: 'up', to: 'down' }]);
    for (let i = 0; i < 4; i++) expect((await call(lab, 'GET', 'isAlive.jsp')).status).toBe(200);
    await lab.settle();
    expect((await exchanges(lab)).slice(-4).map((x) => x.routing.node)).toEqual(['01', '01', '01', '01']);
  });

  it('the clock and live settings reach the node processes: a chain login past its page timeout is refused by the node, on the lab clock', async () => {
    const lab = await processLab({ nodes: 1 });
    // Both decided inside the node process: its mirrored settings (the DataStore module timeout) and clock.
    await act(lab, { action: 'configure', patch: { chainAuthTimeoutSeconds: 60 } });
    // Paused, so only the waits move the lab clock: a slow machine's real time must not add a second.
    await lab.pauseClock(true);
    const login = async (waitMs: number) => {
      const b = lab.createBrowser().id;
      await act(lab, { action: 'login-start', browser: b });
      await act(lab, { action: 'wait', ms: waitMs });
      return act(lab, { action: 'login-next', browser: b, username: DEMO[0], password: DEMO[1] });
    };
    expect((await login(59_000)).steps?.[0]?.kind).toBe('success');
    const late = await login(61_000);
    expect(late.steps?.[0]).toMatchObject({ kind: 'failure', status: 401, body: { message: 'Session has timed out' } });
  });

  it('the CTS is served to the node processes (the embedded one over their channel), with the latency the setting adds', async () => {
    const lab = await processLab({ nodes: 2 });
    await act(lab, { action: 'configure', patch: { upstreamTimeoutMs: 2_000 } });
    const login = () => call(lab, 'POST', 'json/realms/root/authenticate', { headers: { ...V2, 'x-openam-username': DEMO[0], 'x-openam-password': DEMO[1] } });
    expect((await login()).status).toBe(200);
    expect(await lab.cts.count('SESSION')).toBe(1);
    await act(lab, { action: 'configure', patch: { ctsLatencyMs: 3_000 } });
    expect((await login()).status).toBe(504);
  });

  it('every node process signs OAuth2 ID tokens with the one lab key (made when first needed), published the same at jwk_uri', async () => {
    const lab = await processLab({ nodes: 2 });
    const [one, two] = lab.nodes;
    const jwks = await Promise.all([one!, two!].map(async (n) => (await (await request(`${n.url}/oauth2/connect/jwk_uri`)).body.json()) as { keys: { kid: string }[] }));
    expect(jwks[0]!.keys[0]!.kid).toBe(jwks[1]!.keys[0]!.kid);
    const sso = ((await call(lab, 'POST', 'json/realms/root/authenticate', { headers: { ...V2, 'x-openam-username': DEMO[0], 'x-openam-password': DEMO[1] } })).json as { tokenId: string }).tokenId;
    const redirect = 'https://www.example.com:443/callback';
    const q = new URLSearchParams({ client_id: 'myClient', response_type: 'code', scope: 'openid', redirect_uri: redirect });
    const authz = await request(`${one!.url}/oauth2/authorize?${q}`, { headers: { cookie: `iPlanetDirectoryPro=${sso}` } });
    const code = new URL(String(authz.headers.location)).searchParams.get('code')!;
    const token = await request(`${two!.url}/oauth2/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('myClient:forgerock').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect }).toString(),
    });
    const { id_token } = (await token.body.json()) as { id_token: string };
    // Signed in node 02's process, verified with what node 01's process publishes.
    await expect(jwtVerify(id_token, createLocalJWKSet(jwks[0] as never))).resolves.toMatchObject({ payload: { aud: 'myClient', sub: 'demo' } });
  });

  it('the load runner drives the balancer on its thread: sticky chain logins, 0 failures, attributed to each node process', async () => {
    const lab = await processLab({ nodes: 3, policy: 'sticky' });
    const r = await runLoad(lab, { logins: 300, concurrency: 16 });
    expect(r).toMatchObject({ attempted: 300, succeeded: 300, failed: 0 });
    expect(r.routing.sameNodeLogins).toBe(300);
    expect(Object.keys(r.byNode).sort()).toEqual(['01', '02', '03']);
    // The trace sample carries the node processes' events with the balancer thread's exchanges.
    expect(r.sampleItems.some((i) => i.kind === 'event' && i.type === 'session-created')).toBe(true);
    expect(r.sampleItems.some((i) => i.kind === 'exchange')).toBe(true);
  });
});
