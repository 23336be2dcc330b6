import { describe, expect, it } from 'vitest';
import { diagnose } from '../../main/lab/trace/diagnose';
import { HarImportError, importHar } from '../../main/lab/trace/harImport';
import type { TraceExchange } from '../../main/lab/trace/types';
import { fixture } from '../fixtures/har/scan';

const exchanges = (text: string) => importHar(text).items.filter((i): i is TraceExchange => i.kind === 'exchange');

function rejects(text: string, code: HarImportError['code'], message: RegExp, opts?: Parameters<typeof importHar>[1]) {
  let err: unknown;
  try {
    importHar(text, opts);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(HarImportError);
  expect((err as HarImportError).code).toBe(code);
  expect((err as HarImportError).message).toMatch(message);
}

describe('importHar: browser shapes', () => {
  it('reads a Chrome export: headers (HTTP/2 pseudo-headers too), bodies, timings, and the node each response names', () => {
    const ex = exchanges(fixture('chrome-full-seed401.har'));
    expect(ex).toHaveLength(5);
    expect(ex.map((e) => e.response.status)).toEqual([200, 401, 200, 200, 200]);
    expect(ex[0]!.request.headers.some(([n]) => n === ':authority')).toBe(true);
    expect(ex[1]!.request.body).toContain('"authId"');
    expect(ex[0]!.timings.wait).toBe(38.4);
    // Set-Cookie amlbcookie names the node that answered; the 401 sets none, so its node is unknown.
    expect(ex.map((e) => e.routing.node)).toEqual(['01', null, '02', '02', null]);
    expect(ex[0]!.routing).toMatchObject({ policy: 'unknown', reason: 'Set-Cookie amlbcookie=01' });
    expect(ex[1]!.routing.cookie).toBe('01');
    expect(importHar(fixture('chrome-full-seed401.har')).creator).toBe('Chrome');
  });

  it('warns on a sanitized Chrome export: cookies absent, yet authIds still tell the node', () => {
    const r = importHar(fixture('chrome-sanitized-seed401.har'));
    expect(r.warnings.some((w) => w.startsWith('cookies absent (sanitized export?)'))).toBe(true);
    const ex = r.items.filter((i): i is TraceExchange => i.kind === 'exchange');
    expect(ex[0]!.routing.node).toBe('01');
    expect(ex[0]!.routing).toMatchObject({ policy: 'unknown', reason: 'the authId it issued names this server' });
    expect(r.warnings.some((w) => /live session tokens/.test(w))).toBe(true);
  });

  it('reads Firefox (params + text, +01:00 dates) and Safari (base64 bodies, no cookies[]) exports', () => {
    const ff = importHar(fixture('firefox-tree-nocookie401.har'));
    expect(ff.creator).toBe('Firefox');
    const fx = ff.items.filter((i): i is TraceExchange => i.kind === 'exchange');
    expect(fx[1]!.realStart - fx[0]!.realStart).toBe(6_300);
    expect(fx[1]!.response.body).toContain('Session has timed out');
    const sf = importHar(fixture('safari-logout-replay.har'));
    expect(sf.creator).toBe('Safari');
    const sx = sf.items.filter((i): i is TraceExchange => i.kind === 'exchange');
    expect(JSON.parse(sx[0]!.response.body).successUrl).toBe('/am/console');
    expect(sx.at(-1)!.response.body).toBe('{"valid":false}');
  });
});

describe('diagnose on imported customer HARs', () => {
  it('Chrome full: the seed 401 — auth session on node 01, step 2 carried amlbcookie=01, another node answered', () => {
    const f = diagnose(importHar(fixture('chrome-full-seed401.har')).items);
    expect(f.map((x) => x.kind)).toEqual(['auth-session-missed']);
    expect(f[0]!.severity).toBe('error');
    expect(f[0]!.evidence).toEqual([
      'auth session created on node 01 (step 1)',
      'step 2 carried amlbcookie=01',
      'the HAR does not record which node answered',
      'step 2 came 4 s after step 1',
      'server ids answering this client in the HAR: 01, 02',
      'the node that answered has no auth session for this authId → 401 Session has timed out',
    ]);
    expect(f[0]!.fix).toBe('sticky amlbcookie, or trees with CTS / client-side auth sessions');
    expect(f[0]!.exchangeIds).toEqual(['har-1', 'har-2']);
  });

  it('Chrome sanitized: the same 401, said without cookie evidence, plus a cookies-absent finding', () => {
    const f = diagnose(importHar(fixture('chrome-sanitized-seed401.har')).items);
    expect(f.map((x) => x.kind)).toEqual(['cookies-absent', 'auth-session-missed']);
    expect(f[1]!.evidence[0]).toBe('auth session created on node 01 (step 1)');
    expect(f[1]!.evidence[1]).toBe('step 2: cookies not recorded in this trace (sanitized export?)');
  });

  it('Firefox: step 2 of a tree carried no amlbcookie', () => {
    const [f] = diagnose(importHar(fixture('firefox-tree-nocookie401.har')).items);
    expect(f!.kind).toBe('auth-session-missed');
    expect(f!.evidence.slice(0, 2)).toEqual(['auth session created on node 01 (step 1)', 'step 2 carried no amlbcookie']);
  });

  it('Chrome tree: the authId had expired before step 2 — an expiry, not a routing problem', () => {
    const [f] = diagnose(importHar(fixture('chrome-full-tree-expired.har')).items);
    expect(f!.kind).toBe('auth-session-expired');
    expect(f!.evidence).toContain('the authId expired at 09:19:03, 2 min 1 s before step 2 → 401 Session has timed out');
  });

  it('Safari: a logout that cleared the cookies, then a replay of the logged-out token', () => {
    const f = diagnose(importHar(fixture('safari-logout-replay.har')).items);
    expect(f.map((x) => x.kind)).toEqual(['logout', 'session-rejected']);
    expect(f[0]!.evidence).toContain('Set-Cookie iPlanetDirectoryPro="" (expired)');
    expect(f[0]!.evidence).toContain('Set-Cookie amlbcookie=LOGOUT (expired)');
    expect(f[1]!.sentence).toBe('AM rejected a session because it was logged out → 200 {"valid":false}.');
    expect(f[1]!.exchangeIds).toEqual(['har-1', 'har-5', 'har-6']);
  });
});

describe('importHar: malformed and hostile input gets a clear error', () => {
  it('rejects what is not JSON, empty files and truncated files', () => {
    rejects('not json at all', 'not-json', /not valid JSON/);
    rejects('', 'not-json', /empty/);
    rejects(fixture('chrome-full-seed401.har').slice(0, 500), 'not-json', /not valid JSON/);
  });

  it('rejects JSON that is not a HAR', () => {
    rejects('{"hello":1}', 'not-har', /no "log" object/);
    rejects('[1,2,3]', 'not-har', /no "log" object/);
    rejects('{"log":{"entries":{"0":{}}}}', 'not-har', /"log.entries" is not an array/);
    rejects('{"log":{"entries":[1,"x",null]}}', 'not-har', /None of the 3 entries is a HAR entry/);
  });

  it('rejects deep nesting before parsing (100,000 levels) and files over the size limit', () => {
    rejects('['.repeat(100_000) + ']'.repeat(100_000), 'too-deep', /nested deeper than 64 levels/);
    rejects(`{"log":{"entries":[],"x":"${'a'.repeat(2_000)}"}}`, 'too-large', /larger than/, { maxBytes: 1_000 });
    const big = ' '.repeat(50 * 1024 * 1024 + 1);
    rejects(big, 'too-large', /larger than 50 MB/);
  });

  it('skips broken entries with a warning and keeps the good ones', () => {
    const good = JSON.parse(fixture('chrome-full-seed401.har')).log.entries[0];
    const r = importHar(JSON.stringify({ log: { entries: [good, { request: { method: 1 }, response: { status: 200 } }, { request: { method: 'GET', url: 'x' }, response: { status: 'abc' } }] } }));
    expect(r.items.filter((i) => i.kind === 'exchange')).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^2 entries were skipped: entry 2: request without method or url; entry 3: response without a numeric status/);
  });

  it('takes 1 MB header values, odd types and script payloads as plain data', () => {
    const entry = {
      startedDateTime: 'not a date',
      request: { method: 'GET', url: 'https://x.example/<img src=x onerror=alert(1)>', headers: [{ name: 'X-Big', value: 'v'.repeat(1024 * 1024) }, { name: 'X-Num', value: 42 }, { name: 7, value: 'bad' }], cookies: 'nope' },
      response: { status: 200, headers: null, content: { text: '<script>window.__pwned=1</script>', encoding: 'base64' } },
    };
    const r = importHar(JSON.stringify({ log: { entries: [entry] } }));
    const [ex] = r.items.filter((i): i is TraceExchange => i.kind === 'exchange');
    expect(ex!.request.headers.map(([n]) => n)).toEqual(['X-Big', 'X-Num']);
    expect(ex!.request.headers[1]![1]).toBe('42');
    expect(ex!.realStart).toBe(0);
    expect(ex!.request.url).toContain('<img');
  });
});

describe('importHar: lab events are typed records', () => {
  it('checks each _events entry against its type, renders its sentence from the data, and says what it left out', () => {
    const har = JSON.parse(fixture('chrome-full-seed401.har'));
    har.log._events = [
      // The file's own sentence is never trusted: the data says an operator killed node 01.
      { type: 'node-down', seq: 1, labTime: 0, node: '01', exchangeId: null, message: 'all good', data: { by: 'operator' } },
      // Data that is not this event type's shape (an older or edited file) is left out, with a warning.
      { type: 'auth-session-missed', seq: 2, labTime: 0, node: '02', exchangeId: null, message: 'x', data: { why: 'prose only' } },
      { type: 'no-such-event', seq: 3, labTime: 0, node: null, exchangeId: null, message: 'x', data: {} },
    ];
    const r = importHar(JSON.stringify(har));
    const events = r.items.filter((i) => i.kind === 'event');
    expect(events.map((e) => [e.type, e.message])).toEqual([['node-down', 'Node 01 was killed: its in-memory auth sessions are gone']]);
    expect(r.warnings).toContain('2 lab events were left out: not in this version\'s event format.');
  });
});
