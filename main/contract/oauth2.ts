import { z } from 'zod';

/**
 * OAuth2 / OpenID Connect as a client of AM does it, in the contract's words: the actions a virtual
 * browser performs as the app it runs (the ForgeRock JavaScript SDK's TokenManager, UserManager and
 * FRUser.logout calls, and a confidential client's own calls), what the browser then holds, and
 * the grants the CTS keeps. The actions join the Action union (actions.ts).
 */

/** A client id as registered in the lab's oauth2Clients (default: the first public client, the SDK's). */
export const ClientIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'an OAuth2 client id such as sdkPublicClient');
const client = ClientIdSchema.optional();
/** none: AM must not interact (the SDK's hidden iframe); login: AM must ask again. */
const prompt = z.enum(['none', 'login']).optional();
const scope = z
  .string()
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'scopes separated by single spaces, such as "openid profile"')
  .max(1000)
  .optional();
/** Which token the browser holds for the client a call is about. */
export const HeldTokenKindSchema = z.enum(['access', 'refresh']);

/** The OAuth2 actions, for the Action union (actions.ts passes its browser id schema). */
export const oauth2Actions = <B extends z.ZodString>(browser: B) =>
  [
  /** TokenManager.getTokens: authorize with the session cookie and PKCE S256, follow the redirect, exchange the code. */
  z.strictObject({ action: z.literal('get-tokens'), browser, client, prompt, scope }),
  /** The authorize redirect alone: the browser keeps the code (and its PKCE verifier) for exchange-code. */
  z.strictObject({ action: z.literal('authorize'), browser, client, prompt, scope }),
  /** Redeems the code the browser holds at access_token. */
  z.strictObject({ action: z.literal('exchange-code'), browser, client }),
  /** grant_type=refresh_token with the refresh token the browser holds. */
  z.strictObject({ action: z.literal('refresh-tokens'), browser, client }),
  /** UserManager.getCurrentUser: userinfo with the access token as a Bearer. */
  z.strictObject({ action: z.literal('userinfo'), browser, client }),
  /** The client asks AM about a token it holds (a confidential client authenticates with its secret). */
  z.strictObject({ action: z.literal('introspect'), browser, client, token: HeldTokenKindSchema.optional() }),
  /** token/revoke: the access token (as FRUser.logout does), or the refresh token (its whole grant). */
  z.strictObject({ action: z.literal('revoke'), browser, client, token: HeldTokenKindSchema.optional() }),
  /** connect/endSession with the ID token as id_token_hint: AM ends the session the ID token names. */
  z.strictObject({ action: z.literal('end-session'), browser, client }),
  /** A confidential client gets an access token for itself (no user, no session). */
  z.strictObject({ action: z.literal('client-credentials'), browser, client, scope }),
  ] as const;

type OAuth2ActionSchema = ReturnType<typeof oauth2Actions<z.ZodString>>[number];
export type OAuth2ActionName = z.infer<OAuth2ActionSchema>['action'];

/** A token the browser holds for a client, as the SDK keeps it in localStorage (FR-SDK-<clientId>). */
export interface HeldToken {
  name: 'access_token' | 'refresh_token' | 'id_token';
  value: string;
  /** Client-side (stateless) tokens and ID tokens are signed JWTs; stateful ones are opaque CTS ids. */
  format: 'jwt' | 'opaque';
  /** A JWT's header and claims, decoded (not verified: the browser cannot). */
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  /** Lab-clock expiry (epoch ms) when known: a JWT's exp, or expires_in from the token response. */
  expiresAt: number | null;
}

/** What an OAuth2 action came to, and what the browser holds for the client afterwards. */
export interface OAuth2View {
  client: string;
  /** The OAuth2 error AM answered (JSON body, or the redirect's query), and its description. */
  error: string | null;
  errorDescription: string | null;
  /** authorize: the code came back in the redirect (and the browser keeps it for the exchange). */
  code: boolean;
  held: HeldToken[];
}

/** One token of a grant in the CTS (an authorization code, an opaque token, or a grant set's JWT). */
export interface GrantTokenRow {
  kind: 'code' | 'access_token' | 'refresh_token' | 'ops' | 'jwt';
  /** The CTS id, shortened (a stateful access token's id is the token itself). */
  id: string;
  expiresAt: number;
  /** An authorization code already exchanged (AM keeps it to detect reuse). */
  used?: boolean;
}

/** One authorization grant as the CTS holds it: every token issued for it (OAuthTokenField authGrantId). */
export interface GrantRow {
  grantId: string;
  clientId: string;
  user: string;
  realm: string;
  scope: string[];
  grantType: string;
  mode: 'stateful' | 'client-side';
  tokens: GrantTokenRow[];
  /** Revoked client-side tokens of the grant (OAUTH_BLACKLIST entries). */
  blacklisted: number;
  /** The latest expiry of the grant's tokens (lab clock). */
  expiresAt: number;
}

const HTML_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => HTML_ENTITIES[e]!);

/**
 * The OAuth2 error in an answer, wherever AM put it (OAuth2RestletException, ExceptionHandler): the
 * JSON body's error/error_description, the redirect's query (authorize errors go back to the
 * client), or the HTML page AM shows when it cannot redirect (unknown client, unregistered URI).
 */
export function oauth2ErrorOf(location: string | undefined, body: unknown): { error: string; description: string | null } | null {
  const obj = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (typeof obj?.error === 'string') return { error: obj.error, description: typeof obj.error_description === 'string' ? obj.error_description : null };
  if (location) {
    let q: URLSearchParams | undefined;
    try {
      q = new URL(location).searchParams;
    } catch {
      q = undefined;
    }
    const error = q?.get('error');
    if (error) return { error, description: q!.get('error_description') };
  }
  const page = typeof body === 'string' ? /<h1>([^<]{1,200})<\/h1>\s*<p>([^<]{0,500})<\/p>/.exec(body) : null;
  return page ? { error: unescapeHtml(page[1]!), description: unescapeHtml(page[2]!) } : null;
}
