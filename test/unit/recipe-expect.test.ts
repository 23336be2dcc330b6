import { describe, expect, it } from 'vitest';
import { cookieFates, type Observation } from '../../main/lab/scenario/observe';
import { describe as describeMatcher, evaluate, matches } from '../../main/lab/scenario/expect';
import type { TraceExchange } from '../../main/lab/trace/types';

const step = { index: 1, line: 21, label: 'login-next alice' };

function obs(o: Partial<Observation>): Observation {
  return { status: null, message: null, oauth2Error: null, tokens: [], outcome: null, valid: null, body: undefined, node: null, nodes: [], routing: null, redispatched: false, events: {}, terminated: [], cookies: {}, ...o };
}

describe('expectations', () => {
  it('a wrong expectation says which one and what was observed', () => {
    const o = obs({ status: 401, message: 'Session has timed out', outcome: 'failure', node: '02', nodes: ['02'], routing: 'round-robin', body: { code: 401 } });
    const [status, message, node] = evaluate({ status: 200, message: 'Session has timed out', node: '01' }, o, step);
    expect(status).toMatchObject({ passed: false, expected: '200', observed: '401 "Session has timed out" from node 02' });
    expect(status!.message).toBe('step 2 (line 21) login-next alice: HTTP status: expected 200, observed 401 "Session has timed out" from node 02');
    expect(message).toMatchObject({ passed: true });
    expect(node!.message).toBe('step 2 (line 21) login-next alice: node that served: expected 01, observed 02 (round-robin)');
  });

  it('ranges, negation, lists and substrings', () => {
    expect(matches({ min: 0.5, max: 0.8 }, 0.66)).toBe(true);
    expect(matches({ min: 0.5, max: 0.8 }, 0.99)).toBe(false);
    expect(matches({ min: 1 }, null)).toBe(false);
    expect(matches({ not: '01' }, '02')).toBe(true);
    expect(matches({ not: '01' }, '01')).toBe(false);
    expect(matches({ oneOf: ['02', '03'] }, '01')).toBe(false);
    expect(matches({ contains: 'sticky' }, 'sticky amlbcookie=01')).toBe(true);
    expect(describeMatcher({ min: 0.5, max: 0.8 })).toBe('between 0.5 and 0.8');
    expect(describeMatcher({ not: '01' })).toBe('not 01');
  });

  it('counts events, checks the body as a subset, and the whole step on one node', () => {
    const o = obs({ status: 401, nodes: ['03', '01'], events: { 'auth-session-missed': 1 }, body: { code: 401, detail: { errorCode: '110' } } });
    const r = evaluate({ events: { 'auth-session-missed': 1, 'session-created': 0 }, body: { detail: { errorCode: '110' } }, sameNode: true }, o, step);
    expect(r.map((x) => [x.description.split(': ')[1], x.passed])).toEqual([
      ['auth-session-missed events', true],
      ['session-created events', true],
      ['response body', true],
      ['every request on one node', false],
    ]);
    expect(r[3]!.observed).toBe('false (nodes 03 → 01)');
  });

  it('terminated: the reason of the user session that ended, or none', () => {
    expect(evaluate({ terminated: 'idle' }, obs({ terminated: ['idle'] }), step)[0]!.passed).toBe(true);
    expect(evaluate({ terminated: 'idle' }, obs({ terminated: [] }), step)[0]).toMatchObject({ passed: false, observed: 'none' });
    expect(evaluate({ terminated: 'none' }, obs({ terminated: ['max-time'] }), step)[0]).toMatchObject({ passed: false, observed: 'max-time' });
  });

  it('a load expectation without a load run fails instead of passing', () => {
    const r = evaluate({ failed: 0, failureRate: { max: 0.1 } }, obs({}), step);
    expect(r.every((x) => !x.passed)).toBe(true);
  });
});

describe('cookie fates', () => {
  const x = (headers: [string, string][]) => ({ kind: 'exchange', browser: 'b1', response: { headers } }) as unknown as TraceExchange;
  const now = Date.parse('2026-11-23T10:00:00Z');

  it('set, cleared by a past expiry or Max-Age=0, kept when untouched, absent otherwise', () => {
    const jar = [{ name: 'amlbcookie', value: '01', domain: '127.0.0.1', path: '/', expires: null, httpOnly: false, secure: false, sameSite: 'none' }];
    const fates = cookieFates(
      [
        x([['set-cookie', 'iPlanetDirectoryPro=abc; Path=/; HttpOnly']]),
        x([['Set-Cookie', 'AMAuthCookie=LOGOUT; Max-Age=0; Path=/']]),
        x([['set-cookie', 'iPlanetDirectoryPro=""; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/']]),
      ],
      jar,
      now,
    );
    expect(fates).toEqual({ amlbcookie: 'kept', AMAuthCookie: 'cleared', iPlanetDirectoryPro: 'cleared' });
  });

  it('set only when the jar holds what the response set; blocked when the browser refused it', () => {
    const held = [{ name: 'SERVERID', value: 's1', domain: 'am.example.com', path: '/', expires: null, httpOnly: true, secure: true, sameSite: 'lax' }];
    const response = [x([['set-cookie', 'SERVERID=s1; path=/; Secure; HttpOnly']])];
    expect(cookieFates(response, held, now)).toEqual({ SERVERID: 'set' });
    expect(cookieFates(response, [], now, new Set(['SERVERID']))).toEqual({ SERVERID: 'blocked' });
    // Refused while an older value stays in the jar: the step's cookie was still blocked.
    expect(cookieFates(response, held, now, new Set(['SERVERID']))).toEqual({ SERVERID: 'blocked' });
    expect(cookieFates(response, [], now)).toEqual({});
  });
});
