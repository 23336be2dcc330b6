import { normalizeFields, type CtsFields } from './fields';

/**
 * The Core Token Service as the nodes see it: a token store. The embedded store lives in the lab
 * process; the directory store (ldapStore.ts) keeps the same tokens as LDAP entries in AM's CTS
 * schema. Every call is async, as every AM call to the CTS is a network round trip.
 */
export type CtsTokenType =
  | 'SESSION'
  | 'AUTH_SESSION'
  | 'SESSION_BLACKLIST'
  /** OAuth2 authorization codes, stateful access/refresh tokens and OpenID Connect ops tokens. */
  | 'OAUTH'
  /** AM 7+: the grants behind client-side (stateless) OAuth2 tokens, so they can be revoked. */
  | 'OAUTH2_GRANT_SET'
  /** Revoked client-side OAuth2 tokens (by jti) until they would have expired. */
  | 'OAUTH_BLACKLIST'
  /** Data AM keeps outside session tokens; here the persistent account-lockout counters (see lockout.ts). */
  | 'GENERIC';

export interface CtsToken<T = unknown> {
  /** CTS token id (the storage key, SK). */
  id: string;
  type: CtsTokenType;
  /** Owner universal id, for session queries by user (coreTokenUserId). */
  userId?: string;
  /** OAuth2 authorization grant id (OAuthTokenField authGrantId, coreTokenString15). */
  grantId?: string;
  /** Lab-clock instant after which the reaper may delete the token. */
  expiresAt: number;
  /** The indexed fields AM's token adapter maps (e.g. a session's handle in coreTokenString03). */
  fields?: CtsFields;
  data: T;
}

/** Tokens matching every given criterion; `fields` are equality matches. */
export interface CtsQuery {
  type?: CtsTokenType;
  userId?: string;
  grantId?: string;
  fields?: CtsFields;
}

/**
 * No directory server answered (all down, or the connection failed mid-operation). AM's CTS
 * raises CoreTokenException here; what a node answers then is the caller's decision.
 */
export class CtsUnavailableError extends Error {
  constructor(
    message: string,
    /** What the caller was doing, for the trace ("to read the account lockout counter"). */
    readonly during?: string,
  ) {
    super(message);
    this.name = 'CtsUnavailableError';
  }
}

export interface TokenStore {
  readonly kind: string;
  create(token: CtsToken): Promise<void>;
  read<T>(id: string): Promise<CtsToken<T> | undefined>;
  update(token: CtsToken): Promise<void>;
  delete(id: string): Promise<boolean>;
  query<T>(q: CtsQuery): Promise<CtsToken<T>[]>;
  /** Tokens whose expiresAt has passed; the reaper decides what to delete. */
  expired<T>(now: number, type?: CtsTokenType): Promise<CtsToken<T>[]>;
  count(type?: CtsTokenType): Promise<number>;
  /** Which directory server an operation on this token would reach now, when there are several. */
  serverFor?(id: string): string | undefined;
  close(): Promise<void>;
}

/** In-process CTS: tokens are structured-cloned on the way in and out, as if they crossed a wire. */
export class EmbeddedTokenStore implements TokenStore {
  readonly kind = 'embedded';
  private readonly tokens = new Map<string, CtsToken>();

  async create(token: CtsToken): Promise<void> {
    if (this.tokens.has(token.id)) throw new Error(`CTS token ${token.id} already exists`);
    this.tokens.set(token.id, stored(token));
  }

  async read<T>(id: string): Promise<CtsToken<T> | undefined> {
    const t = this.tokens.get(id);
    return t ? (structuredClone(t) as CtsToken<T>) : undefined;
  }

  async update(token: CtsToken): Promise<void> {
    if (!this.tokens.has(token.id)) throw new Error(`CTS token ${token.id} does not exist`);
    this.tokens.set(token.id, stored(token));
  }

  async delete(id: string): Promise<boolean> {
    return this.tokens.delete(id);
  }

  async query<T>(q: CtsQuery): Promise<CtsToken<T>[]> {
    const out: CtsToken<T>[] = [];
    for (const t of this.tokens.values()) {
      if (q.type && t.type !== q.type) continue;
      if (q.userId && t.userId !== q.userId) continue;
      if (q.grantId && t.grantId !== q.grantId) continue;
      if (q.fields && !matchesFields(t.fields, q.fields)) continue;
      out.push(structuredClone(t) as CtsToken<T>);
    }
    return out;
  }

  async expired<T>(now: number, type?: CtsTokenType): Promise<CtsToken<T>[]> {
    const out: CtsToken<T>[] = [];
    for (const t of this.tokens.values()) {
      if (t.expiresAt <= now && (!type || t.type === type)) out.push(structuredClone(t) as CtsToken<T>);
    }
    return out;
  }

  async count(type?: CtsTokenType): Promise<number> {
    if (!type) return this.tokens.size;
    let n = 0;
    for (const t of this.tokens.values()) if (t.type === type) n++;
    return n;
  }

  async close(): Promise<void> {
    this.tokens.clear();
  }
}

function stored(token: CtsToken): CtsToken {
  const copy = structuredClone(token);
  const fields = normalizeFields(copy.fields);
  if (fields) copy.fields = fields;
  else delete copy.fields;
  return copy;
}

function matchesFields(have: CtsFields | undefined, want: CtsFields): boolean {
  const h = (have ?? {}) as Record<string, unknown>;
  return Object.entries(normalizeFields(want) ?? {}).every(([k, v]) => h[k] === v);
}
