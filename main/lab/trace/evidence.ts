import type { Finding } from '../../contract/diagnosis';
import { exchangesOf, loginFlows, type LoginFlow } from './flows';
import { headerValues, jsonObject } from './http';
import { endpoint, errorMessage, lbCookieName, sessionAction, sessionCookieNames } from './traffic';
import type { LabEvent, TraceExchange, TraceItem } from './types';

/**
 * What the diagnosers (and the sequence model) share: the trace indexed once, and evidence in
 * words — how a request was routed, what it asked and what AM answered, lab times and durations.
 */

/** What the per-topic diagnosers share: the trace, indexed once. */
export interface DiagnosisContext {
  exchanges: TraceExchange[];
  byId: Map<string, TraceExchange>;
  events: LabEvent[];
  eventsOf(exchangeId: string): LabEvent[];
  flows: LoginFlow[];
  lbCookie: string;
  ssoCookies: Set<string>;
  /** False when no request or response in the trace carries any cookie (a sanitized export). */
  cookiesRecorded: boolean;
}

export function context(items: readonly TraceItem[]): DiagnosisContext {
  const exchanges = exchangesOf(items);
  const events = items.filter((i): i is LabEvent => i.kind === 'event').sort((a, b) => a.seq - b.seq);
  const byEx = new Map<string, LabEvent[]>();
  for (const e of events) {
    if (!e.exchangeId) continue;
    if (!byEx.has(e.exchangeId)) byEx.set(e.exchangeId, []);
    byEx.get(e.exchangeId)!.push(e);
  }
  return {
    exchanges,
    byId: new Map(exchanges.map((e) => [e.id, e])),
    events,
    eventsOf: (id) => byEx.get(id) ?? [],
    flows: loginFlows(exchanges),
    lbCookie: lbCookieName(exchanges),
    ssoCookies: sessionCookieNames(exchanges),
    cookiesRecorded: exchanges.some((e) => headerValues(e.request.headers, 'cookie').length > 0 || headerValues(e.response.headers, 'set-cookie').length > 0),
  };
}

/** How the request got to its node, in the balancer's words, or what the HAR lets us infer. */
export function routedText(ex: TraceExchange): string {
  const r = ex.routing;
  if (r.policy === 'unknown') return r.node ? `node ${r.node} answered (${r.reason})` : 'the HAR does not record which node answered';
  if (!r.node) return `the balancer found no node (${r.reason})`;
  return r.reason === r.policy ? `balancer ${r.policy} picked node ${r.node}` : `balancer picked node ${r.node} (${r.reason})`;
}

export function requestLabel(ex: TraceExchange): string {
  const action = sessionAction(ex);
  if (action) return `sessions?_action=${action}`;
  if (endpoint(ex) === 'authenticate') return 'authenticate';
  return `${ex.request.method} ${(ex.request.path || ex.request.url).split('?')[0]}`;
}

export function responseLabel(ex: TraceExchange): string {
  const msg = errorMessage(ex);
  if (msg) return `${ex.response.status} ${msg}`;
  const b = jsonObject(ex.response.body);
  if (b && typeof b.valid === 'boolean') return `${ex.response.status} {"valid":${b.valid}}`;
  return `${ex.response.status}${ex.response.statusText ? ' ' + ex.response.statusText : ''}`;
}

export function finding(f: Omit<Finding, 'id' | 'eventSeqs' | 'browser' | 'at'> & Partial<Pick<Finding, 'eventSeqs' | 'browser' | 'at'>>, ctx: DiagnosisContext): Finding {
  const cited = f.exchangeIds.map((id) => ctx.byId.get(id)).filter((e): e is TraceExchange => !!e);
  const anchor = f.failingExchangeId ?? cited.at(-1)?.id ?? `event-${f.eventSeqs?.[0] ?? 0}`;
  return {
    ...f,
    id: `${f.kind}:${anchor}`,
    eventSeqs: f.eventSeqs ?? [],
    browser: f.browser ?? cited.at(-1)?.browser ?? null,
    at: f.at ?? cited.at(-1)?.labStart ?? 0,
    exchangeIds: [...new Set(f.exchangeIds)],
  };
}

/** Ends the chain with what AM answered: "…; node 02 has no auth session → 401 Session has timed out". */
export function arrow(evidence: string[], outcome: string): string[] {
  if (!evidence.length) evidence.push(`→ ${outcome}`);
  else evidence[evidence.length - 1] += ` → ${outcome}`;
  return evidence;
}

export function uniq<T>(list: T[]): T[] {
  return [...new Set(list)];
}

/** A lab clock instant as the UI shows it: time of day, UTC. */
export function clockTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 19) : '?';
}

export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 1) return `${Math.round(Math.abs(ms))} ms`;
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  if (m < 60) return r ? `${m} min ${r} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
