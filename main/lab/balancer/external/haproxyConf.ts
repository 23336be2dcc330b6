import { existsSync } from 'node:fs';
import type { LabConfig } from '../../config';
import { amBackend, haproxySections, type HaproxySection } from '../../lbconfig/haproxy';
import type { RenderedConf, RenderInput } from './conf';

/**
 * A customer's haproxy.cfg, rewritten only where it must be to run on this machine in front of the
 * lab's nodes: the AM frontend listens on 127.0.0.1:<port> (with the lab certificate when it had
 * `ssl`), the AM backend's servers point at the nodes in order, TLS to the servers becomes plain,
 * and what needs root, other machines or files that are not here goes (daemon, chroot, user,
 * pidfile, stats socket, log targets, other frontends and backends, missing errorfiles). Every
 * dropped line is listed in the notes; everything else is the customer's, byte for byte.
 */
const GLOBAL_DROP = new Set(['daemon', 'chroot', 'user', 'group', 'uid', 'gid', 'pidfile', 'stats', 'log', 'master-worker', 'nbproc', 'ca-base', 'crt-base', 'lua-load', 'setenv', 'presetenv']);
const DROP_SECTIONS = new Set(['peers', 'resolvers', 'program', 'mailers', 'ring']);
/** Server options that speak TLS or resolve names: the lab's nodes are plain HTTP on 127.0.0.1. */
const SERVER_FLAGS_DROP = new Set(['ssl', 'check-ssl', 'no-ssl-reuse', 'ssl-reuse', 'send-proxy', 'send-proxy-v2']);
const SERVER_ARGS_DROP = new Set(['verify', 'ca-file', 'crt', 'sni', 'alpn', 'resolvers', 'init-addr', 'addr', 'port', 'verifyhost', 'crl-file', 'ciphers', 'ssl-min-ver', 'ssl-max-ver', 'resolve-prefer']);

export function renderHaproxy(text: string, input: RenderInput): RenderedConf {
  const sections = haproxySections(text, 'haproxy.cfg');
  const backend = amBackend(sections, 'haproxy.cfg');
  const fronts = sections.filter((s) => s === backend || (s.kind === 'frontend' && routesTo(s, backend)));
  const tls = fronts.some((f) => f.lines.some((l) => l.words[0] === 'bind' && l.words.includes('ssl')));
  const notes: string[] = [];
  const out: string[] = ['# Rewritten by AM Session Lab from the customer\'s haproxy.cfg (lines it changed or dropped are listed by serve)'];
  // The lab's own admin socket hands the listening sockets to the next process on a reload (-x), so no
  // connection waiting in the old listener's queue is reset: HAProxy's seamless reload.
  const socket = `    stats socket ${input.dir}/admin.sock mode 600 level admin expose-fd listeners`;
  if (!sections.some((s) => s.kind === 'global')) out.push('global', socket);
  const lines = text.split(/\r?\n/);
  let server = 0;

  for (const s of sections) {
    const keep = keepSection(s, backend, fronts);
    if (!keep) {
      notes.push(`dropped ${s.kind} ${s.name} (line ${s.source.line}): ${s.kind === 'frontend' || s.kind === 'listen' ? 'it does not serve AM' : s.kind === 'backend' ? 'it is not the AM backend' : 'it reaches other machines'}`);
      continue;
    }
    out.push(s.source.text);
    if (s.kind === 'global') out.push(socket);
    let bound = false;
    for (const l of s.lines) {
      const [kw, ...args] = l.words;
      const raw = lines[l.source.line - 1] ?? '';
      const indent = /^\s*/.exec(raw)![0] || '    ';
      if (s.kind === 'global' && GLOBAL_DROP.has(kw!)) {
        notes.push(`dropped line ${l.source.line} \`${raw.trim()}\` (needs root or files of the customer's machine)`);
        continue;
      }
      if (kw === 'errorfile' && args[1] && !existsSync(args[1])) {
        notes.push(`dropped line ${l.source.line} \`${raw.trim()}\` (${args[1]} is not on this machine)`);
        continue;
      }
      if (kw === 'bind' && fronts.includes(s)) {
        if (!bound) out.push(`${indent}bind 127.0.0.1:${input.port}${tls ? ` ssl crt ${input.dir}/lab.pem` : ''}`);
        notes.push(`line ${l.source.line} \`${raw.trim()}\` → bind 127.0.0.1:${input.port}${tls ? ' ssl (lab certificate)' : ''}`);
        bound = true;
        continue;
      }
      if ((kw === 'use_backend' || kw === 'default_backend') && args[0] !== backend.name) {
        notes.push(`dropped line ${l.source.line} \`${raw.trim()}\` (backend ${args[0]} is not the AM backend)`);
        continue;
      }
      if (s === backend && kw === 'server') {
        const node = input.nodes[server++];
        const addr = node ? `127.0.0.1:${node.port}` : '127.0.0.1:9';
        out.push(`${indent}server ${args[0]} ${addr}${serverOptions(args.slice(2))}`);
        notes.push(`server ${args[0]} (line ${l.source.line}, ${args[1]}) = ${node ? `node ${node.id} on ${addr}` : 'no lab node (nothing listens there)'}`);
        continue;
      }
      if (s === backend && kw === 'default-server') {
        out.push(`${indent}default-server${serverOptions(args)}`);
        continue;
      }
      if (kw === 'stick-table' && args.includes('peers')) {
        const i = args.indexOf('peers');
        out.push(`${indent}stick-table ${[...args.slice(0, i), ...args.slice(i + 2)].join(' ')}`);
        notes.push(`line ${l.source.line}: stick-table no longer synchronised with peers`);
        continue;
      }
      out.push(raw);
    }
  }
  return { text: out.join('\n') + '\n', tls, notes };
}

function routesTo(front: HaproxySection, backend: HaproxySection): boolean {
  return front.lines.some((l) => (l.words[0] === 'default_backend' || l.words[0] === 'use_backend') && l.words[1] === backend.name);
}

function keepSection(s: HaproxySection, backend: HaproxySection, fronts: HaproxySection[]): boolean {
  if (DROP_SECTIONS.has(s.kind)) return false;
  if (s.kind === 'frontend' || s.kind === 'listen') return fronts.includes(s);
  if (s.kind === 'backend') return s === backend;
  return true;
}

function serverOptions(args: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (SERVER_FLAGS_DROP.has(a)) continue;
    if (SERVER_ARGS_DROP.has(a)) {
      i++;
      continue;
    }
    out.push(/[\s#"']/.test(a) ? JSON.stringify(a) : a);
  }
  return out.length ? ` ${out.join(' ')}` : '';
}

/** The lab's own policy written as a haproxy.cfg (used when no customer file is given). */
export function haproxyFromSettings(cfg: LabConfig, nodes: number): string {
  const sticky = cfg.policy === 'sticky';
  const servers = Array.from({ length: nodes }, (_, i) => {
    const id = String(i + 1).padStart(2, '0');
    const backup = cfg.policy === 'active-passive' && i > 0 ? ' backup' : '';
    return `    server am${id} 10.0.0.${i + 1}:8080 check inter 500 fall 2 rise 1${sticky ? ` cookie ${id}` : ''}${backup}`;
  });
  return [
    'global',
    '    maxconn 2048',
    'defaults',
    '    mode http',
    '    timeout connect 2s',
    '    timeout client 30s',
    '    timeout server 30s',
    '    retries 1',
    ...(cfg.redispatch ? ['    option redispatch'] : []),
    'frontend am_front',
    '    bind :8080',
    '    default_backend am',
    'backend am',
    '    balance roundrobin',
    ...(sticky ? [`    cookie ${cfg.lbCookieName}`] : []),
    ...servers,
    '',
  ].join('\n');
}
