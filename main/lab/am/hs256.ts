import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * HS256 JWTs (the authId, client-based sessions) signed and verified with node:crypto's HMAC: one
 * synchronous call, where jose goes through WebCrypto (a promise and a thread-pool job per
 * signature, ~35 µs against ~2.5 µs here), which was the AM node processes' top item in a load
 * run's CPU profile. The checks are jose's jwtVerify with algorithms ['HS256'] (RFC 7515/7519):
 * only alg HS256 (so never "none"), no "crit", a constant-time signature comparison, a JSON-object
 * claims set, numeric iat/nbf/exp, nbf not in the future and exp in the future, in whole seconds of
 * the lab clock. Everything else (RS256, JWE) stays with jose.
 */
export type JwtRejection = 'invalid' | 'signature' | 'expired';

export class JwtRejected extends Error {
  constructor(
    readonly reason: JwtRejection,
    message: string,
  ) {
    super(message);
    this.name = 'JwtRejected';
  }
}

/** AM's authId header, {"typ":"JWT","alg":"HS256"}, encoded once. */
const HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })).toString('base64url');
const BASE64URL = /^[A-Za-z0-9_-]*$/;

// One KeyObject per secret and process: the bytes are imported into OpenSSL once, not per signature.
const keys = new WeakMap<Uint8Array, KeyObject>();
function keyOf(secret: Uint8Array): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(secret)));
  return key;
}

const mac = (input: string, secret: Uint8Array) => createHmac('sha256', keyOf(secret)).update(input).digest('base64url');

/** A compact HS256 JWS of `claims` (a JSON object, numeric dates in seconds). */
export function signHs256(claims: Record<string, unknown>, secret: Uint8Array): string {
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${mac(input, secret)}`;
}

/** The claims of a valid token at `nowMs`, or JwtRejected saying why not. */
export function verifyHs256(token: unknown, secret: Uint8Array, nowMs: number): Record<string, unknown> {
  if (typeof token !== 'string') throw new JwtRejected('invalid', 'Compact JWS must be a string');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtRejected('invalid', 'Invalid Compact JWS');
  const [h, p, s] = parts as [string, string, string];
  if (!BASE64URL.test(h) || !BASE64URL.test(p) || !BASE64URL.test(s)) throw new JwtRejected('invalid', 'Failed to base64url decode a JWS part');
  const header = jsonObject(h);
  if (!header) throw new JwtRejected('invalid', 'JWS Protected Header is invalid');
  if (header.crit !== undefined) throw new JwtRejected('invalid', 'JWS "crit" Header Parameter is not supported');
  if (header.alg !== 'HS256') throw new JwtRejected('invalid', '"alg" (Algorithm) Header Parameter value not allowed');
  const given = Buffer.from(s);
  const expected = Buffer.from(mac(`${h}.${p}`, secret));
  // Lengths are public (an HS256 signature is always 43 characters); the bytes are compared in constant time.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new JwtRejected('signature', 'signature verification failed');
  const claims = jsonObject(p);
  if (!claims) throw new JwtRejected('invalid', 'JWT Claims Set must be a top-level JSON object');
  const now = Math.floor(nowMs / 1000);
  for (const c of ['iat', 'nbf', 'exp']) {
    if (claims[c] !== undefined && typeof claims[c] !== 'number') throw new JwtRejected('invalid', `"${c}" claim must be a number`);
  }
  if (typeof claims.nbf === 'number' && claims.nbf > now) throw new JwtRejected('invalid', '"nbf" claim timestamp check failed');
  if (typeof claims.exp === 'number' && claims.exp <= now) throw new JwtRejected('expired', '"exp" claim timestamp check failed');
  return claims;
}

function jsonObject(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
