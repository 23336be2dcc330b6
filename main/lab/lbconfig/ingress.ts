import { isMap, isScalar, LineCounter, parseAllDocuments, visit, type Document, type Node as YamlNode } from 'yaml';
import { emptyModel, LbConfigError, parseSeconds, type BalancerModel, type CookieAttrs, type Source } from './model';
import { hashKey } from './nginx';

const P = 'nginx.ingress.kubernetes.io/';

/**
 * A Kubernetes Ingress for ingress-nginx (as ForgeOps deploys AM) → the balancer model, per the
 * controller's annotations (docs/user-guide/nginx-configuration/annotations.md) and its Lua sticky
 * balancer (rootfs/etc/nginx/lua/balancer/sticky*.lua): cookie affinity `balanced` (the default,
 * re-pins on scale) or `persistent`, the cookie's name, path, domain, SameSite, Secure and lifetime,
 * `upstream-hash-by`. The pods behind the Service are the lab's nodes.
 */
export function readIngress(text: string, file: string): BalancerModel {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  if (!Array.isArray(docs)) throw new LbConfigError(file, null, 'not YAML');
  for (const d of docs) {
    const e = d.errors[0];
    if (e) throw new LbConfigError(file, e.linePos?.[0].line ?? null, `YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const doc = docs.find((d) => d.get('kind') === 'Ingress');
  if (!doc) throw new LbConfigError(file, null, 'no document with `kind: Ingress`');
  const srcLines = text.split(/\r?\n/);
  const at = (node: YamlNode | null | undefined): Source | null => {
    const off = node?.range?.[0];
    if (off === undefined) return null;
    const line = lines.linePos(off).line;
    return { line, text: srcLines[line - 1] ?? '' };
  };
  const ann = annotations(doc, at);
  const a = (k: string) => ann.get(k);
  const m = emptyModel('ingress-nginx', file);

  const rules = (doc.getIn(['spec', 'rules'], true) as YamlNode | undefined)?.toJSON() as { host?: string; http?: { paths?: { path?: string; backend?: { service?: { name?: string; port?: { number?: number; name?: string } } } }[] } }[] | undefined;
  const ns = String(doc.getIn(['metadata', 'namespace']) ?? 'default');
  const first = rules?.flatMap((r) => r.http?.paths ?? [])[0];
  const svc = first?.backend?.service;
  m.backend = svc?.name ? `${ns}-${svc.name}-${svc.port?.number ?? svc.port?.name ?? 80}` : String(doc.getIn(['metadata', 'name']) ?? 'ingress');
  const regex = a('use-regex')?.value === 'true';
  const pathsNode = doc.getIn(['spec', 'rules'], true) as YamlNode | undefined;
  for (const p of rules?.flatMap((r) => r.http?.paths ?? []) ?? []) if (p.path) m.paths.push({ path: p.path, regex, source: at(findScalar(pathsNode, p.path)) });
  const tlsNode = doc.getIn(['spec', 'tls'], true) as YamlNode | undefined;
  const tls = Array.isArray(tlsNode?.toJSON()) && (tlsNode!.toJSON() as unknown[]).length > 0;
  m.listener = { tls, hosts: (rules ?? []).map((r) => r.host).filter((h): h is string => !!h), source: tls ? at(tlsNode) : null };
  m.redispatch = { enabled: true, source: null };
  m.health = { kind: 'none', source: null };
  m.notes.push({ text: "the pods' readiness probes live in the Deployment/StatefulSet, not the Ingress: the lab checks its nodes over TCP", source: null });

  const hashBy = a('upstream-hash-by');
  if (hashBy) m.algorithm = { kind: 'hash', key: hashKey(hashBy.value), flavor: 'ingress-consistent', source: hashBy.source };
  else if (a('load-balance')?.value === 'ewma') m.algorithm = { kind: 'least-conn', source: a('load-balance')!.source };

  const affinity = a('affinity');
  if (affinity && affinity.value !== 'cookie') throw new LbConfigError(file, affinity.source?.line ?? null, `affinity "${affinity.value}": ingress-nginx supports only "cookie"`);
  if (affinity) {
    const mode = a('affinity-mode')?.value ?? 'balanced';
    if (mode !== 'balanced' && mode !== 'persistent') throw new LbConfigError(file, a('affinity-mode')!.source?.line ?? null, `affinity-mode "${mode}": balanced or persistent`);
    const attrs: CookieAttrs = {
      // Without session-cookie-path the cookie's path is the Ingress path (the regex text itself with use-regex).
      path: a('session-cookie-path')?.value ?? m.paths[0]?.path ?? '/',
      domain: a('session-cookie-domain')?.value,
      sameSite: a('session-cookie-samesite')?.value,
      httpOnly: true,
    };
    if (a('session-cookie-secure')?.value === 'true') attrs.secure = true;
    const maxAge = a('session-cookie-max-age')?.value ?? a('session-cookie-expires')?.value;
    if (maxAge) attrs.maxAgeSec = parseSeconds(maxAge);
    m.persistence.push({
      kind: 'cookie',
      mode: 'insert',
      name: a('session-cookie-name')?.value ?? 'INGRESSCOOKIE',
      value: mode === 'persistent' ? 'ingress-persistent' : 'ingress-balanced',
      insert: 'when-missing',
      caseInsensitive: false,
      attrs,
      indirect: false,
      preserve: true,
      nocache: false,
      secureOnTls: true,
      changeOnFailure: a('session-cookie-change-on-failure')?.value === 'true',
      source: affinity.source,
    });
  }
  if (a('session-cookie-hash')) m.rejected.push({ text: 'session-cookie-hash was removed in ingress-nginx 0.24.0: the controller ignores it', source: a('session-cookie-hash')!.source! });
  return m;
}

function annotations(doc: Document, at: (n: YamlNode | null | undefined) => Source | null): Map<string, { value: string; source: Source | null }> {
  const out = new Map<string, { value: string; source: Source | null }>();
  const node = doc.getIn(['metadata', 'annotations'], true);
  if (!isMap(node)) return out;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!key.startsWith(P)) continue;
    const v = isScalar(pair.value) ? String(pair.value.value) : '';
    out.set(key.slice(P.length), { value: v, source: at(pair.key as YamlNode) });
  }
  return out;
}

/** The scalar of a `path: VALUE` pair under a node, for its line. */
function findScalar(node: YamlNode | undefined, value: string): YamlNode | undefined {
  let found: YamlNode | undefined;
  if (node)
    visit(node, {
      Pair(_, pair) {
        if (isScalar(pair.key) && pair.key.value === 'path' && isScalar(pair.value) && pair.value.value === value) {
          found = pair.value;
          return visit.BREAK;
        }
        return undefined;
      },
    });
  return found;
}
