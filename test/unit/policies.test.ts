import { describe, expect, it } from 'vitest';
import { pick, type BackendView, type PickInput } from '../../main/lab/balancer/policies';

const nodes = (...states: BackendView['state'][]): BackendView[] => states.map((state, i) => ({ id: `0${i + 1}`, lbValue: `0${i + 1}`, state }));
const input = (over: Partial<PickInput>): PickInput => ({ policy: 'round-robin', cookieName: 'amlbcookie', cookie: null, backends: nodes('up', 'up', 'up'), cursor: { next: 0 }, redispatch: true, ...over });

describe('balancer policies', () => {
  it('round-robin cycles over live nodes and ignores amlbcookie', () => {
    const i = input({ cookie: '01' });
    expect([pick(i), pick(i), pick(i), pick(i)].map((p) => p.node?.id)).toEqual(['01', '02', '03', '01']);
    expect(pick(i).reason).toBe('round-robin');
  });

  it('round-robin skips down and drained nodes', () => {
    const i = input({ backends: nodes('up', 'down', 'drained') });
    expect([pick(i), pick(i)].map((p) => p.node?.id)).toEqual(['01', '01']);
  });

  it('sticky follows amlbcookie, also to a drained node', () => {
    expect(pick(input({ policy: 'sticky', cookie: '02' }))).toEqual({ node: expect.objectContaining({ id: '02' }), reason: 'sticky amlbcookie=02', redispatched: false });
    expect(pick(input({ policy: 'sticky', cookie: '03', backends: nodes('up', 'up', 'drained') })).node?.id).toBe('03');
  });

  it('sticky without cookie, or with a cookie naming no node, falls back to round-robin and says so', () => {
    expect(pick(input({ policy: 'sticky' })).reason).toBe('no amlbcookie → round-robin');
    expect(pick(input({ policy: 'sticky', cookie: 'LOGOUT' })).reason).toBe('amlbcookie=LOGOUT names no node → round-robin 01');
  });

  it('sticky node marked down: the cookie is ignored and a live node takes it, with or without redispatch (HAProxy 2.6, reliability-security.md §3.4)', () => {
    for (const [redispatch, reason] of [[true, 'sticky node 01 down → 02'], [false, 'sticky node 01 down, cookie ignored → 02']] as const) {
      const p = pick(input({ policy: 'sticky', cookie: '01', redispatch, backends: nodes('down', 'up', 'up') }));
      expect(p).toMatchObject({ node: expect.objectContaining({ id: '02' }), reason, redispatched: true });
    }
    expect(pick(input({ policy: 'sticky', cookie: '01', redispatch: false, backends: nodes('down', 'down') }))).toEqual({ node: null, reason: 'sticky node 01 down, no live node', redispatched: false });
  });

  it('a node that failed this very request: redispatched when redispatch is on, 503 (nothing) when off, and the reason says which case', () => {
    const p = pick(input({ policy: 'sticky', cookie: '01', exclude: new Set(['01']) }));
    expect(p.node?.id).not.toBe('01');
    expect(p.redispatched).toBe(true);
    // The balancer marks the refusing node down before asking again: still this request's 503.
    expect(pick(input({ policy: 'sticky', cookie: '01', redispatch: false, exclude: new Set(['01']), backends: nodes('down', 'up') }))).toEqual({ node: null, reason: 'sticky node 01 failed before it was known down, redispatch off', redispatched: false });
  });

  it('active/passive uses the first live node in order', () => {
    expect(pick(input({ policy: 'active-passive' })).reason).toBe('active/passive: active 01');
    expect(pick(input({ policy: 'active-passive', backends: nodes('down', 'up', 'up') }))).toMatchObject({ node: expect.objectContaining({ id: '02' }), reason: 'active/passive: active 01 down → passive 02' });
    expect(pick(input({ policy: 'active-passive', backends: nodes('down', 'down') })).node).toBeNull();
  });

  it('no live node at all is reported, not guessed', () => {
    expect(pick(input({ backends: nodes('down', 'down') }))).toEqual({ node: null, reason: 'no live node', redispatched: false });
  });
});
