import type { Finding, FindingKind } from '../../contract/diagnosis';
import { isEvent } from '../../contract/trace';
import { clockTime, type DiagnosisContext, duration, finding, requestLabel, responseLabel, routedText, uniq } from './evidence';
import { jsonObject, setCookies } from './http';
import { answeringNode, endpoint, errorMessage, issuedToken, presentedToken, sessionAction } from './traffic';
import type { LabEventOf, TerminationReason, TraceExchange } from './types';

/**
 * Why a session ended (logout, admin termination, idle timeout, max session time) and which later
 * requests still presented it. Sessions are followed by handle (events) and by token value (the
 * cookie the login set and later requests carried) — pseudonyms keep that link after redaction.
 */
export function diagnoseSessions(ctx: DiagnosisContext): Finding[] {
  const tokens = issuedTokens(ctx);
  const handleToken = new Map<string, { token?: string; created: LabEventOf<'session-created'> }>();
  for (const e of ctx.events.filter(isEvent('session-created'))) {
    const ex = e.exchangeId ? ctx.byId.get(e.exchangeId) : undefined;
    handleToken.set(e.data.handle, { token: ex ? issuedToken(ex, ctx.ssoCookies) : undefined, created: e });
  }
  const uses = rejectedUses(ctx);
  const explained = new Set<TraceExchange>();
  const out: Finding[] = [];
  for (const e of ctx.events.filter(isEvent('session-terminated'))) {
    const link = handleToken.get(e.data.handle);
    const later = link?.token ? uses.filter((u) => u.token === link.token && (u.ex.seq > e.seq || u.ex.id === e.exchangeId)) : [];
    later.forEach((u) => explained.add(u.ex));
    out.push(terminated(ctx, e, link?.created, link?.token ? tokens.get(link.token) : undefined, later));
  }
  // Rejected sessions no termination event explains (imported HARs, client-based max time, …).
  const byToken = new Map<string, Use[]>();
  for (const u of uses) {
    if (explained.has(u.ex)) continue;
    if (!byToken.has(u.token)) byToken.set(u.token, []);
    byToken.get(u.token)!.push(u);
  }
  for (const [token, list] of byToken) out.push(rejected(ctx, token, tokens.get(token), list));
  // Logouts no event describes (imported HARs): what the response did to the cookies.
  for (const ex of ctx.exchanges) {
    if (sessionAction(ex) !== 'logout' || ex.response.status !== 200 || jsonObject(ex.response.body)?.result !== 'Successfully logged out') continue;
    if (ctx.eventsOf(ex.id).some((e) => e.type === 'session-terminated')) continue;
    out.push(httpLogout(ctx, ex, tokens));
  }
  return out;
}

interface Use {
  ex: TraceExchange;
  token: string;
  /** session-rejected event the node recorded for it: why the session was dead. */
  rejection?: LabEventOf<'session-rejected'>;
}

/** First exchange that handed out each SSO token (login success). */
function issuedTokens(ctx: DiagnosisContext): Map<string, TraceExchange> {
  const m = new Map<string, TraceExchange>();
  for (const ex of ctx.exchanges) {
    const t = issuedToken(ex, ctx.ssoCookies);
    if (t && !m.has(t)) m.set(t, ex);
  }
  return m;
}

/** The session a sessions call is about: `{"tokenId"}` in the body, else the caller's own. */
function targetToken(ctx: DiagnosisContext, ex: TraceExchange): string | undefined {
  const b = jsonObject(ex.request.body);
  if (typeof b?.tokenId === 'string' && b.tokenId) return b.tokenId;
  return presentedToken(ex, ctx.ssoCookies);
}

/** Requests AM answered with "this session is not valid": {"valid":false}, 401 Access Denied, "Token has expired". */
function rejectedUses(ctx: DiagnosisContext): Use[] {
  const out: Use[] = [];
  for (const ex of ctx.exchanges) {
    if (endpoint(ex) !== 'sessions') continue;
    const b = jsonObject(ex.response.body);
    const dead = b?.valid === false || (ex.response.status === 401 && /access denied/i.test(errorMessage(ex) ?? '')) || b?.result === 'Token has expired';
    if (!dead) continue;
    const token = ex.response.status === 401 ? presentedToken(ex, ctx.ssoCookies) : targetToken(ctx, ex);
    if (!token) continue;
    out.push({ ex, token, rejection: ctx.eventsOf(ex.id).find(isEvent('session-rejected')) });
  }
  return out;
}

const KIND: Record<TerminationReason, FindingKind> = { logout: 'logout', admin: 'admin-termination', idle: 'idle-timeout', 'max-time': 'max-session-time' };

interface SessionFacts {
  username?: string;
  createdAt?: number;
  latestAccessTime?: number;
  maxIdleTime?: number;
  maxSessionTime?: number;
  homeNode?: string;
}

function facts(e: LabEventOf<'session-terminated'>): SessionFacts {
  const s = e.data.session;
  return { username: e.data.user, createdAt: s.createdAt, latestAccessTime: s.latestAccessTime, maxIdleTime: s.maxIdleTime, maxSessionTime: s.maxSessionTime, homeNode: e.data.homeNode };
}

function useLine(u: Use, what: string): string {
  return `${clockTime(u.ex.labStart)}: ${who(u.ex.browser)} presented the ${what} session (${requestLabel(u.ex)}, ${routedText(u.ex)}) → ${responseLabel(u.ex)}`;
}

function terminated(ctx: DiagnosisContext, e: LabEventOf<'session-terminated'>, created: LabEventOf<'session-created'> | undefined, loginEx: TraceExchange | undefined, later: Use[]): Finding {
  const reason = e.data.reason;
  const f = facts(e);
  const subject = f.username ? `the session of ${f.username}` : 'a session';
  const by = e.exchangeId ? ctx.byId.get(e.exchangeId) : undefined;
  const evidence: string[] = [];
  if (f.createdAt !== undefined) evidence.push(`session created on node ${f.homeNode ?? '?'} at ${clockTime(f.createdAt)}${loginEx ? ` (${requestLabel(loginEx)})` : ''}`);
  const exchangeIds = [...(loginEx ? [loginEx.id] : [])];
  let sentence: string;
  let severity: Finding['severity'] = 'warning';
  let fix: string | undefined;
  const detected = e.data.detectedBy === 'reaper' ? `the CTS reaper removed it at ${clockTime(e.labTime)}` : by && e.data.detectedBy === 'access' ? `node ${e.node} saw it expired on access at ${clockTime(e.labTime)}` : undefined;

  if (reason === 'logout') {
    severity = 'info';
    const cleared = by ? setCookies(by.response.headers).filter((c) => c.invalidates) : [];
    if (by) evidence.push(`logout request: ${routedText(by)}`);
    evidence.push(`node ${e.node} ended the session (logout)`);
    for (const c of cleared) evidence.push(`Set-Cookie ${c.name}=${c.value || '""'} (expired)`);
    sentence = `${f.username ?? 'The user'} logged out on node ${e.node}${cleared.length ? `; the response cleared ${cleared.map((c) => c.name).join(' and ')}` : ''}.`;
  } else if (reason === 'admin') {
    if (by) evidence.push(`admin call ${requestLabel(by)}${by.browser ? ` from ${by.browser}` : ''}: ${routedText(by)}`);
    evidence.push(`node ${e.node} deleted the session from the CTS`);
    sentence = `An administrator terminated ${subject}${f.homeNode ? ` (created on node ${f.homeNode})` : ''}; the browser keeps its cookie until it next reaches AM.`;
  } else {
    const idle = reason === 'idle';
    const limit = idle ? f.maxIdleTime : f.maxSessionTime;
    const from = idle ? f.latestAccessTime : f.createdAt;
    if (idle && f.latestAccessTime !== undefined) evidence.push(`last access at ${clockTime(f.latestAccessTime)}`);
    if (from !== undefined) {
      for (const c of ctx.events.filter(isEvent('clock-changed'))) {
        if ('advancedBy' in c.data && c.labTime >= from && c.seq < e.seq) evidence.push(`lab clock advanced by ${duration(c.data.advancedBy)} at ${clockTime(c.labTime)}`);
      }
      if (limit !== undefined) evidence.push(`${idle ? 'max idle time' : 'max session time'} ${limit} min → deadline ${clockTime(from + limit * 60_000)}`);
    }
    if (detected) evidence.push(detected);
    sentence = idle
      ? `${cap(subject)} ended after ${limit ?? '?'} min without activity (max idle time).`
      : `${cap(subject)} reached its max session time (${limit ?? '?'} min) and ended.`;
    fix = idle ? 'expected behaviour: keep the session active (validate/refresh) or raise Max Idle Time' : 'expected behaviour: log in again, or raise Max Session Time';
  }
  for (const u of later) if (u.ex !== by || reason === 'idle' || reason === 'max-time') evidence.push(useLine(u, reason === 'logout' ? 'logged-out' : 'ended'));
  if (by) exchangeIds.push(by.id);
  exchangeIds.push(...later.map((u) => u.ex.id));
  return finding(
    {
      severity,
      kind: KIND[reason] ?? 'session-rejected',
      sentence,
      evidence,
      fix,
      exchangeIds: uniq(exchangeIds),
      eventSeqs: [...(created ? [created.seq] : []), e.seq],
      failingExchangeId: later.at(-1)?.ex.id,
      browser: later[0]?.ex.browser ?? loginEx?.browser ?? null,
      at: e.labTime,
    },
    ctx,
  );
}

const WHY: Record<string, string> = {
  idle: 'it passed its max idle time',
  'max-time': 'it reached its max session time',
  logout: 'it was logged out',
  admin: 'an administrator terminated it',
  unknown: 'the CTS does not know it',
  forged: 'its signature is not valid',
  denylisted: 'it is on the logout denylist',
  malformed: 'it is not an SSO token',
  expired: 'it expired',
};

/** A token AM rejected with no termination event in the trace: say what the HTTP traffic shows. */
function rejected(ctx: DiagnosisContext, token: string, loginEx: TraceExchange | undefined, uses: Use[]): Finding {
  const first = uses[0]!;
  const why = first.rejection?.data.why;
  const evidence: string[] = [];
  if (loginEx) {
    const n = answeringNode(loginEx, ctx.lbCookie).node;
    evidence.push(`session token issued at ${clockTime(loginEx.labStart)} by ${n ? `node ${n}` : 'AM'} (${requestLabel(loginEx)})`);
  }
  // A logout that presented this token and cleared the cookie explains a later rejection.
  const logout = ctx.exchanges.find((x) => x.seq < first.ex.seq && sessionAction(x) === 'logout' && presentedToken(x, ctx.ssoCookies) === token && x.response.status === 200);
  if (logout) evidence.push(`${clockTime(logout.labStart)}: logout with this session (${routedText(logout)}) → ${responseLabel(logout)}`);
  if (why) evidence.push(`node ${first.rejection!.node}: ${WHY[why] ?? why}`);
  for (const u of uses) evidence.push(useLine(u, 'same'));
  const reason = why ?? (logout ? 'logout' : undefined);
  const kind: FindingKind = reason === 'idle' ? 'idle-timeout' : reason === 'max-time' ? 'max-session-time' : reason === 'admin' ? 'admin-termination' : 'session-rejected';
  const because = reason ? WHY[reason] ?? reason : 'it ended earlier (the trace does not say how)';
  return finding(
    {
      severity: 'warning',
      kind,
      sentence: `AM rejected a session ${uses.length > 1 ? `${uses.length} times ` : ''}because ${because} → ${responseLabel(first.ex)}.`,
      evidence,
      fix: reason === 'logout' ? 'the client kept using a logged-out session: it must log in again' : 'log in again; if unexpected, compare the session timeouts with the gaps between requests',
      exchangeIds: uniq([...(loginEx ? [loginEx.id] : []), ...(logout ? [logout.id] : []), ...uses.map((u) => u.ex.id)]),
      eventSeqs: uses.flatMap((u) => (u.rejection ? [u.rejection.seq] : [])),
      failingExchangeId: first.ex.id,
      at: first.ex.labStart,
    },
    ctx,
  );
}

function httpLogout(ctx: DiagnosisContext, ex: TraceExchange, tokens: Map<string, TraceExchange>): Finding {
  const token = targetToken(ctx, ex);
  const login = token ? tokens.get(token) : undefined;
  const cleared = setCookies(ex.response.headers).filter((c) => c.invalidates);
  const evidence: string[] = [];
  if (login) evidence.push(`session token issued at ${clockTime(login.labStart)} by ${answeringNode(login, ctx.lbCookie).node ? `node ${answeringNode(login, ctx.lbCookie).node}` : 'AM'} (${requestLabel(login)})`);
  evidence.push(`logout request: ${routedText(ex)} → ${responseLabel(ex)}`);
  for (const c of cleared) evidence.push(`Set-Cookie ${c.name}=${c.value || '""'} (expired)`);
  if (ctx.cookiesRecorded && !cleared.length) evidence.push('the response cleared no cookie');
  return finding(
    {
      severity: 'info',
      kind: 'logout',
      sentence: `The session was logged out${cleared.length ? `; the response cleared ${cleared.map((c) => c.name).join(' and ')}` : ''}.`,
      evidence,
      exchangeIds: [...(login ? [login.id] : []), ex.id],
    },
    ctx,
  );
}

const who = (b: string | null) => (!b || /^page_/.test(b) ? 'the browser' : `browser ${b}`);

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
