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
  /** Lab time of its first exchange: two logins of one browser differ by it. */
  at: number;
  /** A login: success, failure or still in progress; a browser's life: failed when any answer was 4xx/5xx. */
  outcome: 'ok' | 'failed' | 'in-progress';
}

/**
 * A sequence diagram as data (lanes browser ↔ balancer ↔ nodes ↔ CTS, what crossed them, the
 * cluster's notes): the engine describes a flow, a host or the window draws it. Every text comes
 * from a trace that may be a customer's HAR: whoever draws it renders it as text.
 */
export interface SequenceModel {
  title: string;
  /** An imported HAR's other sites (the app's own pages) get one 'origin' lane, first: they never cross the balancer. */
  lanes: { label: string; kind: 'origin' | 'browser' | 'balancer' | 'node' | 'cts' }[];
  /** In time order: the exchanges, with the cluster's own events (node down, settings, clock) between them. */
  rows: SequenceRow[];
  /** Exchanges chosen but left out (a diagram draws at most so many). */
  omitted: number;
  /** Whether any drawn exchange failed (a 4xx/5xx, or the one a finding points at). */
  outcome: 'failed' | 'ok' | 'empty';
}

export type Tone = 'normal' | 'failed' | 'muted';

/** An arrow from one lane to another (the same lane: a call to itself), or a note on a lane (null: all lanes). */
export type SequenceMark =
  | { kind: 'arrow'; from: number; to: number; label: string; sub?: string; tone: Tone; dashed: boolean }
  | { kind: 'note'; lane: number | null; text: string; tone: Tone };

export type SequenceRow =
  | { kind: 'exchange'; exchangeId: string; failing: boolean; title: string; marks: SequenceMark[] }
  /** A cluster event between exchanges, on its node's lane (or the CTS's, or across all). */
  | { kind: 'event'; lane: number | null; text: string; tone: Tone };
