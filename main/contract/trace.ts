/**
 * What the trace holds: exchanges through the balancer and cluster events. Plain JSON data, the
 * same in the engine, the window and a HAR file's underscore fields.
 */
import type { Har } from 'har-format';
import type { Finding } from './diagnosis';

export type Header = [name: string, value: string];

export interface RoutingDecision {
  policy: string;
  /** One line, e.g. "sticky amlbcookie=01", "round-robin", "sticky node 01 down → 02". */
  reason: string;
  /** Value of the sticky cookie the request carried (null when absent). */
  cookie: string | null;
  /** Node the request was finally sent to (null when none could take it). */
  node: string | null;
  redispatched: boolean;
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

export type LabEventType =
  | 'auth-session-created'
  | 'auth-session-missed'
  | 'auth-session-expired'
  | 'login-succeeded'
  | 'login-failed'
  | 'session-created'
  | 'session-terminated'
  | 'cookie-invalidated'
  | 'session-rejected'
  | 'node-up'
  | 'node-down'
  | 'node-drained'
  | 'node-undrained'
  | 'node-added'
  | 'node-removed'
  | 'redispatch'
  | 'config-changed'
  | 'clock-changed'
  | 'bad-request'
  | 'oauth2-code-issued'
  | 'oauth2-tokens-issued'
  | 'oauth2-token-revoked'
  | 'oauth2-request-rejected'
  | 'cts-down'
  | 'cts-up'
  | 'cts-unreachable'
  | 'cookie-blocked';

export type TerminationReason = 'logout' | 'admin' | 'max-time' | 'idle';

export interface LabEvent {
  kind: 'event';
  seq: number;
  type: LabEventType;
  labTime: number;
  realTime: number;
  node: string | null;
  /** The balancer exchange during which it happened, when there was one. */
  exchangeId: string | null;
  message: string;
  data: Record<string, unknown>;
}

export type TraceItem = TraceExchange | LabEvent;

/** A lab event as a HAR file carries it (in `_events`). */
export type HarEvent = Omit<LabEvent, 'kind'>;

/** HAR 1.2 as the lab writes it: underscore fields carry what HAR lacks (events, diagnosis, redaction). */
export type LabHar = Har & {
  log: Har['log'] & { _redaction?: { mode: 'redacted' | 'none'; ruleVersion: number; counts: Partial<Record<string, number>> }; _events?: HarEvent[]; _diagnosis?: Finding[] };
};
