/** The lab as the window shows it: settings, clock, nodes, browsers, sessions, trace size. */
import type { BalancerView } from './balancer';
import type { GrantRow } from './oauth2';
import type { LabConfig } from './settings';
import type { TerminationReason } from './trace';

/** A node as the balancer sees it. `drained` keeps its sticky users and takes no new ones (HAProxy drain). */
export type BackendState = 'up' | 'down' | 'drained';

export interface NodeStatus {
  id: string;
  url: string;
  /** down when killed or failing health checks; drained when an operator drained it. */
  state: BackendState;
  running: boolean;
  /** The node's own OS process (isolation `process`); null when it runs in the lab's process. */
  pid: number | null;
  authSessionsInMemory: number;
  sessions: number;
  requests: number;
}

export interface SessionRow {
  handle: string;
  username: string;
  realm: string;
  kind: 'cts' | 'client';
  homeNode: string;
  createdAt: number;
  latestAccessTime: number;
  maxIdleExpiration: number | null;
  maxSessionExpiration: number;
  status: 'active' | 'ended';
  reason: TerminationReason | null;
  endedAt: number | null;
}

/** A session row with the virtual browser whose login created it (null: a load run, a script, an SDK app). */
export interface SessionPageRow extends SessionRow {
  browser: string | null;
}

/** Columns the sessions monitor sorts by. */
export const SESSION_SORTS = ['created', 'user', 'node', 'browser', 'lastAccess', 'idle', 'maxTime', 'status'] as const;
export type SessionSort = (typeof SESSION_SORTS)[number];

/** One page of the sessions monitor: the rows asked for, and how many match in all. */
export interface SessionPage {
  rows: SessionPageRow[];
  /** Rows matching the query (the page is rows[offset, offset + limit)). */
  total: number;
  offset: number;
  /** Whole lab, whatever the query: active CTS sessions and recently ended ones. */
  active: number;
  ended: number;
}

/**
 * The snapshot as it is pushed to the window: without the session list, which may hold thousands
 * of rows (the sessions monitor pages through it with `sessionPage`), but with its counts.
 */
export type WindowSnapshot = Omit<LabSnapshot, 'sessions'> & { sessionCounts: { active: number; ended: number } };

export interface LabSnapshot {
  config: LabConfig;
  clock: { now: number; speed: number; paused: boolean };
  balancer: string;
  /** Which balancer runs, the customer's configuration with its findings and server → node mapping. */
  lb: BalancerView;
  nodes: NodeStatus[];
  /** Each virtual browser with its network: the client address the balancer sees, the app origin calling AM (null: AM's own pages). */
  browsers: { id: string; name: string; clientIp: string; appOrigin: string | null }[];
  sessions: SessionRow[];
  /** The CTS's OAuth2 grants (codes, tokens, grant sets), newest first. */
  oauth2Grants: GrantRow[];
  trace: TraceStats;
  users: { username: string; admin: boolean; demo: boolean }[];
  cts: CtsStatus;
}

/** What `serve` prints and the window shows, so an engineer can `ldapsearch` the lab's tokens. */
export interface CtsInfo {
  kind: 'embedded' | 'ldap';
  /** The first server; `replicas` lists every one. */
  url?: string;
  replicas?: string[];
  baseDn?: string;
  bindDn?: string;
  password?: string;
}

/** One replica of the lab's own CTS directory. */
export interface ReplicaState {
  /** 1-based, as replicas are named in the window and in events. */
  replica: number;
  url: string;
  running: boolean;
  /** slapd's process id while it runs (what `kill` would name). */
  pid?: number;
}

export interface CtsStatus extends CtsInfo {
  /** Lab-run directory only: each replica's slapd state. */
  replicaStates: ReplicaState[];
  affinity: boolean;
  replicationDelayMs: number;
  /** Real ms the lab's directory took to start (0 when the lab runs none). */
  startMs: number;
}

export interface TraceStats {
  exchanges: number;
  events: number;
  droppedExchanges: number;
  droppedEvents: number;
  capacity: number;
}

export interface LabInfo {
  balancer: string;
  nodes: { id: string; url: string; pid: number | null }[];
  admin: { username: string; password: string };
  demo: { username: string; password: string; label: string };
  oauth2: { clientId: string; redirectUri: string } | null;
  cts: CtsInfo;
}
