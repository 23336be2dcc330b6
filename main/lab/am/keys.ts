import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * Secrets every node of the lab shares, as AM servers of one site share them: the realm's
 * authId signing secret, the client-based session signing key, the journey encryption key and the
 * OAuth2 provider's RSA signing key (ID tokens, client-side tokens, published at connect/jwk_uri).
 * Fresh random values per lab instance; all plain data, so a node in another process gets the
 * same keys and signs and verifies what any other node does.
 */
export interface LabKeys {
  authIdSecret: Uint8Array;
  sessionSigningKey: Uint8Array;
  journeyEncryptionKey: Uint8Array;
  /** RS256 key pair as a private JWK; its kid is what AM puts in the JWT header and the JWK set. */
  oauth2Signing: { kid: string; jwk: JsonWebKey };
}

export async function generateKeys(): Promise<LabKeys> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  // AM derives the kid from the key itself, so every server publishes the same one.
  const kid = createHash('sha256').update(`${jwk.n}.${jwk.e}`).digest('base64url');
  return {
    authIdSecret: randomBytes(32),
    sessionSigningKey: randomBytes(32),
    journeyEncryptionKey: randomBytes(32),
    oauth2Signing: { kid, jwk },
  };
}

const imported = new WeakMap<LabKeys, { privateKey: KeyObject; publicKey: KeyObject }>();

/** The OAuth2 signing key pair as KeyObjects, imported once per keys object. */
export function oauth2KeyPair(keys: LabKeys): { privateKey: KeyObject; publicKey: KeyObject } {
  let pair = imported.get(keys);
  if (!pair) {
    const privateKey = createPrivateKey({ key: keys.oauth2Signing.jwk, format: 'jwk' });
    pair = { privateKey, publicKey: createPublicKey(privateKey) };
    imported.set(keys, pair);
  }
  return pair;
}

/** The public half as AM's jwk_uri lists it. */
export function publicJwk(keys: LabKeys): Record<string, string> {
  const { n, e } = keys.oauth2Signing.jwk;
  return { kty: 'RSA', kid: keys.oauth2Signing.kid, use: 'sig', alg: 'RS256', n: n!, e: e! };
}
