import type { Header } from './types';

/**
 * HTTP as the trace recorded it: headers, the cookies a request carried and a response set, JSON
 * bodies, query strings, and the base64/UTF-8 conversions the redactor needs. Nothing AM-specific.
 */

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

export function queryParam(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  try {
    return new URLSearchParams(url.slice(q + 1).split('#')[0]).get(name) ?? undefined;
  } catch {
    return undefined;
  }
}

// ---- base64 and UTF-8: strict (a HAR is untrusted), byte-exact for re-encoding redacted bodies ----

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
