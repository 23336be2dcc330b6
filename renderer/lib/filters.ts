/** What the traffic table shows and how rows stand out. Pure functions over trace data. */
import type { LabEvent, TraceExchange } from '../../main/contract';

export type StatusFilter = 'all' | '2xx' | '3xx' | '4xx' | '5xx' | '401' | 'problems';

export interface TrafficFilter {
  browser: string; // 'all' | browser id | 'none' (not from a virtual browser)
  node: string; // 'all' | node id | 'none' (no node could take it)
  status: StatusFilter;
  text: string;
}

export const NO_FILTER: TrafficFilter = { browser: 'all', node: 'all', status: 'all', text: '' };

/** Why a row stands out. 401 and expiry are what a support engineer looks for first. */
export interface RowFlags {
  unauthorized: boolean;
  error: boolean;
  expired: boolean;
  redispatched: boolean;
}

const EXPIRY_EVENTS = new Set(['auth-session-expired', 'auth-session-missed']);

/** Reads the flags from the exchange and the events recorded during it (data first, no guessing). */
export function rowFlags(ex: TraceExchange, linked: readonly LabEvent[] | undefined): RowFlags {
  let expired = false;
  for (const e of linked ?? []) {
    if (EXPIRY_EVENTS.has(e.type)) expired = true;
    if (e.type === 'session-terminated' && (e.data.reason === 'idle' || e.data.reason === 'max-time')) expired = true;
  }
  return {
    unauthorized: ex.response.status === 401,
    error: ex.response.status >= 400,
    expired,
    redispatched: ex.routing.redispatched,
  };
}

export function matchesStatus(status: number, f: StatusFilter, flags?: RowFlags): boolean {
  switch (f) {
    case 'all':
      return true;
    case '2xx':
      return status >= 200 && status < 300;
    case '3xx':
      return status >= 300 && status < 400;
    case '4xx':
      return status >= 400 && status < 500;
    case '5xx':
      return status >= 500;
    case '401':
      return status === 401;
    case 'problems':
      return status >= 400 || !!flags?.expired || !!flags?.redispatched;
  }
}

export function matchesFilter(ex: TraceExchange, f: TrafficFilter, flags?: RowFlags): boolean {
  if (f.browser !== 'all' && (f.browser === 'none' ? ex.browser !== null : ex.browser !== f.browser)) return false;
  if (f.node !== 'all' && (f.node === 'none' ? ex.routing.node !== null : ex.routing.node !== f.node)) return false;
  if (!matchesStatus(ex.response.status, f.status, flags)) return false;
  const text = f.text.trim().toLowerCase();
  if (text) {
    const hay = `${ex.request.method} ${ex.request.path} ${ex.routing.reason} ${ex.response.status}`.toLowerCase();
    if (!hay.includes(text)) return false;
  }
  return true;
}

export function isFiltered(f: TrafficFilter): boolean {
  return f.browser !== 'all' || f.node !== 'all' || f.status !== 'all' || f.text.trim() !== '';
}

/** Filters in one pass; the flags come from the same index the table uses for highlighting. */
export function filterExchanges(list: readonly TraceExchange[], f: TrafficFilter, flagsOf: (ex: TraceExchange) => RowFlags): TraceExchange[] {
  if (!isFiltered(f)) return list as TraceExchange[];
  return list.filter((ex) => matchesFilter(ex, f, flagsOf(ex)));
}

export type Severity = 'error' | 'warn' | 'ok' | 'info';

/** An event's type and typed data (what the colour and the filters read). */
type EventFacts = LabEvent extends infer E ? (E extends LabEvent ? Pick<E, 'type' | 'data'> : never) : never;

/** Colour of an event in the stream: misses and downs are red, expiries amber, creations green. */
export function eventSeverity(e: EventFacts): Severity {
  switch (e.type) {
    case 'auth-session-missed':
    case 'node-down':
    case 'node-process-ended':
    case 'login-failed':
    case 'bad-request':
    case 'cts-down':
    case 'cts-unreachable':
      return 'error';
    case 'auth-session-expired':
    case 'redispatch':
    case 'node-drained':
    case 'node-removed':
      return 'warn';
    case 'session-terminated':
      return e.data.reason === 'logout' ? 'info' : 'warn';
    case 'login-succeeded':
    case 'session-created':
    case 'auth-session-created':
    case 'node-up':
    case 'node-undrained':
    case 'node-added':
      return 'ok';
    default:
      return 'info';
  }
}

export type EventFilter = 'all' | 'problems' | 'sessions' | 'cluster' | 'config';

export function matchesEventFilter(e: EventFacts, f: EventFilter): boolean {
  switch (f) {
    case 'all':
      return true;
    case 'problems':
      return eventSeverity(e) === 'error' || eventSeverity(e) === 'warn';
    case 'sessions':
      return /session|login|cookie/.test(e.type);
    case 'cluster':
      return e.type.startsWith('node-') || e.type === 'redispatch';
    case 'config':
      return e.type === 'config-changed' || e.type === 'clock-changed';
  }
}
