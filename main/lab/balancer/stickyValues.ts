import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { CookieAttrs, CookiePersistence, ModelServer } from '../lbconfig/model';
import { crc32, f5Decode, f5Encode, ketamaLookup, ketamaRing } from './hashing';

/**
 * How each product writes a server into its cookie, and reads it back:
 * - HAProxy `server … cookie X` / nginx `route=X`: X itself;
 * - nginx `sticky cookie` without route: hex MD5 of the server's address;
 * - F5: `BIGipServer<pool>=<addr>.<port>.0000` (K6917);
 * - ALB: an encrypted, dated value only the balancer can read;
 * - ingress-nginx: `<key>|<hash of the backend>`, key random (balanced, placed on a consistent-hash
 *   ring, so it can land elsewhere when pods come and go) or md5(backend + endpoint) (persistent).
 */
export interface Slot {
  index: number;
  server: ModelServer;
}

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export class StickyValues {
  /** ALB: the balancer's own key (AWS's is never shown). */
  private readonly key = randomBytes(32);
  /** ingress-nginx balanced keys: numbered, so a lab run repeats (the controller's are time.pid.random). */
  private seq = 0;

  constructor(private readonly backend: string) {}

  reset(): void {
    this.seq = 0;
  }

  /** The value naming a server, or undefined when the product has none for it (HAProxy server without `cookie`). */
  valueFor(p: CookiePersistence, slot: Slot, now: number): string | undefined {
    switch (p.value) {
      case 'server-cookie':
        return slot.server.cookie;
      case 'md5-address':
        return slot.server.cookie ?? md5(slot.server.address);
      case 'f5-address':
        return f5Encode(slot.server.address);
      case 'alb-target':
        return this.seal(slot.index, now);
      case 'ingress-balanced':
        return this.balancedValue(this.newKey());
      case 'ingress-persistent':
        return `${md5(this.backend + slot.server.address)}|${md5(md5(this.backend) + this.backend)}`;
    }
  }

  /** ingress-nginx balanced: a new browser's key (the controller's is random; the lab's are numbered so runs repeat). */
  newKey(): string {
    return `${this.backend}.${++this.seq}`;
  }

  balancedValue(key: string): string {
    return `${key}|${md5(md5(this.backend) + this.backend)}`;
  }

  /**
   * The slot a request's cookie value names, or null when it names none. `live` are the servers the
   * ring is built over (ingress balanced re-hashes its keys over the endpoints of the moment).
   */
  slotFor(p: CookiePersistence, value: string, slots: readonly Slot[], live: readonly Slot[], now: number): Slot | null {
    const same = (a: string | undefined) => a !== undefined && (p.caseInsensitive ? a.toLowerCase() === value.toLowerCase() : a === value);
    switch (p.value) {
      case 'server-cookie':
        return slots.find((s) => same(s.server.cookie)) ?? null;
      case 'md5-address':
        return slots.find((s) => same(s.server.cookie ?? md5(s.server.address))) ?? null;
      case 'f5-address': {
        const addr = f5Decode(value);
        return slots.find((s) => s.server.address === addr) ?? null;
      }
      case 'alb-target': {
        const v = this.open(value);
        if (!v || (p.staleAfterSec !== undefined && now - v.t > p.staleAfterSec * 1000)) return null;
        return slots[v.i] ?? null;
      }
      case 'ingress-balanced': {
        const key = value.split('|')[0] ?? '';
        if (!key || !live.length) return null;
        const ring = ketamaRing(live.map((s) => ({ address: s.server.address, weight: 1 })));
        const i = ketamaLookup(ring, key, () => true);
        return i === undefined ? null : live[i]!;
      }
      case 'ingress-persistent': {
        const key = value.split('|')[0];
        return slots.find((s) => md5(this.backend + s.server.address) === key) ?? null;
      }
    }
  }

  /** F5 cookie hash: the value hashed onto the servers that can take it. */
  static hashed(value: string, live: readonly Slot[]): Slot | null {
    return live.length ? live[crc32(value) % live.length]! : null;
  }

  private seal(i: number, t: number): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(JSON.stringify({ i, t })), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  }

  private open(value: string): { i: number; t: number } | undefined {
    try {
      const raw = Buffer.from(value, 'base64');
      const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      const v = JSON.parse(Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8')) as { i?: unknown; t?: unknown };
      return typeof v.i === 'number' && typeof v.t === 'number' ? { i: v.i, t: v.t } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A Set-Cookie line for a cookie the balancer sets, with its lifetime on the lab clock. */
export function balancerCookie(name: string, value: string, attrs: CookieAttrs, now: number, secure: boolean): string {
  const parts = [`${name}=${value}`];
  if (attrs.maxAgeSec !== undefined) parts.push(`Expires=${new Date(now + attrs.maxAgeSec * 1000).toUTCString()}`);
  if (attrs.path) parts.push(`Path=${attrs.path}`);
  if (attrs.domain) parts.push(`Domain=${attrs.domain}`);
  if (secure) parts.push('Secure');
  if (attrs.httpOnly) parts.push('HttpOnly');
  if (attrs.sameSite) parts.push(`SameSite=${attrs.sameSite}`);
  return parts.join('; ');
}

/** HAProxy's answer for a server without a cookie value: the browser's cookie is cleared (observed with 2.6). */
export function clearedCookie(name: string): string {
  return `${name}=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/`;
}
