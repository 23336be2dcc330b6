import { emptyModel, LbConfigError, parseSeconds, type Algorithm, type BalancerModel, type CookiePersistence, type HashKey, type ModelServer, type Persistence, type Source } from './model';

/**
 * haproxy.cfg → the balancer model, per HAProxy's configuration manual (doc/configuration.txt):
 * the backend that fronts AM (the one with servers; the first whose name says AM when there are
 * several), its `balance`/`hash-type`, `cookie` with its modes, `server … cookie`, stick tables,
 * `option redispatch|persist|httpchk`, and the front's `bind … ssl`. Settings in `defaults` apply
 * to the sections after it, as in HAProxy.
 */
const SECTIONS = new Set(['global', 'defaults', 'frontend', 'backend', 'listen', 'peers', 'resolvers', 'userlist', 'program', 'cache', 'http-errors', 'ring', 'mailers', 'crt-store', 'traces']);

export interface HaproxyLine {
  words: string[];
  source: Source;
}

export interface HaproxySection {
  kind: string;
  name: string;
  source: Source;
  lines: HaproxyLine[];
}

/** Splits the file into sections of tokenized lines (quotes, escapes and `#` comments as HAProxy reads them). */
export function haproxySections(text: string, file: string): HaproxySection[] {
  const sections: HaproxySection[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const source = { line: i + 1, text: raw };
    const words = tokenize(raw, file, i + 1);
    if (!words.length) return;
    if (SECTIONS.has(words[0]!)) {
      sections.push({ kind: words[0]!, name: words[1] ?? '', source, lines: [] });
      return;
    }
    const cur = sections.at(-1);
    if (!cur) throw new LbConfigError(file, i + 1, `\`${words[0]}\` before any section (global, defaults, frontend, backend, listen)`);
    cur.lines.push({ words, source });
  });
  return sections;
}

function tokenize(line: string, file: string, ln: number): string[] {
  const out: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let j = 0; j < line.length; j++) {
    const c = line[j]!;
    if (quote) {
      if (c === '\\' && quote === '"' && j + 1 < line.length) word += line[++j]!;
      else if (c === quote) quote = null;
      else word += c;
    } else if (c === '#') break;
    else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && j + 1 < line.length) word = (word ?? '') + line[++j]!;
    else if (/\s/.test(c)) {
      if (word !== null) out.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (quote) throw new LbConfigError(file, ln, 'a quote that is never closed');
  if (word !== null) out.push(word);
  return out;
}

/** The backend that fronts AM: the one with servers; with several, the first whose name says AM. */
export function amBackend(sections: HaproxySection[], file: string): HaproxySection {
  const withServers = sections.filter((s) => (s.kind === 'backend' || s.kind === 'listen') && s.lines.some((l) => l.words[0] === 'server'));
  if (!withServers.length) throw new LbConfigError(file, null, 'no backend or listen section with `server` lines: which servers are the AM servers?');
  return withServers.find((s) => /\b(am|openam|forgerock|access)/i.test(s.name)) ?? withServers[0]!;
}

export function readHaproxy(text: string, file: string): BalancerModel {
  const sections = haproxySections(text, file);
  const backend = amBackend(sections, file);
  const m = emptyModel('haproxy', file);
  m.backend = backend.name;
  // Settings from the last `defaults` before the backend, then the backend's own lines.
  const defaults = sections.filter((s) => s.kind === 'defaults' && s.source.line < backend.source.line).at(-1);
  const lines = [...(defaults?.lines ?? []), ...backend.lines];
  let hashType: 'map-based' | 'consistent' = 'map-based';
  let balance: { words: string[]; source: Source } | null = null;
  let cookie: CookiePersistence | null = null;
  const sticks: Persistence[] = [];
  let tableExpire = 0;
  let defaultServer: string[] = [];
  let sawCheck = false;

  for (const { words, source } of lines) {
    const [kw, ...args] = words;
    const no = kw === 'no';
    const k = no ? args[0] : kw;
    const a = no ? args.slice(1) : args;
    if (k === 'balance') balance = { words: a, source };
    else if (k === 'hash-type') hashType = a[0] === 'consistent' ? 'consistent' : 'map-based';
    else if (k === 'cookie') cookie = readCookie(a, source, file);
    else if (k === 'appsession') m.rejected.push({ text: '`appsession` was removed in HAProxy 1.6: HAProxy refuses to start with it', source });
    else if (k === 'option' && a[0] === 'redispatch') m.redispatch = { enabled: !no, source };
    else if (k === 'option' && a[0] === 'persist') m.persistOnDown = !no;
    else if (k === 'option' && a[0] === 'httpchk') m.health = httpchk(a.slice(1), source);
    else if (k === 'http-check' && a[0] === 'send') {
      const meth = a.indexOf('meth');
      const uri = a.indexOf('uri');
      m.health = { kind: 'http', method: meth >= 0 ? a[meth + 1] : (m.health.method ?? 'GET'), path: uri >= 0 ? a[uri + 1] : (m.health.path ?? '/'), source };
    } else if (k === 'stick-table') {
      const e = a.indexOf('expire');
      tableExpire = e >= 0 ? (parseSeconds(a[e + 1] ?? '', 'ms') ?? 0) : 0;
    } else if (k === 'stick') sticks.push(...readStick(a, source, () => tableExpire));
    else if (k === 'default-server') defaultServer = a;
    else if (k === 'server') {
      const srv = readServer(a, defaultServer, source, file);
      if (srv.check) sawCheck = true;
      m.servers.push(srv.server);
    }
  }
  m.algorithm = algorithm(balance, hashType);
  if (cookie) m.persistence.push(cookie);
  m.persistence.push(...sticks);
  if (m.health.kind === 'none' && sawCheck) m.health = { kind: 'tcp', source: backend.lines.find((l) => l.words[0] === 'server' && l.words.includes('check'))?.source ?? null };
  if (m.health.kind === 'http' && !sawCheck) {
    m.notes.push({ text: 'option httpchk is set but no server line has `check`: HAProxy never runs it', source: m.health.source });
    m.health = { kind: 'none', source: null };
  }
  m.listener = listener(sections, backend);
  for (const s of sections) {
    if ((s.kind === 'backend' || s.kind === 'listen') && s !== backend && s.lines.some((l) => l.words[0] === 'server')) {
      m.notes.push({ text: `backend ${s.name} also has servers; the lab models ${backend.name}`, source: s.source });
    }
  }
  return m;
}

function readCookie(a: string[], source: Source, file: string): CookiePersistence {
  const name = a[0];
  if (!name) throw new LbConfigError(file, source.line, '`cookie` needs a cookie name');
  const c: CookiePersistence = {
    kind: 'cookie',
    mode: 'passive',
    name,
    value: 'server-cookie',
    insert: 'when-missing',
    caseInsensitive: false,
    attrs: {},
    indirect: false,
    preserve: false,
    nocache: false,
    source,
  };
  for (let i = 1; i < a.length; i++) {
    const w = a[i]!;
    if (w === 'insert' || w === 'prefix' || w === 'rewrite') c.mode = w;
    else if (w === 'indirect') c.indirect = true;
    else if (w === 'nocache') c.nocache = true;
    else if (w === 'preserve') c.preserve = true;
    else if (w === 'httponly') c.attrs.httpOnly = true;
    else if (w === 'secure') c.attrs.secure = true;
    else if (w === 'domain') c.attrs.domain = a[++i];
    else if (w === 'attr') {
      const v = a[++i] ?? '';
      const [k, val] = v.split('=');
      if (/^samesite$/i.test(k ?? '')) c.attrs.sameSite = val;
      else if (/^path$/i.test(k ?? '')) c.attrs.path = val;
    } else if (w === 'maxidle' || w === 'maxlife') i++;
  }
  // HAProxy writes `path=/` on every cookie it inserts (http_ana.c).
  if (c.mode === 'insert') c.attrs.path ??= '/';
  return c;
}

function readServer(a: string[], defaults: string[], source: Source, file: string): { server: ModelServer; check: boolean } {
  const [name, address] = a;
  if (!name || !address) throw new LbConfigError(file, source.line, '`server` needs a name and an address');
  const opts = [...defaults, ...a.slice(2)];
  const val = (k: string) => {
    const i = opts.lastIndexOf(k);
    return i >= 0 ? opts[i + 1] : undefined;
  };
  const weight = Number(val('weight') ?? 1);
  return {
    server: { name, address, cookie: val('cookie'), weight: Number.isFinite(weight) ? weight : 1, backup: opts.includes('backup'), source },
    check: opts.includes('check') && !opts.includes('no-check'),
  };
}

function httpchk(a: string[], source: Source) {
  // `option httpchk` alone sends OPTIONS /; one argument is the URI; otherwise method URI [version].
  if (!a.length) return { kind: 'http' as const, method: 'OPTIONS', path: '/', source };
  if (a.length === 1) return { kind: 'http' as const, method: 'OPTIONS', path: a[0], source };
  return { kind: 'http' as const, method: a[0], path: a[1], source };
}

function readStick(a: string[], source: Source, expire: () => number): Persistence[] {
  const [what, expr = ''] = a;
  const cook = /^req\.cook\(([^)]+)\)$/.exec(expr) ?? /^cookie\(([^)]+)\)$/.exec(expr);
  const resCook = /^res\.cook\(([^)]+)\)$/.exec(expr) ?? /^set-cookie\(([^)]+)\)$/.exec(expr);
  const timeoutSec = expire() || 24 * 3600;
  if (expr === 'src' && (what === 'on' || what === 'match')) return [{ kind: 'table', key: { kind: 'source' }, store: { kind: 'request' }, timeoutSec, source }];
  if (cook && what === 'on') return [{ kind: 'table', key: { kind: 'cookie', name: cook[1]! }, store: { kind: 'request' }, timeoutSec, source }];
  if (cook && what === 'match') return [{ kind: 'table', key: { kind: 'cookie', name: cook[1]! }, store: { kind: 'response-cookie', name: cook[1]! }, timeoutSec, source }];
  // `stick store-response res.cook(X)` only feeds the table a `stick match` reads.
  if (resCook && what === 'store-response') return [];
  return [];
}

function algorithm(balance: { words: string[]; source: Source } | null, hashType: 'map-based' | 'consistent'): Algorithm {
  const flavor = hashType === 'consistent' ? 'haproxy-consistent' : 'haproxy-map';
  if (!balance) return { kind: 'round-robin', source: null };
  const [alg = 'roundrobin', arg] = balance.words;
  const source = balance.source;
  const hash = (key: HashKey): Algorithm => ({ kind: 'hash', key, flavor, source });
  if (alg === 'leastconn') return { kind: 'least-conn', source };
  if (alg === 'first') return { kind: 'first', source };
  if (alg.startsWith('random')) return { kind: 'random', source };
  if (alg === 'source') return hash({ kind: 'source' });
  if (alg === 'uri') return hash({ kind: 'uri' });
  if (alg === 'url_param' && arg) return hash({ kind: 'param', name: arg });
  const hdr = /^hdr\(([^)]+)\)$/.exec(alg);
  if (hdr) return hash(hdr[1]!.toLowerCase() === 'cookie' ? { kind: 'header', name: 'cookie' } : { kind: 'header', name: hdr[1]! });
  const rdp = /^rdp-cookie(?:\(([^)]+)\))?$/.exec(alg);
  if (rdp) return hash({ kind: 'cookie', name: rdp[1] ?? 'mstshash' });
  if (alg === 'hash' && arg) {
    const c = /^req\.cook\(([^)]+)\)$/.exec(arg);
    return hash(c ? { kind: 'cookie', name: c[1]! } : arg === 'src' ? { kind: 'source' } : { kind: 'other', text: arg });
  }
  return { kind: 'round-robin', source };
}

function listener(sections: HaproxySection[], backend: HaproxySection): BalancerModel['listener'] {
  const fronts =
    backend.kind === 'listen'
      ? [backend]
      : sections.filter((s) => s.kind === 'frontend' && s.lines.some((l) => (l.words[0] === 'default_backend' || l.words[0] === 'use_backend') && l.words[1] === backend.name));
  const binds = (fronts.length ? fronts : sections.filter((s) => s.kind === 'frontend')).flatMap((s) => s.lines.filter((l) => l.words[0] === 'bind'));
  const tls = binds.find((b) => b.words.includes('ssl'));
  return { tls: !!tls, hosts: [], source: (tls ?? binds[0])?.source ?? null };
}
