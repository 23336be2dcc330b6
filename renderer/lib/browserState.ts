/**
 * What a virtual browser's card says about its session: what its last request learned (read from
 * the exchange and the events recorded during it), what the lab knows happened since (the CTS
 * ended the session after that request), and which cookies the jar still holds. Pure data in,
 * sentences out, so the card never shows a green "logged in" for a session that is gone.
 */
import type { CookieView, LabEvent, SessionRow, TraceExchange } from '../../main/contract';
import { DEAD_SESSION_WORDS } from '../../main/contract/events';
import { formatClock } from './format';

export type BrowserStateKind = 'none' | 'in-progress' | 'valid' | 'failed' | 'expired' | 'terminated' | 'logged-out' | 'refused' | 'no-session';

export interface BrowserState {
  kind: BrowserStateKind;
  tone: 'ok' | 'warn' | 'error' | 'neutral';
  headline: string;
  /** What happened since the last request, when the lab knows more than the browser. */
  since?: string;
  /** The last request, in one line (what it was, where it went, what came back). */
  last?: string;
  /** The cookies that matter, as the jar holds them now. */
  cookies: string;
}

const REASON: Record<string, { kind: BrowserStateKind; words: string }> = {
  idle: { kind: 'expired', words: 'expired: max idle time' },
  'max-time': { kind: 'expired', words: 'expired: max session time' },
  admin: { kind: 'terminated', words: 'terminated by an administrator' },
  logout: { kind: 'logged-out', words: 'logged out' },
};

function json(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function what(ex: TraceExchange): string {
  const path = ex.request.path.split('?')[0] ?? '';
  const action = /[?&]_action=([^&]+)/.exec(ex.request.url)?.[1];
  if (/\/sessions\/?$/.test(path) && action) return action;
  if (/\/authenticate\/?$/.test(path)) return 'authenticate';
  return `${ex.request.method} ${path}`;
}

/** What the last request learned, on its own. */
function learned(ex: TraceExchange, linked: readonly LabEvent[]): Pick<BrowserState, 'kind' | 'tone' | 'headline'> {
  const body = json(ex.response.body);
  const node = ex.routing.node ? ` on node ${ex.routing.node}` : '';
  const ended = linked.find((e) => e.type === 'session-terminated');
  if (ended?.type === 'session-terminated' && REASON[ended.data.reason]) {
    const r = REASON[ended.data.reason]!;
    return { kind: r.kind, tone: r.kind === 'logged-out' ? 'neutral' : 'warn', headline: `Session ${r.words}${r.kind === 'logged-out' ? '' : ` — AM refused it${node}`}` };
  }
  const rejected = linked.find((e) => e.type === 'session-rejected');
  if (rejected?.type === 'session-rejected') {
    const r = REASON[rejected.data.why];
    return { kind: r?.kind ?? 'refused', tone: 'warn', headline: r ? `Session ${r.words} — AM refused it${node}` : `Session refused${node}: ${DEAD_SESSION_WORDS[rejected.data.why]}` };
  }
  const kind = what(ex);
  if (kind === 'authenticate') {
    if (ex.response.status >= 400) return { kind: 'failed', tone: 'error', headline: `Login failed: ${ex.response.status} ${typeof body?.message === 'string' ? body.message : ex.response.statusText}` };
    if (typeof body?.authId === 'string') return { kind: 'in-progress', tone: 'neutral', headline: `Login in progress: AM${node} asked for callbacks` };
    return { kind: 'valid', tone: 'ok', headline: `Logged in${node}` };
  }
  if (kind === 'logout') return body?.result === 'Successfully logged out' ? { kind: 'logged-out', tone: 'neutral', headline: 'Logged out' } : { kind: 'refused', tone: 'warn', headline: `Logout found no live session (${String(body?.result ?? ex.response.status)})` };
  if (typeof body?.valid === 'boolean') return body.valid ? { kind: 'valid', tone: 'ok', headline: `Session valid${node}` } : { kind: 'refused', tone: 'warn', headline: `Session not valid${node}` };
  if (ex.response.status === 400 && typeof body?.message === 'string' && /not set on request/.test(body.message)) return { kind: 'no-session', tone: 'neutral', headline: 'No session: the browser sent no session cookie' };
  if (ex.response.status >= 400) return { kind: 'refused', tone: 'warn', headline: `${ex.response.status} ${typeof body?.message === 'string' ? body.message : ex.response.statusText}${node}` };
  return { kind: 'valid', tone: 'ok', headline: `Session in use${node}` };
}

export function browserState(input: { last: TraceExchange | undefined; linked: readonly LabEvent[]; session: SessionRow | null | undefined; jar: readonly CookieView[] | undefined; sessionCookie: string; lbCookie: string; now: number }): BrowserState {
  const { last, session, now } = input;
  const cookies = cookieLine(input.jar ?? [], input.sessionCookie, input.lbCookie, session);
  if (!last) return { kind: 'none', tone: 'neutral', headline: 'No request yet', cookies };
  const base = learned(last, input.linked);
  const state: BrowserState = { ...base, last: `${what(last)} → ${last.response.status}${last.routing.node ? ` · node ${last.routing.node}` : ''} · ${formatClock(last.labEnd)}`, cookies };
  const ended = session?.status === 'ended' && session.endedAt !== null ? REASON[session.reason ?? ''] : undefined;
  if (ended && session!.endedAt !== null) {
    const tone = ended.kind === 'logged-out' ? 'neutral' : 'warn';
    // The lab knows more than the browser: its session ended after that request.
    if (session!.endedAt >= last.labStart && base.kind !== 'logged-out') return { ...state, kind: ended.kind, tone, headline: `Session ${ended.words} at ${formatClock(session!.endedAt)}`, since: 'The browser has sent no request since: its next one will be refused.' };
    // AM refused a token the CTS no longer holds ("no such session"): the lab knows why it is gone.
    if (base.kind === 'refused') return { ...state, kind: ended.kind, tone, headline: `Session ${ended.words} at ${formatClock(session!.endedAt)} — AM refused it${last.routing.node ? ` on node ${last.routing.node}` : ''}` };
  }
  if (session?.status === 'active' && base.kind === 'valid') {
    const deadline = Math.min(session.maxSessionExpiration, session.maxIdleExpiration ?? Infinity);
    if (deadline <= now) return { ...state, kind: 'expired', tone: 'warn', headline: `Session past its ${deadline === session.maxSessionExpiration ? 'max session time' : 'max idle time'} (${formatClock(deadline)})`, since: 'Not checked yet: AM refuses it on the next request.' };
  }
  return state;
}

function cookieLine(jar: readonly CookieView[], sessionCookie: string, lbCookie: string, session: SessionRow | null | undefined): string {
  const sso = jar.find((c) => c.name === sessionCookie);
  const lb = jar.find((c) => c.name === lbCookie);
  const parts: string[] = [];
  if (sso) parts.push(`${sessionCookie}${session?.status === 'ended' ? ' (its session is gone)' : ''}`);
  if (lb) parts.push(`${lbCookie}=${lb.value}`);
  return parts.length ? `Holds ${parts.join(' and ')}` : `Holds no ${sessionCookie} or ${lbCookie}`;
}
