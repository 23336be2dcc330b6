import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LabBridge } from '../../main/bridge';
import { TOKEN_HEADER, WS_PROTOCOL, type ActionResult, type WsResponse } from '../../main/contract';
import { Lab } from '../../main/lab/lab';
import { startWebHost, type WebHost } from '../../main/web';

/** A raw request, so Host and paths go out exactly as written (no client normalisation). */
function raw(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('browser host (main/web.ts): a local control plane on 127.0.0.1', () => {
  let lab: Lab;
  let bridge: LabBridge;
  let host: WebHost;
  let dir: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'renderer-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>AM Session Lab</title><script type="module" src="./assets/app.js"></script>');
    await writeFile(join(dir, 'assets/app.js'), 'console.log("window")');
    lab = await Lab.start({ nodes: 3 });
    bridge = new LabBridge(lab, { throttleMs: 10 });
    host = await startWebHost({ bridge, port: 0, rendererDir: dir });
    auth = { [TOKEN_HEADER]: host.token, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await host.close();
    bridge.close();
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const api = async (command: string, body: unknown = {}, headers: Record<string, string> = auth) => {
    const r = await request(`${host.origin}/api/${command}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await r.body.text();
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    return { status: r.statusCode, json: JSON.parse(text) as Record<string, unknown> };
  };

  it('listens on loopback only and prints a URL with the token in the fragment', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{32}$/);
    expect(host.url.endsWith(host.token)).toBe(true);
  });

  it('serves the window with a strict CSP and safe headers', async () => {
    const r = await raw(host.port, { path: '/', headers: { host: `127.0.0.1:${host.port}` } });
    expect(r.status).toBe(200);
    expect(r.text).toContain('AM Session Lab');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${host.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect((await raw(host.port, { path: '/assets/app.js', headers: { host: `localhost:${host.port}` } })).headers['content-type']).toMatch(/javascript/);
  });

  it.each(['evil.example', `evil.example:${0}`, 'attacker.127.0.0.1.nip.io', '127.0.0.1', 'localhost:1'])('answers 421 to Host %s (DNS rebinding)', async (h) => {
    const r = await raw(host.port, { path: '/', headers: { host: h } });
    expect(r.status).toBe(421);
    expect(JSON.parse(r.text)).toMatchObject({ code: 421, reason: 'Misdirected Request' });
    const post = await raw(host.port, { method: 'POST', path: '/api/snapshot', headers: { host: h, [TOKEN_HEADER]: host.token } });
    expect(post.status).toBe(421);
  });

  it.each(['/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/assets/..%5c..%5cpackage.json', '/%00index.html', '/nothing-here.js'])('answers 404 to %s', async (path) => {
    expect((await raw(host.port, { path, headers: { host: `127.0.0.1:${host.port}` } })).status).toBe(404);
  });

  it('refuses commands without the right token, from a foreign Origin, and answers no preflight', async () => {
    expect((await api('snapshot', {}, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await api('snapshot', {}, { 'content-type': 'application/json', [TOKEN_HEADER]: 'x'.repeat(32) })).status).toBe(401);
    expect((await api('snapshot', {}, { 'content-type': 'application/json', authorization: 'Bearer nope' })).status).toBe(401);
    expect((await api('perform', { action: 'kill-node', node: '01' }, { ...auth, origin: 'https://evil.example' })).status).toBe(403);
    expect((await api('perform', { action: 'kill-node', node: '01' }, { ...auth, origin: `http://localhost:${host.port + 1}` })).status).toBe(403);
    expect(lab.node('01').running).toBe(true);
    const pre = await request(`${host.origin}/api/perform`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(pre.statusCode).toBe(405);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    await pre.body.dump();
    // The page's own origin and token work; so does a script (no Origin) with the token.
    expect((await api('snapshot', {}, { ...auth, origin: host.origin })).status).toBe(200);
    expect((await api('snapshot', {}, { 'content-type': 'application/json', authorization: `Bearer ${host.token}` })).status).toBe(200);
  });

  it('gives bad input an AM-shaped error and changes nothing', async () => {
    const before = lab.config;
    const bad = await request(`${host.origin}/api/perform`, { method: 'POST', headers: auth, body: '{"action":' });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.json()).toMatchObject({ code: 400, reason: 'Bad Request', message: 'The body is not valid JSON' });
    expect(await api('perform', { action: 'configure', patch: { policy: 'sticky-ish' } })).toMatchObject({ status: 400, json: { code: 400 } });
    expect(await api('noSuchCommand')).toMatchObject({ status: 404, json: { code: 404 } });
    expect(await api('perform', { action: 'kill-node', node: '07' })).toMatchObject({ status: 409, json: { code: 409, message: expect.stringMatching(/There is no node 07/) } });
    const form = await request(`${host.origin}/api/perform`, { method: 'POST', headers: { [TOKEN_HEADER]: host.token, 'content-type': 'application/x-www-form-urlencoded' }, body: 'action=configure' });
    expect(form.statusCode).toBe(415);
    await form.body.dump();
    const huge = await request(`${host.origin}/api/createBrowser`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(huge.statusCode).toBe(413);
    await huge.body.dump();
    expect(lab.config).toBe(before);
    expect(lab.browsers.size).toBe(0);
  });

  it('lets a script drive the demo over HTTP: the seed 401, then the sticky fix', async () => {
    const a = (await api('createBrowser', { name: 'script' })).json as { id: string };
    const failed = (await api('perform', { action: 'login', browser: a.id, username: 'demo', password: 'Ch4ng31t' })).json as unknown as ActionResult;
    expect(failed.steps?.at(-1)).toMatchObject({ status: 401, body: { message: 'Session has timed out' } });
    expect((await api('perform', { action: 'configure', patch: { policy: 'sticky' } })).json).toMatchObject({ config: { policy: 'sticky' } });
    const ok = (await api('perform', { action: 'login', browser: a.id, username: 'demo', password: 'Ch4ng31t' })).json as unknown as ActionResult;
    expect(ok.steps?.at(-1)?.kind).toBe('success');
    // The action's own exchanges come with it: every step of the sticky login on one node.
    expect(ok.exchanges).toHaveLength(ok.steps!.length);
    const nodes = new Set(ok.exchanges.map((x) => x.routing.node));
    expect(nodes.size).toBe(1);
    const jar = (await api('cookies', { browser: a.id })).json as unknown as { name: string; value: string }[];
    expect(jar.find((c) => c.name === 'amlbcookie')?.value).toBe([...nodes][0]);
  });

  const open = (headers: Record<string, string>, protocols: string[] = [WS_PROTOCOL, `token.${host.token}`], path = '/ws') =>
    new Promise<{ ws?: WebSocket; status?: number }>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}${path}`, protocols, { headers });
      ws.once('open', () => resolve({ ws }));
      ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
      ws.once('error', () => resolve({}));
    });

  it('refuses the WebSocket upgrade from a foreign Origin, without the token, or on another path', async () => {
    expect((await open({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await open({ origin: host.origin }, [WS_PROTOCOL])).status).toBe(401);
    expect((await open({ origin: host.origin }, [WS_PROTOCOL, 'token.wrong'])).status).toBe(401);
    expect((await open({ origin: host.origin }, [`token.${host.token}`])).status).toBe(401);
    expect((await open({ origin: host.origin, host: 'evil.example' })).status).toBe(421);
    expect((await open({ origin: host.origin }, undefined, '/socket')).status).toBe(404);
  });

  it('speaks the contract over the WebSocket: state on connect, results by id, trace pushes', async () => {
    const { ws } = await open({ origin: host.origin });
    expect(ws?.protocol).toBe(WS_PROTOCOL);
    const messages: WsResponse[] = [];
    ws!.on('message', (d) => messages.push(JSON.parse(String(d))));
    const next = (pred: (m: WsResponse) => boolean) =>
      new Promise<WsResponse>((resolve) => {
        const check = () => {
          const m = messages.find(pred);
          if (m) resolve(m);
          else setTimeout(check, 10);
        };
        check();
      });
    await next((m) => m.type === 'push' && m.message.type === 'state');
    ws!.send(JSON.stringify({ id: 7, command: 'perform', input: { action: 'kill-node', node: '03' } }));
    expect(await next((m) => m.type === 'result' && m.id === 7)).toMatchObject({ outcome: { ok: true, value: { action: { action: 'kill-node', node: '03' } } } });
    expect(lab.node('03').running).toBe(false);
    const down = await next((m) => m.type === 'push' && m.message.type === 'trace' && m.message.items.some((i) => i.kind === 'event' && i.type === 'node-down'));
    expect(down.type).toBe('push');
    ws!.send('not json');
    expect(await next((m) => m.type === 'result' && m.id === -1)).toMatchObject({ outcome: { ok: false, error: { kind: 'invalid-input' } } });
    ws!.send(JSON.stringify({ id: 8, command: 'perform', input: { action: 'configure', patch: { nodes: 99 } } }));
    expect(await next((m) => m.type === 'result' && m.id === 8)).toMatchObject({ outcome: { ok: false, error: { kind: 'invalid-input' } } });
    const closed = new Promise<number>((r) => ws!.once('close', (code) => r(code)));
    ws!.close();
    expect(await closed).toBe(1005);
  });
});
