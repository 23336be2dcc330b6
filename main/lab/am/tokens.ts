import { createHash, randomBytes, timingSafeEqual, createHmac } from 'node:crypto';

/**
 * AM's SSO token format: c66(base64(id) "@" base64(extensions) "#"), where c66 maps
 * + → -, / → _, = → ., and both separators to *. The extensions are (u16 len, key, u16 len, value)
 * pairs: SI (server/site id), SK (storage key), type (CTS | JWT | JWT_AUTH), S1 (primary server).
 * A support engineer can decode a real AM token the same way to find its home server.
 */
export type Extensions = Record<string, string>;

const c66 = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '.');
const unC66 = (s: string) => s.replace(/-/g, '+').replace(/_/g, '/').replace(/\./g, '=');

export function encodeExtensions(ext: Extensions): string {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(ext)) {
    for (const s of [k, v]) {
      const bytes = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(2);
      len.writeUInt16BE(bytes.length);
      parts.push(len, bytes);
    }
  }
  return c66(Buffer.concat(parts).toString('base64'));
}

/**
 * The extension pairs of a token, or undefined. Read from requests and from customers' HAR files
 * (the trace reads tokens with it too): bounded, c66 characters only, keys as AM writes them.
 */
export function decodeExtensions(encoded: string): Extensions | undefined {
  if (!encoded || encoded.length > 4096 || !/^[A-Za-z0-9_.-]+$/.test(encoded)) return undefined;
  const buf = Buffer.from(unC66(encoded), 'base64');
  const out: Extensions = {};
  let i = 0;
  const read = () => {
    if (i + 2 > buf.length) return undefined;
    const n = buf.readUInt16BE(i);
    i += 2;
    if (i + n > buf.length) return undefined;
    const s = buf.subarray(i, i + n).toString('utf8');
    i += n;
    return s;
  };
  while (i < buf.length) {
    const k = read();
    const v = read();
    if (k === undefined || v === undefined || !/^[A-Za-z0-9_]{1,16}$/.test(k)) return undefined;
    out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/**
 * `n` bytes from the CSPRNG, each handed out once. A login needs six small random values (token
 * ids, storage keys, handles, the authId's otk) and randomBytes(20) costs ~25 µs here, almost all
 * of it per call, so they are cut from a 4 KiB block filled at once (Node buffers randomUUID the
 * same way). A used block is dropped, never refilled in place, so a value handed out stays as it is.
 */
export function secureRandom(n: number): Buffer {
  if (n > POOL_BYTES) return randomBytes(n);
  if (used + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  return pool.subarray(used, (used += n));
}

/** 160 random bits, as in a real AM 6.5+ token id. Never derived from a counter. */
export function randomId(bytes = 20): string {
  return secureRandom(bytes).toString('base64');
}

export function mintToken(ext: Extensions, suffix = ''): string {
  return `${c66(randomId())}*${encodeExtensions(ext)}*${suffix}`;
}

export interface ParsedToken {
  id: string;
  ext: Extensions;
  /** What follows the extension block: the JWT of a client-based session, if any. */
  suffix: string;
}

export function parseToken(token: string): ParsedToken | undefined {
  if (typeof token !== 'string' || token.length > 16_384) return undefined;
  const first = token.indexOf('*');
  const second = first < 0 ? -1 : token.indexOf('*', first + 1);
  if (first <= 0 || second < 0) return undefined;
  const ext = decodeExtensions(token.slice(first + 1, second));
  if (!ext) return undefined;
  return { id: token.slice(0, first), ext, suffix: token.slice(second + 1) };
}

/** Hash used as the CTS lookup key material, so lookups never compare raw tokens. */
export function tokenHash(id: string): Buffer {
  return createHash('sha256').update(id).digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time secret comparison: HMAC both sides first so the length does not leak. */
export function secretEquals(candidate: string, expected: string): boolean {
  const key = secureRandom(32);
  const a = createHmac('sha256', key).update(candidate).digest();
  const b = createHmac('sha256', key).update(expected).digest();
  return timingSafeEqual(a, b);
}

/** SK as AM 7 writes it: base64 of 20 random bytes, 28 characters with its padding (decoded from a real AM 7 token). */
export function storageKey(): string {
  return secureRandom(20).toString('base64');
}

/**
 * SI and S1 of a token minted by `server`: in a site, SI is the site id and S1 the server id;
 * without one, SI is the server id and S1 is empty (OpenAM SessionID.validate, LegacySessionIDExtensions).
 */
export function serverExtensions(siteId: string | null, server: string): { SI: string; S1: string } {
  return siteId ? { SI: siteId, S1: server } : { SI: server, S1: '' };
}

/** The server that minted a token: S1 in a site, else SI. */
export function issuingServer(ext: Extensions): string | undefined {
  return ext.S1 || ext.SI || undefined;
}

export function sessionHandle(): string {
  return `shandle:${secureRandom(20).toString('base64url')}`;
}
