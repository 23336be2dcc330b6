import type { AmRequest, NodeContext } from './context';
import { AmError, EPOCH, bodyField, type AmResponse } from './http';
import { legacyAction, LEGACY_ACTIONS, legacyQuery, sessionProperties, updateSessionProperties } from './sessionsLegacy';
import type { ActiveSession, Resolution } from './sessionService';

const iso = (ms: number) => new Date(ms).toISOString();

export interface Caller {
  token: string | undefined;
  fromCookie: boolean;
}

export interface Who {
  admin: boolean;
  universalId: string;
}

/** The caller's token, in SessionResource.actionCollection's order: ?tokenId, the cookie, a header named like the cookie. */
function callerToken(node: NodeContext, req: AmRequest): Caller {
  const name = node.config().sessionCookieName;
  const q = req.query.get('tokenId');
  if (q) return { token: q, fromCookie: false };
  const c = req.cookies.get(name);
  if (c) return { token: c, fromCookie: true };
  const h = req.raw.headers[name.toLowerCase()];
  return { token: typeof h === 'string' && h ? h : undefined, fromCookie: false };
}

function targetToken(req: AmRequest, caller: Caller): string | undefined {
  const t = bodyField(req, 'tokenId');
  if (t !== undefined && typeof t !== 'string') throw new AmError(400, 'tokenId must be a string');
  return t ?? caller.token;
}

const V2_ACTIONS = ['getSessionInfo', 'getSessionInfoAndResetIdleTime', 'refresh', 'logout', 'logoutByHandle', 'logoutByUser', 'getSessionProperties', 'updateSessionProperties'];

/**
 * …/json/realms/…/sessions: POST ?_action=… on the collection, POST /sessions/{tokenId}?_action=…
 * (resource 1.x only: SessionResource.actionInstance; SessionResourceV2 does not support it), GET
 * ?_queryFilter (2.x+) or ?_queryId (1.x). validate is exempt from the caller check
 * (CoreRestRouteProvider: ssoToken().exceptActions("validate")); every other action needs a live
 * caller token. AM sets no cookie on validate or on a 401: only logout invalidates the cookie.
 */
export async function sessions(node: NodeContext, req: AmRequest, id: string | undefined): Promise<AmResponse> {
  const caller = callerToken(node, req);
  const legacy = req.apiMajor === 1;

  if (req.method === 'GET') {
    // readInstance is unsupported on both versions; the path's token is never echoed back.
    if (id !== undefined) throw new AmError(501, 'Operation is not supported.');
    const who = await requireCaller(node, req, caller);
    if (!who.admin) throw new AmError(403, 'Forbidden');
    if (legacy) return { status: 200, body: await legacyQuery(node, req) };
    if (!req.query.has('_queryFilter')) throw new AmError(400, 'Query filter is required');
    return { status: 200, body: await query(node, req, req.query.get('_queryFilter')!) };
  }
  if (req.method !== 'POST') throw new AmError(405, `Method ${req.method} not allowed`);
  const action = req.query.get('_action');
  // A POST without _action is a CREST create, which neither SessionResource supports (RestUtils.generateUnsupportedOperation).
  if (!action) throw new AmError(501, 'Operation is not supported.');
  if (id !== undefined && !legacy) throw new AmError(501, 'Operation is not supported.');

  if (action === 'validate') return validate(node, req, id ?? targetToken(req, caller));
  const known = legacy ? LEGACY_ACTIONS.includes(action) : V2_ACTIONS.includes(action);
  if (!known) throw new AmError(501, `Action ${action} not implemented for this resource`);
  const who = await requireCaller(node, req, caller);
  if (legacy) {
    const target = id ?? caller.token!;
    if (target !== caller.token && !who.admin) await requireOwner(node, target, who);
    return action === 'logout' ? logout(node, req, target, target === caller.token, caller.fromCookie) : legacyAction(node, req, action, target);
  }

  if (action === 'logoutByHandle' || action === 'logoutByUser') return adminLogout(node, req, action, who);

  const target = targetToken(req, caller)!;
  const own = target === caller.token;
  if (action === 'logout') {
    if (!own && !who.admin) await requireOwner(node, target, who);
    return logout(node, req, target, own, caller.fromCookie);
  }
  const ctx = { node: node.id, exchangeId: req.exchangeId };
  const touch = action === 'refresh' || action === 'getSessionInfoAndResetIdleTime' ? 'force' : 'no';
  const r = await node.sessions.resolve(target, ctx, touch);
  if (!r.valid) return { status: 200, body: { valid: false } };
  if (!own && !who.admin && r.session.universalId !== who.universalId) throw new AmError(403, 'Forbidden');
  const s = r.session;
  if (action === 'refresh') {
    // Client-based sessions cannot be refreshed (their state is the signed cookie, never rewritten);
    // RefreshActionHandler answers a refresh that fails with SessionResourceUtil.invalidSession().
    if (s.kind === 'client') return { status: 200, body: { valid: false } };
    return { status: 200, body: refreshed(node, s) };
  }
  if (action === 'getSessionProperties') return { status: 200, body: sessionProperties(node, s) };
  if (action === 'updateSessionProperties') return { status: 200, body: await updateSessionProperties(node, req, target, s) };
  return { status: 200, body: sessionInfo(s) };
}

async function validate(node: NodeContext, req: AmRequest, target: string | undefined): Promise<AmResponse> {
  if (!target) throw new AmError(400, 'iPlanetDirectoryCookie not set on request');
  const ctx = { node: node.id, exchangeId: req.exchangeId };
  const r = await node.sessions.resolve(target, ctx, req.query.get('refresh') === 'false' ? 'no' : 'granular');
  if (!r.valid) {
    rejected(node, req, r.why);
    return { status: 200, body: { valid: false } };
  }
  return { status: 200, body: { valid: true, sessionUid: r.session.sessionUid, uid: r.session.username, realm: r.session.realm } };
}

/** LogoutActionHandler: ends the session; only the user's own logout sends Set-Cookie lines that invalidate the cookies. */
async function logout(node: NodeContext, req: AmRequest, target: string, own: boolean, fromCookie: boolean): Promise<AmResponse> {
  const cfg = node.config();
  const ended = await node.sessions.end(target, own ? 'logout' : 'admin', { node: node.id, exchangeId: req.exchangeId });
  if (!ended) return { status: 200, body: { result: 'Token has expired' } };
  if (!own) return { status: 200, body: { result: 'Successfully logged out' } };
  if (fromCookie) {
    node.emit('cookie-invalidated', {
      node: node.id,
      exchangeId: req.exchangeId,
      data: { why: 'logout', sessionCookie: cfg.sessionCookieName, lbCookie: cfg.lbCookieName },
    });
  }
  return {
    status: 200,
    body: { result: 'Successfully logged out' },
    setCookies: [`${cfg.sessionCookieName}=""; Expires=${EPOCH}; Path=/`, `${cfg.lbCookieName}=LOGOUT; Expires=${EPOCH}; Path=/`],
  };
}

async function adminLogout(node: NodeContext, req: AmRequest, action: 'logoutByHandle' | 'logoutByUser', who: Who): Promise<AmResponse> {
  if (!who.admin) throw new AmError(403, 'Forbidden');
  const ctx = { node: node.id, exchangeId: req.exchangeId };
  if (action === 'logoutByUser') {
    const username = bodyField(req, 'username');
    if (typeof username !== 'string') throw new AmError(400, 'username is required');
    await node.sessions.endByUser(username, ctx);
    return { status: 200, body: { result: true } };
  }
  const handles = bodyField(req, 'sessionHandles');
  if (!Array.isArray(handles) || !handles.every((h) => typeof h === 'string')) throw new AmError(400, 'sessionHandles must be an array of strings');
  const result: Record<string, boolean> = {};
  for (const h of handles as string[]) {
    await node.sessions.endByHandle(h, ctx);
    result[h] = true; // AM reports already-gone handles as true too
  }
  return { status: 200, body: { result } };
}

/** SessionResourceUtil.jsonValueOf(SSOToken): idletime in seconds, max* in minutes, maxtime = seconds left. */
export function refreshed(node: NodeContext, s: ActiveSession) {
  const now = node.clock.now();
  return {
    uid: s.username,
    realm: s.realm,
    idletime: Math.floor((now - s.latestAccessTime) / 1000),
    maxidletime: s.maxIdleTime,
    maxsessiontime: s.maxSessionTime,
    maxtime: Math.max(0, Math.floor((s.maxSessionExpiration - now) / 1000)),
  };
}

export async function requireCaller(node: NodeContext, req: AmRequest, caller: Caller): Promise<Who> {
  if (!caller.token) throw new AmError(400, 'iPlanetDirectoryCookie not set on request');
  // Being the caller is not an access that resets idle time; each action decides that itself.
  const r = await node.sessions.resolve(caller.token, { node: node.id, exchangeId: req.exchangeId }, 'no');
  if (!r.valid) {
    rejected(node, req, r.why);
    throw new AmError(401, 'Access Denied');
  }
  return { admin: r.session.admin, universalId: r.session.universalId };
}

/** The node's own record of why it found a presented session dead (the response itself says only "not valid"). */
function rejected(node: NodeContext, req: AmRequest, why: Extract<Resolution, { valid: false }>['why']): void {
  node.emit('session-rejected', { node: node.id, exchangeId: req.exchangeId, data: { why } });
}

async function requireOwner(node: NodeContext, target: string, who: Who): Promise<void> {
  const r = await node.sessions.resolve(target, { node: node.id });
  if (r.valid && r.session.universalId !== who.universalId) throw new AmError(403, 'Forbidden');
}

/** The fields AM's session listing and getSessionInfo share. */
function sessionSummary(s: ActiveSession) {
  return {
    username: s.username,
    universalId: s.universalId,
    realm: s.realm,
    sessionHandle: s.handle,
    latestAccessTime: iso(s.latestAccessTime),
    maxIdleExpirationTime: iso(s.maxIdleExpiration ?? s.maxSessionExpiration),
    maxSessionExpirationTime: iso(s.maxSessionExpiration),
  };
}

function sessionInfo(s: ActiveSession) {
  return { ...sessionSummary(s), properties: { AMCtxId: s.sessionUid, maxCachingTime: String(s.maxCachingTime) } };
}

/**
 * `_queryFilter` over username and realm, `eq` clauses joined by `and`. AM's
 * SessionQueryFilterVisitor builds the CTS search from `realm eq` (and turns a username into a
 * universal id only with the realm), so a filter without `realm eq` is refused here.
 */
async function query(node: NodeContext, req: AmRequest, filter: string) {
  const wanted: Record<string, string> = {};
  for (const c of filter.trim().split(/\s+and\s+/i)) {
    const m = /^\s*(username|realm)\s+eq\s+"([^"]*)"\s*$/.exec(c);
    if (!m) throw new AmError(400, `Invalid query filter: ${filter}`);
    wanted[m[1]!] = m[2]!;
  }
  if (wanted.realm === undefined) throw new AmError(400, `The query filter must include realm eq "<realm>": ${filter}`);
  const all = await node.sessions.list({ node: node.id, exchangeId: req.exchangeId });
  const now = node.clock.now();
  const result = all
    .filter((s) => (s.maxIdleExpiration ?? Infinity) > now && s.maxSessionExpiration > now)
    .filter((s) => s.realm === wanted.realm && (wanted.username === undefined || s.username === wanted.username))
    .map(sessionSummary);
  return { result, resultCount: result.length, pagedResultsCookie: null, totalPagedResultsPolicy: 'NONE', totalPagedResults: -1, remainingPagedResults: -1 };
}
