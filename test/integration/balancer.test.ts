import { createServer, type Server } from 'node:http';
import { createServer as createTcp, type AddressInfo, type Server as TcpServer } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LiveConfigPatch } from '../../main/lab/config';
import { Lab } from '../../main/lab/lab';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function listen<T extends Server | TcpServer>(s: T): Promise<string> {
  const sockets = new Set<import('node:net').Socket>();
  s.on('connection', (c: import('node:net').Socket) => sockets.add(c));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => new Promise<void>((r) => (s.close(() => r()), sockets.forEach((c) => c.destroy()))));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** The lab's balancer alone in front of these servers, as `session-lab balance` runs it. */
async function balancer(upstreams: { id: string; origin: string }[], over: LiveConfigPatch = {}) {
  const lab = await Lab.start({ policy: 'sticky', upstreamTimeoutMs: 300, ...over, upstreams });
  cleanup.push(() => lab.stop());
  return { b: lab.balancer, recorder: lab.recorder };
}

const ok = (id: string, counter: { n: number }) => createServer((_, res) => (counter.n++, res.end(id)));

describe('balancer faults (reliability-security.md §3.5)', () => {
  it('F9: an upstream that accepts and never answers gives 504 at the configured timeout', async () => {
    const silent = await listen(createServer(() => undefined));
    const { b, recorder } = await balancer([{ id: '01', origin: silent }]);
    const r = await request(`${b.url}/am/x`, { method: 'POST', body: '{}', headers: { cookie: 'amlbcookie=01' } });
    expect(r.statusCode).toBe(504);
    expect(await r.body.json()).toMatchObject({ code: 504, reason: 'Gateway Timeout' });
    expect(recorder.exchanges()[0]!.error).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('F4: a POST written to a node that then dies gets 502 and is never resent to another node', async () => {
    const first = { n: 0 };
    const second = { n: 0 };
    const dies = await listen(createServer((req) => (first.n++, req.socket.destroy())));
    const healthy = await listen(ok('02', second));
    const { b, recorder } = await balancer([{ id: '01', origin: dies }, { id: '02', origin: healthy }]);
    const r = await request(`${b.url}/am/json/realms/root/authenticate`, { method: 'POST', body: '{}', headers: { cookie: 'amlbcookie=01' } });
    expect(r.statusCode).toBe(502);
    await r.body.text();
    expect(first.n).toBe(1);
    expect(second.n).toBe(0);
    expect(recorder.exchanges()[0]!.routing.reason).toContain('node 01 failed');
  });

  it('F10: garbage from an upstream is a 502 with the undici error recorded', async () => {
    const garbage = createTcp((s) => s.end('NOT HTTP AT ALL\r\n\r\n'));
    const origin = await listen(garbage);
    const { b, recorder } = await balancer([{ id: '01', origin }]);
    const r = await request(`${b.url}/x`);
    expect(r.statusCode).toBe(502);
    await r.body.text();
    expect(recorder.exchanges()[0]!.error).toMatch(/^(HPE_|UND_ERR|HTTPParserError)/);
  });

  it('connection refused before writing: marked down, redispatched, answered by a live node', async () => {
    const counter = { n: 0 };
    const gone = createServer();
    const deadOrigin = await listen(gone);
    await cleanup.pop()!(); // node 01's port now refuses connections
    const live = await listen(ok('02', counter));
    const { b, recorder } = await balancer([{ id: '01', origin: deadOrigin }, { id: '02', origin: live }]);
    const r = await request(`${b.url}/am/json/realms/root/authenticate`, { method: 'POST', body: '{}', headers: { cookie: 'amlbcookie=01' } });
    expect(r.statusCode).toBe(200);
    expect(await r.body.text()).toBe('02');
    const ex = recorder.exchanges()[0]!;
    expect(ex.routing.attempts).toEqual([{ node: '01', outcome: 'ECONNREFUSED' }, { node: '02', outcome: '200' }]);
    expect(ex.routing.redispatched).toBe(true);
    expect(recorder.events().some((e) => e.type === 'node-down' && e.node === '01')).toBe(true);
  });

  it('F5, redispatch off: 503 for the request that met the sticky node failing; once it is marked DOWN the cookie is ignored (HAProxy 2.6)', async () => {
    // The health check's interval is stopped, so "not yet detected" is a state the test controls.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    cleanup.push(() => void vi.useRealTimers());
    const first = { n: 0 };
    const second = { n: 0 };
    const one = createServer((_, res) => (first.n++, res.end('01')));
    const origin01 = await listen(one);
    const closeOne = cleanup.pop()!;
    const { b, recorder } = await balancer([{ id: '01', origin: origin01 }, { id: '02', origin: await listen(ok('02', second)) }], { redispatch: false });
    const send = async () => {
      const r = await request(`${b.url}/am/json/realms/root/sessions?_action=validate`, { method: 'POST', body: '{}', headers: { cookie: 'amlbcookie=01' } });
      return { status: r.statusCode, body: await r.body.text(), routing: recorder.exchanges().at(-1)!.routing };
    };
    expect((await send()).body).toBe('01');
    await closeOne(); // node 01 dies; no health check has run since

    const stuck = await send();
    expect(stuck.status).toBe(503);
    expect(stuck.routing.reason).toBe('sticky amlbcookie=01; node 01 refused the connection; sticky node 01 failed before it was known down, redispatch off');
    expect(stuck.routing.attempts).toEqual([{ node: '01', outcome: 'ECONNREFUSED' }]);
    expect(second.n).toBe(0);

    // The refusal marked node 01 down: from now on its cookie no longer pins anyone to it.
    const moved = await send();
    expect(moved).toMatchObject({ status: 200, body: '02', routing: { reason: 'sticky node 01 down, cookie ignored → 02', redispatched: true, attempts: [{ node: '02', outcome: '200' }] } });
    expect(recorder.events().filter((e) => e.type === 'node-down').map((e) => e.node)).toEqual(['01']);
  });

  it('F5, redispatch off: a sticky node the health check marked DOWN is never tried; its users go to a live node', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    cleanup.push(() => void vi.useRealTimers());
    const counter = { n: 0 };
    const origin01 = await listen(createServer((_, res) => res.end('01')));
    const closeOne = cleanup.pop()!;
    const { b, recorder } = await balancer([{ id: '01', origin: origin01 }, { id: '02', origin: await listen(ok('02', counter)) }], { redispatch: false });
    await closeOne();
    expect(await b.probe('01')).toBe('down');
    const r = await request(`${b.url}/am/x`, { method: 'POST', body: '{}', headers: { cookie: 'amlbcookie=01' } });
    expect(r.statusCode).toBe(200);
    expect(await r.body.text()).toBe('02');
    expect(recorder.exchanges()[0]!.routing).toMatchObject({ reason: 'sticky node 01 down, cookie ignored → 02', attempts: [{ node: '02', outcome: '200' }] });
  });

  it('records the exchange with real timings, headers and bodies', async () => {
    const counter = { n: 0 };
    const origin = await listen(ok('01', counter));
    const { b, recorder } = await balancer([{ id: '01', origin }], { policy: 'round-robin' });
    const r = await request(`${b.url}/am/json/x?y=1`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json', 'user-agent': 'x browser/b7' } });
    await r.body.text();
    const ex = recorder.exchanges()[0]!;
    expect(ex).toMatchObject({ browser: 'b7', request: { method: 'POST', path: '/am/json/x?y=1', body: '{"a":1}', bodySize: 7 }, response: { status: 200, body: '01' }, routing: { node: '01', reason: 'round-robin' } });
    expect(ex.timings.total).toBeGreaterThan(0);
    expect(ex.timings.total).toBeGreaterThanOrEqual(ex.timings.wait);
  });

  it('a large body goes through whole, and the trace keeps its first 64 KiB with a marker and the size sent', async () => {
    const origin = await listen(createServer((req, res) => req.pipe(res)));
    const { b, recorder } = await balancer([{ id: '01', origin }], { policy: 'round-robin' });
    const body = JSON.stringify({ blob: 'lorem ipsum '.repeat(10_000) });
    const r = await request(`${b.url}/am/echo`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(await r.body.text()).toBe(body);
    const ex = recorder.exchanges()[0]!;
    for (const side of [ex.request, ex.response]) {
      expect(side).toMatchObject({ bodySize: body.length, truncated: true });
      // Cut at 64 KiB, moved back to the start of the word it would split.
      const kept = Number(new RegExp(`…\\[body truncated by the lab trace: ${body.length} bytes, first (\\d+) kept\\]$`).exec(side.body)?.[1]);
      expect(kept).toBeGreaterThan(65_536 - 12);
      expect(kept).toBeLessThanOrEqual(65_536);
      expect(side.body.startsWith(body.slice(0, 60_000))).toBe(true);
    }
  });
});
