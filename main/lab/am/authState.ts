import { CompactEncrypt, compactDecrypt } from 'jose';
import { signHs256 } from './hs256';
import { CtsUnavailableError } from '../cts/store';
import type { AuthSessionMiss } from '../../contract/events';
import type { AuthSessionState, NodeContext } from './context';
import { encodeExtensions, issuingServer, mintToken, parseToken, secureRandom, serverExtensions } from './tokens';

/**
 * Where an in-progress login (auth session) lives, as AM keeps it: chains in the starting node's
 * memory; trees in memory, the CTS or the authId itself (client-side JWT journey sessions).
 * The authId is an HS256 JWT every node can verify (OpenAM AuthIdHelper); its sessionId says where
 * the state is and which server created it.
 */
export interface Ref {
  key: string;
  createdOn: string;
  storage: AuthSessionState['storage'];
}

export type Loaded = { found: true; value: AuthSessionState; ref: Ref } | { found: false; why: AuthSessionMiss; ref: Ref | undefined; server?: string; error?: string };

const realmDn = (realm: string) => (realm === '/' ? 'dc=openam,dc=forgerock,dc=org' : `o=${realm.slice(1)},ou=services,dc=openam,dc=forgerock,dc=org`);

/** Stores the auth session where the configuration says and returns the authId that refers to it. */
export async function saveState(node: NodeContext, state: AuthSessionState): Promise<{ authId: string; sessionId: string }> {
  const { SI, S1 } = serverExtensions(node.config().siteId, node.id);
  let sessionId: string;
  if (state.storage === 'memory') {
    node.memory.set(state.key, state);
    sessionId = mintToken({ SI, SK: state.key, S1 });
  } else if (state.storage === 'cts') {
    const existing = await node.cts.read(state.key);
    const token = { id: state.key, type: 'AUTH_SESSION' as const, expiresAt: state.expiresAt, data: state };
    if (existing) await node.cts.update(token);
    else await node.cts.create(token);
    sessionId = mintToken({ SI, SK: state.key, type: 'CTS', S1 });
  } else {
    const jwe = await new CompactEncrypt(Buffer.from(JSON.stringify(state)))
      .setProtectedHeader({ alg: 'dir', enc: 'A128CBC-HS256', cty: 'JWT' })
      .encrypt(node.keys.journeyEncryptionKey);
    sessionId = `*${encodeExtensions({ SI, type: 'JWT_AUTH', S1 })}*${jwe}`;
  }
  const claims: Record<string, unknown> = {
    otk: secureRandom(16).toString('base64url'),
    realm: realmDn(state.realm),
    sessionId,
    authIndexType: state.indexType,
    authIndexValue: state.indexValue,
  };
  if (state.kind === 'tree') Object.assign(claims, { iat: Math.floor(state.createdAt / 1000), exp: Math.floor(state.expiresAt / 1000) });
  return { authId: signHs256(claims, node.keys.authIdSecret), sessionId };
}

/** Looks the auth session up where the authId says it is; a miss is a real miss, never decided here. */
export async function loadState(node: NodeContext, sessionId: string): Promise<Loaded> {
  if (sessionId.startsWith('*')) {
    const end = sessionId.indexOf('*', 1);
    try {
      const { plaintext } = await compactDecrypt(sessionId.slice(end + 1), node.keys.journeyEncryptionKey);
      const value = JSON.parse(Buffer.from(plaintext).toString('utf8')) as AuthSessionState;
      return { found: true, value, ref: { key: value.key, createdOn: value.node, storage: 'client' } };
    } catch {
      return { found: false, why: 'unreadable-journey', ref: undefined };
    }
  }
  const parsed = parseToken(sessionId);
  const key = parsed?.ext.SK;
  if (!parsed || !key) return { found: false, why: 'unknown-authid', ref: undefined };
  const ref: Ref = { key, createdOn: issuingServer(parsed.ext) ?? '?', storage: parsed.ext.type === 'CTS' ? 'cts' : 'memory' };
  if (ref.storage === 'cts') {
    const server = node.cts.serverFor?.(key);
    try {
      const t = await node.cts.read<AuthSessionState>(key);
      return t ? { found: true, value: t.data, ref } : { found: false, why: 'not-in-cts', ref, server };
    } catch (e) {
      // A failed CTS read counts as no token, as AM's session store treats it (SessionPersistenceStore.recoverSession).
      if (e instanceof CtsUnavailableError) return { found: false, why: 'cts-unreachable', ref, server, error: e.message };
      throw e;
    }
  }
  const value = node.memory.get(key);
  return value ? { found: true, value, ref } : { found: false, why: 'not-in-memory', ref };
}

export async function dropState(node: NodeContext, s: AuthSessionState): Promise<void> {
  if (s.storage === 'memory') node.memory.delete(s.key);
  else if (s.storage === 'cts') await node.cts.delete(s.key);
}
