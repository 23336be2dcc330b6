import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { CtsToken } from '../../cts/store';
import type { NodeContext } from '../context';
import { providerUris, type OAuth2Request } from './request';

/**
 * OAuth2 tokens where AM keeps them, so any server serves them (OpenAM StatefulTokenStore,
 * StatelessTokenStore, OAuthTokenField/OAuthAdapter):
 * - authorization codes are always OAUTH tokens in the CTS (tokenName access_code);
 * - stateful mode (the default): access and refresh tokens are OAUTH tokens too, their id is
 *   the token itself, grouped by authGrantId;
 * - client-side mode: access and refresh tokens are signed JWTs; AM 7 records each grant in an
 *   OAUTH2_GRANT_SET token so a revocation can reach them, and revoked ones go to OAUTH_BLACKLIST.
 */
export type TokenName = 'access_code' | 'access_token' | 'refresh_token' | 'ops';

export interface OAuthToken {
  tokenName: TokenName;
  clientId: string;
  realm: string;
  username: string;
  universalId: string;
  scope: string[];
  grantType: string;
  authGrantId: string;
  /** Seconds since the epoch when the user authenticated (auth_time). */
  authTime: number;
  expiresAt: number;
  auditTrackingId: string;
  redirectUri?: string;
  nonce?: string;
  /** The user's SSO token: on codes (Custom.SSO_TOKEN_ID) and ops tokens (the session endSession ends). */
  ssoTokenId?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** A code that was already exchanged (AuthorizationCode.isIssued). */
  issued?: boolean;
}

/** What a grant hands on to the tokens issued for it. */
export type Grant = Pick<OAuthToken, 'clientId' | 'realm' | 'username' | 'universalId' | 'scope' | 'grantType' | 'authGrantId' | 'authTime' | 'nonce' | 'ssoTokenId'>;

export function grantOf(t: OAuthToken): Grant {
  const { clientId, realm, username, universalId, scope, grantType, authGrantId, authTime, nonce, ssoTokenId } = t;
  return { clientId, realm, username, universalId, scope, grantType, authGrantId, authTime, ...(nonce ? { nonce } : {}), ...(ssoTokenId ? { ssoTokenId } : {}) };
}

/** Token ids as AM 7 mints them: 20 random bytes, base64url (27 characters). */
export const newTokenId = () => randomBytes(20).toString('base64url');

const mode = (node: NodeContext, realm: string) => node.config().oauth2Tokens[realm as '/' | '/alpha'] ?? 'stateful';

export async function storeOAuth(node: NodeContext, id: string, data: OAuthToken): Promise<void> {
  await node.cts.create({ id, type: 'OAUTH', userId: data.universalId, grantId: data.authGrantId, expiresAt: data.expiresAt, data });
}

export async function readOAuth(node: NodeContext, id: string, name: TokenName): Promise<CtsToken<OAuthToken> | undefined> {
  if (!id || id.length > 4096) return undefined;
  const t = await node.cts.read<OAuthToken>(id);
  return t?.type === 'OAUTH' && t.data.tokenName === name ? t : undefined;
}

export interface Issued {
  access_token: string;
  refresh_token?: string;
  scope: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Access (and refresh) token for a grant, stored as the realm's provider says. */
export async function issueTokens(node: NodeContext, req: OAuth2Request, grant: Grant, withRefresh: boolean): Promise<Issued> {
  const cfg = node.config();
  const now = node.clock.now();
  // The session and nonce stay with the code and the ID token; access and refresh tokens do not carry them.
  const { ssoTokenId: _session, nonce: _nonce, ...g } = grant;
  const at = { ...g, tokenName: 'access_token' as const, expiresAt: now + cfg.oauth2AccessTokenLifetime * 1000, auditTrackingId: randomUUID() };
  const rt = withRefresh ? { ...g, tokenName: 'refresh_token' as const, expiresAt: now + cfg.oauth2RefreshTokenLifetime * 1000, auditTrackingId: randomUUID() } : undefined;
  let access: string;
  let refresh: string | undefined;
  if (mode(node, g.realm) === 'stateful') {
    access = newTokenId();
    await storeOAuth(node, access, at);
    if (rt) await storeOAuth(node, (refresh = newTokenId()), rt);
  } else {
    const issued: GrantSet['tokens'] = [];
    access = await statelessJwt(node, req, at, issued);
    if (rt) refresh = await statelessJwt(node, req, rt, issued);
    await recordGrant(node, g, issued, rt?.expiresAt ?? at.expiresAt);
  }
  return { access_token: access, ...(refresh ? { refresh_token: refresh } : {}), scope: g.scope.join(' '), token_type: 'Bearer', expires_in: cfg.oauth2AccessTokenLifetime - 1 };
}

/** A client-side token: AM's stateless JWT claims, signed with the provider's key. */
async function statelessJwt(node: NodeContext, req: OAuth2Request, t: OAuthToken, issued: GrantSet['tokens']): Promise<string> {
  const jti = newTokenId();
  issued.push({ jti, name: t.tokenName, exp: t.expiresAt });
  const now = Math.floor(node.clock.now() / 1000);
  const key = await node.keys.oauth2Signing();
  return new SignJWT({
    cts: 'OAUTH2_STATELESS_GRANT',
    auditTrackingId: t.auditTrackingId,
    subname: t.username,
    tokenName: t.tokenName,
    token_type: 'Bearer',
    authGrantId: t.authGrantId,
    grant_type: t.grantType,
    scope: t.scope,
    auth_time: t.authTime,
    realm: t.realm,
    expires_in: Math.round((t.expiresAt - node.clock.now()) / 1000),
    universalId: t.universalId,
  })
    .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: key.kid })
    .setSubject(t.username)
    .setIssuer(providerUris(node, req).issuer)
    .setAudience(t.clientId)
    .setNotBefore(now)
    .setIssuedAt(now)
    .setExpirationTime(Math.floor(t.expiresAt / 1000))
    .setJti(jti)
    .sign(key.privateKey);
}

/** AM 7's OAUTH2_GRANT_SET: the client-side tokens of one grant (by jti), and whose they are. */
export interface GrantSet extends Pick<OAuthToken, 'clientId' | 'username' | 'realm' | 'scope' | 'grantType'> {
  jtis: string[];
  tokens: { jti: string; name: TokenName; exp: number }[];
}

async function recordGrant(node: NodeContext, g: Omit<Grant, 'ssoTokenId' | 'nonce'>, issued: GrantSet['tokens'], expiresAt: number): Promise<void> {
  const existing = await node.cts.read<GrantSet>(g.authGrantId);
  const jtis = issued.map((t) => t.jti);
  if (existing?.type === 'OAUTH2_GRANT_SET') {
    const data = { ...existing.data, jtis: [...existing.data.jtis, ...jtis], tokens: [...(existing.data.tokens ?? []), ...issued] };
    await node.cts.update({ ...existing, expiresAt: Math.max(existing.expiresAt, expiresAt), data });
  } else {
    const data: GrantSet = { jtis, tokens: issued, clientId: g.clientId, username: g.username, realm: g.realm, scope: g.scope, grantType: g.grantType };
    await node.cts.create({ id: g.authGrantId, type: 'OAUTH2_GRANT_SET', userId: g.universalId, grantId: g.authGrantId, expiresAt, data });
  }
}

/** A token as the endpoints see it, wherever it is kept; `ref` is what revoking it deletes. */
export interface Resolved {
  data: OAuthToken;
  ref: { kind: 'cts'; id: string } | { kind: 'jwt'; jti: string; exp: number };
}

/** Reads an access or refresh token; undefined when unknown, expired, revoked or forged. */
export async function readToken(node: NodeContext, token: string, name: 'access_token' | 'refresh_token'): Promise<Resolved | undefined> {
  if (!token || token.length > 8192) return undefined;
  const now = node.clock.now();
  if (token.split('.').length !== 3) {
    const t = await readOAuth(node, token, name);
    return t && t.data.expiresAt > now ? { data: t.data, ref: { kind: 'cts', id: t.id } } : undefined;
  }
  try {
    const { payload: p } = await jwtVerify(token, (await node.keys.oauth2Signing()).publicKey, { algorithms: ['RS256'], currentDate: node.clock.date() });
    if (p.tokenName !== name || typeof p.jti !== 'string') return undefined;
    if (await node.cts.read(`blacklist:${p.jti}`)) return undefined;
    // A refresh token lives only as long as its grant: revoking the grant deletes the grant set.
    const grant = await node.cts.read<{ jtis: string[] }>(String(p.authGrantId));
    if (grant?.type !== 'OAUTH2_GRANT_SET' || !grant.data.jtis.includes(p.jti)) return undefined;
    const data: OAuthToken = {
      tokenName: name,
      clientId: String(p.aud),
      realm: String(p.realm),
      username: String(p.sub),
      universalId: String(p.universalId),
      scope: (p.scope as string[]) ?? [],
      grantType: String(p.grant_type),
      authGrantId: String(p.authGrantId),
      authTime: Number(p.auth_time),
      expiresAt: Number(p.exp) * 1000,
      auditTrackingId: String(p.auditTrackingId),
    };
    return { data, ref: { kind: 'jwt', jti: p.jti, exp: Number(p.exp) * 1000 } };
  } catch {
    return undefined;
  }
}

/** Revokes one token: deletes it from the CTS, or blacklists a client-side one until it would expire. */
export async function revokeToken(node: NodeContext, r: Resolved): Promise<void> {
  if (r.ref.kind === 'cts') {
    await node.cts.delete(r.ref.id);
    return;
  }
  await blacklist(node, r.ref.jti, r.ref.exp, r.data.universalId);
}

async function blacklist(node: NodeContext, jti: string, expiresAt: number, userId: string): Promise<void> {
  const id = `blacklist:${jti}`;
  if (!(await node.cts.read(id))) await node.cts.create({ id, type: 'OAUTH_BLACKLIST', userId, expiresAt, data: { jti } });
}

/**
 * Every token of a grant (TokenRevocationResource.deleteRefreshTokenAndAccessTokens, and the
 * TokenInvalidator a reused code triggers): the grant's OAUTH tokens, and its grant set with all
 * of its client-side tokens blacklisted. Returns how many tokens it revoked.
 */
export async function revokeGrant(node: NodeContext, grantId: string): Promise<number> {
  let n = 0;
  for (const t of await node.cts.query<OAuthToken>({ type: 'OAUTH', grantId })) {
    if (t.data.tokenName === 'access_token' || t.data.tokenName === 'refresh_token') n += (await node.cts.delete(t.id)) ? 1 : 0;
  }
  const set = await node.cts.read<{ jtis: string[] }>(grantId);
  if (set?.type === 'OAUTH2_GRANT_SET') {
    for (const jti of set.data.jtis) await blacklist(node, jti, set.expiresAt, set.userId ?? '');
    n += set.data.jtis.length;
    await node.cts.delete(grantId);
  }
  return n;
}
