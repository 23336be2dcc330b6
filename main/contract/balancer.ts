/**
 * A customer's balancer as the window shows it: which balancer runs, what it routes by, how the
 * file's servers map to the lab's nodes, and the findings of `lb check` (what in the file breaks
 * AM logins, in the diagnosis style). The engine's lbconfig/ computes them; these are the shapes.
 */

/** error = a login will break as configured (exit 1 of `lb check`); warning = it breaks under the condition named; info = worth knowing. */
export type LbSeverity = 'error' | 'warning' | 'info';

export type LbFindingId =
  | 'no-persistence'
  | 'cookie-never-set'
  | 'cookie-set-after-login'
  | 'server-cookie-mismatch'
  | 'server-cookie-order'
  | 'balancer-cookie'
  | 'cookie-path'
  | 'cookie-domain'
  | 'cookie-secure-over-http'
  | 'samesite-none-without-secure'
  | 'samesite-cross-site'
  | 'source-ip'
  | 'hash-of-cookie'
  | 'ingress-balanced'
  | 'alb-duration'
  | 'redispatch-without-stickiness'
  | 'stick-on-request-cookie'
  | 'health-check-path'
  | 'upstream-host'
  | 'rejected';

export interface LbFinding {
  id: LbFindingId;
  severity: LbSeverity;
  title: string;
  /** The file's line (null: a default of the product). */
  line: number | null;
  /** What in the file. */
  file: string;
  am: string;
  browser: string;
  ticket: string;
  fix: string;
}

/** One server of the file and the lab node that plays it (null: the lab has fewer nodes). */
export interface LbServerView {
  server: string;
  /** The value the balancer's cookie names it by (HAProxy `cookie 01`, nginx `route=`), if any. */
  cookie?: string;
  node: string | null;
  backup: boolean;
}

/** A configuration read: its product, how it routes, its servers on the lab's nodes, and its findings. */
export interface LbConfigView {
  /** HAProxy, nginx, ingress-nginx, AWS ALB, F5 BIG-IP. */
  product: string;
  /** The backend / upstream / target group / pool that fronts AM. */
  backend: string;
  /** One line: "HAProxy: cookie SERVERID insert, then round-robin". */
  mechanism: string;
  servers: LbServerView[];
  findings: LbFinding[];
  /** Settings read and deliberately not modelled, lines the product refuses. */
  notes: string[];
}

/** The lab's balancer now. */
export interface BalancerView {
  /** The lab's own proxy, or the machine's real HAProxy / nginx as a child process (fixed at start). */
  runs: 'built-in' | 'haproxy' | 'nginx';
  /** The customer's configuration in force (null: the lab's policy settings). */
  config: LbConfigView | null;
  /** What the real balancer's run changed in the file, and where it runs (empty for the built-in one). */
  notes: string[];
}
