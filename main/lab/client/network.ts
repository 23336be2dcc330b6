import type { LookupFunction } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { keepAtMost } from '../balancer/keepAtMost';
import type { LabConfig } from '../config';
import type { BrowserSite } from './browser';

const AGENTS_KEEP = 64;

/**
 * The network the virtual browsers of this thread reach the balancer through: the public host name
 * resolved to 127.0.0.1, each browser's own client address (127.0.0.x), and the lab CA trusted when
 * the balancer speaks HTTPS.
 */
export class BrowserNetwork {
  private readonly agents = new Map<string, Agent>();

  site(cfg: LabConfig, balancerPort: number, clientIp: string, caCert: string | undefined): BrowserSite {
    const scheme = cfg.https ? 'https' : 'http';
    return { base: `${scheme}://${cfg.publicHost}:${balancerPort}${cfg.contextPath}`, dispatcher: this.agent(clientIp, caCert) };
  }

  private agent(clientIp: string, caCert: string | undefined): Dispatcher {
    let a = this.agents.get(clientIp);
    if (a) return a;
    a = new Agent({
      connections: 256,
      keepAliveTimeout: 4_000,
      // Each browser's own loopback address, so the balancer sees distinct clients (Linux routes all of 127/8 to lo).
      ...(clientIp !== '127.0.0.1' ? { localAddress: clientIp } : {}),
      connect: { lookup: toLoopback, ...(caCert ? { ca: caCert } : {}) },
    });
    this.agents.set(clientIp, a);
    keepAtMost(this.agents, AGENTS_KEEP, (old) => void old.close().catch(() => undefined));
    return a;
  }

  /** Lets go of every connection (the balancer now speaks another protocol, or with another certificate). */
  close(): Promise<unknown> {
    const closing = [...this.agents.values()].map((a) => a.close().catch(() => undefined));
    this.agents.clear();
    return Promise.all(closing);
  }
}

/** The lab's name resolution: every host name a virtual browser uses is the balancer on 127.0.0.1. */
const toLoopback: LookupFunction = (_host, opts, cb) => {
  if ((opts as { all?: boolean } | undefined)?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
};
