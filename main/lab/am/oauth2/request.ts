import type { IncomingMessage } from 'node:http';
import type { NodeContext } from '../context';
import { requestCookies } from '../http';
import type { OAuth2Endpoint } from '../routes';

/** One request to an OAuth2 endpoint: parameters from the form body, then the query (OAuth2Request.getParameter). */
export interface OAuth2Request {
  raw: IncomingMessage;
  method: string;
  realm: string;
  endpoint: OAuth2Endpoint;
  params: URLSearchParams;
  query: URLSearchParams;
  cookies: Map<string, string>;
  exchangeId: string | null;
  /** The URL the client called, as AM rebuilds it from the Host header (BaseURLProvider, request mode). */
  url: URL;
}

export function toOAuth2Request(raw: IncomingMessage, url: URL, realm: string, endpoint: OAuth2Endpoint, body: Buffer, exchangeId: string | null): OAuth2Request {
  const params = new URLSearchParams(url.search);
  const type = String(raw.headers['content-type'] ?? '');
  if (body.length && /^application\/x-www-form-urlencoded\b/i.test(type)) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  }
  const base = `${raw.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'}://${raw.headers.host ?? '127.0.0.1'}`;
  return { raw, method: raw.method ?? 'GET', realm, endpoint, params, query: url.searchParams, cookies: requestCookies(raw.headers.cookie), exchangeId, url: new URL(url.pathname + url.search, base) };
}

/**
 * OAuth2UrisFactory: the issuer and endpoints of a realm's provider, on the URL the client used.
 * The root realm's are `<base>/oauth2/...` without realms/root; a sub-realm's carry the path.
 */
export function providerUris(node: NodeContext, req: OAuth2Request) {
  const realmPath = req.realm === '/' ? '' : `/realms/root/realms${req.realm}`;
  const issuer = `${req.url.origin}${node.config().contextPath}/oauth2${realmPath}`;
  return {
    issuer,
    authorize: `${issuer}/authorize`,
    token: `${issuer}/access_token`,
    userinfo: `${issuer}/userinfo`,
    introspect: `${issuer}/introspect`,
    revoke: `${issuer}/token/revoke`,
    endSession: `${issuer}/connect/endSession`,
    jwks: `${issuer}/connect/jwk_uri`,
  };
}
