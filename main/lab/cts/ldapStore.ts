import { AlreadyExistsError, Attribute, Change, NoSuchObjectError, type Client, type Entry, type Filter } from 'ldapts';
import { ServerPool, type CtsConnectionSettings } from './connections';
import { expiredFilter, fromEntry, queryFilter, toAttributes, toReplacements, tokenDn } from './ldapEntry';
import type { CtsQuery, CtsToken, CtsTokenType, TokenStore } from './store';

const BINARY = ['coreTokenObject'];
/** AM pages CTS searches (org.forgerock.services.cts.store.page.size); 1000 is the reaper's page. */
const PAGE_SIZE = 1_000;

/**
 * The CTS in a directory: each token an frCoreToken entry under the CTS root suffix, read and
 * written with the LDAP operations AM's LdapAdapter uses (OpenAM openam-core/.../cts/impl/
 * LdapAdapter.java): add, base-object search, modify, delete, paged subtree search. Built from
 * plain settings only, so a node in its own process can open its own connections.
 */
export class LdapTokenStore implements TokenStore {
  readonly kind = 'ldap';
  private readonly pool: ServerPool;

  constructor(readonly settings: CtsConnectionSettings) {
    this.pool = new ServerPool(settings);
  }

  private dn(id: string): string {
    return tokenDn(id, this.settings.rootSuffix);
  }

  async create(token: CtsToken): Promise<void> {
    const dn = this.dn(token.id);
    try {
      const attrs = Object.entries(toAttributes(token)).map(([type, v]) => new Attribute({ type, values: (Buffer.isBuffer(v) ? [v] : [v].flat()) as Buffer[] | string[] }));
      await this.pool.run(dn, (c) => c.add(dn, attrs));
    } catch (e) {
      if (e instanceof AlreadyExistsError) throw new Error(`CTS token ${token.id} already exists`);
      throw e;
    }
  }

  async read<T>(id: string): Promise<CtsToken<T> | undefined> {
    const dn = this.dn(id);
    try {
      const r = await this.pool.run(dn, (c) => c.search(dn, { scope: 'base', explicitBufferAttributes: BINARY }));
      return r.searchEntries[0] ? fromEntry<T>(r.searchEntries[0]) : undefined;
    } catch (e) {
      if (e instanceof NoSuchObjectError) return undefined;
      throw e;
    }
  }

  async update(token: CtsToken): Promise<void> {
    const dn = this.dn(token.id);
    const changes = toReplacements(token).map((a) => new Change({ operation: 'replace', modification: new Attribute({ type: a.type, values: a.values as Buffer[] | string[] }) }));
    try {
      await this.pool.run(dn, (c) => c.modify(dn, changes));
    } catch (e) {
      if (e instanceof NoSuchObjectError) throw new Error(`CTS token ${token.id} does not exist`);
      throw e;
    }
  }

  async delete(id: string): Promise<boolean> {
    const dn = this.dn(id);
    try {
      await this.pool.run(dn, (c) => c.del(dn));
      return true;
    } catch (e) {
      if (e instanceof NoSuchObjectError) return false;
      throw e;
    }
  }

  async query<T>(q: CtsQuery): Promise<CtsToken<T>[]> {
    return (await this.search(queryFilter(q))).map((e) => fromEntry<T>(e));
  }

  async expired<T>(now: number, type?: CtsTokenType): Promise<CtsToken<T>[]> {
    return (await this.search(expiredFilter(now, type))).map((e) => fromEntry<T>(e));
  }

  async count(type?: CtsTokenType): Promise<number> {
    return (await this.search(queryFilter({ type }), ['1.1'])).length;
  }

  serverFor(id: string): string | undefined {
    return this.pool.serverFor(this.dn(id));
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** A paged subtree search under the root suffix; with affinity it goes where the suffix DN hashes. */
  private search(filter: Filter, attributes?: string[]): Promise<Entry[]> {
    const base = this.settings.rootSuffix;
    return this.pool.run(base, async (c: Client) => {
      const out: Entry[] = [];
      for await (const page of c.searchPaginated(base, { scope: 'sub', filter, attributes, explicitBufferAttributes: BINARY, paged: { pageSize: PAGE_SIZE } })) {
        out.push(...page.searchEntries);
      }
      return out;
    });
  }
}
