import { braceTree, type Directive } from './braceTree';
import { emptyModel, LbConfigError, parseSeconds, type BalancerModel, type CookiePersistence, type Source } from './model';

/**
 * `tmsh list ltm …` output (persistence profiles, pool, monitor, virtual server) → the balancer model,
 * per the tmsh reference for `ltm persistence cookie` / `source-addr` and F5 K6917 (the BIGipServer
 * cookie format): cookie insert (default), rewrite, passive or hash, source-address affinity, the
 * pool's members and monitor, and whether the virtual server has a client-side SSL profile.
 */
export function readF5(text: string, file: string): BalancerModel {
  const tree = braceTree(text, file, 'newline');
  const objs = tree.filter((d) => d.name === 'ltm' && d.children);
  const of = (...kind: string[]) => objs.filter((d) => kind.every((k, i) => d.args[i] === k));
  const m = emptyModel('f5', file);
  const virtual = of('virtual')[0];
  const poolName = virtual ? prop(virtual, 'pool') : undefined;
  const pool = of('pool').find((p) => !poolName || short(p.args[1]) === short(poolName)) ?? of('pool')[0];
  m.backend = short(pool?.args[1] ?? poolName ?? 'pool');

  if (pool) {
    const members = pool.children!.find((c) => c.name === 'members')?.children ?? [];
    for (const mem of members) {
      const name = short(mem.name);
      const address = mem.children?.find((c) => c.name === 'address')?.args[0];
      const port = /:(\w+)$/.exec(name)?.[1] ?? '80';
      m.servers.push({ name, address: address ? `${address}:${port === 'http' ? '80' : port === 'https' ? '443' : port}` : name, weight: Number(prop(mem, 'ratio') ?? 1), backup: false, source: mem.source });
    }
    const mode = prop(pool, 'load-balancing-mode');
    const modeSrc = line(pool, 'load-balancing-mode');
    if (mode && /least-connections|least-sessions|fastest|observed|predictive/.test(mode)) m.algorithm = { kind: 'least-conn', source: modeSrc };
    else m.algorithm = { kind: 'round-robin', source: modeSrc };
    const monitor = prop(pool, 'monitor');
    if (monitor) m.health = monitorOf(monitor, of('monitor'), line(pool, 'monitor'));
  }

  // The profiles the virtual server uses (its `persist` block), or every profile in the file.
  const wanted = virtual?.children?.find((c) => c.name === 'persist')?.children?.map((c) => short(c.name));
  const profiles = objs.filter((d) => d.args[0] === 'persistence' && (!wanted || wanted.includes(short(d.args[2]))));
  for (const p of profiles) {
    if (p.args[1] === 'cookie') m.persistence.push(cookieProfile(p, m.backend, file));
    else if (p.args[1] === 'source-addr') {
      m.persistence.push({ kind: 'table', key: { kind: 'source' }, store: { kind: 'request' }, timeoutSec: Number(prop(p, 'timeout') ?? 180), source: p.source });
    } else m.notes.push({ text: `persistence type ${p.args[1]} is not modelled`, source: p.source });
  }
  if (virtual) {
    const profilesBlock = virtual.children!.find((c) => c.name === 'profiles');
    const ssl = profilesBlock?.children?.find((c) => /clientssl|client-ssl/.test(c.name) || c.children?.some((x) => x.name === 'context' && x.args[0] === 'clientside' && /ssl/.test(c.name)));
    m.listener = { tls: !!ssl, hosts: [], source: ssl?.source ?? line(virtual, 'destination') };
  } else m.notes.push({ text: 'no `ltm virtual` in the output: the listener is served as the lab is configured (--https or plain)', source: null });
  m.redispatch = { enabled: true, source: null };
  return m;
}

function cookieProfile(p: Directive, pool: string, file: string): CookiePersistence {
  const method = prop(p, 'method') ?? 'insert';
  const name = prop(p, 'cookie-name') ?? `BIGipServer${pool}`;
  if ((method === 'passive' || method === 'hash') && !prop(p, 'cookie-name')) throw new LbConfigError(file, p.line, `method ${method} needs a cookie-name`);
  const expiration = prop(p, 'expiration');
  const attrs: CookiePersistence['attrs'] = { path: '/' };
  if (expiration && expiration !== '0') attrs.maxAgeSec = expirySeconds(expiration);
  if (prop(p, 'secure') === 'enabled') attrs.secure = true;
  if (prop(p, 'httponly') === 'enabled') attrs.httpOnly = true;
  const mode = method === 'rewrite' ? 'rewrite' : method === 'passive' ? 'passive' : method === 'hash' ? 'hash' : 'insert';
  if (!['insert', 'rewrite', 'passive', 'hash'].includes(method)) throw new LbConfigError(file, line(p, 'method')?.line ?? p.line, `cookie method ${method}: insert, rewrite, passive or hash`);
  return {
    kind: 'cookie',
    mode,
    name,
    // rewrite overwrites a placeholder the server must send (BIGipCookie followed by zeros).
    serverCookie: mode === 'rewrite' ? 'BIGipCookie' : undefined,
    value: 'f5-address',
    insert: prop(p, 'always-send') === 'enabled' ? 'every-response' : 'when-missing',
    caseInsensitive: false,
    attrs,
    indirect: false,
    preserve: true,
    nocache: false,
    source: line(p, 'method') ?? p.source,
  };
}

/** `d:hh:mm:ss`, `hh:mm:ss` or seconds. */
function expirySeconds(v: string): number | undefined {
  if (/^[\d:]+$/.test(v) && v.includes(':')) return v.split(':').reduce((acc, part, i, all) => acc + Number(part) * [1, 60, 3600, 86400][all.length - 1 - i]!, 0);
  return parseSeconds(v);
}

function monitorOf(name: string, monitors: Directive[], source: Source | null): BalancerModel['health'] {
  const mon = monitors.find((d) => short(d.args[2]) === short(name));
  if (!mon) {
    // The built-in `http` monitor sends `GET /`; `tcp` and `gateway_icmp` never reach AM's paths.
    if (short(name) === 'http' || short(name) === 'https') return { kind: 'http', method: 'GET', path: '/', source };
    return { kind: 'tcp', source };
  }
  const send = prop(mon, 'send') ?? 'GET /';
  const req = /^(\w+)\s+(\S+)/.exec(send.replace(/\\r\\n.*$/s, ''));
  return { kind: 'http', method: req?.[1] ?? 'GET', path: req?.[2] ?? '/', source: line(mon, 'send') ?? mon.source };
}

function prop(d: Directive, key: string): string | undefined {
  return d.children?.find((c) => c.name === key)?.args.join(' ');
}

function line(d: Directive, key: string): Source | null {
  return d.children?.find((c) => c.name === key)?.source ?? null;
}

/** `/Common/am_pool` → `am_pool` (tmsh prints partition paths). */
function short(name: string | undefined): string {
  return (name ?? '').replace(/^\/Common\//, '').replace(/^\//, '').replace(/\//g, '~');
}
