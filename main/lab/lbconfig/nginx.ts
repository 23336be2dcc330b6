import { braceTree, findAll, type Directive } from './braceTree';
import { emptyModel, LbConfigError, parseSeconds, type Algorithm, type BalancerModel, type CookieAttrs, type HashKey, type ModelServer } from './model';

/**
 * nginx.conf → the balancer model, per nginx's upstream, map and proxy modules
 * (nginx.org/en/docs/http/ngx_http_upstream_module.html, ngx_http_map_module.html): the upstream
 * AM is proxied to, its balancing method (round-robin, least_conn, random, ip_hash, hash [consistent]),
 * NGINX Plus `sticky cookie|route|learn`, a `map $cookie_… ` that picks the server by cookie value,
 * proxy_cookie_path/_domain, and the server block's TLS, names and locations.
 */
export function readNginx(text: string, file: string): BalancerModel {
  const tree = braceTree(text, file, ';');
  const upstreams = findAll(tree, 'upstream').filter((u) => u.children);
  const maps = findAll(tree, 'map').filter((d) => d.children);
  const proxied = findAll(tree, 'proxy_pass');
  const target = (d: Directive) => /^https?:\/\/([^/]+)/.exec(d.args[0] ?? '')?.[1] ?? '';
  const m = emptyModel('nginx', file);

  // The map AM is routed by, when proxy_pass names a variable (`proxy_pass http://$am_node`).
  const viaMap = proxied.map((p) => ({ p, map: maps.find((mp) => target(p) === mp.args[1]) })).find((x) => x.map);
  const named = proxied.map((p) => upstreams.find((u) => u.args[0] === target(p))).find((u) => u);
  const mapDefault = viaMap?.map?.children?.find((c) => c.name === 'default')?.args[0];
  const upstream =
    named ??
    upstreams.find((u) => u.args[0] === mapDefault) ??
    upstreams.find((u) => /\b(am|openam|forgerock)/i.test(u.args[0] ?? '')) ??
    upstreams.find((u) => u.children!.some((c) => c.name === 'server'));
  if (!upstream && !viaMap) throw new LbConfigError(file, null, 'no `upstream` block with `server` lines and no proxy_pass through a map: which servers are the AM servers?');

  if (upstream) {
    m.backend = upstream.args[0] ?? '';
    readUpstream(upstream, m, file);
  }
  if (viaMap) readRouteMap(viaMap.map!, upstreams, m);

  const loc = viaMap?.p ?? proxied.find((p) => upstream && target(p) === upstream.args[0]) ?? proxied[0];
  if (loc) readFront(tree, loc, m);
  for (const d of proxied) if (d.args[0]?.startsWith('https://')) m.notes.push({ text: 'nginx speaks TLS to the AM servers; the lab nodes are plain HTTP', source: d.source });
  return m;
}

function readUpstream(u: Directive, m: BalancerModel, file: string): void {
  let alg: Algorithm = { kind: 'round-robin', source: null };
  for (const d of u.children!) {
    if (d.name === 'server') m.servers.push(server(d, file));
    else if (d.name === 'least_conn') alg = { kind: 'least-conn', source: d.source };
    else if (d.name === 'random') alg = { kind: 'random', source: d.source };
    else if (d.name === 'ip_hash') alg = { kind: 'hash', key: { kind: 'source' }, flavor: 'nginx-ip-hash', source: d.source };
    else if (d.name === 'hash') {
      if (!d.args[0]) throw new LbConfigError(file, d.line, '`hash` needs a key, e.g. `hash $cookie_amlbcookie`');
      alg = { kind: 'hash', key: hashKey(d.args[0]), flavor: d.args[1] === 'consistent' ? 'nginx-consistent' : 'nginx', source: d.source };
    } else if (d.name === 'sticky') readSticky(d, m, file);
    else if (d.name === 'health_check') m.health = { kind: 'http', method: 'GET', path: /uri=(\S+)/.exec(d.args.join(' '))?.[1] ?? '/', source: d.source };
  }
  m.algorithm = alg;
  if (m.health.kind === 'none') m.health = { kind: 'passive', source: null };
  // nginx passes a request to the next server on a connection error by default (proxy_next_upstream error timeout).
  m.redispatch = { enabled: true, source: null };
}

function server(d: Directive, file: string): ModelServer {
  const [address, ...params] = d.args;
  if (!address) throw new LbConfigError(file, d.line, '`server` needs an address');
  const param = (k: string) => params.find((p) => p.startsWith(`${k}=`))?.slice(k.length + 1);
  const weight = Number(param('weight') ?? 1);
  return { name: address, address, cookie: param('route'), weight: Number.isFinite(weight) ? weight : 1, backup: params.includes('backup'), source: d.source };
}

export function hashKey(k: string): HashKey {
  const cookie = /^\$cookie_(\w+)$/.exec(k);
  if (cookie) return { kind: 'cookie', name: cookie[1]! };
  if (k === '$remote_addr' || k === '$binary_remote_addr') return { kind: 'source' };
  if (k === '$request_uri' || k === '$uri') return { kind: 'uri' };
  const h = /^\$http_(\w+)$/.exec(k);
  if (h) return { kind: 'header', name: h[1]!.replace(/_/g, '-') };
  const a = /^\$arg_(\w+)$/.exec(k);
  if (a) return { kind: 'param', name: a[1]! };
  return { kind: 'other', text: k };
}

/** NGINX Plus (and OSS ≥ 1.29.6) `sticky cookie | route | learn`. */
function readSticky(d: Directive, m: BalancerModel, file: string): void {
  const [method, ...rest] = d.args;
  const opt = (k: string) => rest.find((p) => p.startsWith(`${k}=`))?.slice(k.length + 1);
  if (method === 'cookie') {
    const name = rest[0];
    if (!name || name.includes('=')) throw new LbConfigError(file, d.line, '`sticky cookie` needs a cookie name');
    const attrs: CookieAttrs = { path: opt('path'), domain: opt('domain'), sameSite: opt('samesite'), secure: rest.includes('secure') || undefined, httpOnly: rest.includes('httponly') || undefined };
    const exp = opt('expires');
    if (exp && exp !== 'max') attrs.maxAgeSec = parseSeconds(exp);
    if (exp === 'max') attrs.maxAgeSec = 10 * 365 * 86400;
    m.persistence.push({ kind: 'cookie', mode: 'insert', name, value: m.servers.some((s) => s.cookie) ? 'server-cookie' : 'md5-address', insert: 'when-missing', caseInsensitive: false, attrs, indirect: false, preserve: true, nocache: false, source: d.source });
  } else if (method === 'route') {
    const cookie = rest.map((v) => /^\$cookie_(\w+)$/.exec(v)?.[1]).find((x) => x);
    if (!cookie) {
      m.notes.push({ text: '`sticky route` on variables the lab cannot read from a request; modelled as no persistence', source: d.source });
      return;
    }
    m.persistence.push({ kind: 'cookie', mode: 'passive', name: cookie, value: 'server-cookie', insert: 'when-missing', caseInsensitive: false, attrs: {}, indirect: false, preserve: true, nocache: false, source: d.source });
  } else if (method === 'learn') {
    const create = /^\$upstream_cookie_(\w+)$/.exec(opt('create') ?? '')?.[1];
    const lookup = /^\$cookie_(\w+)$/.exec(opt('lookup') ?? '')?.[1];
    if (!create || !lookup) throw new LbConfigError(file, d.line, '`sticky learn` needs create=$upstream_cookie_NAME and lookup=$cookie_NAME');
    const timeoutSec = parseSeconds(opt('timeout') ?? '10m') ?? 600;
    m.persistence.push({ kind: 'table', key: { kind: 'cookie', name: lookup }, store: { kind: 'response-cookie', name: create }, timeoutSec, source: d.source });
  } else throw new LbConfigError(file, d.line, `\`sticky ${method ?? ''}\`: nginx knows cookie, route and learn`);
}

/**
 * `map $cookie_amlbcookie $am { 01 10.0.0.1:8080; 02 am_02; default am; }` with `proxy_pass http://$am`:
 * the cookie's value picks the server (strings compared case-insensitively, as map does).
 */
function readRouteMap(map: Directive, upstreams: Directive[], m: BalancerModel): void {
  const cookie = /^\$cookie_(\w+)$/.exec(map.args[0] ?? '')?.[1];
  if (!cookie) {
    m.notes.push({ text: `the map on ${map.args[0]} is not on a cookie; modelled as no persistence`, source: map.source });
    return;
  }
  const addressOf = (t: string) => upstreams.find((u) => u.args[0] === t)?.children?.find((c) => c.name === 'server')?.args[0] ?? t;
  for (const entry of map.children ?? []) {
    if (entry.name === 'default' || entry.name === 'hostnames' || entry.name === 'volatile' || entry.name.startsWith('~')) continue;
    const address = addressOf(entry.args[0] ?? '');
    let srv = m.servers.find((s) => s.address === address);
    if (!srv) {
      srv = { name: entry.args[0] ?? address, address, weight: 1, backup: false, source: entry.source };
      m.servers.push(srv);
    }
    srv.cookie ??= entry.name;
  }
  if (!map.children?.some((c) => c.name === 'default')) m.notes.push({ text: 'the map has no `default`: a request without the cookie gets an empty upstream (nginx answers 500)', source: map.source });
  m.backend ||= map.args[1] ?? '';
  m.persistence.push({ kind: 'cookie', mode: 'passive', name: cookie, value: 'server-cookie', insert: 'when-missing', caseInsensitive: true, attrs: {}, indirect: false, preserve: true, nocache: false, source: map.source });
}

/** The server block and location that proxy to AM: TLS, host names, paths, cookie rewrites. */
function readFront(tree: Directive[], pass: Directive, m: BalancerModel): void {
  const chain = ancestors(tree, pass) ?? [];
  const server = chain.find((d) => d.name === 'server');
  const scopes = chain.filter((d) => d.children);
  for (const scope of scopes) {
    for (const d of scope.children!) {
      if (d.name === 'proxy_cookie_path' || d.name === 'proxy_cookie_domain') {
        if (d.args[0] === 'off' || d.args.length < 2) continue;
        m.cookieRewrites.push({ attr: d.name === 'proxy_cookie_path' ? 'path' : 'domain', from: d.args[0]!, to: d.args[1]!, source: d.source });
      }
      if (d.name === 'proxy_next_upstream' && d.args[0] === 'off') m.redispatch = { enabled: false, source: d.source };
    }
  }
  readHost(scopes, pass, m);
  for (const loc of chain.filter((d) => d.name === 'location')) {
    const regex = loc.args[0] === '~' || loc.args[0] === '~*';
    const path = regex || loc.args[0] === '=' || loc.args[0] === '^~' ? loc.args[1] : loc.args[0];
    if (path) m.paths.push({ path, regex, source: loc.source });
  }
  if (!server) return;
  const listens = server.children!.filter((d) => d.name === 'listen');
  const tls = listens.find((d) => d.args.includes('ssl')) ?? server.children!.find((d) => d.name === 'ssl' && d.args[0] === 'on');
  m.listener = { tls: !!tls, hosts: server.children!.filter((d) => d.name === 'server_name').flatMap((d) => d.args).filter((h) => h !== '_' && h !== ''), source: (tls ?? listens[0])?.source ?? null };
}

/**
 * The Host nginx sends upstream. proxy_set_header lines are inherited from an outer block only when
 * the inner one has none (ngx_http_proxy_module: "if and only if there are no proxy_set_header
 * directives defined on the current level"), and without a Host line nginx sends $proxy_host.
 */
function readHost(scopes: Directive[], pass: Directive, m: BalancerModel): void {
  const level = [...scopes].reverse().find((s) => s.children!.some((d) => d.name === 'proxy_set_header'));
  const host = level?.children!.find((d) => d.name === 'proxy_set_header' && d.args[0]?.toLowerCase() === 'host');
  if (host && host.args[1] !== '$proxy_host') return;
  const target = /^https?:\/\/([^/]+)/.exec(pass.args[0] ?? '')?.[1] ?? '';
  const outer = scopes.flatMap((s) => (s === level ? [] : s.children!.filter((d) => d.name === 'proxy_set_header' && d.args[0]?.toLowerCase() === 'host')))[0];
  const why = host
    ? `line ${host.line} sets Host to $proxy_host`
    : outer && level
      ? `line ${outer.line} \`${outer.source.text.trim()}\` is not inherited: line ${level.children!.find((d) => d.name === 'proxy_set_header')!.line} sets proxy_set_header in the inner block`
      : 'no `proxy_set_header Host` where it proxies to AM';
  // A variable (`http://$am_node`) is whatever the map picks; a browser without the cookie gets its default.
  m.upstreamHost = { host: target.startsWith('$') ? m.backend : target, source: pass.source, why: target.startsWith('$') ? `${why}; ${target} is ${m.backend} for a browser without the cookie` : why };
}

/** The blocks enclosing a directive, outermost first, ending with the directive itself. */
function ancestors(list: Directive[], target: Directive): Directive[] | undefined {
  for (const d of list) {
    if (d === target) return [d];
    if (d.children) {
      const inner = ancestors(d.children, target);
      if (inner) return [d, ...inner];
    }
  }
  return undefined;
}
