/**
 * The balancer's thread (isolation `process`): the lab's balancer and the load runner's virtual users
 * run here, so neither blocks the host's thread (the window's host, the CLI). The clock and
 * settings follow the lab's; exchanges and events go to the lab's trace in batches.
 */
import { parentPort } from 'node:worker_threads';
import { LabClock, type ClockAnchors } from '../clock';
import type { LabConfig } from '../config';
import type { BackendTarget } from '../balancer/proxy';
import type { LoadProgress } from '../../contract/recipes';
import type { DriveSpec, LoginDone } from '../scenario/loadDriver';
import { Channel } from '../wire/channel';
import type { NodeAddress } from './labBalancer';
import { LocalBalancer } from './localBalancer';
import type { Shipped } from '../trace/recorder';
import { TraceOutbox } from './outbox';
import type { BalancerView, TrafficInit } from './workerBalancer';

const port = parentPort!;
// Set by the lab's first call (init): the thread may be started before the lab has settings.
let config: LabConfig;
let clock: LabClock;
let outbox: TraceOutbox;
let balancer: LocalBalancer;
const loads = new Map<string, AbortController>();

const view = (): BalancerView => ({ port: balancer.port, url: balancer.url, caCert: balancer.caCert, states: balancer.states(), mapping: balancer.mapping(), notes: balancer.notes() });

const channel: Channel = new Channel(
  { send: (m) => port.postMessage(m), onMessage: (l) => void port.on('message', l) },
  {
    init: (init: TrafficInit) => {
      config = init.config;
      clock = LabClock.following(init.clock);
      outbox = new TraceOutbox(
        () => config,
        clock,
        (batch: Shipped[], dropped: number) => channel.call('trace', { batch, states: balancer.states(), dropped }),
      );
      balancer = new LocalBalancer(() => config, outbox, clock);
      return null;
    },
    start: async ({ cfg, port: listen, nodes }: { cfg: LabConfig; port: number; nodes: NodeAddress[] }) => {
      config = cfg;
      await balancer.start(cfg, listen, nodes);
      return view();
    },
    apply: async ({ before, cfg, nodes }: { before: LabConfig; cfg: LabConfig; nodes: NodeAddress[] }) => {
      config = cfg;
      await balancer.apply(before, cfg, nodes);
      return view();
    },
    nodesChanged: async ({ cfg, nodes }: { cfg: LabConfig; nodes: NodeAddress[] }) => {
      config = cfg;
      await balancer.nodesChanged(cfg, nodes);
      return view();
    },
    clock: ({ anchors, advancedBy }: { anchors: ClockAnchors; advancedBy: number }) => clock.follow(anchors, advancedBy),
    addBackend: async (t: BackendTarget) => (await balancer.addBackend(t), view()),
    removeBackend: async (id: string) => (await balancer.removeBackend(id), view()),
    setDrained: async ({ id, drained }: { id: string; drained: boolean }) => (await balancer.setDrained(id, drained), view()),
    probe: async (id: string) => {
      const state = await balancer.probe(id);
      return { state, view: view() };
    },
    resetRoundRobin: () => balancer.resetRoundRobin(),
    served: ({ exchangeId, node }: { exchangeId: string; node: string }) => balancer.served(exchangeId, node),
    drive: async (spec: DriveSpec) => {
      const abort = new AbortController();
      loads.set(spec.run, abort);
      try {
        return await balancer.drive(spec, {
          onProgress: (p: LoadProgress) => channel.notify('loadProgress', { run: spec.run, p }),
          onDone: (d: LoginDone) => channel.notify('loadDone', { run: spec.run, d }),
          signal: abort.signal,
        });
      } finally {
        loads.delete(spec.run);
      }
    },
    stopLoad: (run: string) => void loads.get(run)?.abort(),
    // The batch goes out before this answer (one ordered channel).
    settle: () => (outbox.flush(true), null),
    stop: async () => {
      for (const a of loads.values()) a.abort();
      await balancer.stop();
      outbox.flush(true);
      return null;
    },
  },
  'the lab',
);
