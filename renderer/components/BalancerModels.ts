/**
 * "Pick a model and edit its settings": each product's few settings that decide whether AM logins
 * stick, written as the configuration a customer would paste (the lab reads it as any pasted
 * file, so what the form makes is what `lb check` and the balancer see). Servers are the lab's
 * nodes, named as AM names them (server ids 01, 02, …).
 */

export type ModelProduct = 'haproxy' | 'nginx' | 'ingress' | 'alb' | 'f5';

/** One setting of a model: a choice, a yes/no, or a short text. */
export type ModelField =
  | { key: string; label: string; kind: 'choice'; options: { value: string; label: string }[]; hint?: string }
  | { key: string; label: string; kind: 'flag'; hint?: string }
  | { key: string; label: string; kind: 'text'; hint?: string; pattern: RegExp };

export interface BalancerModelDef {
  product: ModelProduct;
  name: string;
  fields: ModelField[];
  /** Values of a fresh form: the common setup that works. */
  defaults: Record<string, string | boolean>;
  render(v: Record<string, string | boolean>, nodes: number): string;
}

const ids = (n: number) => Array.from({ length: Math.max(1, n) }, (_, i) => String(i + 1).padStart(2, '0'));
const cookieName = { pattern: /^[A-Za-z0-9_.-]{1,64}$/, hint: 'letters, digits, _ . -' };

const haproxy: BalancerModelDef = {
  product: 'haproxy',
  name: 'HAProxy',
  fields: [
    { key: 'balance', label: 'balance', kind: 'choice', options: [{ value: 'roundrobin', label: 'roundrobin' }, { value: 'leastconn', label: 'leastconn' }, { value: 'source', label: 'source (client IP)' }] },
    {
      key: 'sticky',
      label: 'Persistence',
      kind: 'choice',
      options: [
        { value: 'none', label: 'none' },
        { value: 'amlbcookie', label: "cookie amlbcookie (AM's)" },
        { value: 'insert', label: 'cookie SERVERID insert' },
        { value: 'stick-src', label: 'stick on src' },
      ],
    },
    { key: 'values', label: 'server … cookie', kind: 'choice', options: [{ value: 'ids', label: "AM's server ids (01, 02…)" }, { value: 'short', label: '1, 2… (not AM ids)' }], hint: 'the value each server line names' },
    { key: 'redispatch', label: 'option redispatch', kind: 'flag' },
    { key: 'check', label: 'Health check', kind: 'choice', options: [{ value: 'tcp', label: 'check (TCP)' }, { value: '/am/isAlive.jsp', label: 'GET /am/isAlive.jsp' }, { value: '/', label: 'GET /' }] },
  ],
  defaults: { balance: 'roundrobin', sticky: 'amlbcookie', values: 'ids', redispatch: true, check: '/am/isAlive.jsp' },
  render(v, n) {
    const value = (id: string) => (v.values === 'short' ? String(Number(id)) : id);
    const sticky = v.sticky === 'amlbcookie' ? ['    cookie amlbcookie'] : v.sticky === 'insert' ? ['    cookie SERVERID insert indirect nocache'] : v.sticky === 'stick-src' ? ['    stick-table type ip size 200k expire 30m', '    stick on src'] : [];
    const cookie = (id: string) => (v.sticky === 'amlbcookie' || v.sticky === 'insert' ? ` cookie ${value(id)}` : '');
    return [
      'defaults',
      '    mode http',
      '    timeout connect 5s',
      '    timeout client 30s',
      '    timeout server 30s',
      'frontend am_front',
      '    bind :80',
      '    default_backend am',
      'backend am',
      `    balance ${v.balance}`,
      ...sticky,
      ...(v.redispatch ? ['    option redispatch'] : []),
      ...(v.check !== 'tcp' ? [`    option httpchk GET ${v.check}`] : []),
      ...ids(n).map((id) => `    server am${id} 10.0.1.${Number(id) + 10}:8080 check${cookie(id)}`),
      '',
    ].join('\n');
  },
};

const nginx: BalancerModelDef = {
  product: 'nginx',
  name: 'nginx',
  fields: [
    {
      key: 'method',
      label: 'Routing',
      kind: 'choice',
      options: [
        { value: 'map', label: 'map $cookie_amlbcookie' },
        { value: 'round-robin', label: 'round-robin' },
        { value: 'ip_hash', label: 'ip_hash' },
        { value: 'hash', label: 'hash $cookie_amlbcookie' },
      ],
    },
    { key: 'host', label: 'proxy_set_header Host $host', kind: 'flag', hint: 'without it nginx sends the upstream name' },
  ],
  defaults: { method: 'map', host: true },
  render(v, n) {
    const servers = ids(n).map((id) => `10.0.1.${Number(id) + 10}:8080`);
    const map = v.method === 'map';
    const how = v.method === 'ip_hash' ? ['        ip_hash;'] : v.method === 'hash' ? ['        hash $cookie_amlbcookie;'] : [];
    return [
      'events {}',
      'http {',
      '    upstream am {',
      ...how,
      ...servers.map((s) => `        server ${s};`),
      '    }',
      ...(map ? ['    map $cookie_amlbcookie $am_node {', '        default am;', ...ids(n).map((id, i) => `        ${id} ${servers[i]};`), '    }'] : []),
      '    server {',
      '        listen 80;',
      '        location /am/ {',
      `            proxy_pass http://${map ? '$am_node' : 'am'};`,
      ...(v.host ? ['            proxy_set_header Host $host;'] : []),
      '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '        }',
      '    }',
      '}',
      '',
    ].join('\n');
  },
};

const ingress: BalancerModelDef = {
  product: 'ingress',
  name: 'ingress-nginx',
  fields: [
    { key: 'affinity', label: 'affinity: cookie', kind: 'flag' },
    { key: 'mode', label: 'affinity-mode', kind: 'choice', options: [{ value: 'persistent', label: 'persistent' }, { value: 'balanced', label: 'balanced' }] },
    { key: 'name', label: 'session-cookie-name', kind: 'text', ...cookieName },
    { key: 'path', label: 'session-cookie-path', kind: 'choice', options: [{ value: '/', label: '/' }, { value: '/am', label: '/am' }, { value: '/am/json/authenticate', label: '/am/json/authenticate' }] },
    { key: 'samesite', label: 'session-cookie-samesite', kind: 'choice', options: [{ value: '', label: '(unset: Lax)' }, { value: 'Lax', label: 'Lax' }, { value: 'None', label: 'None' }, { value: 'Strict', label: 'Strict' }] },
    { key: 'secure', label: 'session-cookie-secure', kind: 'flag' },
  ],
  defaults: { affinity: true, mode: 'persistent', name: 'INGRESSCOOKIE', path: '/', samesite: '', secure: false },
  render(v) {
    const a = (k: string, val: string) => `    nginx.ingress.kubernetes.io/${k}: "${val}"`;
    return [
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata:',
      '  name: am',
      '  annotations:',
      ...(v.affinity
        ? [a('affinity', 'cookie'), a('affinity-mode', String(v.mode)), a('session-cookie-name', String(v.name)), a('session-cookie-path', String(v.path)), ...(v.samesite ? [a('session-cookie-samesite', String(v.samesite))] : []), ...(v.secure ? [a('session-cookie-secure', 'true')] : [])]
        : [a('proxy-body-size', '10m')]),
      'spec:',
      '  rules:',
      '    - host: am.example.com',
      '      http:',
      '        paths:',
      '          - path: /am',
      '            pathType: Prefix',
      '            backend:',
      '              service: { name: am, port: { number: 80 } }',
      '',
    ].join('\n');
  },
};

const alb: BalancerModelDef = {
  product: 'alb',
  name: 'AWS ALB',
  fields: [
    { key: 'enabled', label: 'stickiness.enabled', kind: 'flag' },
    { key: 'type', label: 'stickiness.type', kind: 'choice', options: [{ value: 'lb_cookie', label: 'lb_cookie (AWSALB)' }, { value: 'app_cookie', label: 'app_cookie' }] },
    { key: 'app', label: 'app_cookie.cookie_name', kind: 'text', ...cookieName },
    { key: 'duration', label: 'duration_seconds', kind: 'text', pattern: /^\d{1,6}$/, hint: '1 to 604800' },
  ],
  defaults: { enabled: true, type: 'lb_cookie', app: 'amlbcookie', duration: '86400' },
  render(v) {
    const attr = (Key: string, Value: string) => `        { "Key": "${Key}", "Value": "${Value}" }`;
    const prefix = v.type === 'app_cookie' ? 'stickiness.app_cookie' : 'stickiness.lb_cookie';
    const rows = [attr('stickiness.enabled', String(!!v.enabled)), attr('stickiness.type', String(v.type)), attr(`${prefix}.duration_seconds`, String(v.duration)), ...(v.type === 'app_cookie' ? [attr('stickiness.app_cookie.cookie_name', String(v.app))] : [])];
    return ['{', '    "Attributes": [', rows.join(',\n'), '    ]', '}', ''].join('\n');
  },
};

const f5: BalancerModelDef = {
  product: 'f5',
  name: 'F5 BIG-IP',
  fields: [
    {
      key: 'method',
      label: 'Persistence profile',
      kind: 'choice',
      options: [
        { value: 'insert', label: 'cookie insert' },
        { value: 'passive', label: 'cookie passive' },
        { value: 'source', label: 'source-addr' },
        { value: 'none', label: 'none' },
      ],
    },
    { key: 'name', label: 'cookie-name', kind: 'text', ...cookieName, hint: 'passive: the server cookie it reads' },
  ],
  defaults: { method: 'insert', name: 'BIGipServeram_pool' },
  render(v) {
    const profile =
      v.method === 'source'
        ? ['ltm persistence source-addr am_src {', '    defaults-from source_addr', '    timeout 1800', '}']
        : v.method === 'none'
          ? []
          : ['ltm persistence cookie am_cookie {', '    defaults-from cookie', `    method ${v.method}`, `    cookie-name ${v.name}`, '}'];
    const persist = v.method === 'none' ? [] : ['    persist {', `        ${v.method === 'source' ? 'am_src' : 'am_cookie'} {`, '            default yes', '        }', '    }'];
    return [...profile, 'ltm virtual am_vs {', '    destination 10.0.0.10:443', '    pool am_pool', ...persist, '}', ''].join('\n');
  },
};

export const BALANCER_MODELS: BalancerModelDef[] = [haproxy, nginx, ingress, alb, f5];
