import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Policy } from '../config';
import type { Header, RoutingDecision } from '../trace/types';
import { pick, type BackendView, type Pick } from './policies';

/**
 * What the proxy asks of a routing model: where a request goes and why, what the node receives,
 * and what the browser gets back. The lab's own policies (round-robin, sticky, active/passive)
 * are one Router; a customer's balancer read from its config (modelRouter.ts) is another; a real
 * HAProxy or nginx in front of the nodes (external/front.ts) is a third. The proxy stays the same.
 */
export interface RouteRequest {
  cookieHeader: string | undefined;
  /** Path and query as the browser sent them. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The browser's address as the balancer sees it (virtual browsers can have their own 127.0.0.x). */
  clientIp: string;
  /** Whether the browser spoke TLS to the balancer. */
  tls: boolean;
  /** Lab clock (cookie lifetimes, stick-table expiry). */
  now: number;
  exchangeId: string;
  /** Nodes that refused this request's connection already. */
  exclude: ReadonlySet<string>;
}

export interface Routed extends Pick {
  /** The Cookie header the node receives when the balancer changes it (prefix stripped, indirect hidden); null = no cookies. */
  cookieHeader?: string | null;
  /** The Host header the node receives when the balancer does not pass the browser's (nginx's $proxy_host). */
  host?: string;
  /** The node's response headers as the browser gets them (cookies inserted, prefixed or rewritten); may complete the routing. */
  answer?(headers: Header[], routing: RoutingDecision): Header[] | Promise<Header[]>;
  /** Send the request through this dispatcher instead of the node's own connection pool (a real balancer in front). */
  via?: Dispatcher;
  /** Wait for this before sending (a real balancer in front is reloading). */
  ready?: Promise<void>;
}

/** The lab's balancer settings a routing model reads (the proxy's own settings add timeouts and limits). */
export interface RoutingSettings {
  policy: Policy;
  cookieName: string;
  redispatch: boolean;
}

export interface HealthProbe {
  method: string;
  path: string;
}

export interface Router {
  /** The routing's policy as the trace shows it, e.g. "round-robin" or "HAProxy cookie SERVERID insert". */
  policyName(cfg: RoutingSettings): string;
  /** The value of the cookie the balancer sticks on, recorded as routing.cookie; null when absent. */
  stickyCookie(cookieHeader: string | undefined, cfg: RoutingSettings): string | null;
  /** The name of that cookie, recorded as routing.cookieName (the diagnosis reads it); undefined when it sticks on none. */
  stickyCookieName(cfg: RoutingSettings): string | undefined;
  route(req: RouteRequest, backends: readonly BackendView[], cfg: RoutingSettings): Routed;
  /** An HTTP health check the model asks for; undefined = the proxy's TCP connect check. */
  healthProbe?(): HealthProbe | undefined;
  /** Forget learned state (round-robin turn, stick tables), as a freshly started balancer. */
  reset?(): void;
}

/** The lab's built-in policies: `pick` with the settings of the moment. */
export class PolicyRouter implements Router {
  private readonly cursor = { next: 0 };

  policyName(cfg: RoutingSettings): string {
    return cfg.policy;
  }

  stickyCookie(cookieHeader: string | undefined, cfg: RoutingSettings): string | null {
    return readCookie(cookieHeader, cfg.cookieName);
  }

  stickyCookieName(cfg: RoutingSettings): string {
    return cfg.cookieName;
  }

  route(req: RouteRequest, backends: readonly BackendView[], cfg: RoutingSettings): Routed {
    const cookie = readCookie(req.cookieHeader, cfg.cookieName);
    return pick({ policy: cfg.policy, cookieName: cfg.cookieName, cookie, backends: backends as BackendView[], cursor: this.cursor, redispatch: cfg.redispatch, exclude: req.exclude });
  }

  reset(): void {
    this.cursor.next = 0;
  }
}

/** The sticky cookie's value on a request, or null (a balancer reads it the way HAProxy does). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
