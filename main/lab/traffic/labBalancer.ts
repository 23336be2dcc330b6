import type { BackendState } from '../../contract/snapshot';
import type { ClockAnchors } from '../clock';
import type { LabConfig } from '../config';
import type { BackendTarget, BalancerSettings } from '../balancer/proxy';
import type { Driven, DriveHooks, DriveSpec } from '../scenario/loadDriver';

export type { BackendTarget };

/** A node as the balancer fronts it. */
export interface NodeAddress {
  id: string;
  port: number;
}

/**
 * The lab's traffic side as the Lab sees it: the balancer (proxy, routing model, health checks,
 * TLS, a real HAProxy/nginx child) and the load runner's virtual users, which talk to it. With
 * isolation `process` it runs on a worker thread of its own (WorkerBalancer), so neither the
 * proxying nor a load ever blocks the host's thread; in-process it is LocalBalancer itself.
 * The balancer finds dead nodes by itself (health checks, refused connections): nothing here tells it.
 */
export interface LabBalancer {
  readonly port: number;
  /** http(s)://127.0.0.1:port */
  readonly url: string;
  /** The lab CA's certificate (PEM) once the balancer speaks HTTPS. */
  readonly caCert: string | undefined;
  start(cfg: LabConfig, port: number, nodes: NodeAddress[]): Promise<void>;
  /** Settings changed live (routing, TLS, the balancer file); `cfg` is in force once this resolves. */
  apply(before: LabConfig, cfg: LabConfig, nodes: NodeAddress[]): Promise<void>;
  /** The cluster grew or shrank (a real balancer's config names the nodes). */
  nodesChanged(cfg: LabConfig, nodes: NodeAddress[]): Promise<void>;
  clockChanged(anchors: ClockAnchors, advancedBy: number): Promise<void>;
  addBackend(t: BackendTarget): Promise<void>;
  removeBackend(id: string): Promise<void>;
  setDrained(id: string, drained: boolean): Promise<void>;
  /** One health check of one node now; its state afterwards. */
  probe(id: string): Promise<BackendState>;
  /** Each node's state as the balancer last saw it. */
  states(): { id: string; state: BackendState }[];
  resetRoundRobin(): Promise<void>;
  /** A node answered this exchange (a real balancer in front does not say which). */
  served(exchangeId: string, node: string): void;
  /** How the customer's file or the real balancer maps to the nodes, for `serve` to print. */
  mapping(): string[];
  /** What the real balancer (HAProxy, nginx) running in front says about itself, for the window. */
  notes(): string[];
  /** Runs a load's virtual users against the balancer. */
  drive(spec: DriveSpec, hooks: DriveHooks): Promise<Driven>;
  /** Resolves once every exchange answered so far is in the lab's trace. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** The proxy's settings from the lab's (the lab's own policy; a router, when any, is added by the caller). */
export function balancerSettings(c: LabConfig): BalancerSettings {
  return {
    policy: c.policy,
    cookieName: c.lbCookieName,
    redispatch: c.redispatch,
    maxBodyBytes: c.maxBodyBytes,
    upstreamTimeoutMs: c.upstreamTimeoutMs,
    headersTimeoutMs: c.headersTimeoutMs,
    requestTimeoutMs: c.requestTimeoutMs,
  };
}
