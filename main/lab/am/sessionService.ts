import { randomUUID } from 'node:crypto';
import type { LabClock } from '../clock';
import type { LabConfig } from '../config';
import { CtsUnavailableError, type CtsToken, type TokenStore } from '../cts/store';
import type { EmitEvent, TerminationReason } from '../trace/types';
import { JwtRejected, signHs256, verifyHs256 } from './hs256';
import type { LabKeys } from './keys';
import type { Identity } from './users';
import { mintToken, parseToken, sameHash, serverExtensions, sessionHandle, storageKey, tokenHash } from './tokens';

const MIN = 60_000;

/** When AM destroys a session itself: its session quota, or a session upgrade that replaced it. */
type Cause = { kind: 'quota'; action: string; limit: number } | { kind: 'upgrade' };

/** What AM records about an authenticated session, wherever it is kept. */
interface SessionFields {
  handle: string;
  sessionUid: string;
  username: string;
  universalId: string;
  realm: string;
  admin: boolean;
  createdAt: number;
  latestAccessTime: number;
  /** Minutes, fixed when the session was created (AM reads the session service then). */
  maxSessionTime: number;
  maxIdleTime: number;
  maxCachingTime: number;
  /** Node that authenticated the user. */
  homeNode: string;
  /** AM's session properties: AuthLevel, Service, AuthType, UserToken, successURL… and any a client set. */
  properties: Record<string, string>;
}

/** A CTS-based (server-side) session as stored in the CTS. */
export interface CtsSessionData extends SessionFields {
  tokenHash: string;
}

export interface ActiveSession extends SessionFields {
  kind: 'cts' | 'client';
  maxIdleExpiration: number | null;
  maxSessionExpiration: number;
}

export type Resolution =
  | { valid: true; session: ActiveSession }
  | { valid: false; why: 'malformed' | 'unknown' | 'forged' | 'denylisted' | 'cts-unavailable' | TerminationReason | 'expired' };

export interface SessionServiceDeps {
  config: () => LabConfig;
  clock: LabClock;
  cts: TokenStore;
  keys: LabKeys;
  emit: EmitEvent;
}

interface Ctx {
  node: string;
  exchangeId?: string | null;
}

/**
 * Authenticated sessions, CTS-based or client-based. Expiry is decided on access (authoritative,
 * as AM rejects an expired session before any reaper runs) and again by the CTS reaper (which
 * removes it from the store and the admin list). Both read the lab clock.
 */
export class SessionService {
  constructor(private readonly d: SessionServiceDeps) {}

  async create(id: Identity, realm: string, ctx: Ctx, properties: Record<string, string> = {}): Promise<{ token: string; session: ActiveSession }> {
    const cfg = this.d.config();
    const now = this.d.clock.now();
    if (cfg.sessions === 'cts' && cfg.sessionQuotaEnabled) await this.enforceQuota(id, ctx);
    const sessionUid = randomUUID();
    const base = {
      handle: sessionHandle(),
      sessionUid,
      username: id.username,
      universalId: id.universalId,
      realm,
      admin: id.admin,
      createdAt: now,
      latestAccessTime: now,
      maxSessionTime: cfg.maxSessionTime,
      maxIdleTime: cfg.maxIdleTime,
      maxCachingTime: cfg.maxCachingTime,
      homeNode: ctx.node,
      properties: { ...properties, AMCtxId: sessionUid },
    };
    const { SI, S1 } = serverExtensions(cfg.siteId, ctx.node);
    let token: string;
    let session: ActiveSession;
    if (cfg.sessions === 'client') {
      const claims = { ...base, kind: 'client', sub: id.universalId, iat: Math.floor(now / 1000), exp: Math.floor((now + cfg.maxSessionTime * MIN) / 1000), jti: base.sessionUid };
      const jwt = signHs256(claims, this.d.keys.sessionSigningKey);
      token = mintToken({ SI, type: 'JWT', S1 }, jwt);
      session = { ...base, kind: 'client', maxIdleExpiration: null, maxSessionExpiration: now + cfg.maxSessionTime * MIN };
    } else {
      const sk = storageKey();
      token = mintToken({ SI, SK: sk, type: 'CTS', S1 });
      const data: CtsSessionData = { ...base, tokenHash: tokenHash(parseToken(token)!.id).toString('hex') };
      await this.ctsCall(ctx, 'to save the new session', () => this.d.cts.create(sessionToken(sk, data)));
      session = toActive(data);
    }
    this.d.emit('session-created', {
      node: ctx.node,
      exchangeId: ctx.exchangeId,
      data: { handle: session.handle, user: id.username, realm, kind: session.kind, maxSessionTime: session.maxSessionTime, maxIdleTime: session.maxIdleTime },
    });
    return { token, session };
  }

  /** Validation on access. `touch` records the access (validate/refresh); getSessionInfo does not. */
  async resolve(token: string | undefined, ctx: Ctx, touch: 'no' | 'granular' | 'force' = 'no'): Promise<Resolution> {
    const parsed = token ? parseToken(token) : undefined;
    if (!parsed) return { valid: false, why: 'malformed' };
    if (parsed.ext.type === 'JWT' || parsed.suffix) return this.resolveClient(parsed.suffix, ctx);
    const sk = parsed.ext.SK;
    if (!sk) return { valid: false, why: 'malformed' };
    let stored: CtsToken<CtsSessionData> | undefined;
    try {
      stored = await this.ctsCall(ctx, 'to read the session', () => this.d.cts.read<CtsSessionData>(sk));
    } catch (e) {
      // A failed CTS read is no session (SessionPersistenceStore.recoverSession logs and returns null).
      if (e instanceof CtsUnavailableError) return { valid: false, why: 'cts-unavailable' };
      throw e;
    }
    if (!stored || stored.type !== 'SESSION') return { valid: false, why: 'unknown' };
    if (!sameHash(tokenHash(parsed.id), Buffer.from(stored.data.tokenHash, 'hex'))) return { valid: false, why: 'forged' };
    const data = stored.data;
    const now = this.d.clock.now();
    const reason = expiredReason(data, now);
    if (reason) {
      await this.terminate(stored, reason, ctx, 'access');
      return { valid: false, why: reason };
    }
    const granularity = this.d.config().latestAccessUpdateSeconds * 1000;
    if (touch === 'force' || (touch === 'granular' && now - data.latestAccessTime >= granularity)) {
      data.latestAccessTime = now;
      await this.ctsCall(ctx, 'to record the access', () => this.d.cts.update(sessionToken(sk, data)));
    }
    return { valid: true, session: toActive(data) };
  }

  private async resolveClient(jwt: string, ctx: Ctx): Promise<Resolution> {
    try {
      const payload = verifyHs256(jwt, this.d.keys.sessionSigningKey, this.d.clock.now());
      const p = payload as unknown as Omit<ActiveSession, 'kind'> & { jti: string };
      const cfg = this.d.config();
      if (cfg.denylist) {
        let entry: CtsToken<{ node: string; at: number }> | undefined;
        try {
          entry = await this.ctsCall(ctx, 'to check the session denylist', () => this.d.cts.read<{ node: string; at: number }>(`denylist:${p.jti}`));
        } catch (e) {
          // CTSBlacklist.isBlacklisted turns a CTS failure into BlacklistException: the session is not accepted.
          if (e instanceof CtsUnavailableError) return { valid: false, why: 'cts-unavailable' };
          throw e;
        }
        // The node that logged the session out knows at once; others see it after their next poll.
        if (entry && (entry.data.node === ctx.node || this.d.clock.now() - entry.data.at >= cfg.denylistPollSeconds * 1000)) {
          return { valid: false, why: 'denylisted' };
        }
      }
      return {
        valid: true,
        session: { ...p, kind: 'client', maxIdleExpiration: null, maxSessionExpiration: p.createdAt + p.maxSessionTime * MIN },
      };
    } catch (e) {
      return { valid: false, why: e instanceof JwtRejected && e.reason === 'expired' ? 'max-time' : 'forged' };
    }
  }

  /** Logout or admin termination of whatever session the token names. False if it was already dead. */
  async end(token: string, reason: 'logout' | 'admin', ctx: Ctx): Promise<boolean> {
    const r = await this.resolve(token, ctx);
    if (!r.valid) return false;
    if (r.session.kind === 'client') {
      if (this.d.config().denylist) {
        const now = this.d.clock.now();
        const entry = { id: `denylist:${r.session.sessionUid}`, type: 'SESSION_BLACKLIST' as const, expiresAt: r.session.maxSessionExpiration + MIN, data: { node: ctx.node, at: now } };
        await this.ctsCall(ctx, 'to denylist the session', () => this.d.cts.create(entry));
      }
      this.emitTerminated(r.session, reason, ctx, 'request');
      return true;
    }
    const sk = parseToken(token)!.ext.SK!;
    const stored = await this.ctsCall(ctx, 'to read the session', () => this.d.cts.read<CtsSessionData>(sk));
    if (!stored) return false;
    await this.terminate(stored, reason, ctx, 'request');
    return true;
  }

  /** AM finds a session by its handle with an indexed search (SessionPersistenceStore.recoverSessionByHandle). */
  async endByHandle(handle: string, ctx: Ctx): Promise<boolean> {
    const [hit] = await this.ctsCall(ctx, 'to find the session by handle', () => this.d.cts.query<CtsSessionData>({ type: 'SESSION', fields: { [SESSION_HANDLE]: handle } }));
    if (!hit) return false;
    await this.terminate(hit, 'admin', ctx, 'request');
    return true;
  }

  async endByUser(username: string, ctx: Ctx): Promise<number> {
    const all = await this.ctsCall(ctx, "to find the user's sessions", () => this.d.cts.query<CtsSessionData>({ type: 'SESSION' }));
    const mine = all.filter((t) => t.data.username === username);
    for (const t of mine) await this.terminate(t, 'admin', ctx, 'request');
    return mine.length;
  }

  /**
   * Session quota (Enable Quota Constraints; amSession.xml iplanet-am-session-quota-limit): at the
   * limit, DENY_ACCESS refuses the login (amAuth.properties 115) and the other exhaustion actions
   * destroy existing sessions first (DestroyNextExpiringAction, DestroyOldestAction, DestroyAllAction).
   * The count is of the user's sessions in the CTS, which every server reads.
   */
  private async enforceQuota(id: Identity, ctx: Ctx): Promise<void> {
    const cfg = this.d.config();
    const now = this.d.clock.now();
    const live = (await this.ctsCall(ctx, "to count the user's sessions", () => this.d.cts.query<CtsSessionData>({ type: 'SESSION', userId: id.universalId }))).filter((t) => !expiredReason(t.data, now));
    if (live.length < cfg.sessionQuotaLimit) return;
    if (cfg.sessionQuotaAction === 'DENY_ACCESS') throw new QuotaExceeded(live.length);
    const byExpiry = (t: CtsToken<CtsSessionData>) => expiry(t.data);
    const order = cfg.sessionQuotaAction === 'DESTROY_OLDEST' ? live.sort((a, b) => a.data.createdAt - b.data.createdAt) : live.sort((a, b) => byExpiry(a) - byExpiry(b));
    const victims = cfg.sessionQuotaAction === 'DESTROY_ALL' ? order : order.slice(0, live.length - cfg.sessionQuotaLimit + 1);
    for (const t of victims) await this.terminate(t, 'admin', ctx, 'request', { kind: 'quota', action: cfg.sessionQuotaAction, limit: cfg.sessionQuotaLimit });
  }

  /** Destroys a session that a successful session upgrade replaced (its properties went to the new one). */
  async replaceAfterUpgrade(token: string, ctx: Ctx): Promise<void> {
    const sk = parseToken(token)?.ext.SK;
    const stored = sk ? await this.ctsCall(ctx, 'to read the upgraded session', () => this.d.cts.read<CtsSessionData>(sk)) : undefined;
    if (stored?.type === 'SESSION') await this.terminate(stored, 'admin', ctx, 'request', { kind: 'upgrade' });
  }

  /** Sets (or, with "", blanks) properties of a CTS session; client-based sessions cannot be rewritten here. */
  async setProperties(token: string, props: Record<string, string>): Promise<boolean> {
    const sk = parseToken(token)?.ext.SK;
    const stored = sk ? await this.d.cts.read<CtsSessionData>(sk) : undefined;
    if (!stored || stored.type !== 'SESSION') return false;
    stored.data.properties = { ...stored.data.properties, ...props };
    await this.d.cts.update(sessionToken(sk!, stored.data));
    return true;
  }

  /** CTS-based sessions that have not been removed yet (expired ones included until reaped). `ctx`: a node lists them. */
  async list(ctx?: Ctx): Promise<ActiveSession[]> {
    const search = () => this.d.cts.query<CtsSessionData>({ type: 'SESSION' });
    const all = ctx ? await this.ctsCall(ctx, 'to list sessions', search) : await search();
    return all.map((t) => toActive(t.data)).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The CTS reaper: deletes expired session tokens and says why each one ended. */
  async reap(): Promise<number> {
    const now = this.d.clock.now();
    const expired = await this.d.cts.expired<CtsSessionData>(now, 'SESSION');
    // The home node scheduled the deletion in its reaper cache, so it is the one that reports it.
    for (const t of expired) await this.terminate(t, expiredReason(t.data, now) ?? 'idle', { node: t.data.homeNode }, 'reaper');
    for (const t of await this.d.cts.expired(now, 'SESSION_BLACKLIST')) await this.d.cts.delete(t.id);
    return expired.length;
  }

  /** A CTS call on behalf of a node: when no directory server answers, the trace says so first. */
  private async ctsCall<T>(ctx: Ctx, what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof CtsUnavailableError) {
        this.d.emit('cts-unreachable', { node: ctx.node, exchangeId: ctx.exchangeId, data: { during: what, why: e.message } });
      }
      throw e;
    }
  }

  /**
   * `cause` words a destruction AM performs itself (quota, upgrade): AM audits those as DESTROY, the
   * same event as an administrator's termination, so they share the 'admin' reason.
   */
  private async terminate(t: CtsToken<CtsSessionData>, reason: TerminationReason, ctx: Ctx, detectedBy: 'access' | 'reaper' | 'request', cause?: Cause) {
    // Only the caller that actually deletes the token reports it, so a race reports once.
    if (!(await this.ctsCall(ctx, 'to remove the session', () => this.d.cts.delete(t.id)))) return;
    this.emitTerminated(toActive(t.data), reason, ctx, detectedBy, cause);
  }

  private emitTerminated(s: ActiveSession, reason: TerminationReason, ctx: Ctx, detectedBy: 'access' | 'reaper' | 'request', cause?: Cause) {
    this.d.emit('session-terminated', {
      node: ctx.node,
      exchangeId: ctx.exchangeId,
      data: { handle: s.handle, user: s.username, reason, detectedBy, kind: s.kind, homeNode: s.homeNode, session: s, ...(cause ? { cause } : {}) },
    });
  }

}

/**
 * OpenAM's session token layout (openam-core/.../cts/api/fields/SessionTokenField.java, written by
 * cts/adapters/SessionAdapter.java): coreTokenUserId the universal id, String01 latestAccessTime
 * (seconds), String03 sessionHandle, String11 realm, String13 sessionState, Date01/Date02 the max
 * session and max idle expiry. The session id (String02) is not stored: the lab keeps its hash.
 */
const SESSION_HANDLE = 'coreTokenString03';

function sessionToken(sk: string, d: CtsSessionData): CtsToken<CtsSessionData> {
  return {
    id: sk,
    type: 'SESSION',
    userId: d.universalId,
    expiresAt: expiry(d),
    fields: {
      coreTokenString01: String(Math.floor(d.latestAccessTime / 1000)),
      [SESSION_HANDLE]: d.handle,
      coreTokenString11: d.realm,
      coreTokenString13: 'VALID',
      coreTokenDate01: d.createdAt + d.maxSessionTime * MIN,
      coreTokenDate02: d.latestAccessTime + d.maxIdleTime * MIN,
    },
    data: d,
  };
}

function expiry(d: CtsSessionData): number {
  return Math.min(d.createdAt + d.maxSessionTime * MIN, d.latestAccessTime + d.maxIdleTime * MIN);
}

function expiredReason(d: CtsSessionData, now: number): TerminationReason | undefined {
  if (now >= d.createdAt + d.maxSessionTime * MIN) return 'max-time';
  if (now >= d.latestAccessTime + d.maxIdleTime * MIN) return 'idle';
  return undefined;
}

function toActive(d: CtsSessionData): ActiveSession {
  return {
    kind: 'cts',
    handle: d.handle,
    sessionUid: d.sessionUid,
    username: d.username,
    universalId: d.universalId,
    realm: d.realm,
    admin: d.admin,
    createdAt: d.createdAt,
    latestAccessTime: d.latestAccessTime,
    maxIdleExpiration: d.latestAccessTime + d.maxIdleTime * MIN,
    maxSessionExpiration: d.createdAt + d.maxSessionTime * MIN,
    maxSessionTime: d.maxSessionTime,
    maxIdleTime: d.maxIdleTime,
    maxCachingTime: d.maxCachingTime,
    homeNode: d.homeNode,
    properties: d.properties ?? {},
  };
}

/** A login refused by the session quota with DENY_ACCESS (amAuth.properties 115). */
export class QuotaExceeded extends Error {
  constructor(readonly count: number) {
    super('You have reached your session limit.');
  }
}
