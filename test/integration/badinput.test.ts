import { connect } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { call, DEMO, exchanges, startLab, V2 } from './helpers';

const AUTH = 'json/realms/root/authenticate';
type CallArgs = Parameters<typeof call> extends [unknown, ...infer R] ? R : never;
const SESSIONS = 'json/realms/root/sessions';

/** Sends raw bytes to the balancer and returns the status line of the answer. */
function raw(port: number, bytes: string, whole = false): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('close', () => resolve(whole ? data : (data.split('\r\n')[0] ?? '')));
    s.on('error', () => resolve(data.split('\r\n')[0] ?? ''));
    s.write(bytes);
    setTimeout(() => s.end(), 300);
  });
}

describe('bad input gets an AM-shaped 4xx and changes nothing', () => {
  it('malformed JSON, wrong media type, unknown authId, forged token, huge body, bad index type', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky', maxBodyBytes: 64 * 1024 });
    const bystander = lab.createBrowser();
    expect((await bystander.login(...DEMO)).outcome.kind).toBe('success');

    const cases: [string, CallArgs, number, RegExp][] = [
      ['malformed JSON', ['POST', AUTH, { headers: V2, body: '{"authId":' }], 400, /JSON is not valid/],
      ['JSON array body', ['POST', AUTH, { headers: V2, body: '[1,2]' }], 400, /JSON is not valid/],
      ['wrong media type', ['POST', AUTH, { headers: { ...V2, 'content-type': 'text/plain' }, body: 'hello' }], 415, /Unsupported Media Type/],
      ['unknown authId', ['POST', AUTH, { headers: V2, body: JSON.stringify({ authId: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.c2ln' }) }], 400, /AuthId JWT Signature not valid/],
      ['alg none authId', ['POST', AUTH, { headers: V2, body: JSON.stringify({ authId: 'eyJhbGciOiJub25lIn0.eyJzZXNzaW9uSWQiOiJ4In0.' }) }], 400, /JWT/],
      ['authId of wrong type', ['POST', AUTH, { headers: V2, body: JSON.stringify({ authId: 42 }) }], 400, /Failed to parse JWT/],
      ['unknown index type', ['POST', `${AUTH}?authIndexType=banana&authIndexValue=x`, { headers: V2 }], 400, /Unknown Authentication Index Type/],
      ['unknown tree', ['POST', `${AUTH}?authIndexType=service&authIndexValue=Nope`, { headers: V2 }], 400, /No Configuration found/],
      ['unknown realm', ['POST', 'json/realms/root/realms/nowhere/authenticate', { headers: V2 }], 400, /Invalid realm/],
      ['huge body to a node', ['POST', AUTH, { headers: V2, body: JSON.stringify({ x: 'a'.repeat(100 * 1024) }) }], 413, /exceeds the limit/],
      ['forged SSO token as caller', ['POST', `${SESSIONS}?_action=getSessionInfo`, { headers: { ...V2, iPlanetDirectoryPro: 'AAAA.*AAJTSQACMDEAAlNLAAN4eXo.*' } }], 401, /Access Denied/],
      ['garbage SSO token as caller', ['POST', `${SESSIONS}?_action=refresh`, { headers: { ...V2, iPlanetDirectoryPro: '%%%' } }], 401, /Access Denied/],
      ['malformed JSON to sessions', ['POST', `${SESSIONS}?_action=validate`, { headers: V2, body: '{oops' }], 400, /JSON is not valid/],
      ['tokenId of wrong type', ['POST', `${SESSIONS}?_action=validate`, { headers: V2, body: '{"tokenId":7}' }], 400, /tokenId must be a string/],
      ['bad query filter', ['GET', `${SESSIONS}?_queryFilter=drop%20table`, { headers: V2 }], 400, /iPlanetDirectoryCookie not set/],
      ['unknown path', ['GET', 'json/nothing/here', {}], 404, /not found/i],
    ];
    for (const [name, args, status, message] of cases) {
      const r = await call(lab, ...args);
      expect(r.status, name).toBe(status);
      const body = r.json as Record<string, unknown>;
      expect(Object.keys(body).slice(0, 3), name).toEqual(['code', 'reason', 'message']);
      expect(body.code, name).toBe(status);
      expect(String(body.message), name).toMatch(message);
    }
    // Validate of a forged target is not an error: it is {"valid":false}.
    const forged = await call(lab, 'POST', `${SESSIONS}?_action=validate`, { headers: V2, body: JSON.stringify({ tokenId: 'x.*AAJTSQACMDEAAlNLAAN4eXo.*' }) });
    expect(forged.json).toEqual({ valid: false });

    // Nothing was lost: the bystander's session is intact, every response is in the trace.
    expect((await bystander.validate()).body).toMatchObject({ valid: true });
    expect(await exchanges(lab)).toHaveLength(cases.length + 1 + 2 + 1);
    expect((await lab.createBrowser().login(...DEMO)).outcome.kind).toBe('success');
  });

  it('the balancer refuses oversized bodies, duplicate Host/Content-Length and too many headers before any node sees them', async () => {
    const lab = await startLab({ nodes: 2, maxBodyBytes: 64 * 1024 });
    const requests = () => Promise.all(lab.nodes.map(async (n) => (await n.stats()).requests));
    const before = await requests();
    const big = await call(lab, 'POST', AUTH, { headers: V2, body: 'x'.repeat(5 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(big.json).toMatchObject({ code: 413, reason: 'Request Entity Too Large' });
    const port = lab.balancer.port;
    expect(await raw(port, `GET /am/isAlive.jsp HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(port, `POST /am/isAlive.jsp HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(port, `POST /am/isAlive.jsp HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET`)).toMatch(/^HTTP\/1\.1 400/);
    const many = Array.from({ length: 120 }, (_, i) => `X-H${i}: v`).join('\r\n');
    expect(await raw(port, `GET /am/isAlive.jsp HTTP/1.1\r\nHost: a\r\n${many}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    expect(await raw(port, `GET /am/isAlive.jsp HTTP/1.1\r\nHost: a\r\nCookie: ${'c=' + 'x'.repeat(40 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431/);
    expect(await requests()).toEqual(before);
    // A 20 KB cookie (client-based sessions can be that big) still goes through.
    const ok = await call(lab, 'GET', 'isAlive.jsp', { headers: { cookie: `big=${'x'.repeat(20 * 1024)}` } });
    expect(ok.status).toBe(200);
  });

  it('Expect: 100-continue (what curl sends for large bodies) is handled, not a 5xx', async () => {
    const lab = await startLab({ nodes: 1 });
    const head = `POST /am/${AUTH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept-API-Version: resource=2.0\r\nX-OpenAM-Username: ${DEMO[0]}\r\nX-OpenAM-Password: ${DEMO[1]}\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}`;
    const answer = await raw(lab.balancer.port, head, true);
    expect(answer).toMatch(/HTTP\/1\.1 200 OK/);
    expect(answer).toContain('"tokenId"');
  });

  it('fuzzed JSON bodies never produce a 5xx and never kill a node', async () => {
    const lab = await startLab({ nodes: 2 });
    const allowed = new Set([200, 400, 401, 403, 404, 405, 413, 415]);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify({ authId: v, callbacks: v }))), fc.constantFrom(AUTH, `${SESSIONS}?_action=validate`, `${SESSIONS}?_action=logout`), async (body, path) => {
        const r = await call(lab, 'POST', path, { headers: V2, body });
        expect(allowed.has(r.status)).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect((await lab.createBrowser().login(...DEMO)).outcome.status).toBe(401); // round-robin still reproduces the seed
    expect(lab.nodes.every((n) => n.running)).toBe(true);
  });
});

describe('malformed percent-escapes in the path or query', () => {
  // A servlet container refuses a request URI with a bad %-escape with 400 before AM runs (Tomcat's
  // UDecoder); the lab answers that status in AM's CREST error shape, on every route.
  const bad = [
    'json/realms/root/realms/%/authenticate',
    'json/realms/%zz/sessions?_action=validate',
    'json/realms/root/realms/%E0%A4%A/authenticate',
    'json/realms/root/authenticate/%',
    'json/realms/root/sessions%zz',
    'json/%/health/live',
    'isAlive.jsp%',
    'json/health/ready%',
    'json/realms/root/users/%zz',
    'json/serverinfo/%E0',
    'oauth2/realms/%zz/access_token',
    'oauth2/realms/root/authorize?client_id=%zz&response_type=code',
    '%zz',
    'json/realms/root/authenticate?authIndexType=%zz&authIndexValue=%',
    'json/realms/root/sessions?_action=%&tokenId=%E0',
    'json/realms/root/authenticate?realm=%',
    'isAlive.jsp?x=%',
  ];

  it('every route answers 400 in AM shape (never a 5xx), on each node and through the balancer; nothing is lost', async () => {
    const lab = await startLab({ nodes: 2, policy: 'sticky' });
    const bystander = lab.createBrowser();
    expect((await bystander.login(...DEMO)).outcome.kind).toBe('success');
    for (const port of [lab.balancer.port, ...lab.nodes.map((n) => n.port)]) {
      for (const p of bad) {
        const answer = await raw(port, `POST /am/${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-API-Version: resource=2.0, protocol=1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`, true);
        const status = Number(answer.slice(9, 12));
        const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
        expect(status, `${port} ${p}`).toBe(400);
        expect(body.message, `${port} ${p}`).toMatch(/malformed percent-encoding/);
        expect(Object.keys(body).slice(0, 3), `${port} ${p}`).toEqual(['code', 'reason', 'message']);
        expect(body.code, `${port} ${p}`).toBe(status);
      }
    }
    // Request targets that are no URL path at all: 400 (balancer) or AM's 404, never a 502 from undici refusing them.
    for (const port of [lab.balancer.port, lab.nodes[0]!.port]) {
      for (const target of ['*', 'http://[', 'am/isAlive.jsp']) {
        const status = Number((await raw(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)).slice(9, 12));
        expect([400, 404], `${port} ${target}`).toContain(status);
      }
    }
    expect(lab.nodes.every((n) => n.running)).toBe(true);
    expect((await exchanges(lab)).filter((x) => x.response.status >= 500)).toEqual([]);
    expect((await bystander.validate()).body).toMatchObject({ valid: true });
    expect((await lab.createBrowser().login(...DEMO)).outcome.kind).toBe('success');
  });
});
