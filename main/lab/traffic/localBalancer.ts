import type { BackendState } from '../../contract/snapshot';
import type { LabClock } from '../clock';
import type { LabConfig } from '../config';
import type { ExternalBalancer } from '../balancer/external/process';
import { ModelRouter } from '../balancer/modelRouter';
import { Balancer, type BackendTarget, type TlsIdentity } from '../balancer/proxy';
import type { Router } from '../balancer/router';
import { labCa, serverCertificate, type LabCa } from '../balancer/tls';
import { implicitServer } from '../lbconfig/describe';
import type { BalancerModel } from '../lbconfig/model';
import { readBalancerConfig } from '../lbconfig/read';
import type { Driven, DriveHooks, DriveSpec } from '../scenario/loadDriver';
import type { TraceSink } from '../trace/recorder';
import { balancerSettings, type LabBalancer, type NodeAddress } from './labBalancer';

/** How long a real balancer's answer waits for the node to say it served it (its note may come just after). */
const SERVED_WAIT_MS = 100;
const SERVED_KEEP = 10_000;

/**
 * The lab's balancer in this thread: the proxy (balancer/proxy.ts) with the routing model it follows
 * (the lab's policy, a customer's config, or a real HAProxy/nginx in front of the nodes), its
 * HTTPS identity, and the load runner's virtual users beside it. In-process it is the Lab's
 * balancer; with isolation `process` it runs on the balancer's worker thread (worker.ts).
 */
export class LocalBalancer implements LabBalancer {
  private readonly proxy: Balancer;
  /** What the proxy routes with when not the lab's own policy. */
  private router: Router | undefined;
  private external: ExternalBalancer | undefined;
  private ca: LabCa | undefined;
  private identity: { hosts: string; tls: TlsIdentity } | undefined;
  /** Which node answered an exchange, told by the nodes (a real balancer in front does not say). */
  private readonly servedBy = new Map<string, string>();
  private readonly servedWaiters = new Map<string, (node: string | undefined) => void>();

  constructor(
    private readonly cfg: () => LabConfig,
    trace: TraceSink,
    private readonly clock: LabClock,
  ) {
    this.proxy = new Balancer(() => ({ ...balancerSettings(this.cfg()), router: this.router }), trace, clock);
  }

  /** The proxy's listening socket, for more balancer processes to accept on (traffic/followers.ts). */
  get listening() {
    return this.proxy.listening;
  }

  /** Reads the configured balancer file; a bad file is an error naming its line, and nothing changes. */
  static readModel(cfg: Pick<LabConfig, 'lbConfig'>): BalancerModel | null {
    if (cfg.lbConfig === null) return null;
    return readBalancerConfig(cfg.lbConfig, 'lbConfig');
  }

  get port(): number {
    return this.proxy.port;
  }

  get url(): string {
    return this.proxy.url;
  }

  async start(cfg: LabConfig, port: number, nodes: NodeAddress[]): Promise<void> {
    this.setModel(LocalBalancer.readModel(cfg));
    await this.proxy.start(port, cfg.https ? await this.tls(cfg) : undefined);
    if (cfg.balancer !== 'built-in') {
      // Loaded only for a real HAProxy/nginx in front: a balancer thread that only balances starts smaller.
      const { startExternal } = await import('../balancer/external/process');
      this.external = await startExternal(cfg.balancer, { cfg, nodes, tls: () => this.tls(cfg), servedBy: (id) => this.takeServed(id) });
      this.router = this.external.router;
    }
  }

  async apply(before: LabConfig, cfg: LabConfig, nodes: NodeAddress[]): Promise<void> {
    if (before.lbConfig !== cfg.lbConfig) this.setModel(LocalBalancer.readModel(cfg));
    const tlsChanged = before.https !== cfg.https || (cfg.https && before.publicHost !== cfg.publicHost);
    if (tlsChanged) await this.proxy.relisten(cfg.https ? await this.tls(cfg) : undefined);
    if (this.external && (before.lbConfig !== cfg.lbConfig || before.policy !== cfg.policy || before.lbCookieName !== cfg.lbCookieName || before.redispatch !== cfg.redispatch)) {
      await this.external.reload(cfg, nodes);
    }
  }

  async nodesChanged(cfg: LabConfig, nodes: NodeAddress[]): Promise<void> {
    await this.external?.reload(cfg, nodes);
  }

  // This thread's clock is the lab's own (in-process) or follows it (worker.ts applies the change).
  async clockChanged(): Promise<void> {}

  private setModel(model: BalancerModel | null): void {
    if (!this.external) this.router = model ? new ModelRouter(model) : undefined;
  }

  /** The lab's HTTPS identity for the current public host (CA made once per lab, kept in memory). */
  private async tls(cfg: Pick<LabConfig, 'publicHost'>): Promise<TlsIdentity> {
    if (this.identity?.hosts === cfg.publicHost) return this.identity.tls;
    this.ca ??= await labCa();
    this.identity = { hosts: cfg.publicHost, tls: await serverCertificate(this.ca, [cfg.publicHost]) };
    return this.identity.tls;
  }

  get caCert(): string | undefined {
    return this.ca?.cert;
  }

  async addBackend(t: BackendTarget): Promise<void> {
    this.proxy.addBackend(t);
  }

  removeBackend(id: string): Promise<void> {
    return this.proxy.removeBackend(id);
  }

  async setDrained(id: string, drained: boolean): Promise<void> {
    this.proxy.setDrained(id, drained);
  }

  probe(id: string): Promise<BackendState> {
    return this.proxy.probe(id);
  }

  states(): { id: string; state: BackendState }[] {
    return this.proxy.states().map(({ id, state }) => ({ id, state }));
  }

  async resetRoundRobin(): Promise<void> {
    this.proxy.resetRoundRobin();
  }

  served(exchangeId: string, node: string): void {
    if (!this.external) return;
    const waiting = this.servedWaiters.get(exchangeId);
    if (waiting) return (this.servedWaiters.delete(exchangeId), waiting(node));
    this.servedBy.set(exchangeId, node);
    if (this.servedBy.size > SERVED_KEEP) this.servedBy.delete(this.servedBy.keys().next().value!);
  }

  /** The node that served an exchange: known at once in-process; from a node process it may follow the answer by a moment. */
  private takeServed(exchangeId: string): Promise<string | undefined> {
    const n = this.servedBy.get(exchangeId);
    if (n !== undefined) {
      this.servedBy.delete(exchangeId);
      return Promise.resolve(n);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => (this.servedWaiters.delete(exchangeId), resolve(undefined)), SERVED_WAIT_MS);
      this.servedWaiters.set(exchangeId, (node) => (clearTimeout(timer), resolve(node)));
    });
  }

  mapping(): string[] {
    if (this.external) return this.external.describe();
    const m = LocalBalancer.readModel(this.cfg());
    if (!m) return [];
    const nodes = this.proxy.states();
    if (!m.servers.length) return nodes.map((n, i) => `node ${n.id} = ${implicitServer(m, i)}`);
    return m.servers.map((s, i) => `server ${s.name}${s.cookie !== undefined ? ` (cookie ${s.cookie})` : ''} = ${nodes[i] ? `node ${nodes[i]!.id}` : 'no lab node (treated as down)'}`);
  }

  notes(): string[] {
    return this.external?.describe() ?? [];
  }

  /** The virtual users (cookie jars, HTTP clients) load with the first run, not with the balancer. */
  async drive(spec: DriveSpec, hooks: DriveHooks): Promise<Driven> {
    const { drive } = await import('../scenario/loadDriver');
    return drive(`${this.url}${this.cfg().contextPath}`, this.clock, spec, hooks);
  }

  // Exchanges are recorded before their answer is sent, in this thread's trace sink.
  async settle(): Promise<void> {}

  async stop(): Promise<void> {
    await this.proxy.stop();
    await this.external?.stop();
  }
}
