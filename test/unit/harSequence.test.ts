// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { listFlows } from '../../main/lab/trace/flows';
import { importHar } from '../../main/lab/trace/harImport';
import { sequenceModel } from '../../main/lab/trace/sequence';
import { sequenceSvg } from '../../main/sequenceSvg';
import { fixture } from '../fixtures/har/scan';

function parse(svg: string): Document {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  expect(doc.getElementsByTagName('parsererror')).toHaveLength(0);
  return doc;
}

describe('sequenceModel: the engine describes, the host draws', () => {
  it('lanes, one row per exchange with its arrows, the failing one marked, and the outcome', () => {
    const { items } = importHar(fixture('chrome-full-seed401.har'));
    const m = sequenceModel(items, { title: 'ticket 4242' });
    expect(m.lanes.map((l) => `${l.kind}:${l.label}`)).toEqual(['browser:Browser', 'balancer:Balancer', 'node:Node 01', 'node:Node 02', 'node:Node ?', 'cts:CTS']);
    expect(m.rows.map((r) => (r.kind === 'exchange' ? `${r.exchangeId}${r.failing ? '!' : ''}` : r.kind))).toEqual(['har-1', 'har-2!', 'har-3', 'har-4', 'har-5']);
    const failed = m.rows[1]!;
    if (failed.kind !== 'exchange') throw new Error('expected an exchange row');
    expect(failed.marks[0]).toMatchObject({ kind: 'arrow', from: 0, to: 1, sub: 'amlbcookie=01', tone: 'normal' });
    expect(failed.marks.at(-1)).toMatchObject({ kind: 'arrow', from: 1, to: 0, label: '401 Session has timed out', tone: 'failed', dashed: true });
    expect(m).toMatchObject({ title: 'ticket 4242', omitted: 0, outcome: 'failed' });
    expect(sequenceModel(items, { maxExchanges: 2 }).omitted).toBe(3);
  });

  it("draws an imported HAR's app pages straight to their own site, never through the balancer", () => {
    const { items } = importHar(fixture('chrome-oauth2-code-pkce.har'));
    const m = sequenceModel(items);
    expect(m.lanes[0]).toEqual({ label: 'app.example.com', kind: 'origin' });
    // AM's own calls still cross the balancer (to "Node ?": this HAR names no server for them).
    expect(m.lanes.map((l) => l.label)).toEqual(['app.example.com', 'Browser', 'Balancer', 'Node ?', 'CTS']);
    const callback = m.rows.find((r) => r.kind === 'exchange' && r.title.includes('app.example.com/callback'));
    if (callback?.kind !== 'exchange') throw new Error('expected the callback page');
    // Browser (lane 1) → the app's site (lane 0) and back: two arrows, none to the balancer (lane 2).
    expect(callback.marks.map((k) => (k.kind === 'arrow' ? `${k.from}>${k.to}` : 'note'))).toEqual(['1>0', '0>1']);
    expect(callback.marks[0]).toMatchObject({ label: 'GET app.example.com/callback' });
    const authorize = m.rows.find((r) => r.kind === 'exchange' && r.title.includes('/authorize'));
    if (authorize?.kind !== 'exchange') throw new Error('expected the authorize call');
    expect(authorize.marks[0]).toMatchObject({ from: 1, to: 2, label: 'GET /am/oauth2/realms/root/realms/alpha/authorize' });
  });

  it('offers each flow with its time and outcome, so two logins of one browser differ', () => {
    const { items } = importHar(fixture('chrome-full-seed401.har'));
    const logins = listFlows(items).filter((f) => f.kind === 'login');
    expect(logins.map((f) => f.outcome)).toEqual(['failed', 'ok']);
    expect(logins[0]!.at).toBeLessThan(logins[1]!.at);
  });
});

describe('sequenceSvg', () => {
  it('draws lanes browser ↔ balancer ↔ nodes ↔ CTS, one group per exchange, the 401 arrows red', () => {
    const { items } = importHar(fixture('chrome-full-seed401.har'));
    const doc = parse(sequenceSvg(sequenceModel(items, { title: 'ticket 4242' })));
    const heads = [...doc.querySelectorAll('text[font-weight="bold"]')].map((t) => t.childNodes[0]?.textContent);
    expect(heads.slice(1, 7)).toEqual(['Browser', 'Balancer', 'Node 01', 'Node 02', 'Node ?', 'CTS']);
    const groups = [...doc.querySelectorAll('g[data-exchange-id]')];
    expect(groups.map((g) => g.getAttribute('data-exchange-id'))).toEqual(['har-1', 'har-2', 'har-3', 'har-4', 'har-5']);
    const failing = groups.filter((g) => g.getAttribute('data-failing') === 'true').map((g) => g.getAttribute('data-exchange-id'));
    expect(failing).toEqual(['har-2']);
    const red = [...groups[1]!.querySelectorAll('line')].filter((l) => l.getAttribute('stroke') === '#c62828');
    expect(red.length).toBeGreaterThanOrEqual(2);
    const labels = [...groups[1]!.querySelectorAll('title')].map((t) => t.textContent);
    expect(labels).toContain('401 Session has timed out');
    expect(labels).toContain('amlbcookie=01');
    expect([...groups[0]!.querySelectorAll('line')].every((l) => l.getAttribute('stroke') !== '#c62828')).toBe(true);
  });

  it("wraps a long note at word boundaries instead of cutting it, and grows the drawing to fit", () => {
    const { items } = importHar(fixture('chrome-full-seed401.har'));
    const model = sequenceModel(items, { title: 'ticket 4242' });
    const text = 'Auth session started on node 01 (chain ldapService), kept in node 01 memory only: another node that gets the next step has no such auth session and answers 401';
    const long = { ...model, rows: [{ kind: 'event' as const, lane: 2, text, tone: 'normal' as const }, ...model.rows] };
    const doc = parse(sequenceSvg(long));
    const note = [...doc.querySelectorAll('text')].find((t) => t.querySelector('title')?.textContent === text)!;
    const lines = [...note.querySelectorAll('tspan')].map((t) => t.textContent);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ')).toBe(text);
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)![1]);
    expect(height(sequenceSvg(long))).toBeGreaterThan(height(sequenceSvg({ ...long, rows: [{ ...long.rows[0]!, text: 'short' } as (typeof long.rows)[number], ...model.rows] })));
  });

  it('draws one flow only when asked', () => {
    const { items } = importHar(fixture('safari-logout-replay.har'));
    const login = listFlows(items).find((f) => f.kind === 'login')!;
    const doc = parse(sequenceSvg(sequenceModel(items, { exchangeIds: login.exchangeIds })));
    expect([...doc.querySelectorAll('g[data-exchange-id]')].map((g) => g.getAttribute('data-exchange-id'))).toEqual(login.exchangeIds);
  });

  it('renders hostile HAR content as inert text: no script, no external reference, well-formed XML', () => {
    const evil = '<script>alert(1)</script><img src=x onerror="window.__pwned=1"> &amp; "quotes" \u0001';
    const har = {
      log: {
        version: '1.2',
        creator: { name: evil, version: '1' },
        entries: [
          {
            startedDateTime: '2026-11-20T09:00:00.000Z',
            time: 1,
            pageref: `"><script>x</script>`,
            request: { method: `POST${evil}`, url: `https://am.example.com/am/json/realms/root/authenticate?x=${encodeURIComponent(evil)}`, httpVersion: 'h2', headers: [{ name: 'cookie', value: `amlbcookie=${evil}` }], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
            response: { status: 401, statusText: evil, httpVersion: 'h2', headers: [{ name: 'set-cookie', value: `amlbcookie=${evil}; Path=/` }], cookies: [], content: { size: 1, mimeType: 'application/json', text: JSON.stringify({ code: 401, message: evil }) }, redirectURL: '', headersSize: -1, bodySize: -1 },
            cache: {},
            timings: { send: 0, wait: 1, receive: 0 },
          },
        ],
      },
    };
    const svg = sequenceSvg(sequenceModel(importHar(JSON.stringify(har)).items, { title: evil }), { idPrefix: '"><x' });
    const doc = parse(svg);
    expect(doc.getElementsByTagName('script')).toHaveLength(0);
    expect(doc.getElementsByTagName('img')).toHaveLength(0);
    expect(doc.getElementsByTagName('foreignObject')).toHaveLength(0);
    expect(svg).not.toMatch(/href=|@import|url\((?!#)/);
    expect(doc.documentElement.textContent).toContain('<script>alert(1)</script>');
    for (const el of doc.querySelectorAll('*')) for (const a of el.getAttributeNames()) expect(a.startsWith('on')).toBe(false);
  });
});
