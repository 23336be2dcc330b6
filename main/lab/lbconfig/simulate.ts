import { ModelRouter } from '../balancer/modelRouter';
import type { BackendView } from '../balancer/policies';
import type { RouteRequest } from '../balancer/router';
import type { Header, RoutingDecision } from '../trace/types';
import type { BalancerModel } from './model';

/**
 * Questions the findings ask of a model, answered by routing through the same ModelRouter the lab's
 * balancer uses (no second implementation to drift): where does a request carrying `amlbcookie=01`
 * go; how many logins in progress move when a pod is added.
 */
export function serverIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(i + 1).padStart(2, '0'));
}

function backends(n: number): BackendView[] {
  return serverIds(n).map((id) => ({ id, lbValue: id, state: 'up' as const }));
}

function request(cookieHeader: string | undefined, clientIp = '198.51.100.7', now = 0): RouteRequest {
  return { cookieHeader, path: '/am/json/realms/root/authenticate', headers: {}, clientIp, tls: true, now, exchangeId: 'lb-check', exclude: new Set() };
}

/** The node a request carrying `name=value` reaches on a fresh balancer with n nodes, and the routing's words. */
export function routeWithCookie(model: BalancerModel, n: number, name: string, value: string): { node: string | null; reason: string } {
  const r = new ModelRouter(model).route(request(`${name}=${value}`), backends(n));
  return { node: r.node?.id ?? null, reason: r.reason };
}

/** Nodes a client reaches from two addresses (a proxy farm, a mobile network changing cell). */
export function routeFrom(model: BalancerModel, n: number, ips: string[]): (string | null)[] {
  const router = new ModelRouter(model);
  return ips.map((ip) => router.route(request(undefined, ip), backends(n)).node?.id ?? null);
}

/**
 * ingress-nginx: of `logins` browsers pinned while `from` pods ran, the share that reach another pod
 * once there are `to` pods (their cookie stays the same; the ring under it changed).
 */
export function repinnedShare(model: BalancerModel, from: number, to: number, logins = 400): number {
  const router = new ModelRouter(model);
  const pinned: { cookie: string; node: string }[] = [];
  const name = model.persistence.find((p) => p.kind === 'cookie')?.name ?? 'INGRESSCOOKIE';
  for (let i = 0; i < logins; i++) {
    const r = router.route(request(undefined), backends(from));
    const routing = { node: r.node?.id ?? null } as RoutingDecision;
    // A model of a customer's balancer answers at once (only a real balancer in front waits for its node's note).
    const set = (r.answer?.([] as Header[], routing) as Header[] | undefined)?.find(([k, v]) => k === 'Set-Cookie' && v.startsWith(`${name}=`));
    if (set && r.node) pinned.push({ cookie: set[1].split(';')[0]!.slice(name.length + 1), node: r.node.id });
  }
  if (!pinned.length) return 0;
  const moved = pinned.filter((p) => router.route(request(`${name}=${p.cookie}`), backends(to)).node?.id !== p.node).length;
  return moved / pinned.length;
}
