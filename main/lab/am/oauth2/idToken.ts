import { createHash, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { NodeContext } from '../context';
import { storeOAuth, type Grant } from './grants';
import { providerUris, type OAuth2Request } from './request';

/**
 * An OpenID Connect ID token as AM signs it (OpenAM StatefulTokenStore.createOpenIDToken,
 * OpenIdConnectToken): RS256 with the provider's key (kid as published at connect/jwk_uri), and
 * an ops token in the CTS naming the user's session, whose id goes in the
 * `org.forgerock.openidconnect.ops` claim so connect/endSession can end that session.
 */
export async function idToken(node: NodeContext, req: OAuth2Request, g: Grant, accessToken: string): Promise<string> {
  const now = node.clock.now();
  const exp = now + node.config().oauth2IdTokenLifetime * 1000;
  let opsId: string | undefined;
  if (g.ssoTokenId) {
    opsId = randomUUID();
    await storeOAuth(node, opsId, { ...g, tokenName: 'ops', expiresAt: exp, auditTrackingId: randomUUID() });
  }
  const claims: Record<string, unknown> = {
    at_hash: halfHash(accessToken),
    auditTrackingId: randomUUID(),
    subname: g.username,
    tokenName: 'id_token',
    azp: g.clientId,
    auth_time: g.authTime,
    realm: g.realm,
    tokenType: 'JWTToken',
    acr: '0',
  };
  if (g.nonce) claims.nonce = g.nonce;
  if (opsId) claims['org.forgerock.openidconnect.ops'] = opsId;
  const key = await node.keys.oauth2Signing();
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'JWT', kid: key.kid, alg: 'RS256' })
    .setSubject(g.username)
    .setIssuer(providerUris(node, req).issuer)
    .setAudience(g.clientId)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(exp / 1000))
    .sign(key.privateKey);
}

/** at_hash: the left half of the SHA-256 of the access token, base64url (OIDC Core 3.1.3.6). */
function halfHash(token: string): string {
  const digest = createHash('sha256').update(token, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
