import type { Algorithm, HashKey } from '../lbconfig/model';
import { crc32, haproxyConsistent, haproxyMap, haproxySourceKey, ketamaLookup, ketamaRing, nginxHash, nginxIpHash, sdbm, type HashServer } from './hashing';
import { readCookie, type RouteRequest } from './router';

/**
 * How a model balancer picks a server for a request no persistence claimed: weighted round-robin
 * (nginx's smooth variant, which HAProxy's matches for equal weights), least connections, random,
 * first, or a hash of a key read from the request. A hash whose key is absent falls back to
 * round-robin, as nginx and HAProxy do.
 */
export interface Candidate extends HashServer {
  index: number;
}

export interface Choice {
  index: number;
  /** "round-robin", "hash of cookie amlbcookie (01)", "ip_hash of 127.0.0.5" … */
  how: string;
}

export class Balancing {
  /** Smooth weighted round-robin state: each server's current weight, by slot index. */
  private readonly current = new Map<number, number>();

  reset(): void {
    this.current.clear();
  }

  /**
   * `all` are the servers the hash is computed over (non-backup, in file order); `usable` says which
   * may take this request. Round-robin and friends choose among the usable ones only.
   */
  choose(alg: Algorithm, all: readonly Candidate[], usable: (index: number) => boolean, req: RouteRequest): Choice | undefined {
    const live = all.filter((c) => usable(c.index));
    if (!live.length) return undefined;
    if (alg.kind === 'first') return { index: live[0]!.index, how: 'first' };
    if (alg.kind === 'random') return { index: weightedRandom(live), how: 'random' };
    if (alg.kind !== 'hash') return { index: this.roundRobin(live), how: alg.kind === 'least-conn' ? 'least-conn (none busy: in turn)' : 'round-robin' };
    const key = hashKeyValue(alg.key, req);
    if (!key) return { index: this.roundRobin(live), how: `round-robin (no ${keyName(alg.key)} to hash)` };
    const at = (i: number | undefined) => (i === undefined ? undefined : all[i]?.index);
    const ok = (i: number) => usable(all[i]!.index);
    let index: number | undefined;
    switch (alg.flavor) {
      case 'nginx':
        index = all.length < 2 ? live[0]!.index : at(nginxHash(key, all, ok));
        break;
      case 'nginx-consistent':
      case 'ingress-consistent':
        index = at(ketamaLookup(ketamaRing(all), key, ok));
        break;
      case 'nginx-ip-hash':
        index = at(nginxIpHash(key, all, ok));
        break;
      case 'haproxy-map':
        index = at(haproxyMap(alg.key.kind === 'source' ? haproxySourceKey(key) : sdbm(key), all, ok));
        break;
      case 'haproxy-consistent':
        index = at(haproxyConsistent(alg.key.kind === 'source' ? haproxySourceKey(key) : sdbm(key), all, ok));
        break;
      case 'f5':
        index = live[crc32(key) % live.length]!.index;
        break;
    }
    // nginx gives up rehashing after 20 tries and uses round-robin.
    if (index === undefined) return { index: this.roundRobin(live), how: 'round-robin (the hash found no usable server)' };
    return { index, how: `${alg.flavor === 'nginx-ip-hash' ? 'ip_hash' : 'hash'} of ${keyName(alg.key)} ${key}` };
  }

  /** nginx's smooth weighted round-robin: add each weight, take the largest, subtract the total. */
  private roundRobin(live: readonly Candidate[]): number {
    let best: Candidate | undefined;
    let total = 0;
    for (const c of live) {
      const cur = (this.current.get(c.index) ?? 0) + c.weight;
      this.current.set(c.index, cur);
      total += c.weight;
      if (!best || cur > this.current.get(best.index)!) best = c;
    }
    this.current.set(best!.index, this.current.get(best!.index)! - total);
    return best!.index;
  }
}

function weightedRandom(live: readonly Candidate[]): number {
  let r = Math.random() * live.reduce((a, c) => a + c.weight, 0);
  for (const c of live) {
    r -= c.weight;
    if (r < 0) return c.index;
  }
  return live.at(-1)!.index;
}

export function keyName(k: HashKey): string {
  return k.kind === 'source' ? 'client IP' : k.kind === 'cookie' ? k.name : k.kind === 'header' ? `header ${k.name}` : k.kind === 'param' ? `parameter ${k.name}` : k.kind === 'uri' ? 'URI' : k.text;
}

/** The key's value on a request; undefined or '' when absent. */
export function hashKeyValue(k: HashKey, req: Pick<RouteRequest, 'clientIp' | 'path' | 'cookieHeader' | 'headers'>): string | undefined {
  switch (k.kind) {
    case 'source':
      return req.clientIp.replace(/^::ffff:/, '');
    case 'uri':
      return req.path;
    case 'cookie':
      return readCookie(req.cookieHeader, k.name) ?? undefined;
    case 'header': {
      const v = req.headers[k.name.toLowerCase()];
      return Array.isArray(v) ? v.join(',') : v;
    }
    case 'param':
      return new URLSearchParams(req.path.split('?')[1] ?? '').get(k.name) ?? undefined;
    case 'other':
      return undefined;
  }
}
