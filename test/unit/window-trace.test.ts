import { describe, expect, it } from 'vitest';
import type { LabEvent, TraceExchange, TraceItem } from '../../main/contract';
import { EMPTY_TRACE, addItems } from '../../renderer/state/trace';
import { cookiesSent, parseSetCookie, setCookieRows } from '../../renderer/lib/cookies';

const ex = (seq: number, status = 200, browser: string | null = null): TraceExchange => ({ kind: 'exchange', seq, id: `x${seq}`, browser, response: { status } }) as unknown as TraceExchange;
const ev = (seq: number, exchangeId: string | null): LabEvent => ({ kind: 'event', seq, type: 'node-added', exchangeId, labTime: 0, realTime: 0, node: '02', message: '', data: {} });

describe("the window's trace copy (renderer/state/trace.ts)", () => {
  it('keeps items in seq order when a late fetch overlaps pushes, without duplicates', () => {
    const pushed = addItems(EMPTY_TRACE, [ex(5), ev(6, 'x5'), ex(7)], 100);
    const fetched = addItems(pushed, [ex(1), ev(2, 'x1'), ex(3), ex(5), ev(6, 'x5')] as TraceItem[], 100);
    expect(fetched.exchanges.map((e) => e.seq)).toEqual([1, 3, 5, 7]);
    expect(fetched.events.map((e) => e.seq)).toEqual([2, 6]);
    expect(fetched.byExchange.get('x5')!.map((e) => e.seq)).toEqual([6]);
    expect(fetched.byExchange.get('x1')!.map((e) => e.seq)).toEqual([2]);
    expect(fetched.lastSeq).toBe(7);
  });

  it('stays within its cap, dropping the oldest and their links', () => {
    let view = EMPTY_TRACE;
    for (let i = 1; i <= 50; i++) view = addItems(view, [ex(i * 2), ev(i * 2 + 1, `x${i * 2}`)], 10);
    expect(view.exchanges).toHaveLength(10);
    expect(view.events).toHaveLength(10);
    expect(view.exchanges[0]!.seq).toBe(82);
    expect(view.byExchange.has('x2')).toBe(false);
    expect(view.byExchange.size).toBe(10);
    expect(view.dropped).toBe(80);
  });

  it("indexes each browser's newest exchange, the newest failure and the 401s held, as items arrive and leave", () => {
    let view = addItems(EMPTY_TRACE, [ex(1, 200, 'b1'), ex(2, 401, 'b1'), ex(3, 200, 'b2')], 3);
    expect(view.lastByBrowser.get('b1')!.seq).toBe(2);
    expect(view.lastByBrowser.get('b2')!.seq).toBe(3);
    expect(view.lastFailureSeq).toBe(2);
    expect(view.unauthorized).toBe(1);
    // A late batch never makes an older exchange a browser's newest.
    view = addItems(view, [ex(4, 500, 'b1'), ex(0, 200, 'b2')], 3);
    expect(view.lastByBrowser.get('b2')!.seq).toBe(3);
    expect(view.lastFailureSeq).toBe(4);
    // The 401 (seq 2) falls out of the cap: it is no longer counted.
    view = addItems(view, [ex(5, 200, 'b1'), ex(6, 200, 'b1')], 3);
    expect(view.exchanges.map((e) => e.seq)).toEqual([4, 5, 6]);
    expect(view.unauthorized).toBe(0);
    expect(EMPTY_TRACE.lastByBrowser.size).toBe(0);
  });

  it('returns the same view for an empty batch', () => {
    expect(addItems(EMPTY_TRACE, [], 10)).toBe(EMPTY_TRACE);
  });
});

describe('cookies in the traffic detail (renderer/lib/cookies.ts)', () => {
  it('parses Set-Cookie attributes with tough-cookie and places expiry on the lab clock', () => {
    const at = Date.UTC(2026, 10, 23, 12, 0, 0);
    const sso = parseSetCookie('iPlanetDirectoryPro=AQIC.*AAJ*; Path=/; HttpOnly; SameSite=Lax', at)!;
    expect(sso).toMatchObject({ name: 'iPlanetDirectoryPro', value: 'AQIC.*AAJ*', path: '/', httpOnly: true, secure: false, sameSite: 'lax', expiresAt: null, removes: false });
    const maxAge = parseSetCookie('x=1; Max-Age=60; Secure; Domain=am.localhost', at)!;
    expect(maxAge).toMatchObject({ expiresAt: at + 60_000, expirySource: 'max-age', secure: true, domain: 'am.localhost' });
    expect(parseSetCookie('iPlanetDirectoryPro=""; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/', at)).toMatchObject({ expiresAt: 0, removes: true });
    expect(parseSetCookie('amlbcookie=LOGOUT; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/', at)!.removes).toBe(true);
    expect(setCookieRows([['Set-Cookie', 'a=1'], ['Content-Type', 'x'], ['set-cookie', 'b=2; HttpOnly']], at).map((c) => c.name)).toEqual(['a', 'b']);
  });

  it('lists the cookies a request sent', () => {
    expect(cookiesSent([['Cookie', 'amlbcookie=01; iPlanetDirectoryPro=abc.*AA==*']])).toEqual([
      { name: 'amlbcookie', value: '01' },
      { name: 'iPlanetDirectoryPro', value: 'abc.*AA==*' },
    ]);
    expect(cookiesSent([])).toEqual([]);
  });
});
