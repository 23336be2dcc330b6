import { decodeExtensions } from '../am/tokens';
import { base64ToBytes, utf8Decode } from './http';

/**
 * AM's tokens as a trace reads them: the SSO token's extensions (the server id inside, decoded as
 * the nodes decode them, am/tokens.ts), an authId JWT's claims, and the redactor's pseudonyms,
 * which keep the server id so a redacted trace still names its nodes (am-rest.md §3, §1.10).
 */

/** Cookie values that mark invalidation, not a secret (am-rest.md §3). */
export const COOKIE_SENTINELS: ReadonlySet<string> = new Set(['', '""', 'LOGOUT']);
export const DEFAULT_LB_COOKIE = 'amlbcookie';
export const DEFAULT_SSO_COOKIE = 'iPlanetDirectoryPro';
export const AUTH_COOKIE = 'AMAuthCookie';

/** The payload of a JWS (not verified: the trace only reads what the token says about itself). */
export function jwtPayload(jwt: string): Record<string, unknown> | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts[0]!.startsWith('eyJ')) return undefined;
  const bytes = base64ToBytes(parts[1]!);
  if (!bytes) return undefined;
  try {
    const v = JSON.parse(utf8Decode(bytes));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface TokenInfo {
  /** Server id from the SI extension (the node that minted it), when known. */
  server?: string;
  /** `type` extension: CTS, JWT (client-based session), JWT_AUTH (client-side journey). */
  type?: string;
  /** Storage key (SK extension). */
  sk?: string;
  /** The token id before the first `*`. */
  id: string;
  /** What follows the extension block (a client-based session's JWT). */
  suffix: string;
  /** True when this is one of our pseudonyms rather than a real token. */
  pseudonym: boolean;
}

/** Reads an AM token (its server: S1 in a site, else SI), or one of the redactor's pseudonyms (which keep the server id after `@`). */
export function tokenInfo(token: string | undefined): TokenInfo | undefined {
  if (!token || token.length > 32_768) return undefined;
  const p = parsePseudonym(token);
  if (p) return { server: p.server, type: p.storage === 'cts' ? 'CTS' : p.storage === 'client' ? 'JWT' : undefined, id: token, suffix: '', pseudonym: true };
  const first = token.indexOf('*');
  const second = first < 0 ? -1 : token.indexOf('*', first + 1);
  if (first < 0 || second < 0) return undefined;
  const ext = decodeExtensions(token.slice(first + 1, second));
  if (!ext) return undefined;
  return { server: ext.S1 || ext.SI || undefined, type: ext.type || undefined, sk: ext.SK || undefined, id: token.slice(0, first), suffix: token.slice(second + 1), pseudonym: false };
}

export interface PseudonymInfo {
  kind: string;
  n: number;
  server?: string;
  storage?: 'memory' | 'cts' | 'client';
}

/** `REDACTED-SSO-3@01`, `REDACTED-AUTHID-2@01/cts`: what the redactor writes (see redact.ts). */
export function parsePseudonym(s: string): PseudonymInfo | undefined {
  const m = /^REDACTED-([A-Z]+)-(\d+)(?:@([A-Za-z0-9]{1,8}))?(?:\/(memory|cts|client))?$/.exec(s);
  if (!m) return undefined;
  return { kind: m[1]!, n: Number(m[2]), server: m[3], storage: m[4] as PseudonymInfo['storage'] };
}

export interface AuthIdInfo {
  /** Server id named by the authId's sessionId (the node that issued this step). */
  server?: string;
  /** Where the auth session lives, read from the sessionId's extension. */
  storage?: 'memory' | 'cts' | 'client';
  /** Expiry and issue time (epoch ms) — only trees put them in the authId. */
  exp?: number;
  iat?: number;
  service?: string;
  /** The in-flight auth session id (AMAuthCookie value) the authId refers to. */
  sessionId?: string;
}

/** What an authId JWT says about itself (am-rest.md §1.10), or what its pseudonym kept. */
export function authIdInfo(authId: string | undefined): AuthIdInfo | undefined {
  if (!authId) return undefined;
  const p = parsePseudonym(authId);
  if (p) return { server: p.server, storage: p.storage };
  const claims = jwtPayload(authId);
  if (!claims) return undefined;
  const info: AuthIdInfo = {};
  if (typeof claims.exp === 'number') info.exp = claims.exp * 1000;
  if (typeof claims.iat === 'number') info.iat = claims.iat * 1000;
  if (typeof claims.authIndexValue === 'string') info.service = claims.authIndexValue;
  const sid = claims.sessionId;
  if (typeof sid === 'string') {
    info.sessionId = sid;
    const t = tokenInfo(sid.startsWith('*') ? `x${sid}` : sid);
    if (t) {
      info.server = t.server;
      info.storage = t.type === 'CTS' ? 'cts' : t.type === 'JWT_AUTH' ? 'client' : 'memory';
    }
  }
  return info;
}
