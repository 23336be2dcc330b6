/**
 * One model of a customer's load balancer, whatever product it came from: its servers, how it
 * balances, how it sticks a browser to a server (and the attributes of any cookie it sets), when it
 * gives up on a server (redispatch, health checks). The readers (haproxy.ts, nginx.ts, ingress.ts,
 * alb.ts, f5.ts) produce it; the lab's balancer routes with it (balancer/modelRouter.ts) and the
 * findings (findings.ts) are explained from it — the same model, so what `lb check` predicts is what
 * `serve --lb-config` then does.
 */
export type Product = 'haproxy' | 'nginx' | 'ingress-nginx' | 'aws-alb' | 'f5';

export const PRODUCT_NAMES: Record<Product, string> = {
  haproxy: 'HAProxy',
  nginx: 'nginx',
  'ingress-nginx': 'ingress-nginx',
  'aws-alb': 'AWS ALB',
  f5: 'F5 BIG-IP',
};

/** Where a setting was read: 1-based line and the line's text (null when the product's default applies). */
export interface Source {
  line: number;
  text: string;
}

export interface ModelServer {
  name: string;
  /** Address as the file writes it (`10.0.0.1:8080`, `am-0.am:8080`). */
  address: string;
  /** The value the balancer's cookie names this server by: HAProxy `cookie X`, nginx `route=X`. */
  cookie?: string;
  weight: number;
  /** Takes traffic only when every other server is down (HAProxy/nginx `backup`). */
  backup: boolean;
  source: Source | null;
}

export interface CookieAttrs {
  path?: string;
  domain?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: string;
  /** Max-Age / Expires as seconds from the moment the cookie is set; absent = a session cookie. */
  maxAgeSec?: number;
}

/** What a hash is computed over. */
export type HashKey = { kind: 'source' } | { kind: 'uri' } | { kind: 'cookie'; name: string } | { kind: 'header'; name: string } | { kind: 'param'; name: string } | { kind: 'other'; text: string };

export type HashFlavor = 'nginx' | 'nginx-consistent' | 'nginx-ip-hash' | 'haproxy-map' | 'haproxy-consistent' | 'ingress-consistent' | 'f5';

export type Algorithm =
  | { kind: 'round-robin' | 'least-conn' | 'random' | 'first'; source: Source | null }
  | { kind: 'hash'; key: HashKey; flavor: HashFlavor; source: Source | null };

/**
 * A cookie the balancer sticks on.
 * - passive: it only reads a cookie the server sets (HAProxy `cookie amlbcookie`, nginx `sticky route`/`map`, F5 passive);
 * - insert: it sets its own (HAProxy insert, nginx `sticky cookie`, ingress, ALB, F5 insert);
 * - prefix / rewrite: it edits a cookie the server sets (HAProxy prefix/rewrite, F5 rewrite);
 * - hash: it hashes the cookie's value onto the servers (F5 cookie hash).
 */
export interface CookiePersistence {
  kind: 'cookie';
  mode: 'passive' | 'insert' | 'prefix' | 'rewrite' | 'hash';
  name: string;
  /** The server's cookie a rewrite replaces, or the application cookie an ALB app_cookie waits for. */
  serverCookie?: string;
  /** How a server is named in the value. */
  value: 'server-cookie' | 'md5-address' | 'f5-address' | 'alb-target' | 'ingress-balanced' | 'ingress-persistent';
  /** When an inserted cookie is sent: to a browser without a valid one, on every response (ALB), or once the server set serverCookie (ALB app_cookie). */
  insert: 'when-missing' | 'every-response' | 'after-server-cookie';
  /** nginx `map` compares strings case-insensitively; everything else byte for byte. */
  caseInsensitive: boolean;
  attrs: CookieAttrs;
  /** HAProxy: hide the inserted cookie from the server (indirect), keep a server-set one of the same name (preserve). */
  indirect: boolean;
  preserve: boolean;
  nocache: boolean;
  /** ALB's AWSALBCORS: the same value again with SameSite=None; Secure. */
  corsTwin?: string;
  /** ALB: the value is dated, and the balancer ignores one older than this (the stickiness duration). */
  staleAfterSec?: number;
  /** ingress-nginx: Secure is added when the browser came over HTTPS (without session-cookie-secure). */
  secureOnTls?: boolean;
  /** ingress-nginx session-cookie-change-on-failure. */
  changeOnFailure?: boolean;
  source: Source | null;
}

/** A table the balancer learns (HAProxy stick tables, nginx `sticky learn`, F5 source-address affinity). */
export interface TablePersistence {
  kind: 'table';
  /** What a request is looked up by. */
  key: { kind: 'source' } | { kind: 'cookie'; name: string };
  /** When an entry is written: for the request's own key after it was routed, or from a cookie the server sets. */
  store: { kind: 'request' } | { kind: 'response-cookie'; name: string };
  /** Entries expire this long after their last use (lab clock). */
  timeoutSec: number;
  source: Source | null;
}

export type Persistence = CookiePersistence | TablePersistence;

export interface HealthCheck {
  kind: 'none' | 'tcp' | 'http' | 'passive';
  method?: string;
  path?: string;
  source: Source | null;
}

/** A rewrite the balancer applies to every Set-Cookie from the servers (nginx proxy_cookie_path/_domain). */
export interface CookieRewrite {
  attr: 'path' | 'domain';
  from: string;
  to: string;
  source: Source;
}

export interface BalancerModel {
  product: Product;
  /** File name as given (for messages). */
  file: string;
  /** Name of the backend / upstream / target group / pool that fronts AM. */
  backend: string;
  /** Servers in file order; empty when the file names none (pods, targets, pool members = the lab's nodes). */
  servers: ModelServer[];
  algorithm: Algorithm;
  /** Tried in order; the first that names a live server wins. Empty: no persistence. */
  persistence: Persistence[];
  /** On a failed connection, pick another server (HAProxy `option redispatch`; nginx, ALB and ingress always do). */
  redispatch: { enabled: boolean; source: Source | null };
  /** HAProxy `option persist`: keep sending a sticky browser to its server even when it is down. */
  persistOnDown: boolean;
  health: HealthCheck;
  cookieRewrites: CookieRewrite[];
  /** The front: TLS or plain, and the host names it answers for (server_name, Ingress host). */
  listener: { tls: boolean; hosts: string[]; source: Source | null };
  /**
   * The Host the servers receive when it is not the browser's: nginx without `proxy_set_header Host`
   * sends its $proxy_host: the upstream name in proxy_pass (for a `$variable`, the map's default).
   */
  upstreamHost?: { host: string; source: Source | null; why: string };
  /** Paths routed to AM (nginx location, Ingress path), for cookie-path checks. */
  paths: { path: string; regex: boolean; source: Source | null }[];
  /** Settings read and deliberately not modelled, or the product refuses (shown by `lb check`). */
  notes: { text: string; source: Source | null }[];
  /** Lines the product itself rejects (HAProxy `appsession`): findings, not read errors. */
  rejected: { text: string; source: Source }[];
}

/** A file the readers cannot read: the message names the line. */
export class LbConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${reason}`);
  }
}

export function emptyModel(product: Product, file: string): BalancerModel {
  return {
    product,
    file,
    backend: '',
    servers: [],
    algorithm: { kind: 'round-robin', source: null },
    persistence: [],
    redispatch: { enabled: false, source: null },
    persistOnDown: false,
    health: { kind: 'none', source: null },
    cookieRewrites: [],
    listener: { tls: false, hosts: [], source: null },
    paths: [],
    notes: [],
    rejected: [],
  };
}

/** "line 12 `cookie SERVERID insert`" for findings and notes. */
export function cite(s: Source | null): string {
  return s ? `line ${s.line} \`${s.text.trim()}\`` : '(not set: the default applies)';
}

/** Durations as products write them: `30m`, `1h`, `180`, `10s`, `2d` → seconds (HAProxy's default unit is ms). */
export function parseSeconds(text: string, defaultUnit: 'ms' | 's' = 's'): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2] ?? defaultUnit;
  const factor: Record<string, number> = { us: 1e-6, ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  return Number(m[1]) * factor[unit]!;
}
