import type { BackendState } from '../../contract/snapshot';
import type { Policy } from '../config';

export type { BackendState };

export interface BackendView {
  id: string;
  /** The amlbcookie value that names this node (its server id by default). */
  lbValue: string;
  state: BackendState;
}

export interface PickInput {
  policy: Policy;
  cookieName: string;
  /** Value of the sticky cookie on the request, or null. */
  cookie: string | null;
  backends: BackendView[];
  /** Round-robin cursor, advanced on every round-robin pick. */
  cursor: { next: number };
  redispatch: boolean;
  /** Nodes already tried for this request (they refused the connection); a node that was down before the request is not among them. */
  exclude?: ReadonlySet<string>;
}

export interface Pick {
  node: BackendView | null;
  reason: string;
  redispatched: boolean;
  /** When redispatched: the node the request was meant for (sticky target or active node). */
  from?: string;
}

/**
 * Chooses the node for one request and says why, in words a support engineer reads in HAProxy logs.
 * No I/O and no clock (its only state is the round-robin cursor it advances), so every policy is
 * unit-tested on its own.
 */
export function pick(input: PickInput): Pick {
  const { policy, cookie, backends, exclude } = input;
  const alive = (b: BackendView) => b.state !== 'down' && !exclude?.has(b.id);
  const roundRobin = (): BackendView | null => {
    // Computed only when needed: a sticky hit (the common case) never builds this list.
    const takesNewUsers = backends.filter((b) => b.state === 'up' && !exclude?.has(b.id));
    if (!takesNewUsers.length) return null;
    const b = takesNewUsers[input.cursor.next % takesNewUsers.length]!;
    input.cursor.next = (input.cursor.next + 1) % 1_000_000_007;
    return b;
  };
  const none = (why: string): Pick => ({ node: null, reason: why, redispatched: false });

  if (policy === 'active-passive') {
    const active = backends[0];
    const chosen = backends.find((b) => b.state === 'up' && !exclude?.has(b.id)) ?? null;
    if (!chosen) return none('active/passive: no live node');
    if (chosen === active) return { node: chosen, reason: `active/passive: active ${chosen.id}`, redispatched: false };
    return { node: chosen, reason: `active/passive: active ${active?.id} down → passive ${chosen.id}`, redispatched: true, from: active?.id };
  }

  if (policy === 'sticky' && cookie !== null) {
    const target = backends.find((b) => b.lbValue === cookie);
    if (target && alive(target)) return { node: target, reason: `sticky ${input.cookieName}=${cookie}`, redispatched: false };
    if (target) {
      // HAProxy: only a request already sent to a server that then fails stays stuck to it without
      // `option redispatch` (503); a cookie naming a server marked DOWN is ignored either way.
      if (exclude?.has(target.id) && !input.redispatch) return none(`sticky node ${target.id} failed before it was known down, redispatch off`);
      const b = roundRobin();
      // Without redispatch the move is HAProxy ignoring a DOWN server's cookie; say so.
      const how = input.redispatch ? '' : ', cookie ignored';
      return b ? { node: b, reason: `sticky node ${target.id} down${how} → ${b.id}`, redispatched: true, from: target.id } : none(`sticky node ${target.id} down, no live node`);
    }
    const b = roundRobin();
    return b ? { node: b, reason: `${input.cookieName}=${cookie} names no node → round-robin ${b.id}`, redispatched: false } : none('no live node');
  }

  const b = roundRobin();
  if (!b) return none('no live node');
  return { node: b, reason: policy === 'sticky' ? `no ${input.cookieName} → round-robin` : 'round-robin', redispatched: false };
}
