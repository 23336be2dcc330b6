import { createHash } from 'node:crypto';
import type { AmRequest, NodeContext } from './context';
import { AmError, cookieHttpOnly, type AmResponse } from './http';

/** The AM release each profile stands for (what serverinfo/version reports). */
const VERSIONS = { '6.5': '6.5.5', '7': '7.4.0', '7.5': '7.5.1', '8': '8.0.1' } as const;

/**
 * GET …/json/serverinfo/* (and /cookieDomains, /version), read without a session
 * (CoreRestRouteProvider: ssoToken().exceptRead()). XUI, the Platform UI and agents read it before
 * anything else: the cookie name, domains and HttpOnly/Secure flags, the realm, the language.
 * Fields as OpenAM ServerInfoResource.getAllServerInfo and ServerVersionResource write them.
 */
export async function serverInfo(node: NodeContext, req: AmRequest, id: string | undefined): Promise<AmResponse> {
  if (req.method !== 'GET' || id === undefined) throw new AmError(501, 'Operation is not supported.');
  const cfg = node.config();
  // Lab cookies are host-only: no cookie domain is configured (AuthClientUtils.getCookieDomains).
  const domains: string[] = [];
  if (id === '*') {
    return read('*', {
      domains,
      protectedUserAttributes: [],
      cookieName: cfg.sessionCookieName,
      secureCookie: false,
      cookieHttpOnly: cookieHttpOnly(cfg),
      cookieSameSite: null,
      forgotPassword: 'false',
      forgotUsername: 'false',
      kbaEnabled: 'false',
      selfRegistration: 'false',
      lang: jsLocale(req.raw.headers['accept-language']),
      successfulUserRegistrationDestination: 'default',
      socialImplementations: [],
      referralsEnabled: 'false',
      // AuthUtils.getZeroPageLoginConfig: the XUI's GET zero page login (off by default); the REST X-OpenAM headers do not depend on it.
      zeroPageLogin: { enabled: false, refererWhitelist: [], allowedWithoutReferer: true },
      realm: req.realm,
      xuiUserSessionValidationEnabled: true,
    });
  }
  if (id === 'cookieDomains') return read(id, { domains });
  if (id === 'version') return read(id, { version: VERSIONS[cfg.profile], revision: 'session-lab', date: '' });
  throw new AmError(501, 'ResourceId not supported: ' + id.slice(0, 64));
}

/** A CREST read: the resource's fields after its _id and _rev. */
function read(id: string, fields: Record<string, unknown>): AmResponse {
  const rev = String(createHash('sha1').update(JSON.stringify(fields)).digest().readInt32BE(0));
  return { status: 200, body: { _id: id, _rev: rev, ...fields } };
}

/** ServerInfoResource.getJsLocale: language, plus -COUNTRY when the request's locale has one. */
function jsLocale(acceptLanguage: string | undefined): string {
  const first = (acceptLanguage ?? '').split(',')[0]!.split(';')[0]!.trim();
  const m = /^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}))?/.exec(first);
  if (!m) return 'en';
  return m[2] ? `${m[1]!.toLowerCase()}-${m[2].toUpperCase()}` : m[1]!.toLowerCase();
}
