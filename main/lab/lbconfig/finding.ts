import type { LbFinding, LbFindingId, LbSeverity } from '../../contract/balancer';
import { cite, type BalancerModel, type Source } from './model';

/**
 * A finding of `lb check` and its parts, shared by the checks (findings.ts, findingsCookie.ts).
 * Severity: error = a login will break as configured (exit 1 of `lb check`); warning = it breaks
 * under a condition the finding names; info = worth knowing.
 */
export type { LbFinding, LbFindingId, LbSeverity } from '../../contract/balancer';

/** What AM sets, for the checks: its cookie names and where it is deployed. */
export interface AmSide {
  lbCookie: string;
  sessionCookie: string;
  contextPath: string;
}

export const AM_DEFAULTS: AmSide = { lbCookie: 'amlbcookie', sessionCookie: 'iPlanetDirectoryPro', contextPath: '/am' };

export const TICKET_401 = '401 {"code":401,"reason":"Unauthorized","message":"Session has timed out"} on the second step of a login (chains, or trees whose auth sessions live in node memory)';

export const finding = (id: LbFindingId, severity: LbSeverity, source: Source | null, f: Omit<LbFinding, 'id' | 'severity' | 'line' | 'file'> & { file?: string }): LbFinding => ({
  id,
  severity,
  line: source?.line ?? null,
  ...f,
  file: f.file ?? cite(source),
});

/** The product's way to stick on AM's own cookie. */
export function fixFor(m: BalancerModel, am: AmSide): string {
  switch (m.product) {
    case 'haproxy':
      return `\`cookie ${am.lbCookie}\` in backend ${m.backend || 'am'} and \`cookie 01\`, \`cookie 02\`, … on each \`server\` line (each AM's server id); or trees with CTS / client-side auth sessions`;
    case 'nginx':
      return `\`map $cookie_${am.lbCookie} $am_node { 01 <server 01>; 02 <server 02>; default <upstream>; }\` with \`proxy_pass http://$am_node\` (or NGINX Plus \`sticky route $cookie_${am.lbCookie}\` with \`route=01\`…)`;
    case 'ingress-nginx':
      return 'annotations `nginx.ingress.kubernetes.io/affinity: cookie` and `affinity-mode: persistent`';
    case 'aws-alb':
      return `\`stickiness.enabled=true\` with \`stickiness.type=app_cookie\` and \`stickiness.app_cookie.cookie_name=${am.lbCookie}\` (or lb_cookie)`;
    case 'f5':
      return 'a cookie persistence profile with method insert on the virtual server';
  }
}

