import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

/** The OAuth2 provider's RS256 key as AM publishes it (kid) and signs with it. */
export interface OAuth2SigningKey {
  kid: string;
  /** The private key as a JWK: plain data, so a node in another process gets the same key. */
  jwk: JsonWebKey;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The key as it crosses to another process: its kid and private JWK. */
export type OAuth2KeyData = Pick<OAuth2SigningKey, 'kid' | 'jwk'>;

/** The secrets every node gets at start, as plain bytes. */
export interface LabSecrets {
  authIdSecret: Uint8Array;
  sessionSigningKey: Uint8Array;
  journeyEncryptionKey: Uint8Array;
}

/**
 * Secrets every node of the lab shares, as AM servers of one site share them: the realm's
 * authId signing secret, the client-based session signing key, the journey encryption key and the
 * OAuth2 provider's RSA signing key (ID tokens, client-side tokens, published at connect/jwk_uri).
 * Fresh random values per lab instance. The RSA-2048 key takes 50–150 ms to generate, so it is made
 * when a node first needs it, not at start: a lab that never speaks OAuth2 never pays for it.
 */
export interface LabKeys extends LabSecrets {
  oauth2Signing(): Promise<OAuth2SigningKey>;
}

export function generateKeys(): LabKeys {
  return keysOf({ authIdSecret: randomBytes(32), sessionSigningKey: randomBytes(32), journeyEncryptionKey: randomBytes(32) }, generateOAuth2Key);
}

/** The lab's keys from its secrets and a source of the RSA key (generated here, or asked of the lab by a node process). */
export function keysOf(secrets: LabSecrets, source: () => Promise<OAuth2KeyData>): LabKeys {
  let key: Promise<OAuth2SigningKey> | undefined;
  return {
    ...secrets,
    oauth2Signing: () =>
      (key ??= source().then(({ kid, jwk }) => {
        const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
        return { kid, jwk, privateKey, publicKey: createPublicKey(privateKey) };
      })),
  };
}

async function generateOAuth2Key(): Promise<OAuth2KeyData> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  // AM derives the kid from the key itself, so every server publishes the same one.
  const kid = createHash('sha256').update(`${jwk.n}.${jwk.e}`).digest('base64url');
  return { kid, jwk };
}

/** The public half as AM's jwk_uri lists it. */
export function publicJwk(key: OAuth2SigningKey): Record<string, string> {
  const { n, e } = key.jwk;
  return { kty: 'RSA', kid: key.kid, use: 'sig', alg: 'RS256', n: n!, e: e! };
}
