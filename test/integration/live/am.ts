import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { request } from 'undici';
import { expect } from 'vitest';
import { DEFAULT_OAUTH2_CLIENTS } from '../../../main/contract/settings';
import { parseToken } from '../../../main/lab/am/tokens';
import type { Lab } from '../../../main/lab/lab';
import { DEMO, V2, call, setCookies } from '../helpers';
import { act, configure, type Case, type LiveKey } from './act';

/** AM's own services changed live: sessions and their properties, host names, goto, lockout, quotas, OAuth2. */
const AUTH = 'json/realms/root/authenticate';
const SESSIONS = 'json/realms/root/sessions';
const O2 = 'oauth2/realms/root';
const CB = DEFAULT_OAUTH2_CLIENTS.sdkPublicClient!.redirectUris[0]!;
const verifier = 'v'.repeat(43) + 'Lab-PKCE_verifier.0123456789';
const challenge = createHash('sha256').update(verifier).digest('base64url');
const MIN = 60_000;

const zpl = (lab: Lab, user: string, pass: string, query = '') => call(lab, 'POST', `${AUTH}${query}`, { headers: { ...V2, 'x-openam-username': user, 'x-openam-password': pass } });
const login = async (lab: Lab) => ((await zpl(lab, ...DEMO)).json as { tokenId: string }).tokenId;
const message = (r: { json: unknown }) => (r.json as { message?: string }).message;
const wait = (lab: Lab, ms: number) => act(lab, { action: 'wait', ms });
const form = (o: Record<string, string>) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o).toString() });
const clientCredentials = (lab: Lab, id = 'myClient', secret = 'forgerock') => call(lab, 'POST', `${O2}/access_token`, form({ grant_type: 'client_credentials', client_id: id, client_secret: secret }));

/** An authorization code for the demo user and the lab's public client (PKCE). */
async function code(lab: Lab): Promise<string> {
  const q = new URLSearchParams({ client_id: 'sdkPublicClient', redirect_uri: CB, response_type: 'code', scope: 'openid profile', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' });
  const r = await call(lab, 'GET', `${O2}/authorize?${q}`, { headers: { cookie: `iPlanetDirectoryPro=${await login(lab)}` } });
  return new URL(String(r.headers.location)).searchParams.get('code')!;
}
const redeem = async (lab: Lab, c: string) => call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'sdkPublicClient', code: c, grant_type: 'authorization_code', redirect_uri: CB, code_verifier: verifier }));
const tokens = async (lab: Lab) => (await redeem(lab, await code(lab))).json as { refresh_token: string; id_token: string };
const refresh = (lab: Lab, token: string) => call(lab, 'POST', `${O2}/access_token`, form({ client_id: 'sdkPublicClient', grant_type: 'refresh_token', refresh_token: token }));

export const AM_CASES = {
  async sessionPropertyAllowlist(lab) {
    const headers = { 'accept-api-version': 'resource=1.2, protocol=1.0', 'content-type': 'application/json', iPlanetDirectoryPro: await login(lab) };
    const read = () => call(lab, 'POST', `${SESSIONS}?_action=getProperty`, { headers, body: '{"properties":["LoginLocation"]}' });
    expect((await read()).status).toBe(403);
    await configure(lab, { sessionPropertyAllowlist: ['AMCtxId', 'LoginLocation'] });
    expect((await read()).json).toEqual({ LoginLocation: '' });
  },
  async httpOnly(lab) {
    const sso = async () => setCookies((await zpl(lab, ...DEMO)).headers).find((c) => c.startsWith('iPlanetDirectoryPro='))!;
    expect(await sso()).not.toMatch(/HttpOnly/i); // the 7 profile: opt-in
    await configure(lab, { httpOnly: true });
    expect(await sso()).toMatch(/HttpOnly/i);
  },
  async siteId(lab) {
    expect(parseToken(await login(lab))!.ext).toMatchObject({ SI: '10', S1: expect.stringMatching(/^0\d$/) });
    await configure(lab, { siteId: null });
    expect(parseToken(await login(lab))!.ext).toMatchObject({ SI: expect.stringMatching(/^0\d$/), S1: '' });
  },
  async fqdnMap(lab) {
    const as = async (host: string) => (await request(`${lab.balancerUrl}/${AUTH}`, { method: 'POST', headers: { ...V2, host } })).statusCode;
    expect(await as('am.example.com')).toBe(400);
    await configure(lab, { fqdnMap: { am: 'am.example.com' } });
    expect(await as('am.example.com')).toBe(200);
  },
  async gotoAllowlist(lab) {
    const goto = `?goto=${encodeURIComponent('https://app.example.com/home')}`;
    expect((await zpl(lab, ...DEMO, goto)).json).toMatchObject({ successUrl: 'https://app.example.com/home' });
    await configure(lab, { gotoAllowlist: ['https://other.example.com/*'] });
    expect((await zpl(lab, ...DEMO, goto)).json).toMatchObject({ successUrl: '/am/console' });
  },
  async lockoutMode(lab) {
    await configure(lab, { lockoutThreshold: 2 });
    for (let i = 0; i < 3; i++) await zpl(lab, 'demo', 'wrong');
    expect((await zpl(lab, ...DEMO)).status).toBe(200); // off: failures are not counted
    await configure(lab, { lockoutMode: 'persistent' });
    for (let i = 0; i < 2; i++) await zpl(lab, 'demo', 'wrong');
    expect(message(await zpl(lab, ...DEMO))).toBe('Your account has been locked.');
  },
  async lockoutThreshold(lab) {
    await configure(lab, { lockoutMode: 'persistent' });
    for (let i = 0; i < 2; i++) await zpl(lab, 'demo', 'wrong');
    expect((await zpl(lab, ...DEMO)).status).toBe(200); // 5 by default; a success starts the count over
    await configure(lab, { lockoutThreshold: 2 });
    for (let i = 0; i < 2; i++) await zpl(lab, 'demo', 'wrong');
    expect(message(await zpl(lab, ...DEMO))).toBe('Your account has been locked.');
  },
  async lockoutDuration(lab) {
    await configure(lab, { lockoutMode: 'persistent', lockoutThreshold: 1 });
    const lockedFor = async (ms: number) => {
      await zpl(lab, 'demo', 'wrong');
      await wait(lab, ms);
      return message(await zpl(lab, ...DEMO)) === 'Your account has been locked.';
    };
    expect(await lockedFor(6 * MIN)).toBe(false); // 5 min by default
    await configure(lab, { lockoutDuration: 10 });
    expect(await lockedFor(6 * MIN)).toBe(true);
  },
  async sessionQuotaEnabled(lab) {
    await configure(lab, { sessionQuotaLimit: 1, sessionQuotaAction: 'DENY_ACCESS' });
    for (let i = 0; i < 2; i++) expect((await zpl(lab, ...DEMO)).status).toBe(200);
    await configure(lab, { sessionQuotaEnabled: true });
    expect(message(await zpl(lab, ...DEMO))).toBe('You have reached your session limit.');
  },
  async sessionQuotaLimit(lab) {
    await configure(lab, { sessionQuotaEnabled: true, sessionQuotaAction: 'DENY_ACCESS' });
    for (let i = 0; i < 2; i++) expect((await zpl(lab, ...DEMO)).status).toBe(200); // 5 by default
    await configure(lab, { sessionQuotaLimit: 2 });
    expect(message(await zpl(lab, ...DEMO))).toBe('You have reached your session limit.');
  },
  async sessionQuotaAction(lab) {
    await configure(lab, { sessionQuotaEnabled: true, sessionQuotaLimit: 1 });
    for (let i = 0; i < 2; i++) expect((await zpl(lab, ...DEMO)).status).toBe(200); // DESTROY_NEXT_EXPIRING makes room
    await configure(lab, { sessionQuotaAction: 'DENY_ACCESS' });
    expect(message(await zpl(lab, ...DEMO))).toBe('You have reached your session limit.');
  },
  async oauth2Tokens(lab) {
    const access = async () => ((await clientCredentials(lab)).json as { access_token: string }).access_token;
    expect((await access()).split('.')).toHaveLength(1); // stateful: an id of a CTS token
    await configure(lab, { oauth2Tokens: { '/': 'client-side', '/alpha': 'stateful' } });
    expect(decodeJwt(await access())).toMatchObject({ cts: 'OAUTH2_STATELESS_GRANT', subname: 'myClient', tokenName: 'access_token' });
  },
  async oauth2CodeLifetime(lab) {
    const c = await code(lab);
    await wait(lab, MIN);
    expect((await redeem(lab, c)).status).toBe(200); // 120 s by default
    await configure(lab, { oauth2CodeLifetime: 30 });
    const late = await code(lab);
    await wait(lab, MIN);
    expect((await redeem(lab, late)).json).toMatchObject({ error: 'invalid_grant' });
  },
  async oauth2AccessTokenLifetime(lab) {
    expect((await clientCredentials(lab)).json).toMatchObject({ expires_in: 3599 });
    await configure(lab, { oauth2AccessTokenLifetime: 600 });
    expect((await clientCredentials(lab)).json).toMatchObject({ expires_in: 599 });
  },
  async oauth2RefreshTokenLifetime(lab) {
    const kept = (await tokens(lab)).refresh_token;
    await configure(lab, { oauth2RefreshTokenLifetime: 3600 });
    const short = (await tokens(lab)).refresh_token;
    await wait(lab, 2 * 60 * MIN);
    expect((await refresh(lab, kept)).status).toBe(200); // issued with 7 days
    expect((await refresh(lab, short)).json).toMatchObject({ error: 'invalid_grant' });
  },
  async oauth2IdTokenLifetime(lab) {
    const life = async () => {
      const { exp, iat } = decodeJwt((await tokens(lab)).id_token);
      return exp! - iat!;
    };
    expect(await life()).toBe(3600);
    await configure(lab, { oauth2IdTokenLifetime: 600 });
    expect(await life()).toBe(600);
  },
  async oauth2Clients(lab) {
    expect((await clientCredentials(lab, 'reporting', 'Reporting-1')).json).toMatchObject({ error: 'invalid_client' });
    await configure(lab, { oauth2Clients: { ...lab.config.oauth2Clients, reporting: { realm: '/', type: 'confidential', secret: 'Reporting-1', redirectUris: ['https://reports.example.com/cb'], postLogoutRedirectUris: [], scopes: ['read'] } } });
    expect((await clientCredentials(lab, 'reporting', 'Reporting-1')).status).toBe(200);
  },
} satisfies Partial<Record<LiveKey, Case>>;
