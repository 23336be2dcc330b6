import type { ChildProcess } from 'node:child_process';
import type { Server as NetServer } from 'node:net';
import { LabError } from '../labError';
import type { Shipped } from '../trace/recorder';
import { Channel } from '../wire/channel';
import { forkEntry } from '../wire/launcher';
import type { ClockAnchors } from '../clock';
import type { LabConfig } from '../config';
import type { BackendTarget } from '../balancer/proxy';

/** The message sent beside the channel's: Node passes the listening socket with it. */
export const LISTEN = 'session-lab:listen';

/** What a further balancer process starts from (balancerProcess.ts). */
export interface FollowerInit {
  config: LabConfig;
  clock: ClockAnchors;
  backends: BackendTarget[];
}

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 2_000;

/**
 * The further balancer processes of `session-lab balance --processes N`, seen from the lab: each
 * is forked, given the first balancer's listening socket (Node passes it over IPC; the child holds
 * its own descriptor), and accepts beside it, so the balancer uses more than one core. Their
 * exchanges come back in batches to the lab's trace. Forked processes only: Electron's utility
 * processes cannot be handed a socket, and only the CLI's `balance` asks for this.
 */
export class BalancerFollowers {
  private constructor(private readonly children: { child: ChildProcess; channel: Channel; ended: Promise<void> }[]) {}

  /** Starts `count` processes accepting on `listening`; resolves when every one accepts. */
  static async start(count: number, listening: NetServer, init: FollowerInit, record: (batch: Shipped[], dropped: number) => void): Promise<BalancerFollowers> {
    const started: BalancerFollowers['children'] = [];
    const followers = new BalancerFollowers(started);
    try {
      await Promise.all(Array.from({ length: count }, (_, i) => followers.startOne(i + 2, listening, init, record)));
    } catch (e) {
      await followers.stop();
      throw e;
    }
    return followers;
  }

  private async startOne(n: number, listening: NetServer, init: FollowerInit, record: (batch: Shipped[], dropped: number) => void): Promise<void> {
    const child = forkEntry('balancer-process', `balancer ${n}`);
    const ended = new Promise<void>((r) => child.once('exit', () => r()));
    let accepting: (pid: number) => void = () => undefined;
    let failed: (message: string) => void = () => undefined;
    const ready = new Promise<number>((resolve, reject) => {
      accepting = resolve;
      failed = (m) => reject(new LabError(`balancer process ${n} could not accept: ${m}`));
      void ended.then(() => reject(new LabError(`balancer process ${n} ended while starting`)));
    });
    const channel = new Channel(
      { send: (m) => void child.send(m as never, () => undefined), onMessage: (l) => void child.on('message', l) },
      {
        trace: ({ batch, dropped }: { batch: Shipped[]; dropped: number }) => (record(batch, dropped), null),
        listening: (pid: number) => accepting(pid),
        failed: (message: string) => failed(message),
      },
      `balancer process ${n}`,
    );
    child.on('error', () => undefined);
    void ended.then(() => channel.close());
    this.children.push({ child, channel, ended });
    let timer: NodeJS.Timeout | undefined;
    try {
      await channel.call('init', init);
      child.send(LISTEN, listening);
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new LabError(`balancer process ${n} did not start in ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS)));
      await Promise.race([ready, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  get pids(): number[] {
    return this.children.map((c) => c.child.pid!).filter(Boolean);
  }

  /** Each process closes its listener and sends its last exchanges before the lab's trace is written. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async ({ child, channel, ended }) => {
        const grace = new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref());
        await Promise.race([channel.call('stop').catch(() => undefined), grace]);
        child.kill('SIGTERM');
        await Promise.race([ended, grace]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await ended;
      }),
    );
  }
}
