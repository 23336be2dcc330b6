/**
 * goto / gotoOnFail validation, as OpenAM's RedirectUrlValidator.isRedirectUrlValid does it: a
 * relative URL is valid; an absolute one must be http(s), at most 2000 characters, and match the
 * Validation Service allowlist when there is one (an empty list accepts any). An invalid goto is
 * ignored: RedirectUrlValidator.getRedirectUrl falls back to the default URL.
 */
const MAX_URL_LENGTH = 2000;

export function isRedirectUrlValid(url: string, allowlist: string[]): boolean {
  if (!url || url.length > MAX_URL_LENGTH) return false;
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) || url.startsWith('//');
  if (!absolute) return true;
  let parsed: URL;
  try {
    parsed = new URL(url.startsWith('//') ? `http:${url}` : url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (!allowlist.length) return true;
  return allowlist.some((pattern) => globMatch(pattern, url));
}

/** The goto if valid, else the default (RedirectUrlValidator.getRedirectUrl). */
export function redirectUrl(gotoUrl: string | undefined, fallback: string, allowlist: string[]): string {
  return gotoUrl !== undefined && isRedirectUrlValid(gotoUrl, allowlist) ? gotoUrl : fallback;
}

/** URLPatternMatcher's wildcard: `*` matches any run of characters. */
function globMatch(pattern: string, url: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(url);
}
