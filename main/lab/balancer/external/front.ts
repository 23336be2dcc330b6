import { Pool } from 'undici';
import type { Header } from '../../trace/types';
import { keepAtMost } from '../keepAtMost';
import type { BackendView } from '../policies';
import { readCookie, type RouteRequest, type Routed, type Router } from '../router';
import type { Rendered } from './render';

/**
 * The lab's proxy as a recorder in front of a real HAProxy or nginx: every request goes to the real
 * balancer, from the browser's own client address (so `balance source`, `ip_hash` and stick tables
 * on `src` see what they would), and the routing is completed from what the node that answered
 * reported, with the balancer's own cookies on the request and in the answer.
 */
const POOLS_KEEP = 64;

export class FrontRouter implements Router {
  private readonly pools = new Map<string, Pool>();
  private rendered: Rendered | undefined;
  private readonly name: string;
  private readonly self: BackendView;

  constructor(
    kind: 'haproxy' | 'nginx',
    version: string,
    private readonly port: number,
    private readonly servedBy: (exchangeId: string) => Promise<string | undefined>,
  ) {
    this.name = `${kind === 'haproxy' ? 'HAProxy' : 'nginx'} ${version}`;
    this.self = { id: kind, lbValue: '', state: 'up' };
  }

  configure(r: Rendered): void {
    this.rendered = r;
  }

  policyName(): string {
    return `${this.name} (real): ${this.rendered?.mechanism.replace(/^[^:]+: /, '') ?? ''}`;
  }

  stickyCookie(cookieHeader: string | undefined): string | null {
    const name = this.rendered?.stickyCookie;
    return name ? readCookie(cookieHeader, name) : null;
  }

  stickyCookieName(): string | undefined {
    return this.rendered?.stickyCookie;
  }

  /** While a reload runs, requests wait: none may reach the old process as it stops. */
  private reloading: Promise<void> | undefined;

  /** Holds new requests until `done` settles (a reload: the old process stops, the new one listens). */
  async hold<T>(done: Promise<T>): Promise<T> {
    const gate = done.then(
      () => undefined,
      () => undefined,
    );
    this.reloading = gate;
    try {
      return await done;
    } finally {
      if (this.reloading === gate) this.reloading = undefined;
    }
  }

  route(req: RouteRequest): Routed {
    return {
      node: this.self,
      reason: this.name,
      redispatched: false,
      ...(this.reloading ? { ready: this.reloading } : {}),
      via: this.pool(req.clientIp),
      answer: async (headers, routing) => {
        const node = (await this.servedBy(req.exchangeId)) ?? null;
        routing.node = node;
        routing.reason = [node ? `${this.name} sent it to node ${node}` : `${this.name} answered itself (no node was reached)`, ...this.ownCookies(req, headers)].join('; ');
        return headers;
      },
    };
  }

  /** The balancer's cookie as the request carried it and as the answer sets it. */
  private ownCookies(req: RouteRequest, headers: Header[]): string[] {
    const name = this.rendered?.stickyCookie;
    if (!name) return [];
    const sent = readCookie(req.cookieHeader, name);
    const set = headers.filter(([k, v]) => k.toLowerCase() === 'set-cookie' && v.startsWith(`${name}=`)).map(([, v]) => v.split(';')[0]);
    return [sent === null ? `request without ${name}` : `request ${name}=${sent}`, ...set.map((c) => `answer sets ${c}`)];
  }

  private pool(clientIp: string): Pool {
    let p = this.pools.get(clientIp);
    if (p) return p;
    const tls = this.rendered?.tls ?? false;
    p = new Pool(`${tls ? 'https' : 'http'}://127.0.0.1:${this.port}`, {
      connections: 64,
      pipelining: 1,
      // One request per connection on this loopback hop: a reload closes idle kept-alive connections,
      // and a request written on one as it closes would fail where a browser would have retried.
      maxRequestsPerClient: 1,
      // The real balancer sees the browser's own address; its certificate is the lab's own (loopback hop).
      ...(clientIp !== '127.0.0.1' ? { localAddress: clientIp } : {}),
      ...(tls ? { connect: { rejectUnauthorized: false } } : {}),
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    this.pools.set(clientIp, p);
    keepAtMost(this.pools, POOLS_KEEP, (old) => void old.close().catch(() => undefined));
    return p;
  }

  /**
   * Lets go of the connections to the real balancer: new requests open new ones (to the reloaded
   * process), requests in flight finish first unless `abort` (on stop).
   */
  async dropConnections(abort = false): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => (abort ? p.destroy() : p.close()).catch(() => undefined)));
  }
}
