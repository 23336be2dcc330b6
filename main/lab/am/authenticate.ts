import { CtsUnavailableError } from '../cts/store';
import { needsUpgrade, resolveIndex, serviceOf, type AuthIndex } from './authIndex';
import { dropState, loadState, saveState, type Ref } from './authState';
import { JwtRejected, verifyHs256 } from './hs256';
import type { AuthSessionMiss } from '../../contract/events';
import type { AmRequest, AuthSessionState, NodeContext } from './context';
import { redirectUrl } from './gotoUrl';
import { AmError, cookieHttpOnly, setCookie, type AmResponse } from './http';
import { lockoutFor } from './lockout';
import { LAB_OTP, SERVICES, readCallbacks, renderCallbacks, type AuthService, type Page } from './services';
import { QuotaExceeded, type ActiveSession } from './sessionService';
import { storageKey } from './tokens';
import type { Identity } from './users';

const MIN = 60_000;
const AUTH_COOKIE = 'AMAuthCookie';
/** AuthenticationServiceV1.createResponse: on every 200 from authenticate. */
const NO_CACHE = { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache', Expires: '0' };

/**
 * POST …/json/realms/…/authenticate. The in-progress login (auth session) lives where AM keeps it
 * (authState.ts). A continue request that reaches a node which cannot find it gets 401 "Session
 * has timed out" — because the lookup really missed.
 */
export async function authenticate(node: NodeContext, req: AmRequest): Promise<AmResponse> {
  try {
    return await authenticateStep(node, req);
  } catch (e) {
    if (!(e instanceof CtsUnavailableError)) throw e;
    // Any other CTS failure in a login step is an unexpected exception to AMLoginContext, which
    // sets AUTH_ERROR (102 "Authentication Error!!", amAuth.properties), mapped to 500 by
    // AMAuthErrorCodeResponseStatusMapping (OpenAM openam-core/.../authentication/service/).
    node.emit('cts-unreachable', { node: node.id, exchangeId: req.exchangeId, data: { during: e.during ?? 'login', why: e.message } });
    throw new AmError(500, 'Authentication Error!!');
  }
}

async function authenticateStep(node: NodeContext, req: AmRequest): Promise<AmResponse> {
  const body = req.body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new AmError(400, 'The request could not be processed because the provided JSON is not valid');
  }
  const authId = (body as { authId?: unknown } | undefined)?.authId;
  if (authId !== undefined) {
    if (typeof authId !== 'string') throw new AmError(400, 'Failed to parse JWT, authId is not a string');
    return continueLogin(node, req, authId);
  }
  const index = resolveIndex(node.config(), req.query.get('authIndexType'), req.query.get('authIndexValue'));
  const svc = serviceOf(index);
  const current = await currentSession(node, req);
  // LoginAuthenticator: a valid session that already satisfies the index is returned as it is, unless ForceAuth.
  const forceAuth = req.query.get('ForceAuth') === 'true';
  if (current && !forceAuth && !needsUpgrade(satisfied(current.session), index)) return existingSession(node, req, current);
  const upgrading = current?.token;
  const zplUser = header(req, 'x-openam-username');
  if (zplUser !== undefined && svc.zeroPageLogin) {
    const password = header(req, 'x-openam-password') ?? '';
    return zeroPageLogin(node, req, svc, index, decodeRfc2047(zplUser), decodeRfc2047(password), upgrading);
  }
  return startLogin(node, req, svc, index, upgrading);
}

function header(req: AmRequest, name: string): string | undefined {
  const v = req.raw.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** X-OpenAM-Username/Password may carry UTF-8 as RFC 2047 `=?UTF-8?B?…?=`. */
function decodeRfc2047(v: string): string {
  const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/i.exec(v.trim());
  return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : v;
}

interface Current {
  token: string;
  session: ActiveSession;
}

/**
 * The session this request already has: `sessionUpgradeSSOTokenId` (AuthenticationServiceV1 checks
 * it first: 400 when it is not a valid session), else a valid session cookie.
 */
async function currentSession(node: NodeContext, req: AmRequest): Promise<Current | undefined> {
  const ctx = { node: node.id, exchangeId: req.exchangeId };
  const upgrade = req.query.get('sessionUpgradeSSOTokenId');
  if (upgrade) {
    const r = await node.sessions.resolve(upgrade, ctx);
    if (!r.valid) throw new AmError(400, 'Invalid session ID.');
    return { token: upgrade, session: r.session };
  }
  const cookie = req.cookies.get(node.config().sessionCookieName);
  if (!cookie) return undefined;
  const r = await node.sessions.resolve(cookie, ctx);
  return r.valid && r.session.realm === req.realm ? { token: cookie, session: r.session } : undefined;
}

function satisfied(s: ActiveSession) {
  const list = (k: string) => (s.properties[k] ?? '').split('|').filter(Boolean);
  return { username: s.username, level: Number(s.properties.AuthLevel ?? 0), services: list('Service'), modules: list('AuthType'), roles: list('Role') };
}

function successUrl(node: NodeContext, req: AmRequest, started?: string): string {
  const goto = req.query.get('goto') ?? bodyString(req, 'goto') ?? started;
  return redirectUrl(goto, `${node.config().contextPath}/console`, node.config().gotoAllowlist);
}

function bodyString(req: AmRequest, field: string): string | undefined {
  const v = (req.body as Record<string, unknown> | undefined)?.[field];
  return typeof v === 'string' ? v : undefined;
}

/**
 * RestAuthenticationHandler with a CompletedLoginProcess: the existing session, no new login, no
 * session or amlbcookie Set-Cookie; AMAuthCookie is cleared as on every COMPLETE. With HttpOnly
 * the tokenId is "" (AM 7.2 docs: HttpOnly session cookies, a call that carries a valid session).
 */
function existingSession(node: NodeContext, req: AmRequest, current: Current): AmResponse {
  const cfg = node.config();
  node.emit('login-succeeded', {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { user: current.session.username, existing: true, handle: current.session.handle },
  });
  return {
    status: 200,
    headers: NO_CACHE,
    body: { tokenId: cookieHttpOnly(cfg) ? '' : current.token, successUrl: successUrl(node, req), realm: req.realm },
    setCookies: [setCookie(AUTH_COOKIE, 'LOGOUT', { expired: true })],
  };
}

function newState(node: NodeContext, req: AmRequest, svc: AuthService, index: AuthIndex, upgrading: string | undefined): AuthSessionState {
  const cfg = node.config();
  const now = node.clock.now();
  const svcKey = Object.keys(SERVICES).find((k) => SERVICES[k] === svc)!;
  return {
    key: storageKey(),
    realm: req.realm,
    kind: svc.kind,
    service: svcKey,
    indexType: index.type === 'none' ? 'service' : index.type,
    indexValue: index.type === 'none' ? svc.name : index.value,
    page: 0,
    createdAt: now,
    // Chains: the module page's callback timeout (DataStore timeout="120", LoginState.checkLoginTimeout); trees: the journey's max duration.
    expiresAt: now + (svc.kind === 'chain' ? cfg.chainAuthTimeoutSeconds * 1000 : cfg.journeyMaxDuration * MIN),
    node: node.id,
    storage: svc.kind === 'chain' ? 'memory' : cfg.authSessions,
    upgrading,
    gotoUrl: req.query.get('goto') ?? undefined,
    gotoOnFail: req.query.get('gotoOnFail') ?? undefined,
  };
}

async function startLogin(node: NodeContext, req: AmRequest, svc: AuthService, index: AuthIndex, upgrading: string | undefined): Promise<AmResponse> {
  const state = newState(node, req, svc, index, upgrading);
  node.emit('auth-session-created', {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { authSession: state.key, service: svc.name, kind: svc.kind, storage: state.storage, createdOn: node.id, ctsServer: state.storage === 'cts' ? (node.cts.serverFor?.(state.key) ?? null) : null },
  });
  return stepResponse(node, svc, state);
}

async function stepResponse(node: NodeContext, svc: AuthService, state: AuthSessionState): Promise<AmResponse> {
  const { authId, sessionId } = await saveState(node, state);
  const page = svc.pages[state.page]!;
  const callbacks = renderCallbacks(svc, page);
  const body =
    svc.kind === 'chain'
      ? { authId, template: '', stage: page.stage ?? '', header: 'Sign in', infoText: ['', ''], callbacks }
      : { authId, callbacks };
  const cfg = node.config();
  const cookies = [setCookie(cfg.lbCookieName, node.lbValue)];
  if (svc.kind === 'chain') cookies.unshift(setCookie(AUTH_COOKIE, sessionId, { httpOnly: cookieHttpOnly(cfg) }));
  return { status: 200, headers: NO_CACHE, body, setCookies: cookies };
}

async function continueLogin(node: NodeContext, req: AmRequest, authId: string): Promise<AmResponse> {
  let claims: Record<string, unknown>;
  try {
    claims = verifyHs256(authId, node.keys.authIdSecret, node.clock.now());
  } catch (e) {
    if (!(e instanceof JwtRejected)) throw e;
    if (e.reason === 'signature') throw new AmError(400, 'AuthId JWT Signature not valid');
    if (e.reason === 'expired') return timedOut(node, req, 'tree', 'authid-expired', undefined);
    throw new AmError(400, `Failed to parse JWT, ${e.message}`);
  }
  // AM reads the index from the authId on later steps, not from the query string.
  const index = resolveIndex(node.config(), String(claims.authIndexType ?? ''), String(claims.authIndexValue ?? ''));
  const svc = serviceOf(index);
  const sessionId = typeof claims.sessionId === 'string' ? claims.sessionId : '';
  const state = await loadState(node, sessionId);
  if (!state.found) return timedOut(node, req, svc.kind, state.why, state.ref, state.server, state.error);
  const s = state.value;
  const now = node.clock.now();
  if (now >= s.expiresAt) {
    await dropState(node, s);
    node.emit('auth-session-expired', {
      node: node.id,
      exchangeId: req.exchangeId,
      data: { authSession: s.key, createdOn: s.node, ageMs: now - s.createdAt },
    });
    return timedOut(node, req, svc.kind, 'expired', state.ref);
  }
  const page = svc.pages[s.page]!;
  const got = readCallbacks(page, req.body);
  if (got.username !== undefined) s.username = got.username;
  const verdict = await verify(node, svc, page, s, got.password ?? '', got.otp ?? '');
  if (verdict !== 'ok') {
    await dropState(node, s);
    return fail(node, req, svc, s.username ?? '', s, verdict);
  }
  if (!page.final) {
    const next = page.branch ? page.branch(got.choice ?? -1) : s.page + 1;
    if (next === 'fail') {
      await dropState(node, s);
      return fail(node, req, svc, s.username ?? '', s, 'step');
    }
    s.page = next;
    return stepResponse(node, svc, s);
  }
  await dropState(node, s);
  return complete(node, req, svc, index, s.username ?? '', s, true);
}

type Verdict = 'ok' | 'credentials' | 'locked' | 'step';

/** Checks what this page's answers prove: credentials (with lockout), a one-time code, a partner's answer. */
async function verify(node: NodeContext, svc: AuthService, page: Page, s: AuthSessionState, password: string, otp: string): Promise<Verdict> {
  if (page.verify === 'credentials') {
    const v = await checkCredentials(node, svc, s.username ?? '', password, s.realm);
    if (v === 'ok') s.credentialsOk = true;
    return v;
  }
  if (page.verify === 'otp') return otp === LAB_OTP ? 'ok' : 'step';
  if (page.verify === 'partner') return 'step';
  return 'ok';
}

/** Data Store Decision / DataStore (or Application) module, with account lockout around it. */
async function checkCredentials(node: NodeContext, svc: AuthService, username: string, password: string, realm: string): Promise<Verdict> {
  const known = svc.identities === 'agents' ? node.users.agent(username, realm) : node.users.identity(username, realm);
  const lockout = svc.identities === 'users' ? lockoutFor(node) : undefined;
  if (known && lockout && (await lockout.isLocked(known.universalId))) return 'locked';
  const ok = svc.identities === 'agents' ? node.users.authenticateAgent(username, password, realm) : node.users.authenticate(username, password, realm);
  if (ok) {
    if (lockout) await lockout.clear(ok.universalId);
    return 'ok';
  }
  if (known && lockout && (await lockout.recordFailure(known.universalId))) return 'locked';
  return 'credentials';
}

async function zeroPageLogin(node: NodeContext, req: AmRequest, svc: AuthService, index: AuthIndex, username: string, password: string, upgrading: string | undefined): Promise<AmResponse> {
  const state = newState(node, req, svc, index, upgrading);
  const v = await checkCredentials(node, svc, username, password, req.realm);
  if (v !== 'ok') return fail(node, req, svc, username, undefined, v);
  return complete(node, req, svc, index, username, state, false);
}

/** AM error 110. Chains answer the seed's exact body; trees (AM 6.5.3+) add detail.errorCode "110". */
function timedOut(node: NodeContext, req: AmRequest, kind: 'chain' | 'tree', why: AuthSessionMiss, ref: Ref | undefined, ctsServer?: string, error?: string): never {
  node.emit('auth-session-missed', {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { authSession: ref?.key ?? null, createdOn: ref?.createdOn ?? null, lookedUpOn: node.id, storage: ref?.storage ?? null, cause: why, ctsServer: ctsServer ?? null, ...(error ? { error } : {}) },
  });
  // AuthUtils.getAuthContext → clearAllCookies: the auth cookie and the load-balancer cookie, both LOGOUT and expired.
  const clear = [setCookie(AUTH_COOKIE, 'LOGOUT', { expired: true }), setCookie(node.config().lbCookieName, 'LOGOUT', { expired: true })];
  throw new AmError(401, 'Session has timed out', kind === 'tree' ? { errorCode: '110' } : undefined, clear);
}

const FAILURE_MESSAGES = {
  credentials: { chain: 'Authentication Failed', tree: 'Login failure' }, // amAuth.properties 107; trees' Failure node
  step: { chain: 'Authentication Failed', tree: 'Login failure' },
  locked: { chain: 'Your account has been locked.', tree: 'Your account has been locked.' }, // amAuth.properties 112
  role: { chain: 'User does not belong to Role', tree: 'User does not belong to Role' }, // 113
} as const;

/** A failed login. V2 adds detail.failureUrl: trees always, chains when a valid gotoOnFail was given. */
function fail(node: NodeContext, req: AmRequest, svc: AuthService, username: string, s: AuthSessionState | undefined, why: keyof typeof FAILURE_MESSAGES): never {
  node.emit('login-failed', {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { user: username, service: svc.name, authSession: s?.key ?? null, reason: why },
  });
  const cfg = node.config();
  const onFail = req.query.get('gotoOnFail') ?? s?.gotoOnFail;
  const failureUrl = redirectUrl(onFail, '', cfg.gotoAllowlist);
  const detail = svc.kind === 'tree' || failureUrl ? { failureUrl } : undefined;
  const clearAuth = svc.kind === 'chain' && s ? [setCookie(AUTH_COOKIE, 'LOGOUT', { expired: true })] : [];
  throw new AmError(401, FAILURE_MESSAGES[why][svc.kind], detail, clearAuth);
}

/**
 * The login succeeded: a new session (or none with noSession=true). A session upgrade (or
 * ForceAuth over a valid session) copies the old session's properties to the new one and
 * destroys the old; a different user fails the upgrade (amAuth.properties 124).
 */
async function complete(node: NodeContext, req: AmRequest, svc: AuthService, index: AuthIndex, username: string, state: AuthSessionState, steps: boolean): Promise<AmResponse> {
  const cfg = node.config();
  const s = steps ? state : undefined;
  const identity = (svc.identities === 'agents' ? node.users.agent(username, req.realm) : node.users.identity(username, req.realm)) as Identity;
  const ctx = { node: node.id, exchangeId: req.exchangeId };
  if (index.requireUser !== undefined && index.requireUser !== identity.username) return fail(node, req, svc, username, s, 'credentials');
  if (index.requireRole !== undefined && !identity.roles.includes(index.requireRole)) return fail(node, req, svc, username, s, 'role');
  let old: ActiveSession | undefined;
  if (state.upgrading) {
    const r = await node.sessions.resolve(state.upgrading, ctx);
    if (r.valid && r.session.universalId !== identity.universalId) throw new AmError(400, 'Session Upgrade fails since user is different than original authenticated user');
    if (r.valid) old = r.session;
  }
  node.emit('login-succeeded', {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { user: username, service: svc.name, kind: svc.kind, authSession: s?.key ?? null, createdOn: s?.node ?? node.id, upgrade: !!old },
  });
  const lb = setCookie(cfg.lbCookieName, node.lbValue);
  const clearAuth = setCookie(AUTH_COOKIE, 'LOGOUT', { expired: true });
  const url = successUrl(node, req, state.gotoUrl);
  if (req.query.get('noSession') === 'true') {
    return { status: 200, headers: NO_CACHE, body: { successUrl: url, realm: req.realm }, setCookies: [lb, clearAuth] };
  }
  const props = sessionProperties(node, req, svc, identity, url, old);
  let created;
  try {
    created = await node.sessions.create(identity, req.realm, ctx, props);
  } catch (e) {
    if (e instanceof QuotaExceeded) throw new AmError(401, e.message); // amAuth.properties 115
    // The session cannot be saved: SessionAccessManager.persistInternalSession throws, LoginState.
    // activateSession turns it into AuthException("sessionActivationFailed"), whose text
    // (amAuth.properties) reaches the client with 401, the default for unmapped codes
    // (AMAuthErrorCodeResponseStatusMapping).
    if (e instanceof CtsUnavailableError) throw new AmError(401, 'Session Activation Failed', undefined, [clearAuth]);
    throw e;
  }
  if (old && state.upgrading) await node.sessions.replaceAfterUpgrade(state.upgrading, ctx);
  const httpOnly = cookieHttpOnly(cfg);
  // From 7.5 (HttpOnly by default) the token travels only in the cookie; 7.0–7.4 with HttpOnly opted in still return it on a fresh login.
  const hideToken = httpOnly && (cfg.profile === '7.5' || cfg.profile === '8');
  return {
    status: 200,
    headers: NO_CACHE,
    body: { tokenId: hideToken ? '' : created.token, successUrl: url, realm: req.realm },
    setCookies: [setCookie(cfg.sessionCookieName, created.token, { httpOnly }), lb, clearAuth],
  };
}

/** The session properties AM sets at login (LoginState.setSessionProperties), merged over an upgraded session's. */
function sessionProperties(node: NodeContext, req: AmRequest, svc: AuthService, id: Identity, url: string, old: ActiveSession | undefined): Record<string, string> {
  const join = (a: string | undefined, b: string) => [...new Set([...(a ?? '').split('|').filter(Boolean), b])].join('|');
  const props: Record<string, string> = { ...(old?.properties ?? {}) };
  props.AuthLevel = String(Math.max(svc.level, Number(props.AuthLevel ?? 0)));
  props.Service = join(props.Service, svc.name);
  props.AuthType = svc.modules.reduce((acc, m) => join(acc, m), props.AuthType ?? '');
  props.UserToken = id.username;
  props.Role = id.roles.join('|');
  props.Organization = req.realm === '/' ? 'dc=openam,dc=forgerock,dc=org' : `o=${req.realm.slice(1)},ou=services,dc=openam,dc=forgerock,dc=org`;
  props.successURL = url;
  props.FullLoginURL = `${node.config().contextPath}/json${req.realm === '/' ? '/realms/root' : `/realms/root/realms${req.realm}`}/authenticate`;
  props.authInstant = new Date(node.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return props;
}
