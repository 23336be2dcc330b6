import type { IncomingMessage } from 'node:http';
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
    return await ENDPOINTS[r.endpoint](node, req);
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
