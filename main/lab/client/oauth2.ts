import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { BrowserResponse } from '../../contract/browser';
import { oauth2ErrorOf, type HeldToken } from '../../contract/oauth2';
import type { LabConfig, OAuth2Client } from '../../contract/settings';
import { LabError } from '../labError';
import type { VirtualBrowser } from './browser';

/**
 * The app in a virtual browser talking OAuth2/OIDC to AM, as the ForgeRock JavaScript SDK does it
 * (TokenManager.getTokens, UserManager.getCurrentUser, FRUser.logout: SDK 4.9 src/oauth2-client,
 * src/token-manager), or a confidential client's backend with its secret. Every request goes
 * through the browser's one HTTP path (VirtualBrowser.send) with its cookie jar; what the app keeps
 * (code, PKCE verifier, tokens) lives in the browser's `oauth2` storage, by client id.
 */

/** A client as registered in the lab's oauth2Clients, with its id. */
export interface RegisteredClient extends OAuth2Client {
  id: string;
}

/** The client an action names, or the SDK's (the first public client). */
export function registeredClient(cfg: LabConfig, id: string | undefined): RegisteredClient {
  const chosen = id ?? Object.entries(cfg.oauth2Clients).find(([, c]) => c.type === 'public')?.[0];
  if (!chosen) throw new LabError('No public OAuth2 client is configured: name the client to use');
  const c = cfg.oauth2Clients[chosen];
  if (!c) throw new LabError(`There is no OAuth2 client ${chosen}; clients are ${Object.keys(cfg.oauth2Clients).join(', ') || 'none'}`);
  return { ...c, id: chosen };
}

export type TokenName = HeldToken['name'];

/** What the SDK keeps for one client (localStorage FR-SDK-<clientId>, sessionStorage for the flow). */
export interface OAuth2Storage {
  /** The code of the last authorize redirect, with the PKCE verifier it was asked with. */
  code?: { value: string; verifier: string; redirectUri: string };
  tokens: Partial<Record<TokenName, string>>;
  /** expires_in of the last token response, on the lab clock. */
  accessExpiresAt?: number;
}

/** One call's answer and the OAuth2 error in it (JSON body, redirect query or AM's HTML error page). */
export interface OAuth2Call {
  response: BrowserResponse;
  error: string | null;
  errorDescription: string | null;
  /** authorize: a code came back to the redirect URI. */
  code: boolean;
}

/** The realm's provider path as the SDK builds it (realmPath root, or root/realms/<sub>). */
const provider = (c: RegisteredClient) => (c.realm === '/' ? 'oauth2/realms/root' : `oauth2/realms/root/realms${c.realm}`);
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function storage(b: VirtualBrowser, c: RegisteredClient): OAuth2Storage {
  let s = b.oauth2.get(c.id);
  if (!s) b.oauth2.set(c.id, (s = { tokens: {} }));
  return s;
}

function called(response: BrowserResponse, code = false): OAuth2Call {
  const location = response.headers.location;
  const e = oauth2ErrorOf(typeof location === 'string' ? location : undefined, response.body);
  return { response, error: e?.error ?? null, errorDescription: e?.description ?? null, code };
}

/**
 * How a client proves itself at the token, introspect and revoke endpoints: a confidential client
 * with client_secret_basic (ClientAuthenticator); a public client names itself in the form.
 */
function clientAuth(c: RegisteredClient, form: Record<string, string>): { headers: Record<string, string>; body: string } {
  if (c.type === 'confidential' && c.secret !== undefined) {
    const basic = Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64');
    return { headers: { ...FORM, authorization: `Basic ${basic}` }, body: new URLSearchParams(form).toString() };
  }
  return { headers: FORM, body: new URLSearchParams({ client_id: c.id, ...form }).toString() };
}

function held(b: VirtualBrowser, c: RegisteredClient, name: TokenName): string {
  const t = b.oauth2.get(c.id)?.tokens[name];
  if (!t) throw new LabError(`${b.name} holds no ${name.replace('_', ' ')} for ${c.id}: get tokens first`);
  return t;
}

/**
 * The authorize request the SDK's hidden iframe makes (prompt=none) or a full-page redirect:
 * response_type=code with PKCE S256 and a state, the session cookie from the jar. AM answers with a
 * redirect: to the client's redirect URI (a code, or an error), or to its login page. The browser
 * reads the redirect as the SDK reads the iframe's URL, and keeps the code with its verifier.
 */
export async function authorize(b: VirtualBrowser, c: RegisteredClient, opts: { prompt?: 'none' | 'login'; scope?: string } = {}): Promise<OAuth2Call> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const redirectUri = c.redirectUris[0]!;
  const q = new URLSearchParams({
    client_id: c.id,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: opts.scope ?? c.scopes.join(' '),
    state,
    code_challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url'),
    code_challenge_method: 'S256',
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
  });
  const s = storage(b, c);
  delete s.code;
  const r = await b.send('GET', `${provider(c)}/authorize?${q}`, { navigate: true });
  const back = r.status >= 300 && r.status < 400 ? arrivedAt(r.headers.location, redirectUri) : undefined;
  if (!back) return called(r);
  const code = back.get('code');
  // The SDK refuses an answer whose state is not the one it sent (a forged redirect).
  if (!code || back.get('state') !== state) return called(r);
  s.code = { value: code, verifier, redirectUri };
  return called(r, true);
}

/** The query of a redirect to the client's redirect URI (compared as URLs: AM writes https://h:443/cb as https://h/cb). */
function arrivedAt(location: string | string[] | undefined, redirectUri: string): URLSearchParams | undefined {
  if (typeof location !== 'string') return undefined;
  try {
    const at = new URL(location);
    const cb = new URL(redirectUri);
    return at.origin === cb.origin && at.pathname === cb.pathname ? at.searchParams : undefined;
  } catch {
    return undefined;
  }
}

/** The code exchange: a form POST to access_token with the verifier (and the secret of a confidential client). */
export async function exchangeCode(b: VirtualBrowser, c: RegisteredClient): Promise<OAuth2Call> {
  const s = storage(b, c);
  const code = s.code;
  if (!code) throw new LabError(`${b.name} holds no authorization code for ${c.id}: authorize first`);
  delete s.code; // the SDK forgets the flow's state whatever the answer
  return tokenCall(b, c, { grant_type: 'authorization_code', code: code.value, redirect_uri: code.redirectUri, code_verifier: code.verifier });
}

/** TokenManager.getTokens without stored tokens: authorize, then exchange the code if one came back. */
export async function getTokens(b: VirtualBrowser, c: RegisteredClient, opts: { prompt?: 'none' | 'login'; scope?: string } = {}): Promise<OAuth2Call> {
  const a = await authorize(b, c, opts);
  return a.code ? exchangeCode(b, c) : a;
}

export function refreshTokens(b: VirtualBrowser, c: RegisteredClient): Promise<OAuth2Call> {
  return tokenCall(b, c, { grant_type: 'refresh_token', refresh_token: held(b, c, 'refresh_token') });
}

export function clientCredentials(b: VirtualBrowser, c: RegisteredClient, scope?: string): Promise<OAuth2Call> {
  return tokenCall(b, c, { grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
}

/** POST access_token; a 200 replaces what the app holds (AM issues a new refresh token with each refresh). */
async function tokenCall(b: VirtualBrowser, c: RegisteredClient, form: Record<string, string>): Promise<OAuth2Call> {
  const r = await b.send('POST', `${provider(c)}/access_token`, clientAuth(c, form));
  const body = r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : {};
  if (r.status === 200 && typeof body.access_token === 'string') {
    const s = storage(b, c);
    s.tokens = {};
    for (const name of ['access_token', 'refresh_token', 'id_token'] as const) if (typeof body[name] === 'string') s.tokens[name] = body[name] as string;
    s.accessExpiresAt = typeof body.expires_in === 'number' ? b.now() + body.expires_in * 1000 : undefined;
  }
  return called(r);
}

/** UserManager.getCurrentUser: userinfo with the access token as a Bearer (and the cookies, credentials: include). */
export async function userinfo(b: VirtualBrowser, c: RegisteredClient): Promise<OAuth2Call> {
  return called(await b.send('GET', `${provider(c)}/userinfo`, { headers: { authorization: `Bearer ${held(b, c, 'access_token')}` } }));
}

export async function introspect(b: VirtualBrowser, c: RegisteredClient, which: 'access' | 'refresh' = 'access'): Promise<OAuth2Call> {
  const name = `${which}_token` as const;
  return called(await b.send('POST', `${provider(c)}/introspect`, clientAuth(c, { token: held(b, c, name), token_type_hint: name })));
}

/**
 * token/revoke as OAuth2Client.revokeToken sends it: the access token by default (FRUser.logout
 * revokes only that one), or the refresh token. The browser keeps its copy, so what AM does with
 * a revoked token can be tried next.
 */
export async function revoke(b: VirtualBrowser, c: RegisteredClient, which: 'access' | 'refresh' = 'access'): Promise<OAuth2Call> {
  return called(await b.send('POST', `${provider(c)}/token/revoke`, clientAuth(c, { token: held(b, c, `${which}_token`) })));
}

/** OAuth2Client.endSession: connect/endSession with the ID token as id_token_hint (credentials: include). */
export async function endSession(b: VirtualBrowser, c: RegisteredClient): Promise<OAuth2Call> {
  const q = new URLSearchParams({ id_token_hint: held(b, c, 'id_token') });
  return called(await b.send('GET', `${provider(c)}/connect/endSession?${q}`));
}

/** The tokens the browser holds for a client, decoded where they are JWTs (not verified: the app cannot). */
export function heldTokens(b: VirtualBrowser, clientId: string): HeldToken[] {
  const s = b.oauth2.get(clientId);
  if (!s) return [];
  const out: HeldToken[] = [];
  for (const name of ['access_token', 'refresh_token', 'id_token'] as const) {
    const value = s.tokens[name];
    if (!value) continue;
    const jwt = decoded(value);
    const exp = typeof jwt?.claims.exp === 'number' ? jwt.claims.exp * 1000 : null;
    out.push({ name, value, format: jwt ? 'jwt' : 'opaque', ...(jwt ?? {}), expiresAt: exp ?? (name === 'access_token' ? (s.accessExpiresAt ?? null) : null) });
  }
  return out;
}

function decoded(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    return { header: decodeProtectedHeader(token) as Record<string, unknown>, claims: decodeJwt(token) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}
