import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualBrowser } from '../../main/lab/client/browser';
import { callbackAnswers } from '../../main/contract/browser';
import type { Lab, LabOptions } from '../../main/lab/lab';
import { checkModel } from '../../main/lab/lbconfig/findings';
import { readBalancerConfig } from '../../main/lab/lbconfig/read';
import { routeFrom, routeWithCookie } from '../../main/lab/lbconfig/simulate';
import { DEMO, exchanges, startLab } from './helpers';

/**
 * The real HAProxy and nginx of this machine (Debian haproxy 2.6, nginx-light 1.22; .ci/run installs
 * them) in front of the lab's nodes, with the lab recording in front: logins, the balancer's own
 * cookies in the trace, live stickiness flips with a graceful reload, and the model the built-in
 * balancer uses compared with what the real product does for the same keys.
 */
const fixture = (f: string) => readFileSync(`test/fixtures/lb/${f}`, 'utf8');
const real = (balancer: 'haproxy' | 'nginx', opts: LabOptions = {}) => startLab({ nodes: 2, balancer, ...opts });

async function chainLogin(b: VirtualBrowser) {
  const s = await b.startLogin();
  if (s.kind !== 'callbacks') throw new Error(`step 1: ${s.status}`);
  return b.submit(s.payload, callbackAnswers(s.payload, ...DEMO));
}

/** The node that answered the first request of a browser from each client address. */
async function firstNodes(lab: Lab, ips: string[]): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for (const ip of ips) {
    const b = lab.createBrowser();
    b.clientIp = ip;
    await b.startLogin();
    out.push((await nodesOf(lab, b))[0] ?? null);
  }
  return out;
}

const nodesOf = async (lab: Lab, b: VirtualBrowser) => (await exchanges(lab)).filter((e) => e.browser === b.id).map((e) => e.routing.node);

const env = { ...process.env };
afterEach(() => {
  process.env = { ...env };
});

describe('real HAProxy in front of the nodes (serve --balancer haproxy)', () => {
  it('the lab settings as haproxy.cfg: round-robin gives the 401, sticky works, and a live flip reloads HAProxy gracefully', async () => {
    const lab = await real('haproxy', { policy: 'sticky' });
    const b = lab.createBrowser();
    expect((await chainLogin(b)).kind).toBe('success');
    const ex = await exchanges(lab);
    expect(ex[0]!.routing.policy).toMatch(/^HAProxy 2\.\d+\.\d+ \(real\): cookie amlbcookie passive/);
    expect(ex[1]!.routing.reason).toMatch(/^HAProxy 2\.\d+\.\d+ sent it to node 01; request amlbcookie=01; answer sets amlbcookie=01$/);

    // Requests keep being answered while HAProxy reloads (-sf: the old process finishes, the new one listens).
    const during = lab.createBrowser();
    const traffic = Promise.all(Array.from({ length: 20 }, () => during.startLogin()));
    await lab.configure({ policy: 'round-robin' });
    expect((await traffic).map((s) => s.status)).toEqual(Array(20).fill(200));

    const c = lab.createBrowser();
    const r = await chainLogin(c);
    expect(r).toMatchObject({ kind: 'failure', status: 401, body: { message: 'Session has timed out' } });
    const [n1, n2] = await nodesOf(lab, c);
    expect(n1).not.toBe(n2);
  });

  it("a customer's haproxy.cfg with an inserted Secure cookie: refused over http as am.example.com, a working login over --https, SERVERID shown", async () => {
    const plain = await real('haproxy', { lbConfig: fixture('haproxy/insert-secure-http.cfg'), publicHost: 'am.example.com' });
    const p = plain.createBrowser();
    expect((await chainLogin(p)).status).toBe(401);
    expect(p.blocked[0]).toMatchObject({ name: 'SERVERID', reason: expect.stringMatching(/Secure/) });

    const tls = await real('haproxy', { lbConfig: fixture('haproxy/insert-secure-http.cfg'), publicHost: 'am.example.com', https: true });
    const b = tls.createBrowser();
    expect((await chainLogin(b)).kind).toBe('success');
    expect((await exchanges(tls))[0]!.routing.reason).toMatch(/sent it to node 01; request without SERVERID; answer sets SERVERID=s1$/);
    expect((await exchanges(tls))[1]!.routing.reason).toMatch(/request SERVERID=s1$/);
  });

  it('balance source and a hash of amlbcookie: the model sends each key where HAProxy does', async () => {
    const src = await real('haproxy', { lbConfig: fixture('haproxy/balance-source.cfg') });
    const ips = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
    const model = readBalancerConfig(fixture('haproxy/balance-source.cfg'), 'x');
    const predicted = routeFrom(model, 2, ips);
    expect(await firstNodes(src, ips)).toEqual(predicted);
    const hash = await real('haproxy', { lbConfig: fixture('haproxy/hash-amlbcookie.cfg') });
    const hm = readBalancerConfig(fixture('haproxy/hash-amlbcookie.cfg'), 'x');
    for (const v of ['01', '02']) {
      const b = hash.createBrowser();
      await b.jar.setCookie(`amlbcookie=${v}; Path=/`, hash.balancerUrl);
      await b.startLogin();
      expect(await nodesOf(hash, b), `amlbcookie=${v}`).toEqual([routeWithCookie(hm, 2, 'amlbcookie', v).node]);
    }
  });

  it('HAProxy refuses appsession, and the lab says so', async () => {
    await expect(real('haproxy', { lbConfig: fixture('haproxy/appsession.cfg') })).rejects.toThrow(/haproxy refused the rewritten configuration[\s\S]*appsession/i);
  });

  it('a missing binary names the Debian package, and serve exits 2', async () => {
    process.env.SESSION_LAB_HAPROXY = '/nonexistent/haproxy';
    await expect(real('haproxy')).rejects.toThrow('sudo apt-get install haproxy');
    const cli = spawnSync(process.execPath, ['bin/session-lab.js', 'serve', '--balancer', 'nginx', '--nodes', '1'], { encoding: 'utf8', env: { ...env, SESSION_LAB_NGINX: '/nonexistent/nginx' }, timeout: 20_000 });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('sudo apt-get install nginx-light');
  });
});

describe('real nginx in front of the nodes (serve --balancer nginx)', () => {
  it("the customer's map on $cookie_amlbcookie works; the lab settings flip live with nginx -s reload", async () => {
    const lab = await real('nginx', { lbConfig: fixture('nginx/map-amlbcookie.conf') });
    const b = lab.createBrowser();
    expect((await chainLogin(b)).kind).toBe('success');
    expect(new Set(await nodesOf(lab, b)).size).toBe(1);

    const gen = await real('nginx', { policy: 'sticky' });
    expect((await chainLogin(gen.createBrowser())).kind).toBe('success');
    await gen.configure({ policy: 'round-robin' });
    expect((await chainLogin(gen.createBrowser())).status).toBe(401);
  });

  it('hash $cookie_amlbcookie sends 01 to server 02, as the model says, and the login gets the 401', async () => {
    const lab = await real('nginx', { lbConfig: fixture('nginx/hash-amlbcookie.conf') });
    const b = lab.createBrowser();
    const r = await chainLogin(b);
    expect(r.status).toBe(401);
    expect(await nodesOf(lab, b)).toEqual(['01', routeWithCookie(readBalancerConfig(fixture('nginx/hash-amlbcookie.conf'), 'x'), 2, 'amlbcookie', '01').node]);
  });

  it('without proxy_set_header Host where it proxies, nginx sends its $proxy_host and AM answers 400 FQDN, as the model says', async () => {
    const lab = await real('nginx', { lbConfig: fixture('nginx/no-host-header.conf') });
    const first = await lab.createBrowser().startLogin();
    expect(first).toMatchObject({ kind: 'failure', status: 400, body: { message: 'FQDN &quot;openam&quot; is not valid.' } });
    expect(checkModel(readBalancerConfig(fixture('nginx/no-host-header.conf'), 'x')).map((f) => f.id)).toContain('upstream-host');
  });

  it('ip_hash: the model sends each client address where nginx does', async () => {
    const lab = await real('nginx', { lbConfig: fixture('nginx/ip-hash.conf') });
    const model = readBalancerConfig(fixture('nginx/ip-hash.conf'), 'x');
    // ip_hash reads three octets: vary the third one.
    const ips = ['127.0.1.2', '127.0.2.2', '127.0.3.2', '127.0.4.2'];
    const predicted = routeFrom(model, 2, ips);
    expect(await firstNodes(lab, ips)).toEqual(predicted);
  });

  it('NGINX Plus `sticky` is refused with the line and the way out', async () => {
    await expect(real('nginx', { lbConfig: fixture('nginx/sticky-cookie.conf') })).rejects.toThrow(/line 8 `sticky cookie srv_id expires=1h path=\/;`: `sticky` is NGINX Plus/);
  });
});
