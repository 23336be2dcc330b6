import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRouter } from '../../main/lab/balancer/modelRouter';
import { Balancer } from '../../main/lab/balancer/proxy';
import { VirtualBrowser } from '../../main/lab/client/browser';
import { callbackAnswers } from '../../main/contract/browser';
import { LabClock } from '../../main/lab/clock';
import { readBalancerConfig } from '../../main/lab/lbconfig/read';
import { TraceRecorder } from '../../main/lab/trace/recorder';
import { DEMO, events, exchanges, startLab } from './helpers';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Backends that set a cookie like AM's and echo the Cookie header they received. */
async function echoBackends(n: number, setCookie = (id: string) => `amlbcookie=${id}; Path=/`) {
  const out: { id: string; origin: string }[] = [];
  for (let i = 0; i < n; i++) {
    const id = String(i + 1).padStart(2, '0');
    const s: Server = createServer((req, res) => {
      res.setHeader('set-cookie', setCookie(id));
      res.end(JSON.stringify({ id, cookie: req.headers.cookie ?? null }));
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise((r) => (s.closeAllConnections(), s.close(() => r(undefined)))));
    out.push({ id, origin: `http://127.0.0.1:${(s.address() as AddressInfo).port}` });
  }
  return out;
}

async function modelBalancer(cfg: string, backends: { id: string; origin: string }[]) {
  const clock = new LabClock();
  const router = new ModelRouter(readBalancerConfig(cfg, 'test'));
  const settings = { policy: 'round-robin' as const, cookieName: 'amlbcookie', redispatch: true, maxBodyBytes: 1024 * 1024, upstreamTimeoutMs: 2000, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, router };
  const recorder = new TraceRecorder(clock, { capacity: 100, budgetBytes: 64 * 1024 * 1024, bodyBytes: 64 * 1024 });
  const b = new Balancer(() => settings, recorder, clock, backends.map((x) => ({ ...x, lbValue: x.id })));
  await b.start(0);
  cleanup.push(() => b.stop());
  return async (cookie?: string) => {
    const r = await request(`${b.url}/am/x`, { headers: cookie ? { cookie } : {} });
    const body = (await r.body.json()) as { id: string; cookie: string | null };
    const set = r.headers['set-cookie'];
    return { ...body, setCookie: Array.isArray(set) ? set : set ? [set] : [], cacheControl: r.headers['cache-control'] };
  };
}

const haproxy = (cookieLine: string, servers = ['cookie s1', 'cookie s2']) =>
  `backend am\n    ${cookieLine}\n${servers.map((s, i) => `    server am${i + 1} 10.0.0.${i + 1}:8080 ${s}`).join('\n')}\n`;

describe('HAProxy cookie modes, as http_ana.c implements them (observed with HAProxy 2.6.12)', () => {
  it('insert: the cookie is set only for a browser without a valid one; indirect hides it from the server; nocache adds Cache-Control: private', async () => {
    const send = await modelBalancer(haproxy('cookie SERVERID insert indirect nocache'), await echoBackends(2));
    const first = await send();
    expect(first.setCookie).toContain('SERVERID=s1; Path=/');
    expect(first.cacheControl).toBe('private');
    const again = await send('SERVERID=s2; other=1');
    expect(again.id).toBe('02');
    expect(again.cookie).toBe('other=1');
    expect(again.setCookie.some((c) => c.startsWith('SERVERID='))).toBe(false);
  });

  it('insert without preserve replaces a same-named cookie the server sets; a server without a value gets the cookie cleared', async () => {
    const send = await modelBalancer(haproxy('cookie amlbcookie insert', ['cookie s1', '']), await echoBackends(2));
    const one = await send();
    expect(one.setCookie).toEqual(['amlbcookie=s1; Path=/']);
    const two = await send();
    expect(two.id).toBe('02');
    expect(two.setCookie).toEqual(['amlbcookie=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/']);
  });

  it('prefix: the server\'s cookie goes out as <server value>~<value> and comes back to the server without the prefix', async () => {
    const send = await modelBalancer(haproxy('cookie amlbcookie prefix'), await echoBackends(2));
    const first = await send();
    expect(first.setCookie).toEqual(['amlbcookie=s1~01; Path=/']);
    const back = await send('amlbcookie=s2~02');
    expect(back).toMatchObject({ id: '02', cookie: 'amlbcookie=02' });
  });

  it('rewrite: the server\'s cookie value is replaced by the server\'s cookie value of the config', async () => {
    const send = await modelBalancer(haproxy('cookie amlbcookie rewrite'), await echoBackends(2));
    expect((await send()).setCookie).toEqual(['amlbcookie=s1; Path=/']);
    expect((await send('amlbcookie=s2')).id).toBe('02');
  });
});

describe("virtual browsers follow Chromium's cookie rules", () => {
  it('a Secure cookie over http is refused for am.example.com but kept for 127.0.0.1 (the localhost exemption), and the refusal is an event', async () => {
    const lab = await startLab({ nodes: 2, lbConfig: readFileSync('test/fixtures/lb/haproxy/insert-secure-http.cfg', 'utf8'), publicHost: 'am.example.com' });
    const b = lab.createBrowser();
    await b.startLogin();
    expect(b.blocked).toEqual([expect.objectContaining({ name: 'SERVERID', reason: 'it had Secure and came over http://am.example.com (not a secure connection)' })]);
    expect((await events(lab)).find((e) => e.type === 'cookie-blocked')?.message).toMatch(/refused Set-Cookie SERVERID: it had Secure/);
    await lab.configure({ publicHost: '127.0.0.1' });
    const local = lab.createBrowser();
    await local.startLogin();
    expect((await local.cookies()).map((c) => c.name)).toContain('SERVERID');
  });

  it('a Domain that does not cover the host is refused; SameSite=None without Secure is refused', async () => {
    const lab = await startLab({ nodes: 2, lbConfig: readFileSync('test/fixtures/lb/haproxy/insert-domain.cfg', 'utf8'), publicHost: 'am.example.com' });
    const b = lab.createBrowser();
    await b.startLogin();
    expect(b.blocked[0]).toMatchObject({ name: 'SERVERID', reason: 'its Domain=example.org does not cover am.example.com' });
    const none = await startLab({ nodes: 2, lbConfig: readFileSync('test/fixtures/lb/ingress/samesite-none-http.yaml', 'utf8') });
    const c = none.createBrowser();
    await c.startLogin();
    expect(c.blocked[0]).toMatchObject({ name: 'INGRESSCOOKIE', reason: 'it had SameSite=None but not Secure' });
  });

  it('a call from an app on another site sends no Lax-by-default cookie (AM\'s amlbcookie has no SameSite), so even a sticky balancer loses the login', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky', auth: 'tree', publicHost: 'am.example.com', https: true, corsOrigins: ['https://app.example.org'] });
    const b = lab.createBrowser();
    b.appOrigin = 'https://app.example.org';
    const { outcome } = await b.login(...DEMO);
    expect(outcome).toMatchObject({ kind: 'failure', status: 401 });
    expect(b.blocked.map((x) => x.name)).toContain('amlbcookie');
    expect((await exchanges(lab))[0]!.request.headers).toContainEqual(['origin', 'https://app.example.org']);
    const same = lab.createBrowser();
    same.appOrigin = 'https://app.example.com';
    expect((await same.login(...DEMO)).outcome.kind).toBe('success');
  });
});

describe('client addresses and HTTPS', () => {
  it('browsers behind one NAT address all stick to one node under source-IP persistence', async () => {
    const lab = await startLab({ nodes: 3, lbConfig: readFileSync('test/fixtures/lb/f5/source-addr.txt', 'utf8') });
    const nodes = new Set<string | null>();
    for (let i = 0; i < 4; i++) {
      const b = lab.createBrowser();
      b.clientIp = '127.0.0.9';
      await b.startLogin();
    }
    for (const ex of (await exchanges(lab))) nodes.add(ex.routing.node);
    expect(nodes.size).toBe(1);
    expect((await exchanges(lab))[1]!.routing.reason).toMatch(/^stick table: client IP 127\.0\.0\.9 → 10\.0\.1\.1\d:8080 \(node 0\d\)$/);
  });

  it('--https: the balancer serves the lab certificate, the browsers and a client given the lab CA trust it, and it turns off live', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky', https: true, publicHost: 'am.example.com' });
    expect(lab.balancerUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/am$/);
    expect((await lab.createBrowser().login(...DEMO)).outcome.kind).toBe('success');
    const agent = new Agent({ connect: { ca: lab.balancer.caCert, servername: 'am.example.com' } });
    cleanup.push(() => agent.close());
    const r = await request(`${lab.balancerUrl}/isAlive.jsp`, { dispatcher: agent });
    expect(r.statusCode).toBe(200);
    await r.body.text();
    expect((await exchanges(lab)).at(-1)!.request.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/am\/isAlive\.jsp$/);
    await lab.configure({ https: false });
    expect(lab.balancerUrl).toMatch(/^http:/);
    expect((await lab.createBrowser().login(...DEMO)).outcome.kind).toBe('success');
  });
});

describe('ingress-nginx affinity when pods scale (sticky_balanced.lua vs sticky_persistent.lua)', () => {
  async function loginsAcrossScaleOut(file: string) {
    const lab = await startLab({ nodes: 2, lbConfig: readFileSync(`test/fixtures/lb/ingress/${file}`, 'utf8') });
    const started: { b: VirtualBrowser; payload: Parameters<VirtualBrowser['submit']>[0] }[] = [];
    for (let i = 0; i < 8; i++) {
      const b = lab.createBrowser();
      const s = await b.startLogin();
      if (s.kind !== 'callbacks') throw new Error('no callbacks');
      started.push({ b, payload: s.payload });
    }
    await lab.setNodeCount(3);
    let failed = 0;
    for (const { b, payload } of started) {
      const r = await b.submit(payload, callbackAnswers(payload, ...DEMO));
      if (r.kind === 'failure') {
        expect(r.body.message).toBe('Session has timed out');
        failed++;
      }
    }
    return failed;
  }

  it('balanced: some logins in progress reach the new pod and get 401; persistent: none', async () => {
    expect(await loginsAcrossScaleOut('balanced.yaml')).toBeGreaterThan(0);
    expect(await loginsAcrossScaleOut('persistent.yaml')).toBe(0);
  });
});
