import { mechanismText } from '../lbconfig/describe';
import type { BalancerModel, CookiePersistence, Persistence, TablePersistence } from '../lbconfig/model';
import type { Header } from '../trace/types';
import { Balancing, type Candidate } from './algorithms';
import type { BackendView } from './policies';
import { readCookie, type HealthProbe, type RouteRequest, type Routed, type Router } from './router';
import { StickTable } from './stickTable';
import { StickyValues, balancerCookie, clearedCookie, type Slot } from './stickyValues';

/**
 * A customer's balancer, routing as its model says: persistence first (cookies read, inserted,
 * prefixed or rewritten; stick tables; source-address affinity), then the balancing algorithm,
 * then whatever the product does to the response (its own Set-Cookie, cookie path/domain rewrites).
 * The file's servers are the lab's nodes in order; a file without servers (Ingress, ALB, F5 profile)
 * has one per node. Nothing here knows about AM: a login fails only when this routing sends its
 * second step to a node that does not hold its auth session.
 */
interface BoundSlot extends Slot {
  backend: BackendView | undefined;
}

/** What the request's cookie said for one cookie persistence: the slot it named (null: none or absent). */
interface Seen {
  p: CookiePersistence;
  slot: BoundSlot | null;
}

export class ModelRouter implements Router {
  private readonly values: StickyValues;
  private readonly tables = new Map<TablePersistence, StickTable>();
  private readonly balancing = new Balancing();
  private readonly policy: string;

  constructor(readonly model: BalancerModel) {
    this.values = new StickyValues(model.backend || 'am');
    this.policy = mechanismText(model);
    for (const p of model.persistence) if (p.kind === 'table') this.tables.set(p, new StickTable());
  }

  policyName(): string {
    return this.policy;
  }

  /** The cookie the model sticks on first (or hashes), recorded as routing.cookie. */
  stickyCookie(cookieHeader: string | undefined): string | null {
    const name = stickyCookieName(this.model);
    return name ? readCookie(cookieHeader, name) : null;
  }

  stickyCookieName(): string | undefined {
    return stickyCookieName(this.model);
  }

  healthProbe(): HealthProbe | undefined {
    const h = this.model.health;
    return h.kind === 'http' ? { method: h.method ?? 'GET', path: h.path ?? '/' } : undefined;
  }

  reset(): void {
    this.balancing.reset();
    this.values.reset();
    for (const t of this.tables.values()) t.clear();
  }

  /** The file's servers bound to the lab's nodes in order (or one synthetic server per node). */
  bind(backends: readonly BackendView[]): BoundSlot[] {
    if (this.model.servers.length) return this.model.servers.map((server, index) => ({ index, server, backend: backends[index] }));
    return backends.map((backend, index) => ({ index, backend, server: { name: `10.0.0.${index + 1}:8080`, address: `10.0.0.${index + 1}:8080`, weight: 1, backup: false, source: null } }));
  }

  route(req: RouteRequest, backends: readonly BackendView[]): Routed {
    const slots = this.bind(backends);
    const up = (s: BoundSlot) => !!s.backend && s.backend.state !== 'down' && !req.exclude.has(s.backend.id);
    const live = slots.filter(up);
    const said: string[] = [];
    const seen: Seen[] = [];
    let chosen: BoundSlot | undefined;
    let why = '';
    let redispatched = false;

    for (const p of this.model.persistence) {
      const hit = this.lookup(p, req, slots, live);
      if (p.kind === 'cookie') seen.push({ p, slot: hit?.slot ?? null });
      if (!hit) {
        said.push(`no ${p.kind === 'cookie' ? p.name : tableKeyName(p)}`);
        continue;
      }
      if (!hit.slot) {
        said.push(`${hit.label} names no server`);
        continue;
      }
      const forced = this.model.persistOnDown && !!hit.slot.backend && !req.exclude.has(hit.slot.backend.id);
      if (up(hit.slot) || forced) {
        chosen = hit.slot;
        // "sticky NAME=value →" and "no NAME →" read as the lab's own policy does (and the diagnosis finds NAME in them).
        why = `${p.kind === 'cookie' && p.mode !== 'hash' ? 'sticky ' : ''}${hit.label} → ${label(chosen)}`;
        break;
      }
      said.push(`${hit.label} names ${label(hit.slot)}, which is ${hit.slot.backend ? 'down' : 'not one of the lab nodes'}`);
      redispatched = true;
    }

    let fresh: string | undefined;
    const takesNew = (s: BoundSlot) => up(s) && s.backend!.state === 'up';
    const balanced = this.model.persistence.find((p): p is CookiePersistence => p.kind === 'cookie' && p.value === 'ingress-balanced');
    if (!chosen && balanced) {
      // sticky_balanced.lua: a new browser gets a random key, and the key's place on the ring picks its pod.
      fresh = this.values.newKey();
      const slot = this.values.slotFor(balanced, fresh, slots, slots.filter(takesNew), req.now) as BoundSlot | null;
      if (slot) {
        chosen = slot;
        why = [said.join('; '), `new ${balanced.name} key ${fresh} on the ring ${label(slot)}`].filter(Boolean).join(' → ');
      }
    }
    if (!chosen) {
      if (req.exclude.size && !this.model.redispatch.enabled) return { node: null, reason: 'the server refused the connection and the balancer does not redispatch', redispatched: false };
      const main = slots.filter((s) => !s.server.backup);
      const pool = main.some(takesNew) ? main : slots.filter((s) => s.server.backup);
      const candidates: Candidate[] = pool.map((s) => ({ index: s.index, address: s.server.address, weight: s.server.weight }));
      const c = this.balancing.choose(this.model.algorithm, candidates, (i) => takesNew(slots[i]!), req);
      if (!c) return { node: null, reason: [...said, 'no server can take it'].join('; '), redispatched: false };
      chosen = slots[c.index]!;
      why = [said.join('; '), `${c.how} ${label(chosen)}`].filter(Boolean).join(' → ');
    }

    for (const [p, table] of this.tables) {
      const key = tableKey(p, req);
      if (key && p.store.kind === 'request') table.set(key, chosen.index, req.now, p.timeoutSec);
    }
    const target = chosen;
    return {
      node: target.backend ?? null,
      reason: why,
      redispatched,
      cookieHeader: this.toServer(req.cookieHeader, target),
      host: this.model.upstreamHost?.host,
      answer: (headers) => this.answer(headers, target, seen, req, fresh),
    };
  }

  private lookup(p: Persistence, req: RouteRequest, slots: BoundSlot[], live: BoundSlot[]): { slot: BoundSlot | null; label: string } | undefined {
    if (p.kind === 'table') {
      const key = tableKey(p, req);
      if (!key) return undefined;
      const i = this.tables.get(p)!.get(key, req.now, p.timeoutSec);
      if (i === undefined) return undefined;
      return { slot: slots[i] ?? null, label: `stick table: ${tableKeyName(p)} ${key}` };
    }
    const raw = readCookie(req.cookieHeader, p.name);
    if (raw === null || raw === '') return undefined;
    const value = p.mode === 'prefix' ? raw.split('~')[0]! : raw;
    const slot = p.mode === 'hash' ? (StickyValues.hashed(value, live) as BoundSlot | null) : (this.values.slotFor(p, value, slots, live, req.now) as BoundSlot | null);
    return { slot, label: `${p.mode === 'hash' ? 'hash of ' : ''}${p.name}=${shorten(raw)}` };
  }

  /** The Cookie header the server receives: a prefix stripped, an indirect inserted cookie hidden. */
  private toServer(header: string | undefined, target: BoundSlot): string | null | undefined {
    if (!header) return undefined;
    let changed = false;
    const parts = header.split(';').flatMap((part) => {
      const eq = part.indexOf('=');
      const name = part.slice(0, eq).trim();
      const p = this.model.persistence.find((x): x is CookiePersistence => x.kind === 'cookie' && x.name === name);
      if (!p || eq < 0) return [part.trim()];
      if (p.mode === 'insert' && p.indirect) return (changed = true), [];
      const value = part.slice(eq + 1).trim();
      const srv = this.values.valueFor(p, target, 0);
      if (p.mode === 'prefix' && srv && value.startsWith(`${srv}~`)) return (changed = true), [`${name}=${value.slice(srv.length + 1)}`];
      return [part.trim()];
    });
    if (!changed) return undefined;
    return parts.length ? parts.join('; ') : null;
  }

  /** The response as the browser gets it, and what the balancer learns from it. */
  private answer(headers: Header[], target: BoundSlot, seen: Seen[], req: RouteRequest, fresh: string | undefined): Header[] {
    let out = headers.map((h): Header => (isSetCookie(h) ? [h[0], this.rewriteAttrs(h[1])] : h));
    for (const { p, slot } of seen) out = this.applyCookie(p, slot === target, target, out, req, p.value === 'ingress-balanced' ? fresh : undefined);
    for (const [p, table] of this.tables) {
      if (p.store.kind !== 'response-cookie') continue;
      const set = serverCookie(out, p.store.name);
      if (set) table.set(set, target.index, req.now, p.timeoutSec);
    }
    return out;
  }

  private applyCookie(p: CookiePersistence, heldValid: boolean, target: BoundSlot, headers: Header[], req: RouteRequest, key?: string): Header[] {
    if (p.mode === 'prefix' || p.mode === 'rewrite') {
      const srv = this.values.valueFor(p, target, req.now);
      const from = p.mode === 'rewrite' ? (p.serverCookie ?? p.name) : p.name;
      if (!srv) return headers;
      return headers.map((h): Header => {
        if (!isSetCookie(h) || cookieName(h[1]) !== from) return h;
        const rest = h[1].slice(h[1].indexOf('=') + 1);
        const semi = rest.indexOf(';');
        const value = semi < 0 ? rest : rest.slice(0, semi);
        const attrs = semi < 0 ? '' : rest.slice(semi);
        return [h[0], p.mode === 'prefix' ? `${p.name}=${srv}~${value}${attrs}` : `${p.name}=${srv}${attrs}`];
      });
    }
    if (p.mode !== 'insert') return headers;
    const out = p.preserve ? headers : headers.filter((h) => !(isSetCookie(h) && cookieName(h[1]) === p.name));
    const send =
      p.insert === 'every-response' || (p.insert === 'when-missing' ? !heldValid : heldValid || serverCookie(headers, p.serverCookie ?? '') !== undefined);
    if (!send) return out;
    const value = key ? this.values.balancedValue(key) : this.values.valueFor(p, target, req.now);
    if (value === undefined) return p.value === 'server-cookie' ? [...out, ['Set-Cookie', clearedCookie(p.name)]] : out;
    const secure = !!p.attrs.secure || (!!p.secureOnTls && req.tls);
    out.push(['Set-Cookie', balancerCookie(p.name, value, p.attrs, req.now, secure)]);
    if (p.corsTwin) out.push(['Set-Cookie', balancerCookie(p.corsTwin, value, { ...p.attrs, sameSite: 'None' }, req.now, true)]);
    if (p.nocache) out.push(['Cache-Control', 'private']);
    return out;
  }

  /** nginx proxy_cookie_path / proxy_cookie_domain on every Set-Cookie from the servers. */
  private rewriteAttrs(line: string): string {
    let out = line;
    for (const r of this.model.cookieRewrites) {
      const re = new RegExp(`(;\\s*${r.attr}=)([^;]*)`, 'i');
      out = out.replace(re, (all, head: string, v: string) => {
        if (r.attr === 'domain') return v.replace(/^\./, '').toLowerCase() === r.from.replace(/^\./, '').toLowerCase() ? `${head}${r.to}` : all;
        return v.startsWith(r.from) ? `${head}${r.to}${v.slice(r.from.length)}` : all;
      });
    }
    return out;
  }
}

/** The cookie named first by the model: what routing.cookie records. */
export function stickyCookieName(m: BalancerModel): string | undefined {
  const c = m.persistence.find((p): p is CookiePersistence => p.kind === 'cookie');
  if (c) return c.name;
  const t = m.persistence.find((p) => p.kind === 'table' && p.key.kind === 'cookie');
  if (t?.kind === 'table' && t.key.kind === 'cookie') return t.key.name;
  return m.algorithm.kind === 'hash' && m.algorithm.key.kind === 'cookie' ? m.algorithm.key.name : undefined;
}

function tableKey(p: TablePersistence, req: RouteRequest): string | undefined {
  if (p.key.kind === 'source') return req.clientIp.replace(/^::ffff:/, '');
  return readCookie(req.cookieHeader, p.key.name) || undefined;
}

const tableKeyName = (p: TablePersistence) => (p.key.kind === 'source' ? 'client IP' : p.key.name);

function label(s: BoundSlot): string {
  return `${s.server.name} (node ${s.backend?.id ?? 'none'})`;
}

const shorten = (v: string) => (v.length > 24 ? `${v.slice(0, 20)}…` : v);
const isSetCookie = (h: Header) => h[0].toLowerCase() === 'set-cookie';
const cookieName = (line: string) => line.slice(0, Math.max(0, line.indexOf('='))).trim();

/** The value of a cookie the server sets in this response (not one it clears). */
function serverCookie(headers: Header[], name: string): string | undefined {
  for (const h of headers) {
    if (!isSetCookie(h) || cookieName(h[1]) !== name) continue;
    const value = h[1].slice(h[1].indexOf('=') + 1).split(';')[0]!.trim();
    if (value && value !== '""' && value !== 'LOGOUT' && !/expires=[^;]*1970/i.test(h[1]) && !/max-age=0\b/i.test(h[1])) return value;
  }
  return undefined;
}
