import { randomBytes } from 'node:crypto';

/**
 * Secrets every node of the lab shares, as AM servers of one site share them: the realm's
 * authId signing secret, the client-based session signing key and the journey encryption key.
 * Fresh random values per lab instance.
 */
export interface LabKeys {
  authIdSecret: Uint8Array;
  sessionSigningKey: Uint8Array;
  journeyEncryptionKey: Uint8Array;
}

export function generateKeys(): LabKeys {
  return {
    authIdSecret: randomBytes(32),
    sessionSigningKey: randomBytes(32),
    journeyEncryptionKey: randomBytes(32),
  };
}
