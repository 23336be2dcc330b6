import type { CtsQuery, CtsToken, CtsTokenType, TokenStore } from './store';

/**
 * A node's connection to the CTS (embedded or a directory) with the configured latency
 * (ctsLatencyMs, read on each call) before every operation, as a slow or distant directory would answer.
 */
export class DelayedStore implements TokenStore {
  readonly kind: string;

  constructor(
    private readonly store: TokenStore,
    private readonly latencyMs: () => number,
  ) {
    this.kind = store.kind;
  }

  private wait(): Promise<void> | undefined {
    const ms = this.latencyMs();
    return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : undefined;
  }

  async create(token: CtsToken): Promise<void> {
    await this.wait();
    return this.store.create(token);
  }
  async read<T>(id: string): Promise<CtsToken<T> | undefined> {
    await this.wait();
    return this.store.read<T>(id);
  }
  async update(token: CtsToken): Promise<void> {
    await this.wait();
    return this.store.update(token);
  }
  async delete(id: string): Promise<boolean> {
    await this.wait();
    return this.store.delete(id);
  }
  async query<T>(q: CtsQuery): Promise<CtsToken<T>[]> {
    await this.wait();
    return this.store.query<T>(q);
  }
  async expired<T>(now: number, type?: CtsTokenType): Promise<CtsToken<T>[]> {
    await this.wait();
    return this.store.expired<T>(now, type);
  }
  async count(type?: CtsTokenType): Promise<number> {
    await this.wait();
    return this.store.count(type);
  }
  /** A directory's answer to which replica a token's operation reaches (the events name it). */
  serverFor(id: string): string | undefined {
    return this.store.serverFor?.(id);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
