import type { CtsCall } from '../nodes/protocol';
import type { CtsQuery, CtsToken, CtsTokenType, TokenStore } from './store';

/**
 * The embedded CTS as an AM node in its own process reaches it: every operation is a call to the
 * lab, which holds the store, and waits for the answer as AM waits for its directory.
 */
export class RemoteTokenStore implements TokenStore {
  readonly kind = 'embedded';

  constructor(private readonly call: (c: CtsCall) => Promise<unknown>) {}

  create(token: CtsToken): Promise<void> {
    return this.call({ op: 'create', args: [token] }) as Promise<void>;
  }
  read<T>(id: string): Promise<CtsToken<T> | undefined> {
    return this.call({ op: 'read', args: [id] }) as Promise<CtsToken<T> | undefined>;
  }
  update(token: CtsToken): Promise<void> {
    return this.call({ op: 'update', args: [token] }) as Promise<void>;
  }
  delete(id: string): Promise<boolean> {
    return this.call({ op: 'delete', args: [id] }) as Promise<boolean>;
  }
  query<T>(q: CtsQuery): Promise<CtsToken<T>[]> {
    return this.call({ op: 'query', args: [q] }) as Promise<CtsToken<T>[]>;
  }
  expired<T>(now: number, type?: CtsTokenType): Promise<CtsToken<T>[]> {
    return this.call({ op: 'expired', args: [now, type] }) as Promise<CtsToken<T>[]>;
  }
  count(type?: CtsTokenType): Promise<number> {
    return this.call({ op: 'count', args: [type] }) as Promise<number>;
  }
  async close(): Promise<void> {}
}
