/**
 * AM's URL space under the context path, as OpenAM's routers lay it out: CREST endpoints under
 * `/json[/realms/root[/realms/x]]/…` (CoreRestRouteProvider), OAuth2/OIDC under
 * `/oauth2[/realms/root[/realms/x]]/…` (OAuth2RouterProvider), and the health checks.
 */
export type JsonResource = 'authenticate' | 'sessions' | 'serverinfo' | 'users';

export const OAUTH2_ENDPOINTS = [
  'authorize',
  'access_token',
  'userinfo',
  'introspect',
  'token/revoke',
  'connect/endSession',
  'connect/jwk_uri',
  '.well-known/openid-configuration',
] as const;
export type OAuth2Endpoint = (typeof OAUTH2_ENDPOINTS)[number];

export type Route =
  | { kind: 'isAlive' }
  | { kind: 'health'; check: 'live' | 'ready' }
  | { kind: 'json'; resource: JsonResource; realm: string; id?: string }
  | { kind: 'oauth2'; endpoint: OAuth2Endpoint; realm: string };

const JSON_PATH = /^\/json((?:\/realms\/[^/]+)*)\/(authenticate|sessions|serverinfo|users)(?:\/([^/]+))?\/?$/;
const OAUTH2_PATH = /^\/oauth2((?:\/realms\/[^/]+)*)\/(.+?)\/?$/;

/** The realm a `/realms/root/realms/x` path names, or undefined when the first segment is not root. */
function realmOf(segments: string): string | undefined {
  let segs: string[];
  try {
    segs = segments.split('/realms/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (segs.length && segs[0] !== 'root') return undefined;
  return segs.length <= 1 ? '/' : '/' + segs.slice(1).join('/');
}

export function matchRoute(pathname: string, contextPath: string): Route | undefined {
  if (!pathname.startsWith(contextPath + '/')) return undefined;
  const rest = pathname.slice(contextPath.length);
  if (rest === '/isAlive.jsp') return { kind: 'isAlive' };
  if (rest === '/json/health/live' || rest === '/json/health/ready') return { kind: 'health', check: rest.endsWith('live') ? 'live' : 'ready' };
  const j = JSON_PATH.exec(rest);
  if (j) {
    const realm = realmOf(j[1]!);
    const resource = j[2] as JsonResource;
    if (!realm) return undefined;
    return j[3] === undefined ? { kind: 'json', resource, realm } : { kind: 'json', resource, realm, id: j[3] };
  }
  const o = OAUTH2_PATH.exec(rest);
  if (o && (OAUTH2_ENDPOINTS as readonly string[]).includes(o[2]!)) {
    const realm = realmOf(o[1]!);
    if (realm) return { kind: 'oauth2', endpoint: o[2] as OAuth2Endpoint, realm };
  }
  return undefined;
}
