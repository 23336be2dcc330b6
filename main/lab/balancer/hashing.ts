/**
 * The hash functions balancers use to pick a server from a key, written from their sources so the
 * lab maps a key (a client IP, `amlbcookie=01`) to the same server the product would:
 * - nginx `hash KEY`: ((crc32(KEY) >> 16) & 0x7fff) mod total weight (ngx_http_upstream_hash_module.c);
 * - nginx `hash KEY consistent`: ketama, 160 points per weight from crc32("host\0port" + previous point);
 * - nginx `ip_hash`: h = 89, h = (h·113 + byte) mod 6271 over the first three IPv4 octets (ngx_http_upstream_ip_hash_module.c);
 * - HAProxy map-based: sdbm of the key (source: the IPv4 address as a 32-bit number) into the weighted
 *   server map; consistent: Bob Jenkins' full_hash onto a tree of 16 points per weight (lb_chash.c).
 * Each function returns an index into the list of servers it was given.
 */
export interface HashServer {
  address: string;
  weight: number;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array | string, seed = 0): number {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let c = ~seed >>> 0;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Walks the servers by weight, as nginx and HAProxy do: the server whose weight band holds w. */
function byWeight(servers: readonly HashServer[], w: number): number {
  for (let i = 0; i < servers.length; i++) {
    if (w < servers[i]!.weight) return i;
    w -= servers[i]!.weight;
  }
  return servers.length - 1;
}

const total = (servers: readonly HashServer[]) => servers.reduce((a, s) => a + s.weight, 0);

/**
 * nginx `hash KEY`, including its rehash when the chosen server is unusable: the n-th retry hashes
 * "n" + KEY and adds it to the previous hash. `usable` says whether a server may be chosen.
 */
export function nginxHash(key: string, servers: readonly HashServer[], usable: (i: number) => boolean): number | undefined {
  let acc = 0;
  for (let rehash = 0; rehash < 20; rehash++) {
    const h = (crc32((rehash > 0 ? String(rehash) : '') + key) >>> 16) & 0x7fff;
    acc += h;
    const i = byWeight(servers, acc % total(servers));
    if (usable(i)) return i;
  }
  return undefined;
}

/** The ketama ring nginx builds for `hash … consistent`: sorted (point, server) pairs. */
export function ketamaRing(servers: readonly HashServer[]): { point: number; index: number }[] {
  const ring: { point: number; index: number }[] = [];
  servers.forEach((s, index) => {
    const colon = s.address.lastIndexOf(':');
    const host = colon >= 0 ? s.address.slice(0, colon) : s.address;
    const port = colon >= 0 ? s.address.slice(colon + 1) : '80';
    const base = new TextEncoder().encode(`${host}\0${port}`);
    let prev = 0;
    for (let j = 0; j < s.weight * 160; j++) {
      const buf = new Uint8Array(base.length + 4);
      buf.set(base);
      // The previous point's bytes, little-endian (the union nginx hashes on x86).
      buf.set([prev & 0xff, (prev >>> 8) & 0xff, (prev >>> 16) & 0xff, (prev >>> 24) & 0xff], base.length);
      prev = crc32(buf);
      ring.push({ point: prev, index });
    }
  });
  return ring.sort((a, b) => a.point - b.point || a.index - b.index);
}

/** Looks a key up on a ketama ring: the first point at or after crc32(key), then onwards past unusable servers. */
export function ketamaLookup(ring: readonly { point: number; index: number }[], key: string, usable: (i: number) => boolean): number | undefined {
  if (!ring.length) return undefined;
  const h = crc32(key);
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring[mid]!.point < h) lo = mid + 1;
    else hi = mid;
  }
  for (let k = 0; k < ring.length; k++) {
    const p = ring[(lo + k) % ring.length]!;
    if (usable(p.index)) return p.index;
  }
  return undefined;
}

/** nginx `ip_hash` over an IPv4 address's first three octets (the whole address for IPv6). */
export function nginxIpHash(ip: string, servers: readonly HashServer[], usable: (i: number) => boolean): number | undefined {
  const bytes = ip.includes(':') ? ipv6Bytes(ip) : ip.split('.').slice(0, 3).map(Number);
  let h = 89;
  for (let tries = 0; tries < 20; tries++) {
    for (const b of bytes) h = (h * 113 + b) % 6271;
    const i = byWeight(servers, h % total(servers));
    if (usable(i)) return i;
  }
  return undefined;
}

function ipv6Bytes(ip: string): number[] {
  const [head = '', tail = ''] = ip.split('::');
  const parts = (s: string) => (s ? s.split(':') : []);
  const groups = [...parts(head), ...Array(8 - parts(head).length - parts(tail).length).fill('0'), ...parts(tail)];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16) || 0;
    return [n >> 8, n & 0xff];
  });
}

/** HAProxy's sdbm (the default hash function of `hash-type`): hash = c + (hash << 6) + (hash << 16) − hash. */
export function sdbm(key: string): number {
  let h = 0;
  for (const c of new TextEncoder().encode(key)) h = (c + (h << 6) + (h << 16) - h) >>> 0;
  return h >>> 0;
}

/** `balance source`: an IPv4 address is hashed as its 32-bit value (backend.c get_server_sh). */
export function haproxySourceKey(ip: string): number {
  const o = ip.split('.').map(Number);
  if (o.length !== 4 || o.some((x) => !(x >= 0 && x < 256))) return sdbm(ip);
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

/** Bob Jenkins' full avalanche hash (HAProxy's full_hash). */
export function fullHash(a: number): number {
  a = (a + 0x7ed55d16 + (a << 12)) >>> 0;
  a = (a ^ 0xc761c23c ^ (a >>> 19)) >>> 0;
  a = (a + 0x165667b1 + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = (a + 0xfd7046c5 + (a << 3)) >>> 0;
  a = (a ^ 0xb55a4f09 ^ (a >>> 16)) >>> 0;
  return a >>> 0;
}

/** HAProxy's map-based hash: the weighted server map (lb_map.c) indexed by hash mod total weight, usable servers only. */
export function haproxyMap(hash: number, servers: readonly HashServer[], usable: (i: number) => boolean): number | undefined {
  const live = servers.map((s, i) => ({ ...s, i })).filter((s) => usable(s.i));
  const tot = total(live);
  if (!tot) return undefined;
  // recalc_server_map: each slot goes to the server with the highest accumulated weight score.
  const score = live.map(() => 0);
  const map: number[] = [];
  for (let o = 0; o < tot; o++) {
    let best = -1;
    let max = -Infinity;
    live.forEach((s, k) => {
      score[k] += s.weight;
      const v = (score[k]! + tot) / tot;
      if (best < 0 || v > max) {
        max = v;
        best = k;
      }
    });
    map.push(live[best]!.i);
    score[best]! -= tot;
  }
  return map[hash % tot];
}

/** HAProxy's consistent hash: 16 points per weight at full_hash(id·4096 + n); the first point at or after the key. */
export function haproxyConsistent(hash: number, servers: readonly HashServer[], usable: (i: number) => boolean): number | undefined {
  const ring: { point: number; index: number }[] = [];
  servers.forEach((s, index) => {
    if (!usable(index)) return;
    for (let n = 0; n < s.weight * 16; n++) ring.push({ point: fullHash((index + 1) * 4096 + n), index });
  });
  if (!ring.length) return undefined;
  ring.sort((a, b) => a.point - b.point);
  const h = fullHash(hash);
  return (ring.find((p) => p.point >= h) ?? ring[0]!).index;
}

/** F5 BIG-IP's BIGipServer value for an IPv4 member (K6917): address bytes reversed, port bytes swapped. */
export function f5Encode(address: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/.exec(address);
  if (!m) return undefined;
  const [a, b, c, d] = [1, 2, 3, 4].map((i) => Number(m[i]));
  const port = Number(m[5]);
  const enc = a! + b! * 256 + c! * 65536 + d! * 16777216;
  return `${enc}.${((port & 0xff) << 8) | (port >> 8)}.0000`;
}

export function f5Decode(value: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.0000$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const p = Number(m[2]);
  return `${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 24) & 0xff}:${((p & 0xff) << 8) | (p >> 8)}`;
}
