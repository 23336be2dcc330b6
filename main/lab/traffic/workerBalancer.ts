import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackendState } from '../../contract/snapshot';
import type { ClockAnchors } from '../clock';
import type { LabConfig } from '../config';
import type { Driven, DriveHooks, DriveSpec, LoginDone } from '../scenario/loadDriver';
import type { LoadProgress } from '../../contract/recipes';
import { Channel } from '../wire/channel';
import { entry, tsxApi } from '../wire/entries';
import type { BackendTarget, LabBalancer, NodeAddress } from './labBalancer';
import type { Shipped } from '../trace/recorder';

/** What the balancer's thread starts from (its first call, `init`). */
export interface TrafficInit {
  config: LabConfig;
  clock: ClockAnchors;
}

/** The balancer as its thread reports it after each change. */
export interface BalancerView {
  port: number;
  url: string;
  caCert: string | undefined;
  states: { id: string; state: BackendState }[];
  mapping: string[];
  notes: string[];
}

/** A batch of the balancer thread's trace, with the node states as it sees them now. */
export interface TraceBatch {
  batch: Shipped[];
  states: { id: string; state: BackendState }[];
  /** Items the thread had to drop since its last batch (the lab's thread fell behind). */
  dropped: number;
}

function newThread(): Worker {
  const e = entry('balancer');
  // TypeScript (a dev run, tests without a fresh build): register tsx inside the thread first.
  // The thread sees this thread's process.env as it is now (SESSION_LAB_HAPROXY/NGINX name the real
  // balancer's binary), not the process's environment at start, which a host or test may have changed.
  const env = process.env;
  const worker = e.tsx
    ? new Worker(`import(${JSON.stringify(tsxApi())}).then((m) => (m.register ?? m.default.register)()).then(() => import(${JSON.stringify(pathToFileURL(e.file).href)}))`, { eval: true, env })
    : new Worker(e.file, { env });
  worker.on('error', (err) => process.stderr.write(`session-lab: the balancer's thread failed: ${err.stack ?? err.message}\n`));
  return worker;
}

/**
 * The lab's balancer on a worker thread of its own (worker.ts), seen from the lab's thread: every
 * operation is a message, the trace arrives in batches (`ingest`), and the node states, port and
 * certificate are what the thread last reported.
 */
export class WorkerBalancer implements LabBalancer {
  private v: BalancerView = { port: 0, url: '', caCert: undefined, states: [], mapping: [], notes: [] };
  private readonly loads = new Map<string, DriveHooks>();

  private constructor(
    private readonly worker: Worker,
    private readonly ingest: (t: TraceBatch) => void,
  ) {
    this.channel = new Channel(
      { send: (m) => worker.postMessage(m), onMessage: (l) => void worker.on('message', l) },
      {
        trace: (t: TraceBatch) => {
          this.v = { ...this.v, states: t.states };
          this.ingest(t);
          return null;
        },
        loadProgress: ({ run, p }: { run: string; p: LoadProgress }) => this.loads.get(run)?.onProgress?.(p),
        loadDone: ({ run, d }: { run: string; d: LoginDone }) => this.loads.get(run)?.onDone(d),
      },
      "the balancer's thread",
    );
    worker.once('exit', () => this.channel.close());
  }

  private readonly channel: Channel;

  /** A thread started ahead (prestart), taken by the next start. */
  private static spare: Worker | undefined;

  /**
   * Starts the balancer's thread now, before the lab that will use it is loaded and configured
   * (`serve` does it first thing, so the thread's start-up overlaps the CLI's own). The next
   * start() takes it; the returned function ends it if none did.
   */
  static prestart(): () => void {
    const worker = (WorkerBalancer.spare = newThread());
    // Waiting to be taken, it does not keep the process alive.
    worker.unref();
    return () => {
      if (WorkerBalancer.spare !== worker) return;
      WorkerBalancer.spare = undefined;
      void worker.terminate();
    };
  }

  /** Resolves once the thread has loaded and holds the lab's settings and clock. */
  static async start(init: TrafficInit, ingest: (t: TraceBatch) => void): Promise<WorkerBalancer> {
    const worker = WorkerBalancer.spare ?? newThread();
    WorkerBalancer.spare = undefined;
    worker.ref();
    const balancer = new WorkerBalancer(worker, ingest);
    await balancer.channel.call('init', init);
    return balancer;
  }

  get port(): number {
    return this.v.port;
  }

  get url(): string {
    return this.v.url;
  }

  get caCert(): string | undefined {
    return this.v.caCert;
  }

  private async update(p: Promise<BalancerView>): Promise<void> {
    this.v = await p;
  }

  start(cfg: LabConfig, port: number, nodes: NodeAddress[]): Promise<void> {
    return this.update(this.channel.call('start', { cfg, port, nodes }));
  }

  apply(before: LabConfig, cfg: LabConfig, nodes: NodeAddress[]): Promise<void> {
    return this.update(this.channel.call('apply', { before, cfg, nodes }));
  }

  nodesChanged(cfg: LabConfig, nodes: NodeAddress[]): Promise<void> {
    return this.update(this.channel.call('nodesChanged', { cfg, nodes }));
  }

  async clockChanged(anchors: ClockAnchors, advancedBy: number): Promise<void> {
    await this.channel.call('clock', { anchors, advancedBy });
  }

  addBackend(t: BackendTarget): Promise<void> {
    return this.update(this.channel.call('addBackend', t));
  }

  removeBackend(id: string): Promise<void> {
    return this.update(this.channel.call('removeBackend', id));
  }

  setDrained(id: string, drained: boolean): Promise<void> {
    return this.update(this.channel.call('setDrained', { id, drained }));
  }

  async probe(id: string): Promise<BackendState> {
    const r = await this.channel.call<{ state: BackendState; view: BalancerView }>('probe', id);
    this.v = r.view;
    return r.state;
  }

  states(): { id: string; state: BackendState }[] {
    return this.v.states;
  }

  async resetRoundRobin(): Promise<void> {
    await this.channel.call('resetRoundRobin');
  }

  served(exchangeId: string, node: string): void {
    this.channel.notify('served', { exchangeId, node });
  }

  mapping(): string[] {
    return this.v.mapping;
  }

  notes(): string[] {
    return this.v.notes;
  }

  async drive(spec: DriveSpec, hooks: DriveHooks): Promise<Driven> {
    const stop = () => void this.channel.call('stopLoad', spec.run).catch(() => undefined);
    this.loads.set(spec.run, hooks);
    hooks.signal?.addEventListener('abort', stop);
    try {
      const running = this.channel.call<Driven>('drive', spec);
      if (hooks.signal?.aborted) stop();
      return await running;
    } finally {
      hooks.signal?.removeEventListener('abort', stop);
      this.loads.delete(spec.run);
    }
  }

  async settle(): Promise<void> {
    await this.channel.call('settle');
  }

  async stop(): Promise<void> {
    await this.channel.call('stop').catch(() => undefined);
    await this.worker.terminate();
  }
}
