import { Client, ResultCodeError, BusyError, UnavailableError } from 'ldapts';
import { CtsUnavailableError } from './store';

/**
 * How one AM server reaches the CTS directory. Plain data: any process (the lab, or an AM node
 * running as its own process) can build its own connections from it, as each AM server does.
 */
export interface CtsConnectionSettings {
  /**
   * AM's CTS connection string (org.forgerock.services.cts.store.directory.name), one entry per
   * server, `ldap://host:port[|serverId]`: an entry tagged with this AM server's id comes first.
   */
  servers: string[];
  /** Where tokens live (org.forgerock.services.cts.store.root.suffix). */
  rootSuffix: string;
  bindDn: string;
  password: string;
  /** CTS affinity (org.forgerock.services.cts.store.affinity.enabled, default false). */
  affinity: boolean;
  /** This AM server's id (01, 02, …); none for the lab's own reaper and admin listing. */
  serverId?: string;
  /** An operation on a server that does not answer fails after this long (ms). */
  timeoutMs?: number;
}

/**
 * LDAPUtils.prioritizeServers (OpenAM openam-ldap-utils/.../ldap/LDAPUtils.java): servers tagged
 * with this AM server's id first, then the others, each once. (OpenAM shuffles within each group;
 * the lab keeps the listed order so a run repeats.)
 */
export function prioritizeServers(entries: string[], serverId?: string): string[] {
  const parsed = entries.map((e) => {
    const [url, tag] = e.split('|');
    return { url: url!.trim(), tag: tag?.trim() };
  });
  const mine = parsed.filter((p) => serverId && p.tag === serverId).map((p) => p.url);
  return [...new Set([...mine, ...parsed.map((p) => p.url)])];
}

/** OpenDJ's monitoring interval for a failed server (Connections.LOAD_BALANCER_MONITORING_INTERVAL). */
const RETRY_DOWN_MS = 1_000;

/** One directory server: a connection bound as the CTS account, re-bound after reconnects. */
class DirectoryServer {
  private readonly client: Client;
  private binding: Promise<void> | undefined;
  private bound = false;
  downUntil = 0;

  constructor(
    readonly url: string,
    private readonly s: CtsConnectionSettings,
  ) {
    const timeout = s.timeoutMs ?? 5_000;
    this.client = new Client({ url, timeout, connectTimeout: Math.min(timeout, 2_000), autoRebind: true });
  }

  get available(): boolean {
    return Date.now() >= this.downUntil;
  }

  async run<T>(op: (c: Client) => Promise<T>): Promise<T> {
    try {
      if (!this.bound) {
        this.binding ??= this.client.bind(this.s.bindDn, this.s.password).finally(() => (this.binding = undefined));
        await this.binding;
        this.bound = true;
      }
      const result = await op(this.client);
      this.downUntil = 0;
      return result;
    } catch (e) {
      if (e instanceof ResultCodeError && !(e instanceof BusyError || e instanceof UnavailableError)) throw e;
      this.downUntil = Date.now() + RETRY_DOWN_MS;
      this.bound = false;
      await this.client.unbind().catch(() => undefined);
      throw new ServerDown(`${this.url}: ${describeLdapError(e)}`);
    }
  }

  close(): Promise<void> {
    return this.client.unbind().catch(() => undefined);
  }
}

class ServerDown extends Error {}

/** `InvalidCredentialsError (LDAP 49)` rather than ldapts's bare " Code: 0x31" when the server sent no text. */
export function describeLdapError(e: unknown): string {
  if (e instanceof ResultCodeError) {
    const text = e.message.replace(/\s*Code: 0x[0-9a-f]+$/, '').trim();
    return `${e.name} (LDAP ${e.code})${text ? `: ${text}` : ''}`;
  }
  return (e as Error).message || String((e as { code?: string }).code ?? e);
}

/**
 * The load balancer AM puts in front of the CTS servers (LDAPUtils.loadBalanceFactories):
 * without affinity a failover balancer (every operation to the first available server of this AM
 * server's prioritized list); with affinity OpenDJ's affinity balancer (Connections.
 * newAffinityRequestLoadBalancer): a request goes to the server at |hash(DN)| mod N, probing
 * linearly past unavailable ones, so every operation on one token reaches the same replica.
 */
export class ServerPool {
  private readonly servers: DirectoryServer[];

  constructor(private readonly s: CtsConnectionSettings) {
    const urls = prioritizeServers(s.servers, s.serverId);
    if (!urls.length) throw new Error('The CTS connection string lists no server');
    this.servers = urls.map((u) => new DirectoryServer(u, s));
  }

  /** The servers an operation on `dn` tries, in order. */
  private order(dn: string): DirectoryServer[] {
    const start = this.s.affinity ? partition(dn, this.servers.length) : 0;
    return this.servers.map((_, i) => this.servers[(start + i) % this.servers.length]!);
  }

  serverFor(dn: string): string | undefined {
    const order = this.order(dn);
    return (order.find((s) => s.available) ?? order[0])?.url;
  }

  async run<T>(dn: string, op: (c: Client) => Promise<T>): Promise<T> {
    const order = this.order(dn);
    // Servers marked down are tried last, not skipped: when all are down the first may be back.
    const tries = [...order.filter((s) => s.available), ...order.filter((s) => !s.available)];
    const failures: string[] = [];
    for (const server of tries) {
      try {
        return await server.run(op);
      } catch (e) {
        if (!(e instanceof ServerDown)) throw e;
        failures.push(e.message);
      }
    }
    throw new CtsUnavailableError(`CTS: no directory server answered (${failures.join('; ')})`);
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
  }
}

/** |hash(normalized DN)| mod n, as Connections.computePartitionIdFromDN does with DN.hashCode(). */
export function partition(dn: string, n: number): number {
  const normalized = dn
    .split(',')
    .map((rdn) => rdn.trim().toLowerCase())
    .join(',');
  let h = 0;
  for (let i = 0; i < normalized.length; i++) h = (Math.imul(31, h) + normalized.charCodeAt(i)) | 0;
  return h === -2147483648 ? 0 : Math.abs(h) % n;
}
