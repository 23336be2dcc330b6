import { randomUUID } from 'node:crypto';
import type { NodeContext } from '../context';
import type { AmResponse } from '../http';
import { findClient, type Client } from './clients';
import { OAuth2Error, invalidRequest } from './errors';
import { newTokenId, storeOAuth } from './grants';
import { providerUris, type OAuth2Request } from './request';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const html = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/**
 * GET|POST …/oauth2/authorize: the authorization code flow (response_type=code) with PKCE, the
 * user's session taken from the session cookie, consent implied for the lab's clients
 * (isConsentImplied). As OpenAM's AuthorizeResource answers errors: an unknown client or a
 * redirect URI that is not registered gets a 400 HTML page (never a redirect to an unchecked URI);
 * every other error goes back to the client's redirect URI as error/error_description/state.
 */
export async function authorize(node: NodeContext, req: OAuth2Request): Promise<AmResponse> {
  const client = findClient(node, req.realm, req.params.get('client_id'));
  if (!client) return errorPage('invalid_client', 'Client authentication failed');
  const given = req.params.get('redirect_uri');
  const redirectUri = given ?? (client.redirectUris.length === 1 ? client.redirectUris[0]! : null);
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) return errorPage('redirect_uri_mismatch', 'The redirection URI provided does not match a pre-registered value.');
  const state = req.params.get('state');
  try {
    return await issueCode(node, req, client, redirectUri, state);
  } catch (e) {
    if (!(e instanceof OAuth2Error)) throw e;
    node.emit('oauth2-request-rejected', {
      node: node.id,
      exchangeId: req.exchangeId,
      data: { endpoint: 'authorize', error: e.error, clientId: client.id, description: e.message },
    });
    return redirect(redirectUri, { error_description: e.message, ...(state !== null ? { state } : {}), error: e.error });
  }
}

async function issueCode(node: NodeContext, req: OAuth2Request, client: Client, redirectUri: string, state: string | null): Promise<AmResponse> {
  const cfg = node.config();
  const responseType = req.params.get('response_type');
  if (!responseType) throw invalidRequest('Missing parameter, \'response_type\'');
  if (responseType !== 'code') throw new OAuth2Error(400, 'unsupported_response_type', `Unsupported response type: ${responseType}`);
  const requested = (req.params.get('scope') ?? '').split(' ').filter(Boolean);
  const scope = requested.length ? requested : client.scopes;
  const unknown = scope.filter((s) => !client.scopes.includes(s));
  if (unknown.length) throw new OAuth2Error(400, 'invalid_scope', `Unknown/invalid scope(s): [${unknown.join(', ')}]`);
  const challenge = req.params.get('code_challenge');
  const method = req.params.get('code_challenge_method') ?? (challenge ? 'plain' : null);
  if (method !== null && method !== 'plain' && method !== 'S256') throw invalidRequest('Invalid code challenge method specified.');
  const prompt = (req.params.get('prompt') ?? '').split(' ').filter(Boolean);
  // OpenIdPrompt.isValid: none cannot be combined with another value.
  if (prompt.includes('none') && prompt.length > 1) throw new OAuth2Error(400, 'bad_request', `Invalid prompt parameter "${req.params.get('prompt')}"`);

  // ResourceOwnerSessionValidator: a valid session in this realm, not asked to log in again.
  const cookie = req.cookies.get(cfg.sessionCookieName);
  const r = cookie ? await node.sessions.resolve(cookie, { node: node.id, exchangeId: req.exchangeId }, 'granular') : undefined;
  const session = r?.valid && r.session.realm === req.realm && !prompt.includes('login') ? r.session : undefined;
  if (!session) {
    if (prompt.includes('none')) throw new OAuth2Error(400, 'interaction_required', 'The request requires some interaction that is not allowed.');
    return loginRedirect(node, req);
  }
  const code = newTokenId();
  const now = node.clock.now();
  const authInstant = Date.parse(session.properties.authInstant ?? '');
  await storeOAuth(node, code, {
    tokenName: 'access_code',
    clientId: client.id,
    realm: req.realm,
    username: session.username,
    universalId: session.universalId,
    scope,
    grantType: 'authorization_code',
    authGrantId: randomUUID(),
    authTime: Math.floor((Number.isFinite(authInstant) ? authInstant : session.createdAt) / 1000),
    expiresAt: now + cfg.oauth2CodeLifetime * 1000,
    auditTrackingId: randomUUID(),
    redirectUri,
    ...(req.params.get('nonce') ? { nonce: req.params.get('nonce')! } : {}),
    ssoTokenId: cookie!,
    ...(challenge ? { codeChallenge: challenge, codeChallengeMethod: method! } : {}),
    issued: false,
  });
  node.emit('oauth2-code-issued', {
    node: node.id,
    exchangeId: req.exchangeId,
    data: { clientId: client.id, user: session.username, scope, pkce: method, lifetime: cfg.oauth2CodeLifetime },
  });
  return redirect(redirectUri, { code, iss: providerUris(node, req).issuer, ...(state !== null ? { state } : {}), client_id: client.id });
}

/** No session and prompt is not none: to the login page, coming back here after (ResourceOwnerSessionValidator.buildDefaultLoginUrl). */
function loginRedirect(node: NodeContext, req: OAuth2Request): AmResponse {
  const login = new URL(`${req.url.protocol}//${req.url.hostname}:${req.url.port || 80}${node.config().contextPath}/UI/Login`);
  login.searchParams.set('realm', req.realm);
  login.searchParams.set('goto', req.url.toString());
  return { status: 302, headers: { Location: login.toString() } };
}

function redirect(uri: string, params: Record<string, string>): AmResponse {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return { status: 302, headers: { Location: u.toString() } };
}

function errorPage(error: string, description: string): AmResponse {
  return {
    status: 400,
    text: `<!DOCTYPE html>\n<html><head><title>Error</title></head><body><h1>${html(error)}</h1><p>${html(description)}</p></body></html>\n`,
    headers: { 'Content-Type': 'text/html;charset=UTF-8' },
  };
}
