import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * The network between two replicas: a TCP relay on 127.0.0.1 that one replica's syncrepl
 * consumer connects to instead of the other replica. Every byte crosses it after `delayMs()`, in
 * order, both ways, so a change made on one replica really reaches the other that much later: the
 * replication delay of a WAN link or a busy replication server, made by the network, not by
 * slapd's configuration. The delay can change while connections are open.
 */
export class ReplicationLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly delayMs: () => number,
  ) {}

  get url(): string {
    return `ldap://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((inbound) => this.relay(inbound));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.unref();
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private relay(inbound: Socket): void {
    const outbound = connect(this.targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      this.sockets.add(s);
      s.unref();
      s.on('error', () => undefined);
      s.once('close', () => {
        this.sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    this.pipe(inbound, outbound);
    this.pipe(outbound, inbound);
  }

  /** Forwards each chunk at arrival + delay, in arrival order (one timer drains a queue). */
  private pipe(from: Socket, to: Socket): void {
    const queue: { at: number; chunk: Buffer | null }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const drain = () => {
      timer = undefined;
      while (queue.length && queue[0]!.at <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (to.destroyed) return;
        if (chunk) to.write(chunk);
        else to.end();
      }
      if (queue.length) timer = setTimeout(drain, queue[0]!.at - Date.now()).unref();
    };
    const push = (chunk: Buffer | null) => {
      const last = queue.length ? queue[queue.length - 1]!.at : 0;
      queue.push({ at: Math.max(Date.now() + this.delayMs(), last), chunk });
      if (!timer) drain();
    };
    from.on('data', (chunk: Buffer) => push(chunk));
    from.once('end', () => push(null));
  }
}
