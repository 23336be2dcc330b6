import { LabError } from './labError';
import { LbConfigError, type BalancerModel } from './lbconfig/model';
import { LabClock } from './clock';
import { LabConfigSchema, isolationEnvironment, parseConfig, serverId, traceLimits, type LabConfig, type LabConfigInput, type LiveConfigPatch } from './config';
import { ctsEnvironment, openCts, type CtsBackend } from './cts/backend';
import { CtsFaults } from './cts/faults';
import { grantRows } from './am/oauth2/grantRows';
import { CtsUnavailableError, type CtsTokenType, type TokenStore } from './cts/store';
import { generateKeys, type LabKeys } from './am/keys';
import type { AmNode } from './am/node';
import { SessionService, type ActiveSession } from './am/sessionService';
import { UserStore } from './am/users';
import type { LabNode } from './nodes/labNode';
import { ProcessNode } from './nodes/processNode';
import type { LabBalancer, NodeAddress } from './traffic/labBalancer';
import type { BalancerFollowers } from './traffic/followers';
import type { LocalBalancer } from './traffic/localBalancer';
import { WorkerBalancer } from './traffic/workerBalancer';
import type { VirtualBrowser } from './client/browser';
import type { BrowserNetwork } from './client/network';
import { TraceRecorder, type TraceListener } from './trace/recorder';
import type { LabEventOf } from './trace/types';
import { forkLauncher, type Launcher } from './wire/launcher';
import type { BalancerView } from '../contract/balancer';
import type { LabSnapshot, SessionRow } from '../contract/snapshot';

export type { LabSnapshot, SessionRow };

export interface LabOptions extends LabConfigInput {
  /** Balancer port (0 = any free port). */
  port?: number;
  clockSpeed?: number;
  adminPassword?: string;
  /**
   * Existing servers (real AM, or anything HTTP) behind the balancer instead of the lab's own AM
   * nodes, as `session-lab balance` runs it; each id is also its amlbcookie value.
   */
  upstreams?: { id: string; origin: string }[];
  /**
   * With upstreams: balancer processes accepting on the one port (1 = the lab's thread alone). More
   * use more cores; each keeps its own round-robin turn, as separate balancers would.
   */
  balancerProcesses?: number;
  /** How node processes are started (isolation `process`): child_process.fork, or Electron's utilityProcess in the app. */
  launcher?: Launcher;
}

/**
 * What only some labs use, loaded by start() rather than with this module: the virtual browsers'
 * HTTP client and cookie jar (while the nodes start), and AM nodes and the balancer in this thread
 * (isolation in-process). With node processes, `serve` loads less than half the code before them.
 */
const loadBrowsers = async () => {
  const [{ VirtualBrowser }, { BrowserNetwork }] = await Promise.all([import('./client/browser'), import('./client/network')]);
  return { VirtualBrowser, net: new BrowserNetwork() };
};
const loadLocalBalancer = async () => (await import('./traffic/localBalancer')).LocalBalancer;

const ENDED_KEEP = 200;
/** Token types the reaper deletes once expired, with no event (sessions have their own pass). */
const REAPED: CtsTokenType[] = ['AUTH_SESSION', 'OAUTH', 'OAUTH2_GRANT_SET', 'OAUTH_BLACKLIST', 'GENERIC'];

/**
 * The lab: an AM cluster (nodes sharing a CTS), a balancer in front, a clock, a trace and the
 * virtual browsers. The one object the hosts (Electron, web, CLI) and the recipes talk to.
 * With isolation `process` (the hosts' default) each node is an OS process of its own and the
 * balancer and load runner run on a thread of their own; this object, in the host's thread, owns
 * the clock, the settings, the embedded CTS and the trace, and keeps the others in step.
 */
export class Lab {
  readonly clock: LabClock;
  readonly recorder: TraceRecorder;
  readonly users: UserStore;
  readonly sessions: SessionService;
  readonly nodes: LabNode[] = [];
  /** Set by start() before anything can use it. */
  balancer!: LabBalancer;
  readonly browsers = new Map<string, VirtualBrowser>();
  private cfg: LabConfig;
  private reaperTimer: NodeJS.Timeout | undefined;
  private reaping: Promise<void> | undefined;
  private nextReap: Promise<void> | undefined;
  private browserSeq = 0;
  private readonly ended = new Map<string, SessionRow>();
  private adminBrowser: VirtualBrowser | undefined;
  private adminReady: Promise<VirtualBrowser> | undefined;
  private stopped = false;
  /** The lab's own connection to the CTS (reaper, admin listing); each node opens its own. */
  readonly cts: TokenStore;
  private readonly ctsFaults: CtsFaults;
  /** True when the balancer fronts existing servers (LabOptions.upstreams) rather than AM nodes. */
  private upstreams = false;
  private followers: BalancerFollowers | undefined;
  private readonly launcher: Launcher;
  /** Set by start(): see loadBrowsers. */
  private Browser!: typeof VirtualBrowser;
  private net: BrowserNetwork | undefined;
  /** The AM node class, loaded by start() for isolation in-process. */
  private LocalNode: typeof AmNode | undefined;
  /** The customer's balancer file as read (null: none); read again when lbConfig changes. */
  private model: BalancerModel | null = null;
  /** The nodes and the balancer's thread taking over the latest clock change. */
  private clockFollowed: Promise<unknown> = Promise.resolve();

  private constructor(
    opts: LabOptions,
    cfg: LabConfig,
    readonly ctsBackend: CtsBackend,
    readonly keys: LabKeys,
  ) {
    this.cfg = cfg;
    this.launcher = opts.launcher ?? forkLauncher;
    this.cts = ctsBackend.connect();
    this.clock = new LabClock({ speed: opts.clockSpeed ?? 1 });
    this.recorder = new TraceRecorder(this.clock, traceLimits(this.cfg));
    this.ctsFaults = new CtsFaults(ctsBackend, this.recorder.emit);
    this.users = new UserStore(this.cfg.users, opts.adminPassword, this.cfg.agents);
    this.sessions = new SessionService({ config: () => this.cfg, clock: this.clock, cts: this.cts, keys: this.keys, emit: this.recorder.emit });
    this.recorder.subscribe((batch) => {
      for (const item of batch) if (item.kind === 'event' && item.type === 'session-terminated') this.rememberEnded(item);
    });
    this.clock.onChange((_, advancedBy) => {
      const anchors = this.clock.anchors();
      this.clockFollowed = Promise.all([...this.nodes.map((n) => n.clockChanged(anchors, advancedBy)), this.balancer?.clockChanged(anchors, advancedBy)]);
    });
  }

  static async start(opts: LabOptions = {}): Promise<Lab> {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as LabOptions;
    const parsed = LabConfigSchema.safeParse({ ...isolationEnvironment(), ...(opts.upstreams ? {} : ctsEnvironment()), ...given });
    if (!parsed.success) throw new LabError(`Invalid setting: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const model = await readModel(parsed.data);
    const browsers = loadBrowsers();
    browsers.catch(() => undefined); // awaited below, or the start failed first
    let lab: Lab | undefined;
    const backend = await openCts(() => lab?.cfg ?? parsed.data);
    lab = new Lab(opts, parsed.data, backend, generateKeys());
    lab.model = model;
    try {
      if (lab.cfg.isolation === 'in-process' && !opts.upstreams) lab.LocalNode = (await import('./am/node')).AmNode;
      const nodes = opts.upstreams ? [] : Array.from({ length: lab.cfg.nodes }, (_, i) => lab!.createNode(serverId(i)));
      lab.nodes.push(...nodes);
      // The node processes and the balancer's thread start side by side; the forks go first, as
      // creating the thread holds this one for a while.
      const starting = nodes.map((n) => n.start());
      const [balancer] = await Promise.all([lab.openBalancer(!!opts.upstreams), ...starting]);
      lab.balancer = balancer;
      for (const u of opts.upstreams ?? []) await balancer.addBackend({ id: u.id, lbValue: u.id, origin: u.origin });
      for (const n of nodes) await balancer.addBackend(backendOf(n));
      lab.upstreams = !!opts.upstreams;
      await balancer.start(lab.cfg, opts.port ?? 0, lab.addresses());
      const loaded = await browsers;
      lab.Browser = loaded.VirtualBrowser;
      lab.net = loaded.net;
      if (opts.upstreams && (opts.balancerProcesses ?? 1) > 1) await lab.startFollowers(balancer as LocalBalancer, opts.balancerProcesses! - 1, opts.upstreams);
    } catch (e) {
      await lab.stop();
      throw e;
    }
    lab.reaperTimer = setInterval(() => void lab.reap(), 1_000);
    lab.reaperTimer.unref();
    lab.clock.onChange((_, advanced) => {
      if (advanced > 0) void lab.reap();
    });
    return lab;
  }

  /**
   * The balancer in this thread, or on a worker thread of its own (isolation `process`) whose trace
   * comes here. A balancer alone in front of existing servers (`session-lab balance`) stays here:
   * with no nodes and no window on this thread there is nothing to keep it from, and shipping every
   * exchange to another thread cost it a quarter of its requests/s (bench, AM-shaped POSTs).
   */
  private async openBalancer(alone: boolean): Promise<LabBalancer> {
    if (this.cfg.isolation === 'in-process' || alone) return new (await loadLocalBalancer())(() => this.cfg, this.recorder, this.clock);
    return WorkerBalancer.start({ config: this.cfg, clock: this.clock.anchors() }, (t) => this.recorder.recordShipped(t.batch, t.dropped));
  }

  /** `balance --processes N`: N - 1 more processes accept on the balancer's socket (plain HTTP). */
  private async startFollowers(lead: LocalBalancer, count: number, upstreams: { id: string; origin: string }[]): Promise<void> {
    const listening = lead.listening;
    if (!listening) throw new LabError('More than one balancer process needs plain HTTP');
    const backends = upstreams.map((u) => ({ id: u.id, lbValue: u.id, origin: u.origin }));
    const { BalancerFollowers } = await import('./traffic/followers');
    this.followers = await BalancerFollowers.start(count, listening, { config: this.cfg, clock: this.clock.anchors(), backends }, (batch, dropped) => this.recorder.recordShipped(batch, dropped));
  }

  /** Pids of the further balancer processes (`balance --processes N`). */
  get balancerPids(): number[] {
    return this.followers?.pids ?? [];
  }

  /** Each AM server connects to the CTS itself, and so runs its own session service over it. */
  private createNode(id: string): LabNode {
    if (this.cfg.isolation === 'process') {
      return new ProcessNode(
        id,
        {
          launcher: this.launcher,
          init: (port) => ({
            id,
            port,
            config: this.cfg,
            clock: this.clock.anchors(),
            secrets: { authIdSecret: this.keys.authIdSecret, sessionSigningKey: this.keys.sessionSigningKey, journeyEncryptionKey: this.keys.journeyEncryptionKey },
            adminPassword: this.users.adminPassword,
            cts: this.ctsBackend.kind === 'embedded' ? { kind: 'embedded' } : { kind: 'ldap', settings: this.ctsBackend.connectionSettings(id)! },
          }),
          cts: this.ctsBackend.kind === 'embedded' ? this.ctsBackend.connect(id) : this.cts,
          record: (e) => this.recorder.recordEvent(e),
          served: (exchangeId, node) => this.balancer.served(exchangeId, node),
          oauth2Key: async () => {
            const { kid, jwk } = await this.keys.oauth2Signing();
            return { kid, jwk };
          },
          // The lab started the process, so it sees it end; the balancer finds out by itself.
          exited: (node, end) => this.recorder.emit('node-process-ended', { node: node.id, data: { pid: node.pid!, signal: end.signal, code: end.code } }),
        },
        () => this.cfg.contextPath,
      );
    }
    const cts = this.ctsBackend.connect(id);
    return new this.LocalNode!(id, {
      config: () => this.cfg,
      clock: this.clock,
      cts,
      keys: this.keys,
      users: this.users,
      sessions: new SessionService({ config: () => this.cfg, clock: this.clock, cts, keys: this.keys, emit: this.recorder.emit }),
      emit: this.recorder.emit,
      served: (exchangeId, node) => this.balancer.served(exchangeId, node),
    });
  }

  private addresses(): NodeAddress[] {
    return this.nodes.map((n) => ({ id: n.id, port: n.port }));
  }

  get config(): LabConfig {
    return this.cfg;
  }

  /** Balancer base URL ending in the context path: what curl, the SDK and the virtual browsers use. */
  get balancerUrl(): string {
    return `${this.balancer.url}${this.cfg.contextPath}`;
  }

  /** The customer's balancer file as the lab read it (null: the lab's own policy). */
  get balancerModel(): BalancerModel | null {
    return this.model;
  }

  /** The balancer as the window shows it: what runs, the customer's file with its findings and mapping. */
  private async balancerView(): Promise<BalancerView> {
    const m = this.balancerModel;
    const view = m && (await import('./lbconfig/view'));
    return { runs: this.cfg.balancer, config: m && view ? view.configView(m, this.nodes.map((n) => n.id), view.amSideOf(this.cfg)) : null, notes: this.balancer.notes() };
  }

  /** What `serve` prints first: where to send requests, each node and its process, the admin login, and the CTS to ldapsearch. */
  info() {
    const { kind, url, replicas, baseDn, bindDn, password } = this.ctsBackend.status();
    return {
      balancer: this.balancerUrl,
      nodes: this.nodes.map((n) => ({ id: n.id, url: n.url, pid: n.pid })),
      admin: { username: 'amadmin', password: this.users.adminPassword },
      oauth2: this.oauth2Client(),
      cts: kind === 'embedded' ? { kind } : { kind, url, replicas, baseDn, bindDn, password },
    };
  }

  /** Passwords the lab knows that traffic could carry (amadmin's, the CTS bind password): HAR redaction sweeps them everywhere. */
  secrets(): { value: string; kind: 'password' }[] {
    return [this.users.adminPassword, this.ctsBackend.status().password].flatMap((value) => (value ? [{ value, kind: 'password' as const }] : []));
  }

  /** The public client an SPA or the SDK uses: its id and first redirect URI (the first public client configured). */
  oauth2Client(): { clientId: string; redirectUri: string } | null {
    const found = Object.entries(this.cfg.oauth2Clients).find(([, c]) => c.type === 'public');
    return found ? { clientId: found[0], redirectUri: found[1].redirectUris[0]! } : null;
  }

  node(id: string): LabNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new LabError(`There is no node ${id}; nodes are ${this.nodes.map((x) => x.id).join(', ')}`);
    return n;
  }

  /** Kills the node (a node process gets SIGKILL): its memory is gone. The balancer finds out as a real one would. */
  async killNode(id: string): Promise<void> {
    const n = this.node(id);
    if (!n.running) return;
    await n.kill();
    this.recorder.emit('node-down', { node: id, data: { by: 'operator' } });
  }

  /** Starts the node again (a fresh process, on the same port). */
  async restartNode(id: string): Promise<void> {
    const n = this.node(id);
    if (n.running) await n.kill();
    await n.start();
    this.recorder.emit('node-up', { node: id, data: { by: 'operator', port: n.port, ...(n.pid !== null ? { pid: n.pid } : {}) } });
    // The balancer checks it at once (like `enable health` in HAProxy) rather than on its next interval.
    await this.balancer.probe(id);
  }

  /** CTS faults on the lab's own directory (replicas are 1-based, as the window names them). */
  stopCtsReplica = (replica: number) => this.ctsFaults.stopReplica(replica);
  startCtsReplica = (replica: number) => this.ctsFaults.startReplica(replica);
  /** The whole directory down (every replica) or back. */
  stopCts = () => this.ctsFaults.stopAll();
  startCts = () => this.ctsFaults.startAll();

  /** Round-robin starts over, so a recipe run in a used lab routes as in a fresh one. */
  resetRouting(): Promise<void> {
    return this.balancer.resetRoundRobin();
  }

  async drainNode(id: string, drained = true): Promise<void> {
    this.node(id);
    await this.balancer.setDrained(id, drained);
  }

  /** Grows or shrinks the cluster live; removed nodes are the highest server ids. */
  async setNodeCount(count: number): Promise<void> {
    if (this.upstreams) throw new LabError('This lab balances existing servers: it has no AM nodes to add or remove');
    if (!Number.isInteger(count) || count < 1 || count > 9) throw new LabError('The number of nodes must be between 1 and 9');
    while (this.nodes.length < count) {
      const n = this.createNode(serverId(this.nodes.length));
      await n.start();
      this.nodes.push(n);
      await this.balancer.addBackend(backendOf(n));
      this.recorder.emit('node-added', { node: n.id, data: {} });
    }
    while (this.nodes.length > count) {
      const n = this.nodes.pop()!;
      await n.stop();
      await this.balancer.removeBackend(n.id);
      this.recorder.emit('node-removed', { node: n.id, data: {} });
    }
    this.cfg = { ...this.cfg, nodes: count };
    await Promise.all([this.balancer.nodesChanged(this.cfg, this.addresses()), ...this.nodes.map((n) => n.configure(this.cfg))]);
  }

  /**
   * Applies settings live; each change is an event with before and after. The patch was checked
   * where it entered (the contract's ConfigPatchSchema); every key of it takes effect now, in the
   * node processes and the balancer's thread too.
   */
  async configure(patch: LiveConfigPatch): Promise<LabConfig> {
    const sent = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as LiveConfigPatch;
    const { nodes, ...rest } = sent;
    if (nodes !== undefined && nodes !== this.nodes.length) await this.setNodeCount(nodes);
    const before = this.cfg;
    const next = parseConfig({ ...this.cfg, ...rest });
    const model = next.lbConfig === this.cfg.lbConfig ? this.model : await readModel(next);
    this.cfg = next;
    this.model = model;
    await Promise.all([this.balancer.apply(before, next, this.addresses()), ...this.nodes.map((n) => n.configure(next))]);
    // The browsers' connections were to the balancer as it spoke before (another protocol or certificate).
    if (before.https !== next.https || (next.https && before.publicHost !== next.publicHost)) await this.net!.close();
    // Every other setting is read where it is used, on each request or session; the trace holds state.
    if (rest.traceCapacity !== undefined || rest.traceBudgetBytes !== undefined || rest.traceBodyBytes !== undefined) this.recorder.setLimits(traceLimits(this.cfg));
    for (const key of Object.keys(rest) as (keyof LabConfig)[]) {
      if (JSON.stringify(before[key]) === JSON.stringify(this.cfg[key])) continue;
      const model = key === 'lbConfig' ? this.balancerModel : null;
      const said = key === 'policy' ? { lbCookieName: this.cfg.lbCookieName } : model ? { product: model.product } : {};
      this.recorder.emit('config-changed', { data: { key, from: before[key], to: this.cfg[key], ...said } });
    }
    return this.cfg;
  }

  /** Each clock change is in force in every node (and the balancer's thread) when these resolve. */
  async advanceClock(ms: number): Promise<void> {
    this.clock.advance(ms);
    this.recorder.emit('clock-changed', { data: { advancedBy: ms } });
    await this.clockFollowed;
  }

  async setClockSpeed(speed: number): Promise<void> {
    this.clock.setSpeed(speed);
    this.recorder.emit('clock-changed', { data: { speed } });
    await this.clockFollowed;
  }

  async pauseClock(paused: boolean): Promise<void> {
    if (paused) this.clock.pause();
    else this.clock.resume();
    this.recorder.emit('clock-changed', { data: { paused } });
    await this.clockFollowed;
  }

  subscribe(listener: TraceListener): () => void {
    return this.recorder.subscribe(listener);
  }

  /**
   * Resolves once everything the nodes and the balancer recorded so far is in the trace and
   * handed to its subscribers (node processes and the balancer's thread send theirs in batches).
   */
  async settle(): Promise<void> {
    await Promise.all([...this.nodes.map((n) => n.settle()), this.balancer?.settle()]);
    this.recorder.flush();
  }

  createBrowser(name?: string): VirtualBrowser {
    const id = `b${++this.browserSeq}`;
    const b = new this.Browser(id, name?.trim() || `Browser ${this.browserSeq}`, this.network, this.clock, undefined, (x) =>
      this.recorder.emit('cookie-blocked', { data: { browser: id, browserName: b.name, cookie: x.name, reason: x.reason, url: x.url } }),
    );
    this.browsers.set(id, b);
    return b;
  }

  /** What the virtual browsers talk to: the public host (resolved to the balancer) from their client address. */
  private readonly network = (clientIp: string) => this.net!.site(this.cfg, this.balancer.port, clientIp, this.balancer.caCert);

  browser(id: string): VirtualBrowser {
    const b = this.browsers.get(id);
    if (!b) throw new LabError(`There is no virtual browser ${id}`);
    return b;
  }

  removeBrowser(id: string): void {
    this.browsers.delete(id);
  }

  /**
   * Admin termination through AM's own REST API: amadmin logs in through the balancer and calls
   * logoutByHandle, so the trace shows exactly what an administrator's console would do.
   */
  async terminateSession(handle: string): Promise<boolean> {
    const admin = await this.admin();
    const r = await admin.logoutByHandle([handle]);
    return r.status === 200;
  }

  /**
   * amadmin's console session, checked (or signed in) by one call at a time: a bulk termination's
   * parallel calls share one amadmin session instead of each signing in.
   */
  private admin(): Promise<VirtualBrowser> {
    this.adminReady ??= this.adminSession().finally(() => (this.adminReady = undefined));
    return this.adminReady;
  }

  private async adminSession(): Promise<VirtualBrowser> {
    if (this.adminBrowser && ((await this.adminBrowser.validate()).body as { valid?: boolean }).valid) return this.adminBrowser;
    this.adminBrowser ??= new this.Browser('admin', 'amadmin console', this.network, this.clock);
    // The ldapService chain, as amster and admin scripts log in: trees honour the X-OpenAM headers only with a ZPL collector.
    const step = await this.adminBrowser.zeroPageLogin('amadmin', this.users.adminPassword, { service: 'ldapService' });
    if (step.kind !== 'success') throw new LabError(`amadmin could not log in: ${step.status}`);
    return this.adminBrowser;
  }

  /** CTS reaper pass: expired sessions and auth sessions are removed, each with its reason. */
  async reap(): Promise<void> {
    if (this.stopped) return;
    // A pass already running may have read the clock before this call (a directory CTS takes real
    // milliseconds), so the caller gets the next pass, which one follow-up serves for all callers.
    if (this.reaping) return (this.nextReap ??= this.reaping.then(() => ((this.nextReap = undefined), this.reap())));
    this.reaping = (async () => {
      try {
        const now = this.clock.now();
        await this.sessions.reap();
        for (const type of REAPED) for (const t of await this.cts.expired(now, type)) await this.cts.delete(t.id);
        this.ctsFaults.reaperReached(true);
      } catch (e) {
        // AM's CTS reaper logs the failure and runs again on its next period.
        if (!(e instanceof CtsUnavailableError)) throw e;
        this.ctsFaults.reaperReached(false, e.message);
      } finally {
        this.reaping = undefined;
      }
    })();
    return this.reaping;
  }

  private rememberEnded(e: LabEventOf<'session-terminated'>): void {
    const s = e.data.session;
    if (s.kind !== 'cts') return;
    this.ended.set(s.handle, { ...toRow(s), status: 'ended', reason: e.data.reason, endedAt: e.labTime });
    while (this.ended.size > ENDED_KEEP) this.ended.delete(this.ended.keys().next().value!);
  }

  /** CTS sessions as the admin console lists them, then recently ended ones with their reason. */
  async sessionRows(): Promise<SessionRow[]> {
    this.recorder.flush(); // deliver pending session-terminated events to the ended list first
    let active: SessionRow[] = [];
    try {
      active = (await this.sessions.list()).map(toRow);
    } catch (e) {
      // With the CTS unreachable the admin console lists nothing either; ended sessions stay.
      if (!(e instanceof CtsUnavailableError)) throw e;
    }
    return [...active, ...[...this.ended.values()].reverse()];
  }

  async snapshot(): Promise<LabSnapshot> {
    const states = new Map(this.balancer.states().map((s) => [s.id, s.state]));
    const [sessions, stats] = await Promise.all([this.sessionRows(), Promise.all(this.nodes.map((n) => n.stats()))]);
    return {
      config: this.cfg,
      clock: this.clock.state(),
      balancer: this.balancerUrl,
      lb: await this.balancerView(),
      nodes: this.nodes.map((n, i) => ({
        id: n.id,
        url: n.url,
        pid: n.pid,
        state: n.running ? (states.get(n.id) ?? 'up') : 'down',
        running: n.running,
        authSessionsInMemory: stats[i]!.authSessionsInMemory,
        sessions: sessions.filter((s) => s.status === 'active' && s.homeNode === n.id).length,
        requests: stats[i]!.requests,
      })),
      browsers: [...this.browsers.values()].map((b) => ({ id: b.id, name: b.name, clientIp: b.clientIp, appOrigin: b.appOrigin })),
      sessions,
      oauth2Grants: await grantRows(this.cts, this.clock.now()),
      trace: this.recorder.stats(),
      users: this.users.list(),
      cts: this.ctsBackend.status(),
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.reaperTimer);
    await this.reaping;
    // The further balancer processes send their last exchanges as they stop.
    await this.followers?.stop();
    await this.balancer?.settle().catch(() => undefined);
    this.recorder.flush();
    await this.balancer?.stop();
    await Promise.all(this.nodes.map((n) => n.stop()));
    await this.net?.close();
    await this.ctsBackend.stop();
  }
}

/** A node as the balancer fronts it: its amlbcookie value is its server id (com.iplanet.am.lbcookie.value's default). */
function backendOf(n: LabNode) {
  return { id: n.id, lbValue: n.id, origin: `http://127.0.0.1:${n.port}` };
}

export { LabError };

/**
 * The customer's balancer file, read as the balancer reads it (its readers, YAML among them, load
 * only when there is one). One that cannot be read is an operator mistake with its line, like any bad setting.
 */
async function readModel(cfg: LabConfig): Promise<BalancerModel | null> {
  if (cfg.lbConfig === null) return null;
  try {
    return (await loadLocalBalancer()).readModel(cfg);
  } catch (e) {
    if (e instanceof LbConfigError) throw new LabError(`Balancer configuration: ${e.message}`);
    throw e;
  }
}

function toRow(s: Omit<ActiveSession, 'sessionUid' | 'universalId' | 'admin' | 'maxCachingTime' | 'properties'>): SessionRow {
  return {
    handle: s.handle,
    username: s.username,
    realm: s.realm,
    kind: s.kind,
    homeNode: s.homeNode,
    createdAt: s.createdAt,
    latestAccessTime: s.latestAccessTime,
    maxIdleExpiration: s.maxIdleExpiration,
    maxSessionExpiration: s.maxSessionExpiration,
    status: 'active',
    reason: null,
    endedAt: null,
  };
}
