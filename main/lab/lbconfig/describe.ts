import { PRODUCT_NAMES, type Algorithm, type BalancerModel, type HashKey, type Persistence } from './model';

/** Words for a model's parts, as `lb check`, the trace's routing policy and the findings use them. */
export function keyText(k: HashKey): string {
  switch (k.kind) {
    case 'source':
      return 'the client IP';
    case 'uri':
      return 'the URI';
    case 'cookie':
      return `cookie ${k.name}`;
    case 'header':
      return `header ${k.name}`;
    case 'param':
      return `URL parameter ${k.name}`;
    case 'other':
      return k.text;
  }
}

export function algorithmText(a: Algorithm): string {
  if (a.kind !== 'hash') return a.kind;
  const how = { nginx: 'hash', 'nginx-consistent': 'consistent hash', 'nginx-ip-hash': 'ip_hash', 'haproxy-map': 'hash', 'haproxy-consistent': 'consistent hash', 'ingress-consistent': 'consistent hash', f5: 'hash' }[a.flavor];
  return a.flavor === 'nginx-ip-hash' ? 'ip_hash' : `${how} of ${keyText(a.key)}`;
}

export function persistenceText(p: Persistence): string {
  if (p.kind === 'table') {
    const key = p.key.kind === 'source' ? 'client IP' : `cookie ${p.key.name}`;
    const learn = p.store.kind === 'response-cookie' ? `, learned from the server's Set-Cookie ${p.store.name}` : '';
    return `${key} table${learn} (${Math.round(p.timeoutSec)} s)`;
  }
  const how: Record<string, string> = {
    'ingress-balanced': 'balanced',
    'ingress-persistent': 'persistent',
    'alb-target': p.insert === 'after-server-cookie' ? `app_cookie ${p.serverCookie}` : 'lb_cookie',
  };
  return `cookie ${p.name} ${how[p.value] ?? p.mode}`;
}

/** One line: "HAProxy: cookie SERVERID insert, then round-robin" — the routing's policy in the trace. */
export function mechanismText(m: BalancerModel): string {
  const sticky = m.persistence.map(persistenceText);
  const alg = algorithmText(m.algorithm);
  return `${PRODUCT_NAMES[m.product]}: ${sticky.length ? `${sticky.join(', ')}, then ${alg}` : `${alg}, no persistence`}`;
}

/** A server the file does not list (a pod, a target, a pool member): one per lab node. */
export function implicitServer(m: BalancerModel, index: number): string {
  return `${m.product === 'ingress-nginx' ? 'pod' : m.product === 'aws-alb' ? 'target' : 'pool member'} 10.0.0.${index + 1}:8080`;
}
