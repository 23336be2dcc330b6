import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { NodeContext } from '../context';
import type { AmResponse } from '../http';
import { realmDn } from '../users';
import { authenticateClient, type Client } from './clients';
import { OAuth2Error, invalidGrant, invalidRequest } from './errors';
import { grantOf, issueTokens, readOAuth, readToken, revokeGrant, revokeToken, type Grant } from './grants';
import { idToken } from './idToken';
import type { OAuth2Request } from './request';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** POST …/oauth2/access_token: the authorization_code, refresh_token and client_credentials grants. */
export async function accessToken(node: NodeContext, req: OAuth2Request): Promise<AmResponse> {
  if (req.method !== 'POST') throw new OAuth2Error(405, 'invalid_request', 'Method not allowed');
  const grantType = req.params.get('grant_type');
  if (!grantType) throw invalidRequest("Missing parameter, 'grant_type'");
  const client = authenticateClient(node, req);
  let body: Record<string, unknown>;
  if (grantType === 'authorization_code') body = await codeGrant(node, req, client);
  else if (grantType === 'refresh_token') body = await refreshGrant(node, req, client);
  else if (grantType === 'client_credentials') body = await clientCredentials(node, req, client);
  else throw new OAuth2Error(400, 'unsupported_grant_type', `Grant type is not supported: ${grantType.slice(0, 64)}`);
  node.emit('oauth2-tokens-issued', {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { grantType, clientId: client.id, tokens: Object.keys(body).filter((k) => k.endsWith('_token')), mode: node.config().oauth2Tokens[req.realm as '/'] },
  });
  return { status: 200, body, headers: NO_STORE };
}

/**
 * AuthorizationCodeGrantTypeHandler, in its order: the code must exist (invalid_grant), carry a
 * code_verifier when it was issued with a challenge (invalid_request), not have been used (a
 * reuse also revokes every token of its grant), match the redirect URI and the client, not be
 * expired ("Authorization code expired."), and pass PKCE (plain or S256).
 */
async function codeGrant(node: NodeContext, req: OAuth2Request, client: Client): Promise<Record<string, unknown>> {
  const code = req.params.get('code');
  if (!code) throw invalidRequest("Missing parameter, 'code'");
  const stored = await readOAuth(node, code, 'access_code');
  if (!stored) throw invalidGrant();
  const c = stored.data;
  const verifier = req.params.get('code_verifier');
  if (c.codeChallenge && verifier === null) throw invalidRequest('code_verifier parameter required');
  if (c.issued) {
    await revokeGrant(node, c.authGrantId);
    throw invalidGrant();
  }
  const registered = (c.redirectUri ?? '').replace(/[?#].*$/, '');
  if (registered.toLowerCase() !== (req.params.get('redirect_uri') ?? '').toLowerCase()) throw invalidGrant();
  if (c.clientId !== client.id) throw invalidGrant();
  if (node.clock.now() >= c.expiresAt) throw invalidGrant('Authorization code expired.');
  if (c.codeChallenge && !pkceMatches(c.codeChallenge, c.codeChallengeMethod!, verifier!)) throw invalidGrant();
  await node.cts.update({ ...stored, data: { ...c, issued: true } });
  return tokenResponse(node, req, grantOf(c), true);
}

function pkceMatches(challenge: string, method: string, verifier: string): boolean {
  const computed = method === 'S256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
  const a = Buffer.from(computed);
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * AccessTokenService.refreshToken: a live refresh token (unknown, revoked or expired: invalid_grant
 * "grant is invalid", StatefulTokenStore.readRefreshToken) of this client (else invalid_request
 * "Token was issued to a different client"); AM issues a new refresh token and retires the old one.
 */
async function refreshGrant(node: NodeContext, req: OAuth2Request, client: Client): Promise<Record<string, unknown>> {
  const token = req.params.get('refresh_token');
  if (!token) throw invalidRequest("Missing parameter, 'refresh_token'");
  const rt = await readToken(node, token, 'refresh_token');
  if (!rt || rt.data.realm !== req.realm) throw invalidGrant('grant is invalid');
  if (rt.data.clientId !== client.id) throw invalidRequest('Token was issued to a different client');
  const asked = (req.params.get('scope') ?? '').split(' ').filter(Boolean);
  if (asked.some((s) => !rt.data.scope.includes(s))) throw new OAuth2Error(400, 'invalid_scope', 'Scope has not been previously granted.');
  await revokeToken(node, rt);
  return tokenResponse(node, req, { ...grantOf(rt.data), scope: asked.length ? asked : rt.data.scope, grantType: 'refresh_token' }, true);
}

/** ClientCredentialsGrantTypeHandler: a confidential client for itself; an access token only. */
async function clientCredentials(node: NodeContext, req: OAuth2Request, client: Client): Promise<Record<string, unknown>> {
  if (client.type === 'public') throw new OAuth2Error(400, 'unauthorized_client', 'Public clients cannot use the client_credentials grant');
  const asked = (req.params.get('scope') ?? '').split(' ').filter(Boolean);
  const scope = (asked.length ? asked : client.scopes).filter((s) => s !== 'openid');
  if (asked.some((s) => !client.scopes.includes(s))) throw new OAuth2Error(400, 'invalid_scope', `Unknown/invalid scope(s): [${asked.filter((s) => !client.scopes.includes(s)).join(', ')}]`);
  const now = Math.floor(node.clock.now() / 1000);
  const g = { clientId: client.id, realm: req.realm, username: client.id, universalId: `id=${client.id},ou=agent,${realmDn(req.realm)}`, scope, grantType: 'client_credentials', authGrantId: randomUUID(), authTime: now };
  const issued = await issueTokens(node, req, g, false);
  return { access_token: issued.access_token, scope: issued.scope, token_type: issued.token_type, expires_in: issued.expires_in };
}

/** The token endpoint's JSON in AM's key order, with an ID token when openid was granted. */
async function tokenResponse(node: NodeContext, req: OAuth2Request, g: Grant, refresh: boolean) {
  const issued = await issueTokens(node, req, g, refresh);
  const out: Record<string, unknown> = { access_token: issued.access_token };
  if (issued.refresh_token) out.refresh_token = issued.refresh_token;
  out.scope = issued.scope;
  if (g.scope.includes('openid')) out.id_token = await idToken(node, req, g, issued.access_token);
  out.token_type = issued.token_type;
  out.expires_in = issued.expires_in;
  return out;
}
