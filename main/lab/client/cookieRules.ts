import { Cookie, getPublicSuffix, type CookieJar } from 'tough-cookie';

/**
 * Chromium's cookie rules, applied around tough-cookie's jar (which already enforces Domain, Path,
 * Secure with the localhost exemption, and SameSite when given a context):
 * - a cookie without SameSite is treated as Lax (Chrome 80: chromestatus.com/feature/5088147346030592);
 * - SameSite=None without Secure is rejected;
 * - a call from an app on another site (the SDK's fetch with credentials) is a cross-site request:
 *   only SameSite=None cookies are sent, and Lax/Strict ones it sets are blocked.
 * Sites are schemeful (scheme + registrable domain), as Chromium compares them since M89.
 */
export type SameSiteContext = 'strict' | 'none' | undefined;

export interface Blocked {
  name: string;
  /** Why, in DevTools' words ("This Set-Cookie was blocked because …"). */
  reason: string;
}

/** The schemeful site of a URL: https://example.com for https://am.example.com:8443/am. */
export function siteOf(url: string): string {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const registrable = /^[\d.]+$|:/.test(host) || !host.includes('.') ? host : (getPublicSuffix(host) ?? host);
  return `${u.protocol}//${registrable}`;
}

/** The context of a request to `url` made by a page on `appOrigin` (none: AM's own pages, same-site). */
export function contextFor(appOrigin: string | null, url: string): SameSiteContext {
  if (!appOrigin) return undefined;
  return siteOf(appOrigin) === siteOf(url) ? 'strict' : 'none';
}

/**
 * Stores one Set-Cookie line as Chromium would, or says why it was blocked. The jar's store is
 * tough-cookie's in-memory one, so its synchronous API is used: the same checks without a promise
 * per cookie (a load run stores five cookies per login). `url` may be parsed once by the caller.
 */
export function storeCookie(jar: CookieJar, line: string, url: string | URL, now: Date, context: SameSiteContext): Blocked | undefined {
  const c = Cookie.parse(line);
  if (!c) return { name: line.split('=')[0]?.trim() ?? '', reason: 'it could not be parsed' };
  const sameSite = (c.sameSite ?? '').toLowerCase();
  if (sameSite === 'none' && !c.secure) return { name: c.key, reason: 'it had SameSite=None but not Secure' };
  if (context === 'none' && sameSite !== 'none') {
    return { name: c.key, reason: sameSite ? `it had SameSite=${c.sameSite} and came from a cross-site response` : 'it did not specify SameSite (so Lax) and came from a cross-site response' };
  }
  try {
    jar.setCookieSync(c, url, { now, sameSiteContext: context });
    return undefined;
  } catch (e) {
    return { name: c.key, reason: describe((e as Error).message, c, url) };
  }
}

function describe(message: string, c: Cookie, url: string | URL): string {
  const host = new URL(url).hostname;
  if (/not in this host's domain/.test(message)) return `its Domain=${c.domain} does not cover ${host}`;
  if (/public suffix/.test(message)) return `its Domain=${c.domain} is a public suffix`;
  if (/Secure but this is not a secure connection/.test(message)) return `it had Secure and came over http://${host} (not a secure connection)`;
  if (/SameSite/.test(message)) return `it had SameSite=${c.sameSite} and came from a cross-site response`;
  return message;
}

/** The cookies a request to `url` carries: tough-cookie's choice, minus Lax-by-default ones on a cross-site request. */
export function cookiesFor(jar: CookieJar, url: string | URL, context: SameSiteContext): Cookie[] {
  const all = jar.getCookiesSync(url, { expire: false, sameSiteContext: context });
  return context === 'none' ? all.filter((c) => (c.sameSite ?? '').toLowerCase() === 'none') : all;
}
