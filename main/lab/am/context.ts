import type { IncomingMessage } from 'node:http';
import type { LabClock } from '../clock';
import type { LabConfig } from '../config';
import type { TokenStore } from '../cts/store';
import type { EmitEvent } from '../trace/types';
import type { LabKeys } from './keys';
import type { SessionService } from './sessionService';
import type { UserStore } from './users';

/** An in-progress authentication (AM's auth session / journey session). */
export interface AuthSessionState {
  key: string;
  realm: string;
  kind: 'chain' | 'tree';
  /** Key of the service in SERVICES (a tree or chain name, or module:<instance>). */
  service: string;
  /** authIndexType/authIndexValue as the login started, carried in the authId. */
  indexType: string;
  indexValue: string;
  page: number;
  username?: string;
  /** The user name and password were checked (an MFA tree goes on to its second factor). */
  credentialsOk?: boolean;
  /** The session this login upgrades (sessionUpgradeSSOTokenId, or a valid session cookie). */
  upgrading?: string;
  /** goto / gotoOnFail given when the login started (validated at the end). */
  gotoUrl?: string;
  gotoOnFail?: string;
  createdAt: number;
  expiresAt: number;
  /** Server id of the node that started the login. */
  node: string;
  storage: 'memory' | 'cts' | 'client';
}

/** What a node's handlers can reach: its own identity and memory, and the cluster's shared parts. */
export interface NodeContext {
  id: string;
  /** This node's amlbcookie value (com.iplanet.am.lbcookie.value; the server id by default). */
  lbValue: string;
  config: () => LabConfig;
  clock: LabClock;
  cts: TokenStore;
  keys: LabKeys;
  users: UserStore;
  sessions: SessionService;
  emit: EmitEvent;
  /** Told which balancer exchange this node answered (a real balancer in front does not say). */
  served?: (exchangeId: string, node: string) => void;
  /** Auth sessions held in this node's memory: gone when the node is killed. */
  memory: Map<string, AuthSessionState>;
  /**
   * Memory-based account lockout counters of this server (ISAccountLockout.loginFailHash, a
   * static map in each AM JVM): another server has its own, as behind a non-sticky balancer.
   */
  loginFailures: Map<string, LoginFailures>;
}

export interface LoginFailures {
  count: number;
  lockedAt: number | null;
}

/** One parsed request to an AM REST endpoint. */
export interface AmRequest {
  raw: IncomingMessage;
  method: string;
  realm: string;
  query: URLSearchParams;
  body: unknown;
  cookies: Map<string, string>;
  /** Balancer exchange id (x-lab-exchange), to tie node events to trace rows. */
  exchangeId: string | null;
  apiMajor: number;
}
