import type { OAuth2Client } from '../../config';
import type { NodeContext } from '../context';
import { secretEquals } from '../tokens';
import { OAuth2Error } from './errors';
import type { OAuth2Request } from './request';

export interface Client extends OAuth2Client {
  id: string;
}

/** The client registered under this id in this realm (the realm's OAuth2 agents). */
export function findClient(node: NodeContext, realm: string, clientId: string | null): Client | undefined {
  if (!clientId) return undefined;
  const c = node.config().oauth2Clients[clientId];
  return c && c.realm === realm ? { ...c, id: clientId } : undefined;
}

/**
 * ClientAuthenticator: client_secret_basic (Authorization: Basic) or client_secret_post; a public
 * client is identified by client_id alone and not authenticated. A failure is invalid_client
 * "Client authentication failed": 400, or 401 with a Basic challenge when the Authorization
 * header was used (InvalidClientAuthZHeaderException).
 */
export function authenticateClient(node: NodeContext, req: OAuth2Request): Client {
  const basic = basicCredentials(req.raw.headers.authorization);
  const id = basic?.id ?? req.params.get('client_id');
  const secret = basic?.secret ?? req.params.get('client_secret');
  const client = findClient(node, req.realm, id);
  const ok = client && (client.type === 'public' ? true : secret !== null && secretEquals(secret, client.secret ?? '\u0000no-secret'));
  if (client && ok) return client;
  if (basic) throw new OAuth2Error(401, 'invalid_client', 'Client authentication failed', { 'WWW-Authenticate': `Basic realm="${req.realm}"` });
  throw new OAuth2Error(400, 'invalid_client', 'Client authentication failed');
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const dec = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
}
