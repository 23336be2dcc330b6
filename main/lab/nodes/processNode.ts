import type { ClockAnchors } from '../clock';
import type { LabConfig } from '../config';
import type { OAuth2KeyData } from '../am/keys';
import type { TokenStore } from '../cts/store';
import { LabError } from '../labError';
import { Channel } from '../wire/channel';
import { nodeLabel, type ChildLink, type Launcher, type ProcessEnd } from '../wire/launcher';
import type { LabNode, NodeStats } from './labNode';
import { CTS_OPS, type CtsCall, type EmittedEvent, type NodeInit } from './protocol';

export interface ProcessNodeDeps {
  launcher: Launcher;
  /** What a fresh process is told: the lab's settings and clock now, its secrets, its CTS. */
  init(port: number): NodeInit;
  /** This node's connection to the embedded CTS, which the lab serves to the process. */
  cts: TokenStore;
  /** An event the node emitted, for the trace. */
  record(e: EmittedEvent): void;
  /** The node answered this balancer exchange (a real balancer in front needs telling). */
  served(exchangeId: string, node: string): void;
  oauth2Key(): Promise<OAuth2KeyData>;
  /** The process ended without the lab asking (kill -9 from a shell, a crash). */
  exited(node: ProcessNode, end: ProcessEnd): void;
}

/** A process that does not answer its start in this long is killed and reported. */
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 2_000;

/**
 * An AM node as an OS process of its own (nodes/nodeMain.ts), seen from the lab: killing it is a
 * real SIGKILL, its memory really gone; a restart is a fresh process on the same port. The lab
 * serves it the embedded CTS, mirrors the clock and settings to it, and records its events.
 */
export class ProcessNode implements LabNode {
  port = 0;
  pid: number | null = null;
  private link: ChildLink | undefined;
  private channel: Channel | undefined;
  private alive = false;
  private killing = false;
  private ended: Promise<ProcessEnd> | undefined;
  private last: NodeStats = { authSessionsInMemory: 0, requests: 0 };

  constructor(
    readonly id: string,
    private readonly deps: ProcessNodeDeps,
    private readonly contextPath: () => string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.contextPath()}`;
  }

  get running(): boolean {
    return this.alive;
  }

  async start(): Promise<void> {
    if (this.alive) return;
    const link = await this.deps.launcher('am-node', nodeLabel(this.id));
    const channel = new Channel(
      link,
      {
        cts: (c: CtsCall) => this.serveCts(c),
        oauth2Key: () => this.deps.oauth2Key(),
        event: (e: EmittedEvent) => this.deps.record(e),
        served: (exchangeId: string) => this.deps.served(exchangeId, this.id),
      },
      `node ${this.id}'s process (pid ${link.pid})`,
    );
    this.link = link;
    this.channel = channel;
    this.pid = link.pid;
    this.ended = new Promise((resolve) =>
      link.onExit((end) => {
        channel.close();
        const unexpected = this.alive && !this.killing;
        this.alive = false;
        this.last = { ...this.last, authSessionsInMemory: 0 };
        if (unexpected) this.deps.exited(this, end);
        resolve(end);
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      const started = channel.call<{ port: number }>('init', this.deps.init(this.port));
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new LabError(`node ${this.id}'s process did not start in ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS)));
      const ended = this.ended.then((end) => Promise.reject(new LabError(`node ${this.id}'s process ended while starting (${end.signal ?? `exit code ${end.code}`})`)));
      ended.catch(() => undefined); // a later end is reported by onExit, not here
      this.port = (await Promise.race([started, late, ended])).port;
      this.alive = true;
    } catch (e) {
      link.kill('SIGKILL');
      await this.ended;
      throw e instanceof LabError ? e : new LabError(`node ${this.id} could not start: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: the process gets no chance to close anything, as when AM's JVM is killed. */
  async kill(): Promise<void> {
    if (!this.link || !this.ended) return;
    this.killing = true;
    this.link.kill('SIGKILL');
    await this.ended;
    this.killing = false;
  }

  /** With the lab: the node closes its server and exits; one that does not in time is killed. */
  async stop(): Promise<void> {
    if (!this.alive || !this.channel || !this.ended) return this.kill();
    this.killing = true;
    const grace = new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref());
    await Promise.race([this.channel.call('stop').then(() => this.ended), grace]).catch(() => undefined);
    if (this.alive) this.link!.kill('SIGKILL');
    await this.ended;
    this.killing = false;
  }

  async stats(): Promise<NodeStats> {
    if (!this.alive) return this.last;
    try {
      this.last = await this.channel!.call<NodeStats>('stats');
    } catch {
      // It died meanwhile: what it last said, with its memory gone.
    }
    return this.last;
  }

  async configure(cfg: LabConfig): Promise<void> {
    if (this.alive) await this.channel!.call('config', cfg).catch(() => undefined);
  }

  async clockChanged(anchors: ClockAnchors, advancedBy: number): Promise<void> {
    if (this.alive) await this.channel!.call('clock', { anchors, advancedBy }).catch(() => undefined);
  }

  async settle(): Promise<void> {
    if (this.alive) await this.channel!.call('settle').catch(() => undefined);
  }

  private serveCts(c: CtsCall): Promise<unknown> {
    if (!(CTS_OPS as readonly string[]).includes(c?.op)) return Promise.reject(new Error(`unknown CTS operation ${String(c?.op)}`));
    const store = this.deps.cts as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    return store[c.op]!.apply(this.deps.cts, c.args);
  }
}
