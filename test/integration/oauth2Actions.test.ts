import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { LabBridge } from '../../main/bridge';
import { TOKEN_HEADER, type ActionResult } from '../../main/contract';
import type { Lab } from '../../main/lab/lab';
import { perform } from '../../main/lab/perform';
import { exportHar } from '../../main/lab/trace/har';
import { startWebHost } from '../../main/web';
import { leaks } from '../fixtures/har/scan';
import { DEMO, startLab } from './helpers';

/**
 * The OAuth2 actions (main/contract/oauth2.ts) through perform(), with real sockets: the virtual
 * browser is the SDK app (TokenManager.getTokens, UserManager.getCurrentUser, FRUser.logout's
 * calls; SDK 4.9 src/oauth2-client/index.ts) or a confidential client's backend, and each action
 * returns its own exchanges. AM's answers: OpenAM openam-oauth2 AuthorizeResource,
 * AuthorizationCodeGrantTypeHandler, TokenRevocationResource, OpenIDConnectEndSession.
 */
async function loggedIn(lab: Lab) {
  const b = lab.createBrowser('app');
  const done = await perform(lab, { action: 'zero-page-login', browser: b.id, username: DEMO[0], password: DEMO[1] });
  expect(done.steps?.at(-1)?.kind).toBe('success');
  return b;
}

const act = (lab: Lab, a: Record<string, unknown>) => perform(lab, a as never);
const bodyOf = (r: { response?: { body: unknown } }) => r.response?.body as Record<string, unknown>;

describe('OAuth2 actions of the virtual browser', () => {
  it("the SDK's flow through a round-robin balancer: every step on another node, because AM keeps grants in the CTS", async () => {
    const lab = await startLab({ nodes: 3, policy: 'round-robin' });
    const b = await loggedIn(lab);

    const got = await act(lab, { action: 'get-tokens', browser: b.id, prompt: 'none' });
    expect(got.exchanges.map((x) => [x.request.method, new URL(x.request.url).pathname, x.response.status])).toEqual([
      ['GET', '/am/oauth2/realms/root/authorize', 302],
      ['POST', '/am/oauth2/realms/root/access_token', 200],
    ]);
    const [authz, token] = got.exchanges;
    expect(authz!.routing.node).not.toBe(token!.routing.node);
    // The authorize request is the SDK's: PKCE S256, a state, prompt=none, the session cookie.
    const q = new URL(authz!.request.url).searchParams;
    expect(Object.fromEntries(['client_id', 'response_type', 'code_challenge_method', 'prompt'].map((k) => [k, q.get(k)]))).toEqual({ client_id: 'sdkPublicClient', response_type: 'code', code_challenge_method: 'S256', prompt: 'none' });
    expect(authz!.request.headers.find(([n]) => n === 'cookie')?.[1]).toMatch(/iPlanetDirectoryPro=/);
    expect(token!.request.body).toMatch(/grant_type=authorization_code&code=[\w-]+&redirect_uri=.+&code_verifier=[\w-]{43}/);
    expect(got.oauth2).toMatchObject({ client: 'sdkPublicClient', error: null, code: false });
    expect(got.oauth2!.held.map((t) => [t.name, t.format])).toEqual([
      ['access_token', 'opaque'],
      ['refresh_token', 'opaque'],
      ['id_token', 'jwt'],
    ]);
    expect(got.oauth2!.held[2]!.claims).toMatchObject({ sub: 'demo', aud: 'sdkPublicClient', tokenName: 'id_token' });
    expect(got.events.map((e) => e.type)).toEqual(expect.arrayContaining(['oauth2-code-issued', 'oauth2-tokens-issued']));

    const user = await act(lab, { action: 'userinfo', browser: b.id });
    expect(user.response).toMatchObject({ status: 200, body: { sub: 'demo' } });
    const before = got.oauth2!.held[0]!.value;
    const refreshed = await act(lab, { action: 'refresh-tokens', browser: b.id });
    expect(refreshed.response!.status).toBe(200);
    expect(refreshed.oauth2!.held[0]!.value).not.toBe(before);
    // A public client is not authenticated anywhere (ClientAuthenticator); it may introspect its own token.
    expect(bodyOf(await act(lab, { action: 'introspect', browser: b.id }))).toMatchObject({ active: true, client_id: 'sdkPublicClient', user_id: 'demo', token_type: 'access_token' });

    const revoked = await act(lab, { action: 'revoke', browser: b.id });
    expect(revoked.response).toMatchObject({ status: 200, body: {} });
    expect(revoked.events.map((e) => e.type)).toContain('oauth2-token-revoked');
    // The browser keeps its copy: AM now refuses it (RFC 6750 invalid_token).
    expect(await act(lab, { action: 'userinfo', browser: b.id })).toMatchObject({ response: { status: 401 }, oauth2: { error: 'invalid_token' } });

    // An ID token from a refresh names no session (OpenIDTokenIssuer.getOps: the refreshed access
    // token carries no session id), so endSession with it ends nothing.
    expect((await act(lab, { action: 'end-session', browser: b.id })).response!.status).toBe(204);
    expect(bodyOf(await act(lab, { action: 'validate', browser: b.id }))).toMatchObject({ valid: true });
    await act(lab, { action: 'get-tokens', browser: b.id, prompt: 'none' });
    const ended = await act(lab, { action: 'end-session', browser: b.id });
    expect(ended.response!.status).toBe(204);
    expect(ended.events.map((e) => e.type)).toContain('session-terminated');
    expect(bodyOf(await act(lab, { action: 'validate', browser: b.id }))).toEqual({ valid: false });
  });

  it('prompt=none without a session: interaction_required back at the redirect URI; without prompt: to the login page (ResourceOwnerSessionValidator)', async () => {
    const lab = await startLab({ nodes: 2 });
    const b = lab.createBrowser();
    const none = await act(lab, { action: 'get-tokens', browser: b.id, prompt: 'none' });
    expect(none.exchanges).toHaveLength(1);
    expect(none.oauth2).toMatchObject({ error: 'interaction_required', errorDescription: 'The request requires some interaction that is not allowed.', code: false, held: [] });
    expect(String(none.response!.headers.location)).toMatch(/^https:\/\/localhost:8443\/callback\.html\?/);

    const page = await act(lab, { action: 'authorize', browser: b.id });
    expect(page.response!.status).toBe(302);
    expect(String(page.response!.headers.location)).toMatch(/\/am\/UI\/Login\?realm=%2F&goto=/);
    expect(page.oauth2).toMatchObject({ error: null, code: false });
    await expect(act(lab, { action: 'exchange-code', browser: b.id })).rejects.toThrow(/holds no authorization code for sdkPublicClient: authorize first/);
  });

  it('a code redeemed after its lifetime: the reaper has removed it, invalid_grant (AuthorizationCodeGrantTypeHandler, StatefulTokenStore.readAuthorizationCode)', async () => {
    const lab = await startLab({ nodes: 2, oauth2CodeLifetime: 120 });
    const b = await loggedIn(lab);
    expect((await act(lab, { action: 'authorize', browser: b.id })).oauth2).toMatchObject({ code: true, error: null });
    await act(lab, { action: 'wait', ms: 121_000 });
    const late = await act(lab, { action: 'exchange-code', browser: b.id });
    expect(late.response).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'The provided access grant is invalid, expired, or revoked.' } });
    expect(late.oauth2!.held).toEqual([]);
  });

  it('a confidential client authenticates with client_secret_basic; client_credentials gives it an access token alone', async () => {
    const lab = await startLab({ nodes: 2, oauth2Tokens: { '/': 'client-side', '/alpha': 'stateful' } });
    const b = await loggedIn(lab);
    const got = await act(lab, { action: 'get-tokens', browser: b.id, client: 'myClient', scope: 'openid profile' });
    const exchange = got.exchanges[1]!;
    expect(exchange.request.headers.find(([n]) => n === 'authorization')?.[1]).toBe(`Basic ${Buffer.from('myClient:forgerock').toString('base64')}`);
    expect(exchange.request.body).not.toMatch(/client_secret/);
    // Client-side tokens are signed JWTs: the browser shows their claims.
    expect(got.oauth2!.held.map((t) => t.format)).toEqual(['jwt', 'jwt', 'jwt']);
    expect(got.oauth2!.held[0]!.claims).toMatchObject({ sub: 'demo', aud: 'myClient', tokenName: 'access_token', scope: ['openid', 'profile'] });
    expect(bodyOf(await act(lab, { action: 'introspect', browser: b.id, client: 'myClient', token: 'refresh' }))).toMatchObject({ active: true, token_type: 'refresh_token' });

    const svc = await act(lab, { action: 'client-credentials', browser: b.id, client: 'myClient', scope: 'profile' });
    expect(Object.keys(bodyOf(svc))).toEqual(['access_token', 'scope', 'token_type', 'expires_in']);
    expect(svc.oauth2!.held.map((t) => t.name)).toEqual(['access_token']);
    await expect(act(lab, { action: 'client-credentials', browser: b.id })).rejects.toThrow(/sdkPublicClient is a public client: client_credentials needs a confidential one \(myClient\)/);
    await expect(act(lab, { action: 'userinfo', browser: b.id, client: 'nobody' })).rejects.toThrow(/There is no OAuth2 client nobody; clients are sdkPublicClient, myClient/);
  });

  for (const mode of ['stateful', 'client-side'] as const) {
    it(`the snapshot lists the CTS's grants with client, user, scope and expiry on the lab clock (${mode} tokens)`, async () => {
      const lab = await startLab({ nodes: 2, oauth2Tokens: { '/': mode, '/alpha': mode } });
      // The lab clock stands still, so each expiry is exactly its lifetime however long the steps take.
      await lab.pauseClock(true);
      const b = await loggedIn(lab);
      await act(lab, { action: 'get-tokens', browser: b.id, scope: 'openid profile' });
      const [grant, ...others] = (await lab.snapshot()).oauth2Grants;
      expect(others).toEqual([]);
      expect(grant).toMatchObject({ clientId: 'sdkPublicClient', user: 'demo', realm: '/', scope: ['openid', 'profile'], grantType: 'authorization_code', mode, blacklisted: 0 });
      const now = lab.clock.now();
      const kinds = grant!.tokens.map((t) => [t.kind, Math.round((t.expiresAt - now) / 1000)]);
      // The used code stays until it expires (reuse detection), the ops token as long as the ID token.
      if (mode === 'stateful') expect(kinds.sort()).toEqual([['access_token', 3600], ['code', 120], ['ops', 3600], ['refresh_token', 604800]].sort());
      else expect(kinds.sort()).toEqual([['code', 120], ['jwt', 3600], ['jwt', 604800], ['ops', 3600]].sort());
      expect(grant!.tokens.find((t) => t.kind === 'code')?.used).toBe(true);

      await act(lab, { action: 'revoke', browser: b.id });
      const after = (await lab.snapshot()).oauth2Grants[0]!;
      if (mode === 'stateful') expect(after.tokens.map((t) => t.kind)).not.toContain('access_token');
      else expect(after.blacklisted).toBe(1);
      await act(lab, { action: 'revoke', browser: b.id, token: 'refresh' });
      await act(lab, { action: 'wait', ms: 3_601_000 });
      expect((await lab.snapshot()).oauth2Grants).toEqual([]);
    });
  }

  it('the HAR of these flows holds none of their codes, tokens, verifiers or secrets', async () => {
    const lab = await startLab({ nodes: 2, policy: 'round-robin' });
    const b = await loggedIn(lab);
    const seen: string[] = ['forgerock'];
    for (const client of ['sdkPublicClient', 'myClient']) {
      const got = await act(lab, { action: 'get-tokens', browser: b.id, client });
      seen.push(...got.oauth2!.held.map((t) => t.value), new URL(String(got.exchanges[0]!.response.headers.find(([n]) => n.toLowerCase() === 'location')![1])).searchParams.get('code')!);
      seen.push(/code_verifier=([\w-]+)/.exec(got.exchanges[1]!.request.body!)![1]!);
      await act(lab, { action: 'userinfo', browser: b.id, client });
      await act(lab, { action: 'introspect', browser: b.id, client, token: 'refresh' });
      const r = await act(lab, { action: 'refresh-tokens', browser: b.id, client });
      seen.push(...r.oauth2!.held.map((t) => t.value));
      await act(lab, { action: 'revoke', browser: b.id, client, token: 'refresh' });
    }
    await act(lab, { action: 'end-session', browser: b.id, client: 'myClient' });
    seen.push(...(await act(lab, { action: 'client-credentials', browser: b.id, client: 'myClient' })).oauth2!.held.map((t) => t.value));
    await lab.settle();
    const raw = JSON.stringify(exportHar(lab.recorder.items(), { redact: false }));
    expect(leaks(raw, seen).length).toBeGreaterThan(0);
    expect(leaks(JSON.stringify(exportHar(lab.recorder.items())), seen)).toEqual([]);
  });

  it('POST /api/perform runs them for a script, with bad input refused before the lab sees it', async () => {
    const lab = await startLab({ nodes: 2 });
    const dir = await mkdtemp(join(tmpdir(), 'renderer-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>AM Session Lab</title>');
    const bridge = new LabBridge(lab, { throttleMs: 10 });
    const host = await startWebHost({ bridge, port: 0, rendererDir: dir });
    try {
      const api = async (body: unknown) => {
        const r = await request(`${host.origin}/api/perform`, { method: 'POST', headers: { [TOKEN_HEADER]: host.token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: r.statusCode, json: (await r.body.json()) as ActionResult & { message?: string } };
      };
      const b = await loggedIn(lab);
      const got = await api({ action: 'get-tokens', browser: b.id });
      expect(got.status).toBe(200);
      expect(got.json.exchanges.map((x) => x.response.status)).toEqual([302, 200]);
      expect(got.json.oauth2!.held.map((t) => t.name)).toEqual(['access_token', 'refresh_token', 'id_token']);
      expect((await api({ action: 'userinfo', browser: b.id })).json.response).toMatchObject({ status: 200, body: { sub: 'demo' } });
      expect(await api({ action: 'revoke', browser: b.id, token: 'id' })).toMatchObject({ status: 400, json: { message: expect.stringMatching(/token/) } });
      expect(await api({ action: 'get-tokens', browser: b.id, scope: 'openid  profile' })).toMatchObject({ status: 400 });
    } finally {
      await host.close();
      bridge.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
