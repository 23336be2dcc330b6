/**
 * Cookies as the traffic detail shows them, parsed by tough-cookie (the same parser the virtual
 * browsers' jars use), with expiry placed on the lab clock.
 */
import { Cookie } from 'tough-cookie';
import type { Header } from '../../main/contract/trace';

export interface SetCookieRow {
  name: string;
  value: string;
  domain: string | null;
  path: string | null;
  /** Lab-clock instant the cookie expires, or null for a session cookie. */
  expiresAt: number | null;
  /** Where the expiry came from. Max-Age counts from when the response arrived (lab time). */
  expirySource: 'expires' | 'max-age' | null;
  httpOnly: boolean;
  secure: boolean;
  sameSite: string | null;
  /** The response removes the cookie (expiry already passed on the lab clock, or a logout sentinel). */
  removes: boolean;
  raw: string;
}

export interface CookieSent {
  name: string;
  value: string;
}

const headerValues = (headers: readonly Header[], name: string) => headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);

/** Parses one Set-Cookie line; receivedAt is the lab time the response arrived. */
export function parseSetCookie(line: string, receivedAt: number): SetCookieRow | null {
  const c = Cookie.parse(line, { loose: true });
  if (!c) return null;
  let expiresAt: number | null = null;
  let expirySource: SetCookieRow['expirySource'] = null;
  if (typeof c.maxAge === 'number') {
    expiresAt = c.maxAge <= 0 ? 0 : receivedAt + c.maxAge * 1000;
    expirySource = 'max-age';
  } else if (c.expires instanceof Date) {
    expiresAt = c.expires.getTime();
    expirySource = 'expires';
  }
  const sameSite = c.sameSite && c.sameSite !== 'none' ? c.sameSite : line.match(/;\s*samesite=([^;]*)/i)?.[1]?.trim() ?? null;
  return {
    name: c.key,
    value: c.value,
    domain: c.domain ?? null,
    path: c.path ?? null,
    expiresAt,
    expirySource,
    httpOnly: c.httpOnly,
    secure: c.secure,
    sameSite,
    removes: (expiresAt !== null && expiresAt <= receivedAt) || c.value === 'LOGOUT',
    raw: line,
  };
}

export function setCookieRows(headers: readonly Header[], receivedAt: number): SetCookieRow[] {
  return headerValues(headers, 'set-cookie')
    .map((l) => parseSetCookie(l, receivedAt))
    .filter((r): r is SetCookieRow => r !== null);
}

/** The cookies a request carried, one per name=value pair of its Cookie header(s). */
export function cookiesSent(headers: readonly Header[]): CookieSent[] {
  const out: CookieSent[] = [];
  for (const line of headerValues(headers, 'cookie')) {
    for (const part of line.split(';')) {
      const c = Cookie.parse(part.trim(), { loose: true });
      if (c && c.key) out.push({ name: c.key, value: c.value });
    }
  }
  return out;
}
