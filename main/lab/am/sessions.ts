import type { AmRequest, NodeContext } from './context';
import { AmError, EPOCH, type AmResponse } from './http';
import type { ActiveSession, Resolution } from './sessionService';

const iso = (ms: number) => new Date(ms).toISOString();

interface Caller {
  token: string | undefined;
  fromCookie: boolean;
}

/** The caller's token: a header named like the cookie (case-insensitive), the cookie, or ?tokenId. */
function callerToken(node: NodeContext, req: AmRequest): Caller {
  const name = node.config().sessionCookieName.toLowerCase();
  const h = req.raw.headers[name];
  if (typeof h === 'string' && h) return { token: h, fromCookie: false };
  const c = req.cookies.get(node.config().sessionCookieName);
  if (c) return { token: c, fromCookie: true };
  const q = req.query.get('tokenId');
  return { token: q ?? undefined, fromCookie: false };
}

/** A cookie that names a dead session is cleared on this access — the first chance AM has. */
function clearStaleCookie(node: NodeContext, req: AmRequest, caller: Caller, r: Resolution): string[] {
  if (!caller.fromCookie || r.valid) return [];
  node.emit('cookie-invalidated', `Node ${node.id} cleared a ${node.config().sessionCookieName} cookie that named a dead session (${r.why})`, {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { why: r.why },
  });
  return [`${node.config().sessionCookieName}=""; Expires=${EPOCH}; Path=/`];
}

function bodyField(req: AmRequest, field: string): unknown {
  const b = req.body;
  if (b === undefined) return undefined;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new AmError(400, 'The request body must be a JSON object');
  return (b as Record<string, unknown>)[field];
}

function targetToken(req: AmRequest, caller: Caller): string | undefined {
  const t = bodyField(req, 'tokenId');
  if (t !== undefined && typeof t !== 'string') throw new AmError(400, 'tokenId must be a string');
  return t ?? caller.token;
}

/**
 * POST …/json/realms/…/sessions?_action=… and GET ?_queryFilter=… (admin listing).
 * validate is exempt from the caller check; every other action needs a live caller token.
 */
export async function sessions(node: NodeContext, req: AmRequest): Promise<AmResponse> {
  const caller = callerToken(node, req);
  const ctx = { node: node.id, exchangeId: req.exchangeId };
  const cfg = node.config();

  if (req.method === 'GET') {
    if (!req.query.has('_queryFilter')) throw new AmError(400, 'Query filter is required');
    const who = await requireCaller(node, req, caller);
    if (!who.admin) throw new AmError(403, 'Forbidden');
    return { status: 200, body: await query(node, req.query.get('_queryFilter')!) };
  }
  if (req.method !== 'POST') throw new AmError(405, `Method ${req.method} not allowed`);

  // AM 7+ CSRF filter: cookie-authenticated POST without X-Requested-With or Accept-API-Version.
  if (cfg.profile !== '6.5' && caller.fromCookie && !req.raw.headers['x-requested-with'] && !req.raw.headers['accept-api-version']) {
    throw new AmError(403, 'Forbidden');
  }
  const action = req.query.get('_action');
  if (!action) throw new AmError(400, 'Action is required');

  if (action === 'validate') {
    const target = targetToken(req, caller);
    if (!target) throw new AmError(400, 'iPlanetDirectoryCookie not set on request');
    const r = await node.sessions.resolve(target, ctx, req.query.get('refresh') === 'false' ? 'no' : 'granular');
    const stale = target === caller.token ? clearStaleCookie(node, req, caller, r) : [];
    if (!r.valid) return { status: 200, body: { valid: false }, setCookies: stale };
    return { status: 200, body: { valid: true, sessionUid: r.session.sessionUid, uid: r.session.username, realm: r.session.realm } };
  }

  const known = ['getSessionInfo', 'getSessionInfoAndResetIdleTime', 'refresh', 'logout', 'logoutByHandle', 'logoutByUser', 'getSessionProperties'];
  if (!known.includes(action)) throw new AmError(501, `Action ${action} not implemented for this resource`);
  const who = await requireCaller(node, req, caller);

  if (action === 'logoutByHandle' || action === 'logoutByUser') {
    if (!who.admin) throw new AmError(403, 'Forbidden');
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

  const target = targetToken(req, caller)!;
  const own = target === caller.token;
  if (action === 'logout') {
    if (!own && !who.admin) await requireOwner(node, target, who);
    const ended = await node.sessions.end(target, own ? 'logout' : 'admin', ctx);
    if (!ended) return { status: 200, body: { result: 'Token has expired' } };
    // Only an explicit logout invalidates the browser's cookies, with a past expiry.
    const clear = own
      ? [`${cfg.sessionCookieName}=""; Expires=${EPOCH}; Path=/`, `${cfg.lbCookieName}=LOGOUT; Expires=${EPOCH}; Path=/`]
      : [];
    return { status: 200, body: { result: 'Successfully logged out' }, setCookies: clear };
  }

  const touch = action === 'refresh' || action === 'getSessionInfoAndResetIdleTime' ? 'force' : 'no';
  const r = await node.sessions.resolve(target, ctx, touch);
  if (!r.valid) return { status: 200, body: { valid: false } };
  if (!own && !who.admin && r.session.universalId !== who.universalId) throw new AmError(403, 'Forbidden');
  const s = r.session;
  if (action === 'refresh') {
    const now = node.clock.now();
    return {
      status: 200,
      body: {
        uid: s.username,
        realm: s.realm,
        idletime: Math.floor((now - s.latestAccessTime) / 1000),
        maxidletime: s.maxIdleTime,
        maxsessiontime: s.maxSessionTime,
        maxtime: Math.max(0, Math.floor((s.maxSessionExpiration - now) / 1000)),
      },
    };
  }
  if (action === 'getSessionProperties') return { status: 200, body: { AMCtxId: s.sessionUid } };
  return { status: 200, body: sessionInfo(s) };
}

interface Who {
  admin: boolean;
  universalId: string;
}

async function requireCaller(node: NodeContext, req: AmRequest, caller: Caller): Promise<Who> {
  if (!caller.token) throw new AmError(400, 'iPlanetDirectoryCookie not set on request');
  // Being the caller is not an access that resets idle time; each action decides that itself.
  const r = await node.sessions.resolve(caller.token, { node: node.id, exchangeId: req.exchangeId }, 'no');
  if (!r.valid) throw new AmError(401, 'Access Denied', undefined, clearStaleCookie(node, req, caller, r));
  return { admin: r.session.admin, universalId: r.session.universalId };
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

/** `_queryFilter` over username and realm: `true`, `field eq "value"`, joined by `and`. */
async function query(node: NodeContext, filter: string) {
  const clauses = filter.trim() === 'true' ? [] : filter.split(/\s+and\s+/i);
  const wanted: Record<string, string> = {};
  for (const c of clauses) {
    const m = /^\s*(username|realm)\s+eq\s+"([^"]*)"\s*$/.exec(c);
    if (!m) throw new AmError(400, `Invalid query filter: ${filter}`);
    wanted[m[1]!] = m[2]!;
  }
  const all = await node.sessions.list();
  const now = node.clock.now();
  const result = all
    .filter((s) => (s.maxIdleExpiration ?? Infinity) > now && s.maxSessionExpiration > now)
    .filter((s) => (wanted.username === undefined || s.username === wanted.username) && (wanted.realm === undefined || s.realm === wanted.realm))
    .map(sessionSummary);
  return { result, resultCount: result.length, pagedResultsCookie: null, totalPagedResultsPolicy: 'NONE', totalPagedResults: -1, remainingPagedResults: -1 };
}

