import { BalancerSetup } from './balancerSetup';
import { LabError } from './labError';
import { LbConfigError } from './lbconfig/model';
import { LabClock } from './clock';
import { LabConfigSchema, parseConfig, serverId, traceLimits, type LabConfig, type LabConfigInput, type LiveConfigPatch } from './config';
import { ctsEnvironment, openCts, type CtsBackend } from './cts/backend';
import { CtsFaults } from './cts/faults';
import { grantRows } from './am/oauth2/grantRows';
import { CtsUnavailableError, type CtsTokenType, type TokenStore } from './cts/store';
import { generateKeys, type LabKeys } from './am/keys';
import { AmNode } from './am/node';
import { SessionService, type ActiveSession } from './am/sessionService';
import { UserStore } from './am/users';
import { Balancer } from './balancer/proxy';
import { VirtualBrowser } from './client/browser';
import { TraceRecorder, type TraceListener } from './trace/recorder';
import type { LabEventOf } from './trace/types';
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
}

const ENDED_KEEP = 200;
/** Token types the reaper deletes once expired, with no event (sessions have their own pass). */
const REAPED: CtsTokenType[] = ['AUTH_SESSION', 'OAUTH', 'OAUTH2_GRANT_SET', 'OAUTH_BLACKLIST', 'GENERIC'];

/**
 * The lab: an AM cluster (nodes sharing a CTS), a balancer in front, a clock, a trace and the
 * virtual browsers. The one object the hosts (Electron, web, CLI) and the recipes talk to.
 */
export class Lab {
  readonly clock: LabClock;
  readonly recorder: TraceRecorder;
  readonly users: UserStore;
  readonly sessions: SessionService;
  readonly nodes: AmNode[] = [];
  readonly balancer: Balancer;
  readonly browsers = new Map<string, VirtualBrowser>();
  /** The balancer's routing model (lab policy, customer config, real binary), TLS and the browsers' network. */
  readonly setup: BalancerSetup;
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

  private constructor(
    opts: LabOptions,
    cfg: LabConfig,
    readonly ctsBackend: CtsBackend,
    readonly keys: LabKeys,
  ) {
    this.cfg = cfg;
    this.cts = ctsBackend.connect();
    this.clock = new LabClock({ speed: opts.clockSpeed ?? 1 });
    this.recorder = new TraceRecorder(this.clock, traceLimits(this.cfg));
    this.ctsFaults = new CtsFaults(ctsBackend, this.recorder.emit);
    this.users = new UserStore(this.cfg.users, opts.adminPassword, this.cfg.agents);
    this.sessions = new SessionService({ config: () => this.cfg, clock: this.clock, cts: this.cts, keys: this.keys, emit: this.recorder.emit });
    this.balancer = new Balancer(
      () => ({
        policy: this.cfg.policy,
        cookieName: this.cfg.lbCookieName,
        redispatch: this.cfg.redispatch,
        maxBodyBytes: this.cfg.maxBodyBytes,
        upstreamTimeoutMs: this.cfg.upstreamTimeoutMs,
        headersTimeoutMs: this.cfg.headersTimeoutMs,
        requestTimeoutMs: this.cfg.requestTimeoutMs,
        router: this.setup.router,
      }),
      this.recorder,
      this.clock,
    );
    this.setup = new BalancerSetup({ balancer: this.balancer, recorder: this.recorder, nodes: () => this.nodes.map((n) => ({ id: n.id, port: n.port })) });
    this.recorder.subscribe((batch) => {
      for (const item of batch) if (item.kind === 'event' && item.type === 'session-terminated') this.rememberEnded(item);
    });
  }

  static async start(opts: LabOptions = {}): Promise<Lab> {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as LabOptions;
    const parsed = LabConfigSchema.safeParse({ ...(opts.upstreams ? {} : ctsEnvironment()), ...given });
    if (!parsed.success) throw new LabError(`Invalid setting: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    checkBalancerConfig(parsed.data);
    const keys = await generateKeys();
    let lab: Lab | undefined;
    const backend = await openCts(() => lab?.cfg ?? parsed.data);
    try {
      lab = new Lab(opts, parsed.data, backend, keys);
      if (opts.upstreams) for (const u of opts.upstreams) lab.balancer.addBackend({ id: u.id, lbValue: u.id, origin: u.origin });
      else for (let i = 0; i < lab.cfg.nodes; i++) await lab.addNode();
      lab.upstreams = !!opts.upstreams;
      await lab.setup.start(lab.cfg, opts.port ?? 0);
    } catch (e) {
      await (lab ? lab.stop() : backend.stop());
      throw e;
    }
    lab.reaperTimer = setInterval(() => void lab.reap(), 1_000);
    lab.reaperTimer.unref();
    lab.clock.onChange((_, advanced) => {
      if (advanced > 0) void lab.reap();
    });
    return lab;
  }

  get config(): LabConfig {
    return this.cfg;
  }

  /** Balancer base URL ending in the context path: what curl, the SDK and the virtual browsers use. */
  get balancerUrl(): string {
    return `${this.balancer.url}${this.cfg.contextPath}`;
  }

  /** What `serve` prints first: where to send requests, the admin login, and the CTS to ldapsearch. */
  info() {
    const { kind, url, replicas, baseDn, bindDn, password } = this.ctsBackend.status();
    return {
      balancer: this.balancerUrl,
      nodes: this.nodes.map((n) => ({ id: n.id, url: n.url })),
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

  /** Each AM server connects to the CTS itself, and so runs its own session service over it. */
  private async addNode(): Promise<AmNode> {
    const id = serverId(this.nodes.length);
    const cts = this.ctsBackend.connect(id);
    const node = new AmNode(id, {
      config: () => this.cfg,
      clock: this.clock,
      cts,
      keys: this.keys,
      users: this.users,
      sessions: new SessionService({ config: () => this.cfg, clock: this.clock, cts, keys: this.keys, emit: this.recorder.emit }),
      emit: this.recorder.emit,
      served: (exchangeId, node) => this.setup.served(exchangeId, node),
    });
    await node.start();
    this.nodes.push(node);
    this.balancer.addBackend({ id: node.id, lbValue: node.ctx.lbValue, origin: `http://127.0.0.1:${node.port}` });
    return node;
  }

  node(id: string): AmNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new LabError(`There is no node ${id}; nodes are ${this.nodes.map((x) => x.id).join(', ')}`);
    return n;
  }

  /** Stops the node's server and drops its memory. The balancer finds out as a real one would. */
  async killNode(id: string): Promise<void> {
    const n = this.node(id);
    if (!n.running) return;
    await n.kill();
    this.recorder.emit('node-down', { node: id, data: { by: 'operator' } });
  }

  async restartNode(id: string): Promise<void> {
    const n = this.node(id);
    if (n.running) await n.kill();
    await n.start();
    this.recorder.emit('node-up', { node: id, data: { by: 'operator', port: n.port } });
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
  resetRouting(): void {
    this.balancer.resetRoundRobin();
  }

  drainNode(id: string, drained = true): void {
    this.node(id);
    this.balancer.setDrained(id, drained);
  }

  /** Grows or shrinks the cluster live; removed nodes are the highest server ids. */
  async setNodeCount(count: number): Promise<void> {
    if (this.upstreams) throw new LabError('This lab balances existing servers: it has no AM nodes to add or remove');
    if (!Number.isInteger(count) || count < 1 || count > 9) throw new LabError('The number of nodes must be between 1 and 9');
    while (this.nodes.length < count) {
      const n = await this.addNode();
      this.recorder.emit('node-added', { node: n.id, data: {} });
    }
    while (this.nodes.length > count) {
      const n = this.nodes.pop()!;
      await n.kill();
      await this.balancer.removeBackend(n.id);
      this.recorder.emit('node-removed', { node: n.id, data: {} });
    }
    this.cfg = { ...this.cfg, nodes: count };
    await this.setup.nodesChanged(this.cfg);
  }

  /**
   * Applies settings live; each change is an event with before and after. The patch was checked
   * where it entered (the contract's ConfigPatchSchema); every key of it takes effect now.
   */
  async configure(patch: LiveConfigPatch): Promise<LabConfig> {
    const sent = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as LiveConfigPatch;
    const { nodes, ...rest } = sent;
    if (nodes !== undefined && nodes !== this.nodes.length) await this.setNodeCount(nodes);
    const before = this.cfg;
    const next = parseConfig({ ...this.cfg, ...rest });
    checkBalancerConfig(next);
    this.cfg = next;
    await this.setup.apply(before, this.cfg);
    // Every other setting is read where it is used, on each request or session; the trace holds state.
    if (rest.traceCapacity !== undefined || rest.traceBudgetBytes !== undefined || rest.traceBodyBytes !== undefined) this.recorder.setLimits(traceLimits(this.cfg));
    for (const key of Object.keys(rest) as (keyof LabConfig)[]) {
      if (JSON.stringify(before[key]) === JSON.stringify(this.cfg[key])) continue;
      const said = key === 'policy' ? { lbCookieName: this.cfg.lbCookieName } : key === 'lbConfig' && this.setup.model ? { product: this.setup.model.product } : {};
      this.recorder.emit('config-changed', { data: { key, from: before[key], to: this.cfg[key], ...said } });
    }
    return this.cfg;
  }

  advanceClock(ms: number): void {
    this.clock.advance(ms);
    this.recorder.emit('clock-changed', { data: { advancedBy: ms } });
  }

  setClockSpeed(speed: number): void {
    this.clock.setSpeed(speed);
    this.recorder.emit('clock-changed', { data: { speed } });
  }

  pauseClock(paused: boolean): void {
    if (paused) this.clock.pause();
    else this.clock.resume();
    this.recorder.emit('clock-changed', { data: { paused } });
  }

  subscribe(listener: TraceListener): () => void {
    return this.recorder.subscribe(listener);
  }

  createBrowser(name?: string): VirtualBrowser {
    const id = `b${++this.browserSeq}`;
    const b = new VirtualBrowser(id, name?.trim() || `Browser ${this.browserSeq}`, this.network, this.clock, undefined, (x) =>
      this.recorder.emit('cookie-blocked', { data: { browser: id, browserName: b.name, cookie: x.name, reason: x.reason, url: x.url } }),
    );
    this.browsers.set(id, b);
    return b;
  }

  /** What the virtual browsers talk to: the public host (resolved to the balancer) from their client address. */
  private readonly network = (clientIp: string) => this.setup.site(this.cfg, clientIp);

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
    this.adminBrowser ??= new VirtualBrowser('admin', 'amadmin console', this.network, this.clock);
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
        for (const n of this.nodes) n.sweepMemory(now);
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
    const sessions = await this.sessionRows();
    return {
      config: this.cfg,
      clock: this.clock.state(),
      balancer: this.balancerUrl,
      lb: this.setup.view(this.cfg),
      nodes: this.nodes.map((n) => ({
        id: n.id,
        url: n.url,
        state: n.running ? (states.get(n.id) ?? 'up') : 'down',
        running: n.running,
        authSessionsInMemory: n.ctx.memory.size,
        sessions: sessions.filter((s) => s.status === 'active' && s.homeNode === n.id).length,
        requests: n.requests,
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
    this.recorder.flush();
    await this.balancer.stop();
    await this.setup.stop();
    await Promise.all(this.nodes.map((n) => n.kill()));
    await this.ctsBackend.stop();
  }
}

export { LabError };

/** A customer's balancer file that cannot be read is an operator mistake with its line, like any bad setting. */
function checkBalancerConfig(cfg: LabConfig): void {
  try {
    BalancerSetup.readModel(cfg);
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
