import { describe, expect, it } from 'vitest';
import type { LabEvent, TraceExchange } from '../../main/contract';
import { explainExchange } from '../../renderer/lib/explain';
import { NO_FILTER, eventSeverity, filterExchanges, isFiltered, matchesEventFilter, matchesFilter, rowFlags } from '../../renderer/lib/filters';

let seq = 0;
function exchange(over: { status?: number; node?: string | null; browser?: string | null; path?: string; reason?: string; redispatched?: boolean }): TraceExchange {
  seq++;
  return {
    kind: 'exchange',
    seq,
    id: `ex-${seq}`,
    browser: over.browser === undefined ? 'b1' : over.browser,
    labStart: 1000 * seq,
    labEnd: 1000 * seq + 5,
    realStart: 0,
    request: { method: 'POST', url: `http://127.0.0.1:8080${over.path ?? '/am/json/realms/root/authenticate'}`, path: over.path ?? '/am/json/realms/root/authenticate', httpVersion: 'HTTP/1.1', headers: [], body: '', bodySize: 0 },
    routing: { policy: 'round-robin', reason: over.reason ?? 'round-robin', cookie: null, node: over.node === undefined ? '01' : over.node, redispatched: over.redispatched ?? false, attempts: [] },
    response: { status: over.status ?? 200, statusText: '', headers: [], body: '', bodySize: 0 },
    timings: { send: 0, wait: 1, receive: 0, total: 1 },
  };
}

function event(type: LabEvent['type'], exchangeId: string | null, data: Record<string, unknown> = {}, message: string = type): LabEvent {
  return { kind: 'event', seq: ++seq, type, labTime: 0, realTime: 0, node: '02', exchangeId, message, data } as LabEvent;
}

describe('traffic filters and highlighting (renderer/lib/filters.ts)', () => {
  const ok = exchange({ status: 200, node: '01', browser: 'b1' });
  const missed = exchange({ status: 401, node: '02', browser: 'b1' });
  const other = exchange({ status: 200, node: '03', browser: 'b2', path: '/am/json/realms/root/sessions?_action=validate' });
  const noNode = exchange({ status: 503, node: null, browser: null, reason: 'no live node' });
  const moved = exchange({ status: 200, node: '03', redispatched: true, reason: 'sticky node 01 down → 03' });
  const all = [ok, missed, other, noNode, moved];
  const flags = (ex: TraceExchange) => rowFlags(ex, ex === missed ? [event('auth-session-missed', missed.id)] : []);

  it('flags a 401 and the miss recorded during it as an expiry', () => {
    expect(rowFlags(missed, [event('auth-session-missed', missed.id)])).toEqual({ unauthorized: true, error: true, expired: true, redispatched: false });
    expect(rowFlags(ok, [])).toEqual({ unauthorized: false, error: false, expired: false, redispatched: false });
    expect(rowFlags(ok, [event('session-terminated', ok.id, { reason: 'idle' })]).expired).toBe(true);
    expect(rowFlags(ok, [event('session-terminated', ok.id, { reason: 'logout' })]).expired).toBe(false);
    expect(rowFlags(moved, []).redispatched).toBe(true);
  });

  it('filters by browser, node, status class and text', () => {
    expect(filterExchanges(all, NO_FILTER, flags)).toBe(all);
    expect(filterExchanges(all, { ...NO_FILTER, browser: 'b2' }, flags)).toEqual([other]);
    expect(filterExchanges(all, { ...NO_FILTER, browser: 'none' }, flags)).toEqual([noNode]);
    expect(filterExchanges(all, { ...NO_FILTER, node: '02' }, flags)).toEqual([missed]);
    expect(filterExchanges(all, { ...NO_FILTER, node: 'none' }, flags)).toEqual([noNode]);
    expect(filterExchanges(all, { ...NO_FILTER, status: '401' }, flags)).toEqual([missed]);
    expect(filterExchanges(all, { ...NO_FILTER, status: '5xx' }, flags)).toEqual([noNode]);
    expect(filterExchanges(all, { ...NO_FILTER, status: '2xx' }, flags)).toEqual([ok, other, moved]);
    expect(filterExchanges(all, { ...NO_FILTER, status: 'problems' }, flags)).toEqual([missed, noNode, moved]);
    expect(filterExchanges(all, { ...NO_FILTER, text: 'VALIDATE' }, flags)).toEqual([other]);
    expect(filterExchanges(all, { ...NO_FILTER, text: 'down →' }, flags)).toEqual([moved]);
    expect(filterExchanges(all, { browser: 'b1', node: '02', status: '4xx', text: 'authenticate' }, flags)).toEqual([missed]);
    expect(matchesFilter(missed, { ...NO_FILTER, status: '3xx' })).toBe(false);
  });

  it('knows when a filter is active', () => {
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, text: '  ' })).toBe(false);
    expect(isFiltered({ ...NO_FILTER, node: '01' })).toBe(true);
  });

  it('colours events by what they mean for the session', () => {
    const missed = { type: 'auth-session-missed', data: { authSession: 'a1', createdOn: '01', lookedUpOn: '02', storage: 'memory', cause: 'not-in-memory' } } as const;
    const down = { type: 'node-down', data: { by: 'operator' } } as const;
    const session = { handle: 'h1', username: 'demo', realm: '/', kind: 'cts', homeNode: '01', createdAt: 0, latestAccessTime: 0, maxSessionTime: 120, maxIdleTime: 30, maxIdleExpiration: 0, maxSessionExpiration: 0 } as const;
    const ended = (reason: 'idle' | 'logout' | 'max-time') => ({ type: 'session-terminated', data: { handle: 'h1', user: 'demo', reason, detectedBy: 'reaper', kind: 'cts', homeNode: '01', session } }) as const;
    const config = { type: 'config-changed', data: { key: 'policy', from: 'round-robin', to: 'sticky' } } as const;
    expect(eventSeverity(missed)).toBe('error');
    expect(eventSeverity(down)).toBe('error');
    expect(eventSeverity(ended('idle'))).toBe('warn');
    expect(eventSeverity(ended('logout'))).toBe('info');
    expect(eventSeverity({ type: 'session-created', data: { handle: 'h1', user: 'demo', realm: '/', kind: 'cts', maxSessionTime: 120, maxIdleTime: 30 } })).toBe('ok');
    expect(eventSeverity(config)).toBe('info');
    expect(matchesEventFilter(down, 'cluster')).toBe(true);
    expect(matchesEventFilter(down, 'sessions')).toBe(false);
    expect(matchesEventFilter(config, 'config')).toBe(true);
    expect(matchesEventFilter(ended('max-time'), 'problems')).toBe(true);
    expect(matchesEventFilter({ type: 'login-succeeded', data: { user: 'demo', service: 'ldapService', kind: 'chain', authSession: null, createdOn: '01', upgrade: false } }, 'problems')).toBe(false);
  });

  it('explains an exchange from the events recorded during it, else from its routing decision', () => {
    expect(explainExchange(missed, [event('auth-session-created', missed.id), event('auth-session-missed', missed.id, {}, 'Node 02: no auth session → 401 Session has timed out')])).toBe('Node 02: no auth session → 401 Session has timed out');
    expect(explainExchange(ok, [])).toBe('Routed to node 01 by round-robin; answered 200.');
    expect(explainExchange(moved, [])).toBe('Redispatched to node 03 (sticky node 01 down → 03); answered 200.');
    expect(explainExchange(noNode, [])).toBe('The balancer could not place this request: no live node → 503.');
  });
});
