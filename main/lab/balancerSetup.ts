import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import type { LabConfig } from './config';
import { startExternal, type ExternalBalancer } from './balancer/external/process';
import { keepAtMost } from './balancer/keepAtMost';
import { ModelRouter } from './balancer/modelRouter';
import type { Balancer, TlsIdentity } from './balancer/proxy';
import type { Router } from './balancer/router';
import { labCa, serverCertificate, type LabCa } from './balancer/tls';
import type { BrowserSite } from './client/browser';
import type { BalancerView } from '../contract/balancer';
import { implicitServer } from './lbconfig/describe';
import type { BalancerModel } from './lbconfig/model';
import { readBalancerConfig } from './lbconfig/read';
import { amSideOf, configView } from './lbconfig/view';
import type { TraceRecorder } from './trace/recorder';

/**
 * How the lab's balancer is set up, apart from its proxying: which routing model it follows (the
 * lab's policy, a customer's config, or a real HAProxy/nginx in front of the nodes), whether it
 * speaks HTTPS with a lab certificate, and the network the virtual browsers reach it through
 * (the public host name resolved to 127.0.0.1, each browser's own client address).
 */
export interface SetupDeps {
  balancer: Balancer;
  recorder: TraceRecorder;
  nodes(): { id: string; port: number }[];
}

const AGENTS_KEEP = 64;

export class BalancerSetup {
  /** What the balancer routes with when not the lab's own policy. */
  router: Router | undefined;
  model: BalancerModel | null = null;
  private external: ExternalBalancer | undefined;
  private ca: LabCa | undefined;
  private identity: { hosts: string; tls: TlsIdentity } | undefined;
  private readonly agents = new Map<string, Agent>();
  /** Which node answered an exchange, told by the nodes (a real balancer in front does not say). */
  private readonly servedBy = new Map<string, string>();

  constructor(private readonly deps: SetupDeps) {}

  /** Reads the configured balancer file; a bad file is an error naming its line, and nothing changes. */
  static readModel(cfg: Pick<LabConfig, 'lbConfig'>): BalancerModel | null {
    if (cfg.lbConfig === null) return null;
    return readBalancerConfig(cfg.lbConfig, 'lbConfig');
  }

  async start(cfg: LabConfig, port: number): Promise<void> {
    this.setModel(BalancerSetup.readModel(cfg));
    await this.deps.balancer.start(port, cfg.https ? await this.tls(cfg) : undefined);
    if (cfg.balancer !== 'built-in') {
      this.external = await startExternal(cfg.balancer, { cfg, nodes: this.deps.nodes(), tls: () => this.tls(cfg), servedBy: (id) => this.takeServed(id) });
      this.router = this.external.router;
    }
  }

  /** Applies changed settings live: a new balancer file, HTTPS on or off, another public host. */
  async apply(before: LabConfig, cfg: LabConfig): Promise<void> {
    if (before.lbConfig !== cfg.lbConfig) this.setModel(BalancerSetup.readModel(cfg));
    const tlsChanged = before.https !== cfg.https || (cfg.https && before.publicHost !== cfg.publicHost);
    if (tlsChanged) {
      await this.deps.balancer.relisten(cfg.https ? await this.tls(cfg) : undefined);
      await this.closeAgents();
    }
    if (this.external && (before.lbConfig !== cfg.lbConfig || before.policy !== cfg.policy || before.lbCookieName !== cfg.lbCookieName || before.redispatch !== cfg.redispatch)) {
      await this.external.reload(cfg, this.deps.nodes());
    }
  }

  /** After the cluster grew or shrank: a real balancer's config names the nodes, so it is rewritten. */
  async nodesChanged(cfg: LabConfig): Promise<void> {
    await this.external?.reload(cfg, this.deps.nodes());
  }

  private setModel(model: BalancerModel | null): void {
    this.model = model;
    if (!this.external) this.router = model ? new ModelRouter(model) : undefined;
  }

  /** The lab's HTTPS identity for the current public host (CA made once per lab, kept in memory). */
  async tls(cfg: Pick<LabConfig, 'publicHost'>): Promise<TlsIdentity> {
    if (this.identity?.hosts === cfg.publicHost) return this.identity.tls;
    this.ca ??= await labCa();
    this.identity = { hosts: cfg.publicHost, tls: await serverCertificate(this.ca, [cfg.publicHost]) };
    return this.identity.tls;
  }

  /** The lab CA's certificate (PEM), for clients that should trust the balancer (curl --cacert). */
  get caCert(): string | undefined {
    return this.ca?.cert;
  }

  /** What a virtual browser with this client address talks to. */
  site(cfg: LabConfig, clientIp: string): BrowserSite {
    const scheme = cfg.https ? 'https' : 'http';
    return { base: `${scheme}://${cfg.publicHost}:${this.deps.balancer.port}${cfg.contextPath}`, dispatcher: this.agent(clientIp) };
  }

  private agent(clientIp: string): Dispatcher {
    let a = this.agents.get(clientIp);
    if (a) return a;
    a = new Agent({
      connections: 256,
      keepAliveTimeout: 4_000,
      // Each browser's own loopback address, so the balancer sees distinct clients (Linux routes all of 127/8 to lo).
      ...(clientIp !== '127.0.0.1' ? { localAddress: clientIp } : {}),
      connect: { lookup: toLoopback, ...(this.ca ? { ca: this.ca.cert } : {}) },
    });
    this.agents.set(clientIp, a);
    keepAtMost(this.agents, AGENTS_KEEP, (old) => void old.close().catch(() => undefined));
    return a;
  }

  private closeAgents(): Promise<unknown> {
    const closing = [...this.agents.values()].map((a) => a.close().catch(() => undefined));
    this.agents.clear();
    return Promise.all(closing);
  }

  /** Nodes say which exchange they served; a real balancer in front reads it back once. */
  served(exchangeId: string, node: string): void {
    if (!this.external) return;
    this.servedBy.set(exchangeId, node);
    if (this.servedBy.size > 10_000) this.servedBy.delete(this.servedBy.keys().next().value!);
  }

  private takeServed(exchangeId: string): string | undefined {
    const n = this.servedBy.get(exchangeId);
    this.servedBy.delete(exchangeId);
    return n;
  }

  /** How the file's servers map to the lab's nodes, for `serve` to print. */
  mapping(): string[] {
    if (this.external) return this.external.describe();
    const m = this.model;
    if (!m) return [];
    const nodes = this.deps.nodes();
    if (!m.servers.length) return nodes.map((n, i) => `node ${n.id} = ${implicitServer(m, i)}`);
    return m.servers.map((s, i) => `server ${s.name}${s.cookie !== undefined ? ` (cookie ${s.cookie})` : ''} = ${nodes[i] ? `node ${nodes[i]!.id}` : 'no lab node (treated as down)'}`);
  }

  /** The balancer as the window shows it: what runs, the customer's file with its findings and mapping. */
  view(cfg: LabConfig): BalancerView {
    return { runs: cfg.balancer, config: this.model ? configView(this.model, this.deps.nodes().map((n) => n.id), amSideOf(cfg)) : null, notes: this.external?.describe() ?? [] };
  }

  async stop(): Promise<void> {
    await this.external?.stop();
    await this.closeAgents();
  }
}

/** The lab's name resolution: every host name a virtual browser uses is the balancer on 127.0.0.1. */
const toLoopback: LookupFunction = (_host, opts, cb) => {
  if ((opts as { all?: boolean } | undefined)?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
};
