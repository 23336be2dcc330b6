import { jwtVerify } from 'jose';
import { CtsUnavailableError } from '../../cts/store';
import type { NodeContext } from '../context';
import type { AmResponse } from '../http';
import { publicJwk } from '../keys';
import { authenticateClient, findClient } from './clients';
import { OAuth2Error, invalidRequest, invalidToken } from './errors';
import { readOAuth, readToken, revokeGrant, revokeToken } from './grants';
import { providerUris, type OAuth2Request } from './request';

/**
 * GET|POST …/oauth2/userinfo with `Authorization: Bearer <access token>` (what the SDK's
 * UserManager.getCurrentUser calls): the claims the granted scopes release; an unknown, expired or
 * revoked token is 401 invalid_token.
 */
export async function userinfo(node: NodeContext, req: OAuth2Request): Promise<AmResponse> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.raw.headers.authorization ?? '');
  const token = m?.[1] ?? req.params.get('access_token');
  const at = token ? await readToken(node, token, 'access_token') : undefined;
  if (!at || at.data.realm !== req.realm) throw invalidToken(req.realm);
  const claims: Record<string, unknown> = { sub: at.data.username, subname: at.data.username };
  if (at.data.scope.includes('profile')) Object.assign(claims, { name: at.data.username, family_name: at.data.username, given_name: at.data.username });
  return { status: 200, body: claims, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } };
}

/** POST …/oauth2/introspect (TokenIntrospectionService, OAuth2TokenIntrospectionHandler): {"active":false} unless it is the caller's own live token. */
export async function introspect(node: NodeContext, req: OAuth2Request): Promise<AmResponse> {
  const client = authenticateClient(node, req);
  const token = req.params.get('token') ?? '';
  const hint = req.params.get('token_type_hint');
  const order: ('access_token' | 'refresh_token')[] = hint === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
  for (const name of order) {
    const t = await readToken(node, token, name);
    if (!t || t.data.clientId !== client.id || t.data.realm !== req.realm) continue;
    return {
      status: 200,
      body: {
        active: true,
        scope: t.data.scope.join(' '),
        client_id: t.data.clientId,
        user_id: t.data.username,
        token_type: name,
        exp: Math.floor(t.data.expiresAt / 1000),
        sub: t.data.username,
        iss: providerUris(node, req).issuer,
      },
    };
  }
  return { status: 200, body: { active: false } };
}

/**
 * POST …/oauth2/token/revoke (TokenRevocationResource): a missing token is 400 invalid_request
 * "Missing parameter: token"; an access token is deleted alone (deleteAccessToken), a refresh token
 * with every token of its grant (deleteRefreshTokenAndAccessTokens). An unknown token is answered
 * `{}`; another client's token is 400 invalid_grant (getToken), its id in the description as AM writes it.
 */
export async function revoke(node: NodeContext, req: OAuth2Request): Promise<AmResponse> {
  if (req.method !== 'POST') throw new OAuth2Error(405, 'invalid_request', 'Method not allowed');
  const token = req.params.get('token');
  if (!token) throw invalidRequest('Missing parameter: token');
  const client = authenticateClient(node, req);
  for (const name of ['access_token', 'refresh_token'] as const) {
    const t = await readToken(node, token, name);
    if (!t) continue;
    if (t.data.clientId !== client.id) throw new OAuth2Error(400, 'invalid_grant', `The provided token id : ${token} belongs to different access grant.`);
    const revoked = name === 'refresh_token' ? await revokeGrant(node, t.data.authGrantId) : (await revokeToken(node, t), 1);
    node.emit('oauth2-token-revoked', {
      node: node.id,
      exchangeId: req.exchangeId,
      data: { clientId: client.id, tokenName: name, user: t.data.username, revoked },
    });
    break;
  }
  return { status: 200, body: {} };
}

/**
 * GET …/oauth2/connect/endSession?id_token_hint=… (OpenAM EndSession, OpenIDConnectEndSession):
 * ends the session named by the ID token's ops claim (through its ops token in the CTS); then
 * redirects to a registered post_logout_redirect_uri, or answers 204 with no body.
 */
export async function endSession(node: NodeContext, req: OAuth2Request): Promise<AmResponse> {
  const hint = req.params.get('id_token_hint');
  if (!hint) throw new OAuth2Error(400, 'bad_request', 'The endSession endpoint requires an id_token_hint parameter');
  let claims: Record<string, unknown>;
  try {
    // The hint may have expired already: only its signature matters here.
    ({ payload: claims } = await jwtVerify(hint, (await node.keys.oauth2Signing()).publicKey, { algorithms: ['RS256'], clockTolerance: Number.MAX_SAFE_INTEGER }));
  } catch {
    throw new OAuth2Error(400, 'bad_request', 'Invalid id_token_hint');
  }
  try {
    await destroySession(node, req, String(claims['org.forgerock.openidconnect.ops'] ?? claims.ops ?? ''));
  } catch (e) {
    // EndSession: "Error while removing session, possibly already timed out. Skipping..." (the CTS call said why).
    if (!(e instanceof CtsUnavailableError) && !(e instanceof OAuth2Error && e.error === 'server_error')) throw e;
  }
  const postLogout = req.params.get('post_logout_redirect_uri');
  if (!postLogout) return { status: 204 };
  const client = findClient(node, req.realm, String(claims.azp ?? ''));
  let absolute = false;
  try {
    absolute = !!new URL(postLogout).protocol;
  } catch {
    absolute = false;
  }
  if (!absolute) throw new OAuth2Error(400, 'invalid_request', 'The post_logout_redirect_uri must be an absolute URI');
  if (!client || !client.postLogoutRedirectUris.includes(postLogout)) throw new OAuth2Error(400, 'redirect_uri_mismatch', 'The redirection URI provided does not match a pre-registered value.');
  const to = new URL(postLogout);
  const state = req.params.get('state');
  if (state) to.searchParams.set('state', state);
  return { status: 302, headers: { Location: to.toString() } };
}

/** OpenIDConnectProvider.destroySession: the session the ops token names, then the ops token. */
async function destroySession(node: NodeContext, req: OAuth2Request, opsId: string): Promise<void> {
  const ops = opsId ? await readOAuth(node, opsId, 'ops') : undefined;
  if (!ops?.data.ssoTokenId) return;
  const ended = await node.sessions.end(ops.data.ssoTokenId, 'logout', { node: node.id, exchangeId: req.exchangeId });
  await node.cts.delete(ops.id);
  if (!ended) node.emit('oauth2-request-rejected', { node: node.id, exchangeId: req.exchangeId, data: { endpoint: 'endSession', error: 'session-gone' } });
}

/** GET …/oauth2/connect/jwk_uri: the provider's public signing key; every node publishes the same one. */
export async function jwks(node: NodeContext): Promise<AmResponse> {
  return { status: 200, body: { keys: [publicJwk(await node.keys.oauth2Signing())] } };
}

/** GET …/oauth2/.well-known/openid-configuration (OpenIDConnectProviderConfiguration), listing only what the lab serves. */
export function discovery(node: NodeContext, req: OAuth2Request): AmResponse {
  const u = providerUris(node, req);
  return {
    status: 200,
    body: {
      version: '3.0',
      issuer: u.issuer,
      authorization_endpoint: u.authorize,
      token_endpoint: u.token,
      userinfo_endpoint: u.userinfo,
      introspection_endpoint: u.introspect,
      revocation_endpoint: u.revoke,
      end_session_endpoint: u.endSession,
      jwks_uri: u.jwks,
      scopes_supported: ['openid', 'profile', 'email'],
      claims_supported: ['sub', 'subname', 'name', 'family_name', 'given_name'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'none'],
      code_challenge_methods_supported: ['plain', 'S256'],
      claims_parameter_supported: false,
      acr_values_supported: [],
    },
  };
}
