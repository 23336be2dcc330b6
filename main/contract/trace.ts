/**
 * What the trace holds: exchanges through the balancer and cluster events. Plain JSON data, the
 * same in the engine, the window and a HAR file's underscore fields.
 */
import type { Har } from 'har-format';
import type { Finding } from './diagnosis';
import type { LabEvent } from './events';

export type { LabEvent, LabEventType, LabEventOf, TerminationReason, EventData } from './events';

export type Header = [name: string, value: string];

export interface RoutingDecision {
  policy: string;
  /** One line, e.g. "sticky amlbcookie=01", "round-robin", "sticky node 01 down → 02". */
  reason: string;
  /** Name of the sticky cookie the balancer reads (absent when the node was inferred from a HAR). */
  cookieName?: string;
  /** Value of the sticky cookie the request carried (null when absent). */
  cookie: string | null;
  /** Node the request was finally sent to (null when none could take it). */
  node: string | null;
  redispatched: boolean;
  /** The node the request was meant for when it was redispatched (down, drained away, refused). */
  redispatchedFrom?: string;
  attempts: { node: string; outcome: string }[];
}

export interface TraceExchange {
  kind: 'exchange';
  seq: number;
  id: string;
  /** Virtual browser id, when the request came from one. */
  browser: string | null;
  labStart: number;
  labEnd: number;
  realStart: number;
  request: {
    method: string;
    url: string;
    path: string;
    httpVersion: string;
    headers: Header[];
    /** At most the trace's body cap; when cut, it ends in a marker saying so. */
    body: string;
    bodySize: number;
    /** The body was longer than the trace's cap (bodySize is what was sent). */
    truncated?: true;
  };
  routing: RoutingDecision;
  response: {
    status: number;
    statusText: string;
    headers: Header[];
    body: string;
    bodySize: number;
    truncated?: true;
  };
  /** Real, measured timings in milliseconds (HAR's send/wait/receive). */
  timings: { send: number; wait: number; receive: number; total: number };
  /** Structured balancer error (e.g. UND_ERR_SOCKET), when the exchange failed upstream. */
  error?: string;
}

export type TraceItem = TraceExchange | LabEvent;

/**
 * The redaction rules by the ids a redacted HAR counts them under (`log._redaction.counts`), each in
 * the words the window shows next to its count.
 */
export const REDACTION_RULES = {
  R1: 'cookie values (session, AMAuthCookie and other cookies; amlbcookie is kept)',
  R2: 'Authorization header credentials',
  R3: 'headers named like the session cookie',
  R4: 'X-OpenAM-Password headers',
  R5: 'passwords (callback inputs, form fields, URL parameters)',
  R6: 'authIds',
  R7: 'tokenId and session upgrade tokens in JSON',
  R8: 'secrets in URLs, forms and JSON (OAuth 2.0 codes and tokens, goto URLs, suspended ids)',
  R9: 'session handles',
  R10: 'base64 bodies, decoded and redacted as text',
  K4: 'user names (customer files only)',
  sweep: 'a known secret found outside its own field',
  shape: 'token- or JWT-shaped text anywhere',
} as const;
export type RedactionRule = keyof typeof REDACTION_RULES;

/** A lab event as a HAR file carries it (in `_events`). */
export type HarEvent = Omit<LabEvent, 'kind'>;

/** HAR 1.2 as the lab writes it: underscore fields carry what HAR lacks (events, diagnosis, redaction). */
export type LabHar = Har & {
  log: Har['log'] & { _redaction?: { mode: 'redacted' | 'none'; ruleVersion: number; counts: Partial<Record<string, number>> }; _events?: HarEvent[]; _diagnosis?: Finding[] };
};

/** A type guard for some event types: `items.filter(isEvent('session-created'))` is typed. */
export function isEvent<T extends LabEvent['type']>(...types: T[]): (item: TraceItem) => item is Extract<LabEvent, { type: T }> {
  return (item): item is Extract<LabEvent, { type: T }> => item.kind === 'event' && (types as string[]).includes(item.type);
}
