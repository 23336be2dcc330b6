/**
 * The diagnosis as data: each finding names what was recorded (exchanges, events) and says in one
 * sentence what went wrong; flows are what the sequence view offers to draw.
 */
export type Severity = 'error' | 'warning' | 'info';

export type FindingKind =
  | 'auth-session-missed'
  | 'auth-session-expired'
  | 'wrong-credentials'
  | 'step-rejected'
  | 'logout'
  | 'admin-termination'
  | 'idle-timeout'
  | 'max-session-time'
  | 'session-rejected'
  | 'node-down'
  | 'balancer-error'
  | 'server-changed-mid-login'
  | 'cookies-absent'
  | 'balancer-cookie'
  | 'unauthorized';

export interface Finding {
  /** Stable within one trace: kind plus the exchange or event it is anchored on. */
  id: string;
  severity: Severity;
  kind: FindingKind;
  /** One sentence a support engineer can paste into the ticket. */
  sentence: string;
  /** The chain of facts, in order, each naming what was recorded. */
  evidence: string[];
  fix?: string;
  /** Exchanges the finding cites, in time order (the failing one last). */
  exchangeIds: string[];
  /** Events it cites (by seq), for findings without an exchange (node down, CTS reaper). */
  eventSeqs: number[];
  /** The exchange to highlight (the failing arrow in the sequence view), when there is one. */
  failingExchangeId?: string;
  browser: string | null;
  /** Lab time the finding is about (for ordering). */
  at: number;
}

export interface FlowSummary {
  id: string;
  kind: 'login' | 'browser';
  title: string;
  browser: string | null;
  exchangeIds: string[];
}
