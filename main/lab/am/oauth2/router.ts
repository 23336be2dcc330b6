import type { IncomingMessage } from 'node:http';
import { CtsUnavailableError, type TokenStore } from '../../cts/store';
import type { NodeContext } from '../context';
import { isRealm } from '../filters';
import { AmError, readBody, type AmResponse } from '../http';
import type { OAuth2Endpoint } from '../routes';
import { authorize } from './authorize';
import { discovery, endSession, introspect, jwks, revoke, userinfo } from './endpoints';
import { OAuth2Error } from './errors';
import { toOAuth2Request, type OAuth2Request } from './request';
import { accessToken } from './token';

type Endpoint = (node: NodeContext, req: OAuth2Request) => AmResponse | Promise<AmResponse>;

const ENDPOINTS: Record<OAuth2Endpoint, Endpoint> = {
  authorize,
  access_token: accessToken,
  userinfo,
  introspect,
  'token/revoke': revoke,
  'connect/endSession': endSession,
  'connect/jwk_uri': jwks,
  '.well-known/openid-configuration': discovery,
};

/**
 * The OAuth2/OIDC provider under …/oauth2[/realms/root[/realms/x]] (OpenAM OAuth2RouterProvider).
 * Everything it keeps is in the CTS (grants.ts), so any node answers any step of a flow, as AM
 * does behind a balancer without stickiness. Errors are OAuth2's JSON, never a 5xx for bad input.
 */
export async function oauth2(node: NodeContext, r: { raw: IncomingMessage; url: URL; realm: string; endpoint: OAuth2Endpoint; exchangeId: string | null }): Promise<AmResponse> {
  let req: OAuth2Request | undefined;
  try {
    const body = await readBody(r.raw, node.config().maxBodyBytes);
    req = toOAuth2Request(r.raw, r.url, r.realm, r.endpoint, body, r.exchangeId);
    if (!isRealm(req.realm)) throw new OAuth2Error(400, 'invalid_request', `Invalid realm, ${req.realm}`);
    return await ENDPOINTS[r.endpoint]({ ...node, cts: providerCts(node, r.exchangeId) }, req);
  } catch (e) {
    if (e instanceof AmError) return new OAuth2Error(e.status, 'invalid_request', e.message).response(); // 413 from readBody
    if (!(e instanceof OAuth2Error)) throw e;
    if (e.error !== 'invalid_token') {
      node.emit('oauth2-request-rejected', {
        node: node.id,
        exchangeId: r.exchangeId,
        data: { endpoint: r.endpoint, error: e.error, status: e.status, description: e.message },
      });
    }
    return e.response();
  }
}

/**
 * The CTS as the provider's token store calls it (OpenAM StatefulTokenStore, OAuthTokenStore): when
 * no directory server answers, the trace says so (cts-unreachable) and the call fails as AM's
 * ServerException does, an OAuth2 error of status 400 (oauth2/core/exceptions/ServerException):
 * server_error "Could not read token in CTS: …". At authorize it goes back to the redirect URI.
 */
function providerCts(node: NodeContext, exchangeId: string | null): TokenStore {
  const cts = node.cts;
  const guard =
    <A extends unknown[], R>(verb: string, call: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      try {
        return await call(...a);
      } catch (e) {
        if (!(e instanceof CtsUnavailableError)) throw e;
        node.emit('cts-unreachable', { node: node.id, exchangeId, data: { during: `to ${verb} an OAuth2 token`, why: e.message } });
        throw new OAuth2Error(400, 'server_error', `Could not ${verb} token in CTS: ${e.message}`);
      }
    };
  return {
    kind: cts.kind,
    create: guard('create', (t) => cts.create(t)),
    read: guard('read', (id: string) => cts.read(id)) as TokenStore['read'],
    update: guard('update', (t) => cts.update(t)),
    delete: guard('delete', (id: string) => cts.delete(id)),
    query: guard('read', (q) => cts.query(q)) as TokenStore['query'],
    expired: guard('read', (now: number, type) => cts.expired(now, type)) as TokenStore['expired'],
    count: guard('read', (type) => cts.count(type)),
    ...(cts.serverFor ? { serverFor: (id: string) => cts.serverFor!(id) } : {}),
    close: () => cts.close(),
  };
}
