import type { AmRequest, NodeContext } from './context';
import { AmError, type AmResponse } from './http';
import type { ActiveSession } from './sessionService';
import { realmDn } from './users';

/**
 * …/json/realms/…/users, as XUI and the SDK's session checks use it (OpenAM IdentityResourceV2):
 * POST ?_action=idFromSession names the caller's user; GET /users/{id} reads a profile, the user's
 * own or, for an administrator, anyone's. Both need a valid session (the route's ssoToken filter).
 */
export async function usersResource(node: NodeContext, req: AmRequest, id: string | undefined): Promise<AmResponse> {
  if (req.method === 'POST' && id === undefined) {
    const action = req.query.get('_action');
    if (action !== 'idFromSession') throw new AmError(501, `Action ${action ?? ''} not implemented for this resource`);
    const s = await caller(node, req);
    return {
      status: 200,
      body: { id: s.username, realm: s.realm, dn: s.universalId, successURL: s.properties.successURL ?? '', fullLoginURL: s.properties.FullLoginURL ?? '' },
    };
  }
  if (req.method !== 'GET' || id === undefined) throw new AmError(501, 'Operation is not supported.');
  const s = await caller(node, req);
  const name = decodeURIComponent(id);
  if (name !== s.username && !s.admin) throw new AmError(403, 'User does not have enough privileges.');
  const identity = node.users.identity(name, req.realm);
  if (!identity) throw new AmError(404, 'Resource cannot be found.');
  return {
    status: 200,
    body: {
      _id: identity.username,
      _rev: '-1',
      username: identity.username,
      realm: req.realm,
      uid: [identity.username],
      universalid: [identity.universalId],
      objectClass: ['iplanet-am-managed-person', 'inetuser', 'sunFMSAML2NameIdentifier', 'inetorgperson', 'iplanet-am-user-service', 'iPlanetPreferences', 'organizationalperson', 'top', 'person'],
      inetUserStatus: ['Active'],
      dn: [`uid=${identity.username},ou=people,${realmDn(req.realm)}`],
      cn: [identity.username],
      sn: [identity.username],
      roles: identity.roles,
    },
  };
}

/** The caller's session from the cookie or the header named like it; none or a dead one is AuthenticationEnforcer's 401. */
async function caller(node: NodeContext, req: AmRequest): Promise<ActiveSession> {
  const name = node.config().sessionCookieName;
  const header = req.raw.headers[name.toLowerCase()];
  const token = req.cookies.get(name) ?? (typeof header === 'string' ? header : undefined);
  const r = token ? await node.sessions.resolve(token, { node: node.id, exchangeId: req.exchangeId }) : undefined;
  if (!r?.valid) throw new AmError(401, 'Access Denied');
  return r.session;
}
