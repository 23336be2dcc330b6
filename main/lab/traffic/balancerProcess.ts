/**
 * One more balancer process of `session-lab balance --processes N` (traffic/followers.ts starts it):
 * it accepts on the first balancer's listening socket, passed over IPC (the kernel hands each new
 * connection to whichever process accepts first, as HAProxy's threads share one listener), routes by
 * the same policy, and ships its exchanges to the lab's trace in batches. The first balancer alone
 * reports node up/down; this one keeps its health checks to itself. It ends with the lab.
 */
import type { Server as NetServer } from 'node:net';
import { LabClock } from '../clock';
import { Balancer } from '../balancer/proxy';
import type { Shipped } from '../trace/recorder';
import { Channel } from '../wire/channel';
import { balancerSettings } from './labBalancer';
import { LISTEN, type FollowerInit } from './followers';
import { TraceOutbox } from './outbox';

if (!process.send) throw new Error('A balancer process is started by session-lab balance, not on its own');
process.on('disconnect', () => process.exit(0));

let balancer: Balancer | undefined;
let outbox: TraceOutbox | undefined;

const channel: Channel = new Channel(
  { send: (m) => void process.send!(m), onMessage: (l) => void process.on('message', l) },
  {
    init: ({ config, clock, backends }: FollowerInit) => {
      const labClock = LabClock.following(clock);
      outbox = new TraceOutbox(() => config, labClock, (batch: Shipped[], dropped: number) => channel.call('trace', { batch, dropped }));
      balancer = new Balancer(() => balancerSettings(config), outbox, labClock, backends);
      return null;
    },
    stop: async () => {
      await balancer?.stop();
      outbox?.flush(true);
      return null;
    },
  },
  'the lab',
);

process.on('message', (m: unknown, handle?: NetServer) => {
  if (m !== LISTEN || !handle || !balancer) return;
  void balancer.start(0, undefined, { handle, quiet: true }).then(
    () => channel.notify('listening', process.pid),
    (e: Error) => channel.notify('failed', e.message),
  );
});
