import type { Header, TraceExchange } from './types';

/**
 * AM facts read from one recorded exchange: cookies sent and set, authIds, SSO tokens and the server
 * ids inside them. Shared by the diagnosis, the HAR exporter/importer, the redactor and the sequence
 * view. Browser-safe (no Buffer, no node:*) so the window can call it directly.
 */

/** Cookie values that mark invalidation, not a secret (am-rest.md §3). */
export const COOKIE_SENTINELS: ReadonlySet<string> = new Set(['', '""', 'LOGOUT']);
export const DEFAULT_LB_COOKIE = 'amlbcookie';
export const DEFAULT_SSO_COOKIE = 'iPlanetDirectoryPro';
export const AUTH_COOKIE = 'AMAuthCookie';

export function headerValues(headers: readonly Header[], name: string): string[] {
  const n = name.toLowerCase();
  return headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
}

export function headerValue(headers: readonly Header[], name: string): string | undefined {
  return headerValues(headers, name)[0];
}

export interface CookiePair {
  name: string;
  value: string;
}

/** `a=1; b=2` as sent in a Cookie header (several Cookie headers, as HTTP/2 allows, are joined). */
export function requestCookies(headers: readonly Header[]): CookiePair[] {
  const out: CookiePair[] = [];
  for (const line of headerValues(headers, 'cookie')) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      out.push({ name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() });
    }
  }
  return out;
}

export function requestCookie(headers: readonly Header[], name: string): string | undefined {
  return requestCookies(headers).find((c) => c.name === name)?.value;
}

export interface SetCookieView {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  /** ISO date of the Expires attribute, when it parses. */
  expires?: string;
  maxAge?: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite?: string;
  /** True when the cookie is being removed: a past expiry, Max-Age ≤ 0, or a sentinel value. */
  invalidates: boolean;
}

export function parseSetCookie(line: string): SetCookieView {
  const [first = '', ...attrs] = line.split(';');
  const eq = first.indexOf('=');
  const view: SetCookieView = {
    name: (eq < 0 ? first : first.slice(0, eq)).trim(),
    value: eq < 0 ? '' : first.slice(eq + 1).trim(),
    httpOnly: false,
    secure: false,
    invalidates: false,
  };
  for (const a of attrs) {
    const i = a.indexOf('=');
    const k = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    const v = i < 0 ? '' : a.slice(i + 1).trim();
    if (k === 'path') view.path = v;
    else if (k === 'domain') view.domain = v;
    else if (k === 'expires') {
      const t = Date.parse(v);
      if (Number.isFinite(t)) view.expires = new Date(t).toISOString();
    } else if (k === 'max-age' && /^-?\d+$/.test(v)) view.maxAge = Number(v);
    else if (k === 'httponly') view.httpOnly = true;
    else if (k === 'secure') view.secure = true;
    else if (k === 'samesite') view.sameSite = v;
  }
  // Whether a cookie is being removed is read from the line itself: 1970 expiry, Max-Age 0, LOGOUT.
  const pastExpiry = view.expires !== undefined && Date.parse(view.expires) < Date.UTC(2000, 0, 1);
  view.invalidates = pastExpiry || (view.maxAge !== undefined && view.maxAge <= 0) || view.value === 'LOGOUT' || view.value === '""';
  return view;
}

export function setCookies(headers: readonly Header[]): SetCookieView[] {
  return headerValues(headers, 'set-cookie').map(parseSetCookie);
}

/** A JSON body, or undefined when it is not JSON (bounded: a trace body is at most 64 KiB). */
export function jsonBody(text: string | undefined): unknown {
  if (!text) return undefined;
  const t = text.trimStart();
  if (t[0] !== '{' && t[0] !== '[') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function jsonObject(text: string | undefined): Record<string, unknown> | undefined {
  const v = jsonBody(text);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

// ---- base64 without Buffer (the window has no Buffer) ----

export function base64ToBytes(s: string): Uint8Array | undefined {
  let b = s.replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*=*$/.test(b)) return undefined;
  b = b.replace(/=+$/, '');
  if (b.length % 4 === 1) return undefined;
  b += '='.repeat((4 - (b.length % 4)) % 4);
  try {
    const bin = atob(b);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export const utf8Encode = (s: string): Uint8Array => new TextEncoder().encode(s);
export const utf8Decode = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: false }).decode(b);

export function base64Text(s: string): string {
  return bytesToBase64(utf8Encode(s));
}

export function base64UrlText(s: string): string {
  return base64Text(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

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

// ---- AM SSO token format (am-rest.md §3): <id>*<c66 base64 extensions>*[<jwt>] ----

const unC66 = (s: string) => s.replace(/-/g, '+').replace(/_/g, '/').replace(/\./g, '=');

/** The (u16 len, key, u16 len, value) pairs of a token's extension block, or undefined. */
export function decodeExtensions(encoded: string): Record<string, string> | undefined {
  if (!encoded || encoded.length > 4096) return undefined;
  const buf = base64ToBytes(unC66(encoded));
  if (!buf || buf.length < 4) return undefined;
  const out: Record<string, string> = {};
  let i = 0;
  const read = (): string | undefined => {
    if (i + 2 > buf.length) return undefined;
    const n = (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
    if (i + n > buf.length) return undefined;
    const s = utf8Decode(buf.subarray(i, i + n));
    i += n;
    return s;
  };
  while (i < buf.length) {
    const k = read();
    const v = read();
    if (k === undefined || v === undefined || !/^[A-Za-z0-9_]{1,16}$/.test(k)) return undefined;
    out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
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

// ---- the exchange, read as AM traffic ----

export type AmEndpoint = 'authenticate' | 'sessions' | 'other';

export function endpoint(ex: Pick<TraceExchange, 'request'>): AmEndpoint {
  const path = pathOf(ex.request.url, ex.request.path);
  if (/\/json(?:\/realms\/[^/?#]+)*\/authenticate\/?$/.test(path)) return 'authenticate';
  if (/\/json(?:\/realms\/[^/?#]+)*\/sessions\/?$/.test(path)) return 'sessions';
  return 'other';
}

function pathOf(url: string, path?: string): string {
  const p = path || url;
  const noQuery = p.split(/[?#]/)[0] ?? '';
  try {
    return noQuery.startsWith('/') ? noQuery : new URL(noQuery).pathname;
  } catch {
    return noQuery;
  }
}

export function queryParam(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  try {
    return new URLSearchParams(url.slice(q + 1).split('#')[0]).get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The sessions action (`validate`, `logout`, …) of a sessions call. */
export function sessionAction(ex: Pick<TraceExchange, 'request'>): string | undefined {
  return endpoint(ex) === 'sessions' ? queryParam(ex.request.url, '_action') : undefined;
}

export function requestAuthId(ex: TraceExchange): string | undefined {
  const b = jsonObject(ex.request.body);
  return typeof b?.authId === 'string' ? b.authId : undefined;
}

export function responseAuthId(ex: TraceExchange): string | undefined {
  const b = jsonObject(ex.response.body);
  return typeof b?.authId === 'string' ? b.authId : undefined;
}

/** AM's CREST error message of a response (`Session has timed out`, `Access Denied`, …). */
export function errorMessage(ex: TraceExchange): string | undefined {
  const b = jsonObject(ex.response.body);
  if (typeof b?.message === 'string') return b.message;
  if (typeof b?.errorMessage === 'string') return b.errorMessage;
  return undefined;
}

export const isTimedOut = (ex: TraceExchange) => ex.response.status === 401 && /session has timed out/i.test(errorMessage(ex) ?? '');

/** Session cookie names seen in a trace: cookies whose values are SSO-token shaped (not the auth cookie). */
export function sessionCookieNames(exchanges: readonly TraceExchange[]): Set<string> {
  const names = new Set<string>([DEFAULT_SSO_COOKIE]);
  for (const ex of exchanges) {
    for (const c of setCookies(ex.response.headers)) {
      if (c.name === AUTH_COOKIE || c.invalidates) continue;
      const t = tokenInfo(c.value);
      if (t && (!t.pseudonym || /^REDACTED-SSO-/.test(c.value))) names.add(c.name);
    }
  }
  return names;
}

/** The SSO token a request presents: a session cookie, a header named like it, or ?tokenId. */
export function presentedToken(ex: TraceExchange, ssoNames: ReadonlySet<string>): string | undefined {
  const lower = new Set([...ssoNames].map((n) => n.toLowerCase()));
  for (const [k, v] of ex.request.headers) if (lower.has(k.toLowerCase()) && v) return v;
  for (const c of requestCookies(ex.request.headers)) if (ssoNames.has(c.name) && !COOKIE_SENTINELS.has(c.value)) return c.value;
  return queryParam(ex.request.url, 'tokenId');
}

/** The SSO token an exchange hands out: the session cookie it sets, else a non-empty tokenId. */
export function issuedToken(ex: TraceExchange, ssoNames: ReadonlySet<string>): string | undefined {
  for (const c of setCookies(ex.response.headers)) if (ssoNames.has(c.name) && !c.invalidates && c.value) return c.value;
  const b = jsonObject(ex.response.body);
  return typeof b?.tokenId === 'string' && b.tokenId ? b.tokenId : undefined;
}

/**
 * The node that answered, from the trace's routing when present; for an imported HAR, from what the
 * response itself says: the amlbcookie it sets, the SI of the token or authId it issues.
 */
export function answeringNode(ex: TraceExchange, lbCookie = DEFAULT_LB_COOKIE): { node: string | null; how: string } {
  if (ex.routing.node) return { node: ex.routing.node, how: 'routing' };
  const lb = setCookies(ex.response.headers).find((c) => c.name === lbCookie && !c.invalidates && c.value);
  if (lb) return { node: lb.value, how: `Set-Cookie ${lbCookie}=${lb.value}` };
  const b = jsonObject(ex.response.body);
  const a = authIdInfo(typeof b?.authId === 'string' ? b.authId : undefined);
  if (a?.server) return { node: a.server, how: 'the authId it issued names this server' };
  const tok = typeof b?.tokenId === 'string' ? tokenInfo(b.tokenId) : undefined;
  if (tok?.server) return { node: tok.server, how: 'the SSO token it issued names this server' };
  for (const c of setCookies(ex.response.headers)) {
    const t = c.invalidates ? undefined : tokenInfo(c.value);
    if (t?.server) return { node: t.server, how: `the ${c.name} it set names this server` };
  }
  return { node: null, how: 'not recorded' };
}

/** The sticky cookie name the balancer read, as its routing records it; amlbcookie for a browser's HAR. */
export function lbCookieName(exchanges: readonly TraceExchange[]): string {
  return exchanges.find((ex) => ex.routing.cookieName)?.routing.cookieName ?? DEFAULT_LB_COOKIE;
}

/** A lab clock instant as the UI shows it: time of day, UTC. */
export function clockTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 19) : '?';
}

export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 1) return `${Math.round(Math.abs(ms))} ms`;
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  if (m < 60) return r ? `${m} min ${r} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
