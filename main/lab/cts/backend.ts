import { LabError } from '../labError';
import type { LabConfig } from '../config';
import { describeLdapError, prioritizeServers, type CtsConnectionSettings } from './connections';
import type { CtsStatus } from '../../contract/snapshot';
import { LabDirectory } from './labDirectory';
import { LdapTokenStore } from './ldapStore';
import { CTS_ROOT_SUFFIX } from './slapdConfig';
import { DelayedStore } from './latency';
import { EmbeddedTokenStore, type TokenStore } from './store';

export type { CtsInfo, CtsStatus } from '../../contract/snapshot';

/**
 * The CTS token store behind the cluster, as AM's "CTS Token Store" setting chooses it: the
 * embedded store, the lab's own slapd replicas, or an existing directory. Each AM server
 * `connect`s to it with its own connections, as each AM server opens its own pool.
 */
export interface CtsBackend {
  readonly kind: 'embedded' | 'ldap';
  connect(serverId?: string): TokenStore;
  /** The plain settings an AM server in another process needs to open the same connections. */
  connectionSettings(serverId?: string): CtsConnectionSettings | undefined;
  status(): CtsStatus;
  /** The lab's own directory, when it runs one (replica faults act on it). */
  readonly directory?: LabDirectory;
  stop(): Promise<void>;
}

/**
 * The embedded store: one map in the lab's process that every node shares (a node in its own
 * process reaches it over its channel). A node's connection adds the configured latency.
 */
class EmbeddedCts implements CtsBackend {
  readonly kind = 'embedded';
  private readonly store = new EmbeddedTokenStore();
  constructor(private readonly cfg: () => LabConfig) {}
  connect(serverId?: string): TokenStore {
    return serverId === undefined ? this.store : new DelayedStore(this.store, () => this.cfg().ctsLatencyMs);
  }
  connectionSettings(): undefined {
    return undefined;
  }
  status(): CtsStatus {
    return { kind: 'embedded', replicaStates: [], affinity: false, replicationDelayMs: 0, startMs: 0 };
  }
  stop(): Promise<void> {
    return this.store.close();
  }
}

/** A directory over LDAP: the lab's slapd replicas, or servers the engineer named. */
class DirectoryCts implements CtsBackend {
  readonly kind = 'ldap';
  private readonly stores = new Map<string, LdapTokenStore>();

  constructor(
    private readonly cfg: () => LabConfig,
    private readonly base: Omit<CtsConnectionSettings, 'servers' | 'serverId'>,
    private readonly urls: string[],
    readonly directory?: LabDirectory,
  ) {}

  /**
   * Without affinity each AM server lists its own replica first (`url|serverId`), as a customer
   * pairs every AM with a local DS; with affinity every AM lists them in one order, which AM's
   * affinity requires (OpenDJ Connections.newAffinityRequestLoadBalancer: "the factories are
   * configured using the same ordering"). A directory the engineer named is used as given.
   */
  connectionSettings(serverId?: string): CtsConnectionSettings {
    const n = Number(serverId);
    const local = this.directory && !this.base.affinity && Number.isInteger(n) && n > 0 ? [`${this.urls[(n - 1) % this.urls.length]}|${serverId}`] : [];
    return { ...this.base, servers: [...local, ...this.urls], serverId };
  }

  connect(serverId?: string): TokenStore {
    const key = serverId ?? '';
    let store = this.stores.get(key);
    if (!store) this.stores.set(key, (store = new LdapTokenStore(this.connectionSettings(serverId))));
    // A node's connection waits the configured latency too, as the embedded store's does.
    return serverId === undefined ? store : new DelayedStore(store, () => this.cfg().ctsLatencyMs);
  }

  status(): CtsStatus {
    return {
      kind: 'ldap',
      url: this.urls[0],
      replicas: this.urls,
      baseDn: this.base.rootSuffix,
      bindDn: this.base.bindDn,
      password: this.base.password,
      replicaStates: this.directory?.replicas() ?? [],
      affinity: this.base.affinity,
      replicationDelayMs: this.directory ? this.cfg().ctsReplicationDelayMs : 0,
      startMs: this.directory?.startMs ?? 0,
    };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.stores.values()].map((s) => s.close()));
    this.stores.clear();
    await this.directory?.stop();
  }
}

/** Environment defaults for the CTS settings, so a test run or a shell can switch every lab to a directory. */
export function ctsEnvironment(env: NodeJS.ProcessEnv = process.env): Partial<Pick<LabConfig, 'cts' | 'ctsBindDn' | 'ctsPassword'>> {
  const out: Partial<Pick<LabConfig, 'cts' | 'ctsBindDn' | 'ctsPassword'>> = {};
  if (env.SESSION_LAB_CTS) out.cts = env.SESSION_LAB_CTS;
  if (env.SESSION_LAB_CTS_BIND_DN) out.ctsBindDn = env.SESSION_LAB_CTS_BIND_DN;
  if (env.SESSION_LAB_CTS_PASSWORD) out.ctsPassword = env.SESSION_LAB_CTS_PASSWORD;
  return out;
}

/** Opens the CTS the settings name: starts slapd replicas, or checks the named directory answers. */
export async function openCts(cfg: () => LabConfig): Promise<CtsBackend> {
  const c = cfg();
  if (c.cts === 'embedded') return new EmbeddedCts(cfg);
  if (c.cts === 'ldap') {
    const dir = await LabDirectory.start(c.ctsReplicas, () => cfg().ctsReplicationDelayMs);
    return new DirectoryCts(cfg, { rootSuffix: dir.rootSuffix, bindDn: dir.bindDn, password: dir.password, affinity: c.ctsAffinity }, dir.urls, dir);
  }
  if (!c.ctsBindDn || !c.ctsPassword) throw new LabError(`--cts ${c.cts} needs a bind DN and password (--cts-bind-dn/--cts-password, or SESSION_LAB_CTS_BIND_DN/SESSION_LAB_CTS_PASSWORD)`);
  const urls = prioritizeServers(c.cts.split(','));
  const backend = new DirectoryCts(cfg, { rootSuffix: c.ctsRootSuffix ?? CTS_ROOT_SUFFIX, bindDn: c.ctsBindDn, password: c.ctsPassword, affinity: c.ctsAffinity }, urls);
  try {
    await backend.connect().count('SESSION');
  } catch (e) {
    await backend.stop();
    throw new LabError(`The CTS at ${c.cts} did not answer a search of ${c.ctsRootSuffix ?? CTS_ROOT_SUFFIX} as ${c.ctsBindDn}: ${describeLdapError(e)}`);
  }
  return backend;
}
