import { randomBytes } from 'node:crypto';
import { CompactEncrypt, SignJWT, compactDecrypt, errors as joseErrors, jwtVerify } from 'jose';
import type { AmRequest, AuthSessionState, NodeContext } from './context';
import { AmError, setCookie, type AmResponse } from './http';
import { DEFAULT_SERVICE, SERVICES, readCallbacks, renderCallbacks, type AuthService } from './services';
import { encodeExtensions, mintToken, parseToken, storageKey } from './tokens';

const MIN = 60_000;
const AUTH_COOKIE = 'AMAuthCookie';

/**
 * POST …/json/realms/…/authenticate. The in-progress login (auth session) lives where AM keeps it:
 * chains in the starting node's memory; trees in memory, the CTS or the authId itself. A continue
 * request that reaches a node which cannot find it gets 401 "Session has timed out" — because the
 * lookup below really missed.
 */
export async function authenticate(node: NodeContext, req: AmRequest): Promise<AmResponse> {
  const body = req.body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new AmError(400, 'The request could not be processed because the provided JSON is not valid');
  }
  const authId = (body as { authId?: unknown } | undefined)?.authId;
  if (authId !== undefined) {
    if (typeof authId !== 'string') throw new AmError(400, 'Failed to parse JWT, authId is not a string');
    return continueLogin(node, req, authId);
  }
  const service = pickService(node, req);
  const zplUser = header(req, 'x-openam-username');
  if (zplUser !== undefined) {
    const password = header(req, 'x-openam-password') ?? '';
    return finish(node, req, service, decodeRfc2047(zplUser), decodeRfc2047(password), undefined);
  }
  return startLogin(node, req, service);
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

function pickService(node: NodeContext, req: AmRequest): AuthService {
  const type = req.query.get('authIndexType');
  const value = req.query.get('authIndexValue');
  if (type !== null && type !== 'service') throw new AmError(400, 'Unknown Authentication Index Type');
  const svc = SERVICES[value || DEFAULT_SERVICE[node.config().auth]];
  if (!svc) throw new AmError(400, 'No Configuration found');
  return svc;
}

function storageFor(node: NodeContext, svc: AuthService): AuthSessionState['storage'] {
  return svc.kind === 'chain' ? 'memory' : node.config().authSessions;
}

const realmDn = (realm: string) => (realm === '/' ? 'dc=openam,dc=forgerock,dc=org' : `o=${realm.slice(1)},ou=services,dc=openam,dc=forgerock,dc=org`);

async function startLogin(node: NodeContext, req: AmRequest, svc: AuthService): Promise<AmResponse> {
  const cfg = node.config();
  const now = node.clock.now();
  const state: AuthSessionState = {
    key: storageKey(),
    realm: req.realm,
    kind: svc.kind,
    service: svc.name,
    page: 0,
    createdAt: now,
    expiresAt: now + (svc.kind === 'chain' ? cfg.chainAuthTimeout : cfg.journeyMaxDuration) * MIN,
    node: node.id,
    storage: storageFor(node, svc),
  };
  const where = { memory: `node ${node.id} memory`, cts: 'the CTS', client: 'the authId (client-side JWT)' }[state.storage];
  node.emit('auth-session-created', `Auth session started on node ${node.id} (${svc.kind} ${svc.name}), kept in ${where}`, {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { authSession: state.key, service: svc.name, kind: svc.kind, storage: state.storage, createdOn: node.id },
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
  const cookies = [setCookie(node.config().lbCookieName, node.lbValue)];
  if (svc.kind === 'chain') cookies.unshift(setCookie(AUTH_COOKIE, sessionId, { httpOnly: node.config().profile !== '6.5' }));
  return { status: 200, body, setCookies: cookies };
}

/** Stores the auth session where the configuration says and returns the authId that refers to it. */
async function saveState(node: NodeContext, state: AuthSessionState): Promise<{ authId: string; sessionId: string }> {
  let sessionId: string;
  if (state.storage === 'memory') {
    node.memory.set(state.key, state);
    sessionId = mintToken({ SI: node.id, SK: state.key, S1: '' });
  } else if (state.storage === 'cts') {
    const existing = await node.cts.read(state.key);
    const token = { id: state.key, type: 'AUTH_SESSION' as const, expiresAt: state.expiresAt, data: state };
    if (existing) await node.cts.update(token);
    else await node.cts.create(token);
    sessionId = mintToken({ SI: node.id, SK: state.key, type: 'CTS', S1: '' });
  } else {
    const jwe = await new CompactEncrypt(Buffer.from(JSON.stringify(state)))
      .setProtectedHeader({ alg: 'dir', enc: 'A128CBC-HS256', cty: 'JWT' })
      .encrypt(node.keys.journeyEncryptionKey);
    sessionId = `*${encodeExtensions({ SI: node.id, type: 'JWT_AUTH', S1: '' })}*${jwe}`;
  }
  const claims: Record<string, unknown> = {
    otk: randomBytes(16).toString('base64url'),
    realm: realmDn(state.realm),
    sessionId,
    authIndexType: 'service',
    authIndexValue: state.service,
  };
  const jwt = new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'HS256' });
  if (state.kind === 'tree') jwt.setIssuedAt(Math.floor(state.createdAt / 1000)).setExpirationTime(Math.floor(state.expiresAt / 1000));
  return { authId: await jwt.sign(node.keys.authIdSecret), sessionId };
}

async function continueLogin(node: NodeContext, req: AmRequest, authId: string): Promise<AmResponse> {
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(authId, node.keys.authIdSecret, { algorithms: ['HS256'], currentDate: node.clock.date() }));
  } catch (e) {
    if (e instanceof joseErrors.JWSSignatureVerificationFailed) throw new AmError(400, 'AuthId JWT Signature not valid');
    if (e instanceof joseErrors.JWTExpired) return timedOut(node, req, 'tree', 'the authId JWT expired', undefined);
    throw new AmError(400, `Failed to parse JWT, ${(e as Error).message}`);
  }
  // AM reads the service from the authId on later steps, not from the query string.
  const svc = SERVICES[String(claims.authIndexValue)];
  const sessionId = typeof claims.sessionId === 'string' ? claims.sessionId : '';
  if (!svc) throw new AmError(400, 'No Configuration found');
  const state = await loadState(node, sessionId);
  if (!state.found) return timedOut(node, req, svc.kind, state.why, state.ref);
  const now = node.clock.now();
  if (now >= state.value.expiresAt) {
    await dropState(node, state.value);
    node.emit('auth-session-expired', `Auth session started on node ${state.value.node} expired after ${Math.round((now - state.value.createdAt) / 1000)} s`, {
      node: node.id,
      exchangeId: req.exchangeId,
      data: { authSession: state.value.key, createdOn: state.value.node },
    });
    return timedOut(node, req, svc.kind, 'the auth session passed its max duration', state.ref);
  }
  const page = svc.pages[state.value.page]!;
  const got = readCallbacks(page, req.body);
  if (got.username !== undefined) state.value.username = got.username;
  if (state.value.page + 1 < svc.pages.length) {
    state.value.page += 1;
    return stepResponse(node, svc, state.value);
  }
  await dropState(node, state.value);
  return finish(node, req, svc, state.value.username ?? '', got.password ?? '', state.value);
}

type Loaded = { found: true; value: AuthSessionState; ref: Ref } | { found: false; why: string; ref: Ref | undefined };
interface Ref {
  key: string;
  createdOn: string;
  storage: AuthSessionState['storage'];
}

async function loadState(node: NodeContext, sessionId: string): Promise<Loaded> {
  if (sessionId.startsWith('*')) {
    const end = sessionId.indexOf('*', 1);
    try {
      const { plaintext } = await compactDecrypt(sessionId.slice(end + 1), node.keys.journeyEncryptionKey);
      const value = JSON.parse(Buffer.from(plaintext).toString('utf8')) as AuthSessionState;
      return { found: true, value, ref: { key: value.key, createdOn: value.node, storage: 'client' } };
    } catch {
      return { found: false, why: 'the client-side journey state could not be decrypted', ref: undefined };
    }
  }
  const parsed = parseToken(sessionId);
  const key = parsed?.ext.SK;
  if (!parsed || !key) return { found: false, why: 'the authId names no auth session', ref: undefined };
  const ref: Ref = { key, createdOn: parsed.ext.SI ?? '?', storage: parsed.ext.type === 'CTS' ? 'cts' : 'memory' };
  if (ref.storage === 'cts') {
    const t = await node.cts.read<AuthSessionState>(key);
    return t ? { found: true, value: t.data, ref } : { found: false, why: 'the CTS holds no auth session for this authId', ref };
  }
  const value = node.memory.get(key);
  return value ? { found: true, value, ref } : { found: false, why: "no auth session for this authId in its memory", ref };
}

async function dropState(node: NodeContext, s: AuthSessionState): Promise<void> {
  if (s.storage === 'memory') node.memory.delete(s.key);
  else if (s.storage === 'cts') await node.cts.delete(s.key);
}

/** AM error 110. Chains answer the seed's exact body; trees (AM 6.5.3+) add detail.errorCode "110". */
function timedOut(node: NodeContext, req: AmRequest, kind: 'chain' | 'tree', why: string, ref: Ref | undefined): never {
  const createdOn = ref?.createdOn;
  const elsewhere = createdOn && createdOn !== node.id ? ` (it was created on node ${createdOn})` : '';
  node.emit('auth-session-missed', `Node ${node.id}: ${why}${elsewhere} → 401 Session has timed out`, {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { authSession: ref?.key ?? null, createdOn: createdOn ?? null, lookedUpOn: node.id, storage: ref?.storage ?? null, why },
  });
  const clear = kind === 'chain' ? [setCookie(AUTH_COOKIE, 'LOGOUT', { expired: true })] : [];
  throw new AmError(401, 'Session has timed out', kind === 'tree' ? { errorCode: '110' } : undefined, clear);
}

async function finish(node: NodeContext, req: AmRequest, svc: AuthService, username: string, password: string, state: AuthSessionState | undefined): Promise<AmResponse> {
  const cfg = node.config();
  const identity = node.users.authenticate(username, password, req.realm);
  const lb = setCookie(cfg.lbCookieName, node.lbValue);
  const clearAuth = svc.kind === 'chain' && state ? [setCookie(AUTH_COOKIE, 'LOGOUT', { expired: true })] : [];
  if (!identity) {
    node.emit('login-failed', `Login failed for "${username}" on node ${node.id}: wrong user name or password`, {
      node: node.id,
      exchangeId: req.exchangeId,
      data: { user: username, service: svc.name, authSession: state?.key ?? null },
    });
    if (svc.kind === 'chain') throw new AmError(401, 'Authentication Failed', undefined, clearAuth);
    throw new AmError(401, 'Login failure', { failureUrl: '' });
  }
  node.emit('login-succeeded', `${username} authenticated on node ${node.id} (${svc.kind} ${svc.name})`, {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { user: username, service: svc.name, authSession: state?.key ?? null, createdOn: state?.node ?? node.id },
  });
  const headers = { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache', Expires: '0' };
  if (req.query.get('noSession') === 'true') {
    return { status: 200, headers, body: { successUrl: '/am/console', realm: req.realm }, setCookies: [lb, ...clearAuth] };
  }
  const { token } = await node.sessions.create(identity, req.realm, { node: node.id, exchangeId: req.exchangeId });
  const httpOnly = cfg.profile !== '6.5';
  return {
    status: 200,
    headers,
    body: { tokenId: cfg.profile === '8' ? '' : token, successUrl: '/am/console', realm: req.realm },
    setCookies: [setCookie(cfg.sessionCookieName, token, { httpOnly }), lb, ...clearAuth],
  };
}
