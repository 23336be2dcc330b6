import type { IncomingMessage } from 'node:http';
import { REALMS } from '../../contract/names';
import type { AmRequest, NodeContext } from './context';
import { AmError } from './http';

/** The servers' own host name: every lab node listens on 127.0.0.1 (com.iplanet.am.server.host). */
const SERVER_HOST = '127.0.0.1';

/**
 * OpenAM RealmContextFilter.evaluate, in its order: the Host must be a valid FQDN (the server's
 * own host or a value of com.sun.identity.server.fqdnMap, FqdnValidator.isHostnameValid), else
 * 400 `FQDN "h" is not valid.`; then a `realm` query parameter overrides the path's realm after
 * RealmUtils.cleanRealm (so `realm=alpha` means `/alpha`), else 400 `Invalid realm, x`.
 */
export function resolveRealm(node: NodeContext, req: IncomingMessage, url: URL, pathRealm: string): string {
  const host = hostname(req.headers.host);
  // The site's public host (publicHost: the load balancer's name in AM's site URL) is valid too.
  const valid = new Set([SERVER_HOST, node.config().publicHost.toLowerCase(), ...Object.values(node.config().fqdnMap).map((h) => h.toLowerCase())]);
  if (!valid.has(host.toLowerCase())) throw new AmError(400, `FQDN "${host}" is not valid.`);
  const override = url.searchParams.get('realm');
  if (override !== null) {
    const clean = cleanRealm(override);
    if (!isRealm(clean)) throw new AmError(400, `Invalid realm, ${override}`);
    return clean;
  }
  if (!isRealm(pathRealm)) throw new AmError(400, `Invalid realm, ${pathRealm}`);
  return pathRealm;
}

export function isRealm(realm: string): boolean {
  return (REALMS as readonly string[]).includes(realm);
}

/** RealmUtils.cleanRealm: a leading slash, no trailing one, `root` and `/root` are the top-level realm. */
export function cleanRealm(realm: string): string {
  const trimmed = '/' + realm.trim().replace(/^\/+|\/+$/g, '');
  return trimmed === '/root' ? '/' : trimmed;
}

/** The host name of a Host header: `[::1]:8080` → `::1`, `am.example.com:443` → `am.example.com`. */
function hostname(header: string | undefined): string {
  const h = (header ?? '').trim();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/**
 * AM 7+ CSRF protection filter on every `json/` endpoint: a request other than GET/HEAD/OPTIONS that
 * carries the session cookie but neither X-Requested-With nor Accept-API-Version is refused with
 * 403, even when the session is valid (https://docs.pingidentity.com/pingam/8/security/rest-CSRF.html).
 */
export function csrfFilter(node: NodeContext, req: AmRequest): void {
  const cfg = node.config();
  if (cfg.profile === '6.5' || req.method === 'GET' || req.method === 'HEAD') return;
  if (!req.cookies.has(cfg.sessionCookieName)) return;
  if (req.raw.headers['x-requested-with'] || req.raw.headers['accept-api-version']) return;
  throw new AmError(403, 'Forbidden');
}
