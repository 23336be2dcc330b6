import type { AmRequest, NodeContext } from './context';
import { AmError, bodyField } from './http';
import type { ActiveSession } from './sessionService';

/**
 * Resource 1.x of sessions (OpenAM core/rest/session/SessionResource and action/*ActionHandler),
 * which agents and older scripts still call, and the session-property actions of 2.x+
 * (GetSessionPropertiesActionHandler, UpdateSessionPropertiesActionHandler). Properties a client
 * may touch are those on the Session Property Whitelist; AM's own (InternalSession's protected
 * properties) are never settable by a non-admin caller.
 */
export const LEGACY_ACTIONS = ['logout', 'isActive', 'getIdle', 'getMaxIdle', 'getMaxSessionTime', 'getTimeLeft', 'getMaxTime', 'getProperty', 'setProperty', 'deleteProperty', 'getPropertyNames'];

const PROTECTED = new Set([
  'Host', 'HostName', 'AuthLevel', 'AuthType', 'Principal', 'UserId', 'UserToken', 'Organization', 'cookieSupport', 'authInstant',
  'Principals', 'loginURL', 'FullLoginURL', 'Role', 'Service', 'SessionTimedOut', 'SessionHandle', 'TokenRestriction',
  'AMMaxIdleTime', 'AMMaxSessionTime', 'AMCtxId', 'sun.am.UniversalIdentifier',
]);

/** A legacy action on `target` (the caller's own session, or /sessions/{tokenId}). */
export async function legacyAction(node: NodeContext, req: AmRequest, action: string, target: string) {
  const r = await node.sessions.resolve(target, { node: node.id, exchangeId: req.exchangeId }, action === 'isActive' && req.query.get('refresh') === 'true' ? 'force' : 'no');
  const s = r.valid ? r.session : undefined;
  const now = node.clock.now();
  const ok = (body: unknown) => ({ status: 200, body });
  switch (action) {
    case 'isActive':
      return ok({ active: !!s });
    case 'getIdle': // seconds; -1 when the session cannot be read (GetIdleTimeActionHandler)
      return ok({ idletime: s ? Math.floor((now - s.latestAccessTime) / 1000) : -1 });
    case 'getMaxIdle':
      return ok({ maxidletime: s ? s.maxIdleTime : -1 });
    case 'getMaxSessionTime':
      return ok({ maxsessiontime: s ? s.maxSessionTime : -1 });
    case 'getTimeLeft':
    case 'getMaxTime':
      return ok({ maxtime: s ? Math.max(0, Math.floor((s.maxSessionExpiration - now) / 1000)) : -1 });
    case 'getPropertyNames':
      return ok({ properties: allowlist(node) });
    case 'getProperty':
      return ok(s ? readProperties(node, req, s) : {});
    case 'setProperty':
      return ok({ success: s ? await setProperties(node, req, target, s, 'set') : false });
    default:
      return ok({ success: s ? await setProperties(node, req, target, s, 'delete') : false });
  }
}

const allowlist = (node: NodeContext) => node.config().sessionPropertyAllowlist;

/** getProperty: {"properties":[names]} asks for some (each must be listed, else 403), no body for all listed ones. */
function readProperties(node: NodeContext, req: AmRequest, s: ActiveSession): Record<string, string> {
  const names = bodyField(req, 'properties');
  if (names === undefined) return sessionProperties(node, s);
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new AmError(400, 'properties must be an array of names');
  const out: Record<string, string> = {};
  for (const n of names as string[]) {
    if (!allowlist(node).includes(n)) throw new AmError(403, 'Forbidden');
    out[n] = s.properties[n] ?? '';
  }
  return out;
}

/** setProperty {"name":"value",…} / deleteProperty {"properties":[names]} (AM blanks a deleted property). */
async function setProperties(node: NodeContext, req: AmRequest, target: string, s: ActiveSession, how: 'set' | 'delete'): Promise<boolean> {
  let props: Record<string, string>;
  if (how === 'delete') {
    const names = bodyField(req, 'properties');
    if (!Array.isArray(names) || !names.length || !names.every((n) => typeof n === 'string')) throw new AmError(400, 'Bad Request');
    props = Object.fromEntries((names as string[]).map((n) => [n, '']));
  } else props = stringMap(req);
  await ensureSettable(node, req, props);
  return s.kind === 'cts' && (await node.sessions.setProperties(target, props));
}

/** Every allowlisted property of the session, "" when unset (AbstractSessionPropertiesActionHandler). */
export function sessionProperties(node: NodeContext, s: ActiveSession): Record<string, string> {
  return Object.fromEntries(allowlist(node).map((p) => [p, p === 'AMCtxId' ? s.sessionUid : (s.properties[p] ?? '')]));
}

/** updateSessionProperties: the body must name exactly the allowlisted properties; answers with them all. */
export async function updateSessionProperties(node: NodeContext, req: AmRequest, target: string, s: ActiveSession): Promise<Record<string, string>> {
  const props = stringMap(req, 'tokenId');
  const listed = allowlist(node);
  if (Object.keys(props).length !== listed.length || !listed.every((p) => p in props)) throw new AmError(403, 'Forbidden');
  await ensureSettable(node, req, props);
  if (s.kind === 'cts') await node.sessions.setProperties(target, props);
  const r = await node.sessions.resolve(target, { node: node.id, exchangeId: req.exchangeId });
  return sessionProperties(node, r.valid ? r.session : s);
}

function stringMap(req: AmRequest, ignore?: string): Record<string, string> {
  const b = req.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new AmError(400, 'Bad Request');
  const entries = Object.entries(b as Record<string, unknown>).filter(([k]) => k !== ignore);
  if (!entries.length || !entries.every(([, v]) => typeof v === 'string')) throw new AmError(400, 'Bad Request');
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Listed on the allowlist and, unless the caller is an administrator, not one of AM's protected properties. */
async function ensureSettable(node: NodeContext, req: AmRequest, props: Record<string, string>): Promise<void> {
  const caller = req.cookies.get(node.config().sessionCookieName) ?? (req.raw.headers[node.config().sessionCookieName.toLowerCase()] as string | undefined);
  const who = caller ? await node.sessions.resolve(caller, { node: node.id }) : undefined;
  const admin = !!(who?.valid && who.session.admin);
  for (const p of Object.keys(props)) {
    if (!allowlist(node).includes(p) || (PROTECTED.has(p) && !admin)) throw new AmError(403, 'Forbidden');
  }
}

/**
 * GET ?_queryId= on resource 1.x (SessionResource.queryCollection): `all` sessions, or `server` with
 * &serverId= (sessions whose home is that server). Each session is
 * {userid, timeleft (minutes)} (SessionResourceUtil.jsonValueOf(SessionInfo)).
 */
export async function legacyQuery(node: NodeContext, req: AmRequest) {
  const id = req.query.get('_queryId');
  const envelope = (result: unknown[]) => ({ result, resultCount: result.length, pagedResultsCookie: null, totalPagedResultsPolicy: 'NONE', totalPagedResults: -1, remainingPagedResults: -1 });
  const rev = String(node.clock.now());
  if (id !== 'all' && id !== 'server') throw new AmError(400, `Query id ${id ?? ''} not supported`);
  const server = id === 'server' ? req.query.get('serverId') : null;
  const now = node.clock.now();
  const sessions = (await node.sessions.list()).filter((s) => s.maxSessionExpiration > now && (s.maxIdleExpiration ?? Infinity) > now && (server === null || s.homeNode === server));
  return envelope(sessions.map((s) => ({ _id: 'Sessions', _rev: rev, userid: s.universalId, timeleft: Math.floor((s.maxSessionExpiration - now) / 60_000) })));
}
