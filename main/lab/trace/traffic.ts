import { jsonObject, queryParam, requestCookies, setCookies } from './http';
import { authIdInfo, AUTH_COOKIE, COOKIE_SENTINELS, DEFAULT_LB_COOKIE, DEFAULT_SSO_COOKIE, tokenInfo } from './tokenInfo';
import type { TraceExchange } from './types';

/**
 * An exchange read as AM traffic: which endpoint, the authIds it sent and got, AM's error message,
 * the SSO token it presented or was issued, and the node that answered (from the balancer's
 * routing, or for an imported HAR from what the response itself names).
 */

export type AmEndpoint = 'authenticate' | 'sessions' | 'other';

export function endpoint(ex: Pick<TraceExchange, 'request'>): AmEndpoint {
  const path = pathOf(ex.request.url, ex.request.path);
  if (/\/json(?:\/realms\/[^/?#]+)*\/authenticate\/?$/.test(path)) return 'authenticate';
  if (/\/json(?:\/realms\/[^/?#]+)*\/sessions\/?$/.test(path)) return 'sessions';
  return 'other';
}

function pathOf(url: string, path?: string): string {
  const p = path || url;
  const noQuery = p.split(/[?#]/)[0] ?? '';
  try {
    return noQuery.startsWith('/') ? noQuery : new URL(noQuery).pathname;
  } catch {
    return noQuery;
  }
}

/** The sessions action (`validate`, `logout`, …) of a sessions call. */
export function sessionAction(ex: Pick<TraceExchange, 'request'>): string | undefined {
  return endpoint(ex) === 'sessions' ? queryParam(ex.request.url, '_action') : undefined;
}

export function requestAuthId(ex: TraceExchange): string | undefined {
  const b = jsonObject(ex.request.body);
  return typeof b?.authId === 'string' ? b.authId : undefined;
}

export function responseAuthId(ex: TraceExchange): string | undefined {
  const b = jsonObject(ex.response.body);
  return typeof b?.authId === 'string' ? b.authId : undefined;
}

/** AM's CREST error message of a response (`Session has timed out`, `Access Denied`, …). */
export function errorMessage(ex: TraceExchange): string | undefined {
  const b = jsonObject(ex.response.body);
  if (typeof b?.message === 'string') return b.message;
  if (typeof b?.errorMessage === 'string') return b.errorMessage;
  return undefined;
}

export const isTimedOut = (ex: TraceExchange) => ex.response.status === 401 && /session has timed out/i.test(errorMessage(ex) ?? '');

/** Session cookie names seen in a trace: cookies whose values are SSO-token shaped (not the auth cookie). */
export function sessionCookieNames(exchanges: readonly TraceExchange[]): Set<string> {
  const names = new Set<string>([DEFAULT_SSO_COOKIE]);
  for (const ex of exchanges) {
    for (const c of setCookies(ex.response.headers)) {
      if (c.name === AUTH_COOKIE || c.invalidates) continue;
      const t = tokenInfo(c.value);
      if (t && (!t.pseudonym || /^REDACTED-SSO-/.test(c.value))) names.add(c.name);
    }
  }
  return names;
}

/** The SSO token a request presents: a session cookie, a header named like it, or ?tokenId. */
export function presentedToken(ex: TraceExchange, ssoNames: ReadonlySet<string>): string | undefined {
  const lower = new Set([...ssoNames].map((n) => n.toLowerCase()));
  for (const [k, v] of ex.request.headers) if (lower.has(k.toLowerCase()) && v) return v;
  for (const c of requestCookies(ex.request.headers)) if (ssoNames.has(c.name) && !COOKIE_SENTINELS.has(c.value)) return c.value;
  return queryParam(ex.request.url, 'tokenId');
}

/** The SSO token an exchange hands out: the session cookie it sets, else a non-empty tokenId. */
export function issuedToken(ex: TraceExchange, ssoNames: ReadonlySet<string>): string | undefined {
  for (const c of setCookies(ex.response.headers)) if (ssoNames.has(c.name) && !c.invalidates && c.value) return c.value;
  const b = jsonObject(ex.response.body);
  return typeof b?.tokenId === 'string' && b.tokenId ? b.tokenId : undefined;
}

/**
 * The node that answered, from the trace's routing when present; for an imported HAR, from what the
 * response itself says: the amlbcookie it sets, the SI of the token or authId it issues.
 */
export function answeringNode(ex: TraceExchange, lbCookie = DEFAULT_LB_COOKIE): { node: string | null; how: string } {
  if (ex.routing.node) return { node: ex.routing.node, how: 'routing' };
  const lb = setCookies(ex.response.headers).find((c) => c.name === lbCookie && !c.invalidates && c.value);
  if (lb) return { node: lb.value, how: `Set-Cookie ${lbCookie}=${lb.value}` };
  const b = jsonObject(ex.response.body);
  const a = authIdInfo(typeof b?.authId === 'string' ? b.authId : undefined);
  if (a?.server) return { node: a.server, how: 'the authId it issued names this server' };
  const tok = typeof b?.tokenId === 'string' ? tokenInfo(b.tokenId) : undefined;
  if (tok?.server) return { node: tok.server, how: 'the SSO token it issued names this server' };
  for (const c of setCookies(ex.response.headers)) {
    const t = c.invalidates ? undefined : tokenInfo(c.value);
    if (t?.server) return { node: t.server, how: `the ${c.name} it set names this server` };
  }
  return { node: null, how: 'not recorded' };
}

/** The sticky cookie name the balancer read, as its routing records it; amlbcookie for a browser's HAR. */
export function lbCookieName(exchanges: readonly TraceExchange[]): string {
  return exchanges.find((ex) => ex.routing.cookieName)?.routing.cookieName ?? DEFAULT_LB_COOKIE;
}

/** A lab clock instant as the UI shows it: time of day, UTC. */
