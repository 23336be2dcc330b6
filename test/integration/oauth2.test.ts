import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { LabOptions } from '../../main/lab/lab';
import { call, DEMO, events, exchanges, startLab, V2 } from './helpers';

/**
 * The OAuth2/OIDC provider as AM's answers it (OpenAM openam-oauth2: AuthorizeResource,
 * ResourceOwnerSessionValidator, AuthorizationCodeGrantTypeHandler, StatefulTokenStore,
 * TokenRevocationResource, OAuth2TokenIntrospectionHandler, EndSession), through a round-robin
 * balancer: every step may land on another node, and works because the grants are in the CTS.
 */
const CB = 'https://app.example.com/callback';
const CLIENTS: LabOptions['oauth2Clients'] = {
  spa: { type: 'public', redirectUris: [CB], postLogoutRedirectUris: ['https://app.example.com/bye'] },
  svc: { type: 'confidential', secret: 'Svc-Secret1', redirectUris: ['https://svc.example.com/cb'], scopes: ['openid', 'profile', 'read'] },
  beta: { type: 'public', realm: '/alpha', redirectUris: [CB] },
};
const O2 = 'oauth2/realms/root';
const form = (o: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o).toString() });
const verifier = 'v'.repeat(43) + 'Lab-PKCE_verifier.0123456789';
const challenge = createHash('sha256').update(verifier).digest('base64url');

async function lab3(extra: LabOptions = {}) {
  return startLab({ nodes: 3, policy: 'round-robin', oauth2Clients: CLIENTS, ...extra });
}

async function ssoToken(lab: Awaited<ReturnType<typeof lab3>>): Promise<string> {
  const r = await call(lab, 'POST', 'json/realms/root/authenticate', { headers: { ...V2, 'x-openam-username': DEMO[0], 'x-openam-password': DEMO[1] } });
  return (r.json as { tokenId: string }).tokenId;
}

async function authorize(lab: Awaited<ReturnType<typeof lab3>>, sso: string | undefined, params: Record<string, string>, path = O2) {
  const q = new URLSearchParams({ client_id: 'spa', redirect_uri: CB, response_type: 'code', scope: 'openid profile', state: 's1', code_challenge: challenge, code_challenge_method: 'S256', ...params });
  const r = await call(lab, 'GET', `${path}/authorize?${q}`, { headers: sso ? { cookie: `iPlanetDirectoryPro=${sso}` } : {} });
  return { ...r, location: r.headers.location ? new URL(String(r.headers.location)) : undefined };
}

async function codeFor(lab: Awaited<ReturnType<typeof lab3>>, sso: string, params: Record<string, string> = {}) {
  const a = await authorize(lab, sso, params);
  return a.location!.searchParams.get('code')!;
}

const redeem = (lab: Awaited<ReturnType<typeof lab3>>, code: string, extra: Record<string, string> = {}) =>
  call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'spa', code, grant_type: 'authorization_code', redirect_uri: CB, code_verifier: verifier, ...extra }));

describe('discovery and keys', () => {
  it('the discovery document names the realm issuer (root without realms/root, OAuth2UrisFactory) and the endpoints the lab serves', async () => {
    const lab = await lab3();
    const root = (await call(lab, 'GET', 'oauth2/.well-known/openid-configuration')).json as Record<string, unknown>;
    expect(root.issuer).toBe(`${lab.balancerUrl}/oauth2`);
    expect(root).toMatchObject({ token_endpoint: `${lab.balancerUrl}/oauth2/access_token`, revocation_endpoint: `${lab.balancerUrl}/oauth2/token/revoke`, code_challenge_methods_supported: ['plain', 'S256'] });
    const alpha = (await call(lab, 'GET', 'oauth2/realms/root/realms/alpha/.well-known/openid-configuration')).json as Record<string, unknown>;
    expect(alpha.issuer).toBe(`${lab.balancerUrl}/oauth2/realms/root/realms/alpha`);
  });

  it('every node publishes the same jwk_uri, and an ID token signed on one node verifies with the keys of another', async () => {
    const lab = await lab3();
    const sets = await Promise.all(lab.nodes.map(async (n) => (await request(`${n.url}/oauth2/connect/jwk_uri`)).body.json()));
    expect(new Set(sets.map((s) => JSON.stringify(s))).size).toBe(1);
    const tokens = (await redeem(lab, await codeFor(lab, await ssoToken(lab)))).json as { id_token: string };
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, createLocalJWKSet(sets[2] as never), { issuer: `${lab.balancerUrl}/oauth2`, audience: 'spa' });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({ sub: 'demo', tokenName: 'id_token', azp: 'spa', realm: '/', 'org.forgerock.openidconnect.ops': expect.any(String) });
  });
});

describe('authorize (AuthorizeResource, ResourceOwnerSessionValidator)', () => {
  it('an unknown client or unregistered redirect URI is a 400 HTML page, never a redirect', async () => {
    const lab = await lab3();
    const sso = await ssoToken(lab);
    const unknown = await authorize(lab, sso, { client_id: 'nope' });
    const mismatch = await authorize(lab, sso, { redirect_uri: 'https://evil.example/cb' });
    expect([unknown.status, unknown.location, unknown.headers['content-type']]).toEqual([400, undefined, 'text/html;charset=UTF-8']);
    expect(unknown.text).toContain('invalid_client');
    expect([mismatch.status, mismatch.location]).toEqual([400, undefined]);
    expect(mismatch.text).toContain('The redirection URI provided does not match a pre-registered value.');
  });

  it('other errors go back to the redirect URI with error, error_description and state', async () => {
    const lab = await lab3();
    const sso = await ssoToken(lab);
    const scope = await authorize(lab, sso, { scope: 'openid admin' });
    expect(Object.fromEntries(scope.location!.searchParams)).toEqual({ error_description: 'Unknown/invalid scope(s): [admin]', state: 's1', error: 'invalid_scope' });
    const type = await authorize(lab, sso, { response_type: 'token' });
    expect(type.location!.searchParams.get('error')).toBe('unsupported_response_type');
  });

  it('prompt=none without a session, or once the session expired, is interaction_required, the text the SDK matches (InteractionRequiredException)', async () => {
    const lab = await lab3({ maxSessionTime: 1 });
    const none = await authorize(lab, undefined, { prompt: 'none' });
    expect(Object.fromEntries(none.location!.searchParams)).toEqual({ error_description: 'The request requires some interaction that is not allowed.', state: 's1', error: 'interaction_required' });
    const sso = await ssoToken(lab);
    expect((await authorize(lab, sso, { prompt: 'none' })).location!.searchParams.get('code')).toBeTruthy();
    await lab.advanceClock(61_000);
    expect((await authorize(lab, sso, { prompt: 'none' })).location!.searchParams.get('error')).toBe('interaction_required');
  });

  it('without a session and without prompt=none the user is sent to the login page with a goto back (buildDefaultLoginUrl)', async () => {
    const lab = await lab3();
    const r = await authorize(lab, undefined, {});
    expect(r.status).toBe(302);
    expect(r.location!.pathname).toBe('/am/UI/Login');
    expect(r.location!.searchParams.get('realm')).toBe('/');
    expect(new URL(r.location!.searchParams.get('goto')!).pathname).toBe('/am/oauth2/realms/root/authorize');
  });

  it('a session of another realm does not authorize a client of this one: login again', async () => {
    const lab = await lab3();
    const r = await authorize(lab, await ssoToken(lab), { client_id: 'beta', prompt: 'none' }, 'oauth2/realms/root/realms/alpha');
    expect(r.location!.searchParams.get('error')).toBe('interaction_required');
  });

  it('issues a code with iss, state and client_id, kept in the CTS as an OAUTH token for 120 s', async () => {
    const lab = await lab3();
    const r = await authorize(lab, await ssoToken(lab), {});
    expect([...r.location!.searchParams.keys()]).toEqual(['code', 'iss', 'state', 'client_id']);
    expect(r.location!.searchParams.get('iss')).toBe(`${lab.balancerUrl}/oauth2`);
    expect(await lab.cts.count('OAUTH')).toBe(1);
    expect((await events(lab, 'oauth2-code-issued'))[0]!.data).toMatchObject({ clientId: 'spa', pkce: 'S256', lifetime: 120 });
  });
});

describe('access_token (AuthorizationCodeGrantTypeHandler, ClientAuthenticator)', () => {
  it('redeems a code on another node than the one that issued it; the token JSON has AM key order and no-store', async () => {
    const lab = await lab3();
    const code = await codeFor(lab, await ssoToken(lab));
    const r = await redeem(lab, code);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json as object)).toEqual(['access_token', 'refresh_token', 'scope', 'id_token', 'token_type', 'expires_in']);
    expect(r.json).toMatchObject({ scope: 'openid profile', token_type: 'Bearer', expires_in: 3599 });
    expect(r.headers['cache-control']).toBe('no-store');
    const [issuedAt, redeemedAt] = (await exchanges(lab)).filter((e) => /authorize|access_token/.test(e.request.path)).map((e) => e.routing.node);
    expect(issuedAt).not.toBe(redeemedAt);
  });

  it('PKCE: no verifier is invalid_request, a wrong one invalid_grant', async () => {
    const lab = await lab3();
    const sso = await ssoToken(lab);
    const noVerifier = await call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'spa', code: await codeFor(lab, sso), grant_type: 'authorization_code', redirect_uri: CB }));
    expect(noVerifier.json).toEqual({ error_description: 'code_verifier parameter required', error: 'invalid_request' });
    const wrong = await redeem(lab, await codeFor(lab, sso), { code_verifier: 'x'.repeat(50) });
    expect(wrong.json).toEqual({ error_description: 'The provided access grant is invalid, expired, or revoked.', error: 'invalid_grant' });
  });

  it('a reused code is invalid_grant and revokes the tokens already issued for it; a different redirect_uri is invalid_grant', async () => {
    const lab = await lab3();
    const sso = await ssoToken(lab);
    const code = await codeFor(lab, sso);
    const first = (await redeem(lab, code)).json as { access_token: string };
    expect((await redeem(lab, code)).json).toMatchObject({ error: 'invalid_grant' });
    const ui = await call(lab, 'GET', `${O2}/userinfo`, { headers: { authorization: `Bearer ${first.access_token}` } });
    expect(ui.status).toBe(401);
    expect(ui.headers['www-authenticate']).toMatch(/^Bearer realm="\/", error="invalid_token"/);
    expect((await redeem(lab, await codeFor(lab, sso), { redirect_uri: 'https://app.example.com/other' })).json).toMatchObject({ error: 'invalid_grant' });
  });

  it('a code redeemed after its 120 s lifetime is invalid_grant', async () => {
    const lab = await lab3();
    const code = await codeFor(lab, await ssoToken(lab));
    await lab.advanceClock(121_000);
    const r = await redeem(lab, code);
    expect(r.status).toBe(400);
    // "Authorization code expired." when the node reads it first, the generic text once the CTS reaper deleted it.
    expect(r.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/^(Authorization code expired\.|The provided access grant is invalid, expired, or revoked\.)$/) });
  });

  it('confidential clients authenticate with Basic or client_secret_post; a bad secret is invalid_client, 401 with a Basic challenge for the header', async () => {
    const lab = await lab3();
    const basic = (secret: string) => ({ authorization: `Basic ${Buffer.from(`svc:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' });
    const good = await call(lab, 'POST', `${O2}/access_token`, { headers: basic('Svc-Secret1'), body: 'grant_type=client_credentials&scope=read' });
    expect(good.json).toEqual({ access_token: expect.any(String), scope: 'read', token_type: 'Bearer', expires_in: 3599 });
    const bad = await call(lab, 'POST', `${O2}/access_token`, { headers: basic('nope'), body: 'grant_type=client_credentials' });
    expect([bad.status, bad.headers['www-authenticate'], bad.json]).toEqual([401, 'Basic realm="/"', { error_description: 'Client authentication failed', error: 'invalid_client' }]);
    const post = await call(lab, 'POST', `${O2}/access_token`, form({ grant_type: 'client_credentials', client_id: 'svc', client_secret: 'nope' }));
    expect(post.status).toBe(400);
    const spa = await call(lab, 'POST', `${O2}/access_token`, form({ grant_type: 'client_credentials', client_id: 'spa' }));
    expect(spa.json).toMatchObject({ error: 'unauthorized_client' });
    expect((await call(lab, 'POST', `${O2}/access_token`, form({ grant_type: 'password', client_id: 'spa' }))).json).toMatchObject({ error: 'unsupported_grant_type' });
  });
});

describe('refresh, revoke, introspect, userinfo and endSession', () => {
  it('a refresh issues a new refresh token and retires the old one; revoking an access token leaves the refresh token; revoking the refresh token revokes the grant', async () => {
    const lab = await lab3();
    const t1 = (await redeem(lab, await codeFor(lab, await ssoToken(lab)))).json as { access_token: string; refresh_token: string };
    const r2 = await call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'spa', grant_type: 'refresh_token', refresh_token: t1.refresh_token }));
    const t2 = r2.json as { access_token: string; refresh_token: string };
    expect(t2.refresh_token).not.toBe(t1.refresh_token);
    // StatefulTokenStore.readRefreshToken: a retired (or unknown, revoked) refresh token.
    expect((await call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'spa', grant_type: 'refresh_token', refresh_token: t1.refresh_token }))).json).toEqual({ error_description: 'grant is invalid', error: 'invalid_grant' });
    expect((await call(lab, 'POST', `${O2}/token/revoke`, form({ client_id: 'spa', token: t2.access_token }))).json).toEqual({});
    expect((await call(lab, 'GET', `${O2}/userinfo`, { headers: { authorization: `Bearer ${t2.access_token}` } })).status).toBe(401);
    const t3 = (await call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'spa', grant_type: 'refresh_token', refresh_token: t2.refresh_token }))).json as { access_token: string; refresh_token: string };
    expect(t3.access_token).toEqual(expect.any(String));
    await call(lab, 'POST', `${O2}/token/revoke`, form({ client_id: 'spa', token: t3.refresh_token }));
    expect((await call(lab, 'GET', `${O2}/userinfo`, { headers: { authorization: `Bearer ${t3.access_token}` } })).status).toBe(401);
    expect((await call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'spa', grant_type: 'refresh_token', refresh_token: t3.refresh_token }))).json).toMatchObject({ error: 'invalid_grant' });
    expect((await call(lab, 'POST', `${O2}/token/revoke`, form({ client_id: 'spa' }))).json).toEqual({ error_description: 'Missing parameter: token', error: 'invalid_request' });
  });

  it("another client's refresh token is invalid_request, its token at revoke invalid_grant, and nothing is revoked (AccessTokenService.refreshToken, TokenRevocationResource.getToken)", async () => {
    const lab = await lab3();
    const t = (await redeem(lab, await codeFor(lab, await ssoToken(lab)))).json as { access_token: string; refresh_token: string };
    const svc = { client_id: 'svc', client_secret: 'Svc-Secret1' };
    expect((await call(lab, 'POST', `${O2}/access_token`, form({ ...svc, grant_type: 'refresh_token', refresh_token: t.refresh_token }))).json).toEqual({ error_description: 'Token was issued to a different client', error: 'invalid_request' });
    const revoke = await call(lab, 'POST', `${O2}/token/revoke`, form({ ...svc, token: t.access_token }));
    expect(revoke).toMatchObject({ status: 400, json: { error_description: `The provided token id : ${t.access_token} belongs to different access grant.`, error: 'invalid_grant' } });
    expect((await call(lab, 'GET', `${O2}/userinfo`, { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(200);
    expect(await events(lab, 'oauth2-token-revoked')).toEqual([]);
  });

  it('introspect tells the owning client about its live token and says active:false to any other or once revoked', async () => {
    const lab = await lab3();
    const t = (await redeem(lab, await codeFor(lab, await ssoToken(lab)))).json as { access_token: string };
    const own = await call(lab, 'POST', `${O2}/introspect`, form({ client_id: 'spa', token: t.access_token }));
    expect(own.json).toEqual({ active: true, scope: 'openid profile', client_id: 'spa', user_id: 'demo', token_type: 'access_token', exp: expect.any(Number), sub: 'demo', iss: `${lab.balancerUrl}/oauth2` });
    const other = await call(lab, 'POST', `${O2}/introspect`, form({ client_id: 'svc', client_secret: 'Svc-Secret1', token: t.access_token }));
    expect(other.json).toEqual({ active: false });
    await call(lab, 'POST', `${O2}/token/revoke`, form({ client_id: 'spa', token: t.access_token }));
    expect((await call(lab, 'POST', `${O2}/introspect`, form({ client_id: 'spa', token: t.access_token }))).json).toEqual({ active: false });
  });

  it('endSession ends the session the ID token names (its ops token), 204 without a redirect; a registered post-logout URI gets a 302 with state', async () => {
    const lab = await lab3();
    const sso = await ssoToken(lab);
    const t = (await redeem(lab, await codeFor(lab, sso))).json as { id_token: string };
    const end = await call(lab, 'GET', `${O2}/connect/endSession?id_token_hint=${t.id_token}`);
    expect([end.status, end.text]).toEqual([204, '']);
    expect((await call(lab, 'POST', 'json/realms/root/sessions?_action=validate', { headers: V2, body: JSON.stringify({ tokenId: sso }) })).json).toEqual({ valid: false });
    expect((await events(lab, 'session-terminated'))[0]!.data.reason).toBe('logout');
    const sso2 = await ssoToken(lab);
    const t2 = (await redeem(lab, await codeFor(lab, sso2))).json as { id_token: string };
    const bye = await call(lab, 'GET', `${O2}/connect/endSession?id_token_hint=${t2.id_token}&post_logout_redirect_uri=${encodeURIComponent('https://app.example.com/bye')}&state=z`);
    expect([bye.status, bye.headers.location]).toEqual([302, 'https://app.example.com/bye?state=z']);
    const evil = await call(lab, 'GET', `${O2}/connect/endSession?id_token_hint=${t2.id_token}&post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`);
    expect(evil.json).toMatchObject({ error: 'redirect_uri_mismatch' });
    expect((await call(lab, 'GET', `${O2}/connect/endSession`)).json).toEqual({ error_description: 'The endSession endpoint requires an id_token_hint parameter', error: 'bad_request' });
  });

  it('malformed requests get OAuth2 errors, never a 5xx', async () => {
    const lab = await lab3();
    const cases = [
      call(lab, 'POST', `${O2}/access_token`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%%%=%%%&grant_type' }),
      call(lab, 'POST', `${O2}/access_token`, { headers: { 'content-type': 'application/json' }, body: '{"grant_type":"authorization_code"}' }),
      call(lab, 'GET', `${O2}/userinfo`, { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' } }),
      call(lab, 'GET', `${O2}/connect/endSession?id_token_hint=not.a.jwt`),
      call(lab, 'GET', `${O2}/authorize?client_id=spa&redirect_uri=${encodeURIComponent(CB)}&response_type=code&code_challenge_method=S512&code_challenge=x`, { headers: { cookie: `iPlanetDirectoryPro=${await ssoToken(lab)}` } }),
    ];
    for (const r of await Promise.all(cases)) expect(r.status).toBeLessThan(500);
  });
});

describe('client-side (stateless) tokens: a realm setting, as in AM', () => {
  it('access and refresh tokens are signed JWTs any node verifies; the grant is an OAUTH2_GRANT_SET; revocations go to OAUTH_BLACKLIST', async () => {
    const lab = await lab3({ oauth2Tokens: { '/': 'client-side', '/alpha': 'stateful' } });
    const t = (await redeem(lab, await codeFor(lab, await ssoToken(lab)))).json as { access_token: string; refresh_token: string };
    expect(decodeJwt(t.access_token)).toMatchObject({ tokenName: 'access_token', aud: 'spa', sub: 'demo', scope: ['openid', 'profile'], cts: 'OAUTH2_STATELESS_GRANT' });
    expect([await lab.cts.count('OAUTH2_GRANT_SET'), await lab.cts.count('OAUTH_BLACKLIST')]).toEqual([1, 0]);
    for (let i = 0; i < 3; i++) expect((await call(lab, 'GET', `${O2}/userinfo`, { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(200);
    await call(lab, 'POST', `${O2}/token/revoke`, form({ client_id: 'spa', token: t.access_token }));
    expect(await lab.cts.count('OAUTH_BLACKLIST')).toBe(1);
    expect((await call(lab, 'GET', `${O2}/userinfo`, { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(401);
    await call(lab, 'POST', `${O2}/token/revoke`, form({ client_id: 'spa', token: t.refresh_token }));
    expect(await lab.cts.count('OAUTH2_GRANT_SET')).toBe(0);
    expect((await call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'spa', grant_type: 'refresh_token', refresh_token: t.refresh_token }))).json).toMatchObject({ error: 'invalid_grant' });
  });
});
