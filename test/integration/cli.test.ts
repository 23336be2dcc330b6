import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers';

describe('session-lab CLI', () => {
  it('serve prints one JSON line with balancer and nodes, serves AM, and stops cleanly on SIGTERM', async () => {
    const run = cli(['serve', '--nodes', '2', '--port', '0', '--sticky', '--quiet']);
    const info = JSON.parse(await run.firstLine);
    expect(info.balancer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/am$/);
    expect(info.nodes.map((n: { id: string }) => n.id)).toEqual(['01', '02']);
    // The public OAuth2 client an SPA or the SDK uses (issue 12).
    expect(info.oauth2).toEqual({ clientId: 'sdkPublicClient', redirectUri: 'https://localhost:8443/callback.html' });
    const r = await request(`${info.balancer}/json/realms/root/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.0, protocol=1.0', 'x-openam-username': 'demo', 'x-openam-password': 'Ch4ng31t' },
    });
    expect(r.statusCode).toBe(200);
    expect(await r.body.json()).toMatchObject({ successUrl: '/am/console', realm: '/' });
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it("serve's first line gives each AM node's process (isolation process, as a user runs it), and SIGTERM ends them with it", async () => {
    const run = cli(['serve', '--nodes', '2', '--port', '0', '--quiet', '--isolation', 'process']);
    const info = JSON.parse(await run.firstLine) as { pid: number; nodes: { id: string; pid: number }[] };
    const pids = info.nodes.map((n) => n.pid);
    expect(new Set([info.pid, ...pids]).size).toBe(3);
    // Signal 0 only checks that the process exists: each node is a live process of its own.
    for (const pid of pids) expect(() => process.kill(pid, 0)).not.toThrow();
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('serve logs method, path, node, routing and status on stderr, with query secrets redacted as in HAR (tokenId, IDToken2, authId, encoded tokens)', async () => {
    const run = cli(['serve', '--nodes', '2', '--port', '0', '--sticky']);
    const info = JSON.parse(await run.firstLine);
    const headers = { 'content-type': 'application/json', 'accept-api-version': 'resource=2.0, protocol=1.0' };
    const post = async (path: string, extra: Record<string, string> = {}) => {
      const r = await request(`${info.balancer}/${path}`, { method: 'POST', headers: { ...headers, ...extra } });
      return (await r.body.json()) as Record<string, string>;
    };
    const { tokenId } = await post('json/realms/root/authenticate', { 'x-openam-username': 'demo', 'x-openam-password': 'Ch4ng31t' });
    const { authId } = await post('json/realms/root/authenticate');
    const enc = (s: string) => encodeURIComponent(s).replace(/\*/g, '%2A');
    await post(`json/realms/root/sessions?_action=getSessionInfo&tokenId=${encodeURIComponent(tokenId!)}`);
    await post(`json/realms/root/authenticate?authId=${authId}&IDToken1=demo&IDToken2=Ch4ng31t`);
    await post(`json/realms/root/sessions?_action=validate&ref=${enc(tokenId!)}`);
    for (let i = 0; i < 100 && !/_action=validate&ref=/.test(run.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    const log = run.stderr();
    for (const secret of [tokenId!, tokenId!.split('*')[0]!, authId!.split('.')[1]!, 'Ch4ng31t']) expect(log).not.toContain(secret);
    expect(log).toMatch(/POST \/am\/json\/realms\/root\/sessions\?_action=getSessionInfo&tokenId=(REDACTED-SSO-\d+@0[12]) → 0[12] \(.+\) 200/);
    const label = /tokenId=(REDACTED-SSO-\d+@0[12])/.exec(log)![1]!;
    expect(log).toContain(`_action=validate&ref=${label} `);
    expect(log).toMatch(/authenticate\?authId=REDACTED-AUTHID-\d+@0[12]\/memory&IDToken1=demo&IDToken2=%5BREDACTED-PASSWORD%5D → /);
  });

  // The CLIs start side by side: one after another they took most of the 20 s timeout on a busy machine.
  it('bad flags and values exit 2 with a clear message', async () => {
    const cases = [['serve', '--nodes', 'x'], ['serve', '--auth', 'kerberos'], ['serve', '--bogus'], ['serve', '--max-idle-time', '-5'], ['balance', '--backends', 'nonsense'], ['balance'], ['balance', '--backends', '01=http://127.0.0.1:1', '--processes', '9']];
    const runs = cases.map((args) => ({ args, run: cli(args) }));
    for (const { args, run } of runs) {
      expect(await run.exit, args.join(' ')).toBe(2);
      expect(run.stderr(), args.join(' ')).toMatch(/error|invalid|required/i);
    }
  });

  it('balance fronts an existing server with sticky routing on amlbcookie', async () => {
    const seen: string[] = [];
    const backends = await Promise.all(
      ['01', '02'].map(
        (id) =>
          new Promise<{ id: string; url: string; close: () => void }>((resolve) => {
            const s = createServer((_req, res) => {
              seen.push(id);
              res.setHeader('set-cookie', `amlbcookie=${id}; Path=/`);
              res.end(id);
            }).listen(0, '127.0.0.1', () => resolve({ id, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => s.close() }));
          }),
      ),
    );
    const run = cli(['balance', '--port', '0', '--sticky', '--quiet', '--backends', backends.map((b) => `${b.id}=${b.url}`).join(',')]);
    const info = JSON.parse(await run.firstLine);
    for (let i = 0; i < 4; i++) {
      const r = await request(`${info.balancer}/anything`, { headers: { cookie: 'amlbcookie=02' } });
      expect(await r.body.text()).toBe('02');
    }
    expect(seen).toEqual(['02', '02', '02', '02']);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
    backends.forEach((b) => b.close());
  });

  it('balance --processes 2: a second process accepts on the same port, routes by the same cookie, and every exchange of both reaches the HAR', async () => {
    const backends = await Promise.all(
      ['01', '02'].map(
        (id) =>
          new Promise<{ id: string; url: string; close(): void }>((resolve) => {
            const s = createServer((req, res) => req.resume().on('end', () => res.end(id)));
            s.listen(0, '127.0.0.1', () => resolve({ id, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => s.close() }));
          }),
      ),
    );
    const dir = await mkdtemp(join(tmpdir(), 'session-lab-balance-'));
    const har = join(dir, 'trace.har');
    const run = cli(['balance', '--port', '0', '--sticky', '--quiet', '--processes', '2', '--har', har, '--backends', backends.map((b) => `${b.id}=${b.url}`).join(',')]);
    const info = JSON.parse(await run.firstLine) as { balancer: string; pid: number; balancerPids: number[] };
    expect(info.balancerPids).toHaveLength(1);
    expect(info.balancerPids[0]).not.toBe(info.pid);
    expect(() => process.kill(info.balancerPids[0]!, 0)).not.toThrow();
    // 16 clients, each on a connection of its own: the kernel hands the connections to both processes.
    const answers = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const agent = new Agent({ connections: 1 });
        const got: string[] = [];
        for (let i = 0; i < 10; i++) got.push(await (await request(`${info.balancer}/x`, { method: 'POST', body: 'step', headers: { cookie: 'amlbcookie=02' }, dispatcher: agent })).body.text());
        await agent.close();
        return got;
      }),
    );
    expect(new Set(answers.flat())).toEqual(new Set(['02']));
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(() => process.kill(info.balancerPids[0]!, 0)).toThrow();
    const entries = (JSON.parse(await readFile(har, 'utf8')) as { log: { entries: { _exchangeId: string; _node: string }[] } }).log.entries;
    expect(entries).toHaveLength(160);
    expect(new Set(entries.map((e) => e._node))).toEqual(new Set(['02']));
    // Exchange ids are "<balancer instance>-<n>": two processes recorded.
    expect(new Set(entries.map((e) => e._exchangeId.split('-')[0])).size).toBe(2);
    backends.forEach((b) => b.close());
    await rm(dir, { recursive: true, force: true });
  });
});
