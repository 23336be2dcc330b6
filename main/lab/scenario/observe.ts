import { Cookie } from 'tough-cookie';
import type { CookieView } from '../client/browser';
import { oauth2ErrorOf } from '../../contract/oauth2';
import { isEvent } from '../../contract/trace';
import type { LabEvent, TraceExchange } from '../trace/types';
import type { LoadResult } from './load';
import type { CookieFate } from './schema';

/**
 * What a step was seen to do, read from the trace (the exchanges its action made, the events the
 * nodes emitted meanwhile) and the user's cookie jar. Expectations are checked against this and
 * nothing else.
 */
export interface Observation {
  /** The action's last exchange: its status, AM message (or OAuth2 error_description) and body. */
  status: number | null;
  message: string | null;
  /** The OAuth2 error of the last exchange (JSON body, or the authorize redirect's query). */
  oauth2Error: string | null;
  /** What the last exchange handed the client: a code in the redirect, tokens in the JSON body. */
  tokens: string[];
  outcome: 'callbacks' | 'success' | 'failure' | null;
  valid: boolean | null;
  body: unknown;
  /** Node that served the action's last exchange, and every node its exchanges reached, in order. */
  node: string | null;
  nodes: string[];
  routing: string | null;
  redispatched: boolean;
  events: Record<string, number>;
  /** Termination reasons of the recipe users' sessions (the step's user only, for a user step). */
  terminated: string[];
  cookies: Record<string, CookieFate>;
  activeSessions?: number;
  nodeState?: Record<string, string>;
  load?: LoadResult;
  error?: string;
}

export interface ObserveInput {
  /** The exchanges the step's action made (its own, tagged at the virtual browser), in order. */
  exchanges: TraceExchange[];
  /** Every event recorded during the step (cluster events too: a reaper pass, a node going down). */
  events: LabEvent[];
  /** The user's browser id and jar after the step, for cookie fates. */
  userBrowser: string | null;
  jar: CookieView[];
  /** Session handles belonging to the step's user (or to all recipe users for a cluster step). */
  handles: ReadonlySet<string>;
  labNow: number;
}

export function observe(input: ObserveInput): Observation {
  const { exchanges: mine, events } = input;
  const last = mine.at(-1);
  const body = last ? parseBody(last.response.body) : undefined;
  const obj = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  const location = last?.response.headers.find(([n]) => n.toLowerCase() === 'location')?.[1];
  const oauth2 = last ? oauth2ErrorOf(location, body) : null;
  const code = location && /[?&]code=/.test(location) ? ['code'] : [];
  const terminated = events
    .filter(isEvent('session-terminated'))
    .filter((e) => input.handles.has(e.data.handle))
    .map((e) => e.data.reason);
  return {
    status: last?.response.status ?? null,
    message: typeof obj?.message === 'string' ? obj.message : (oauth2?.description ?? null),
    oauth2Error: oauth2?.error ?? null,
    tokens: [...code, ...Object.keys(obj ?? {}).filter((k) => k.endsWith('_token') && typeof obj![k] === 'string')],
    outcome: last ? (typeof obj?.authId === 'string' ? 'callbacks' : last.response.status < 300 ? 'success' : 'failure') : null,
    valid: typeof obj?.valid === 'boolean' ? obj.valid : null,
    body,
    node: last?.routing.node ?? null,
    nodes: mine.map((x) => x.routing.node ?? '-'),
    routing: last?.routing.reason ?? null,
    redispatched: mine.some((x) => x.routing.redispatched),
    events: counts,
    terminated,
    cookies: input.userBrowser ? cookieFates(mine.filter((x) => x.browser === input.userBrowser), input.jar, input.labNow, refusedBy(events, input.userBrowser)) : {},
  };
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The cookies the browser refused during the step (its cookie-blocked events), by name. */
function refusedBy(events: LabEvent[], browser: string): Set<string> {
  return new Set(events.filter(isEvent('cookie-blocked')).flatMap((e) => (e.data.browser === browser ? [e.data.cookie] : [])));
}

/**
 * For every cookie the step's responses touched or the jar holds, as the browser ended up with it:
 * "set" (a response gave it a live value and the jar holds it), "blocked" (a response set it and
 * the browser refused it: Secure over http, a foreign Domain, SameSite), "cleared" (a response
 * expired it), "kept" (untouched and still held). A cookie not listed is absent.
 */
export function cookieFates(exchanges: TraceExchange[], jar: CookieView[], labNow: number, refused: ReadonlySet<string> = new Set()): Record<string, CookieFate> {
  const fates: Record<string, CookieFate> = {};
  const held = new Set(jar.map((c) => c.name));
  for (const c of jar) fates[c.name] = 'kept';
  for (const x of exchanges) {
    for (const [name, value] of x.response.headers) {
      if (name.toLowerCase() !== 'set-cookie') continue;
      const c = Cookie.parse(value);
      if (!c) continue;
      if (refused.has(c.key)) fates[c.key] = 'blocked';
      else if (isExpiring(c, labNow)) fates[c.key] = 'cleared';
      else if (held.has(c.key)) fates[c.key] = 'set';
    }
  }
  return fates;
}

function isExpiring(c: Cookie, labNow: number): boolean {
  if (typeof c.maxAge === 'number' && c.maxAge <= 0) return true;
  if (c.maxAge === '-Infinity') return true;
  return c.expires instanceof Date && c.expires.getTime() <= labNow;
}

/** One line for a table cell: what the step's traffic came back with. */
export function summarize(o: Observation): string {
  if (o.error) return `error: ${o.error}`;
  if (o.load) {
    const l = o.load;
    return `${l.attempted} logins, ${l.failed} failed (${(l.failureRate * 100).toFixed(1)}%), ${l.loginsPerSecond.toFixed(0)}/s`;
  }
  const parts: string[] = [];
  if (o.status !== null) {
    const result = o.body && typeof o.body === 'object' && 'result' in o.body ? (o.body as { result: unknown }).result : undefined;
    const what = o.oauth2Error ? `${o.oauth2Error}${o.message ? ` "${o.message}"` : ''}` : o.tokens.length ? o.tokens.join(', ') : o.message ?? (o.valid !== null ? `valid ${o.valid}` : typeof result === 'string' ? result : o.outcome === 'callbacks' ? 'callbacks' : o.outcome === 'success' ? 'success' : '');
    parts.push(`${o.status}${what ? ` ${what}` : ''}`);
    parts.push(`node ${o.nodes.join('→')}${o.redispatched ? ' (redispatched)' : ''}`);
  }
  if (o.terminated.length) parts.push(`terminated: ${o.terminated.join(', ')}`);
  if (o.activeSessions !== undefined) parts.push(`${o.activeSessions} active sessions`);
  return parts.join(' · ') || 'done';
}
