import { existsSync } from 'node:fs';
import type { LabConfig } from '../../config';
import { LabError } from '../../labError';
import { braceTree, findAll, type Directive } from '../../lbconfig/braceTree';
import type { BalancerModel } from '../../lbconfig/model';
import type { RenderedConf, RenderInput } from './conf';

/**
 * A customer's nginx.conf, rewritten only where it must be to run on this machine in front of the
 * lab's nodes: the server block that proxies to AM listens on 127.0.0.1:<port> (with the lab
 * certificate when it had `ssl`), the AM servers in upstreams and maps point at the nodes in order,
 * TLS to the servers becomes plain, and the main context runs in the foreground with its pid, logs
 * and temp files in a private directory. Other server blocks go; every change is in the notes.
 */
const MAIN_DROP = new Set(['user', 'pid', 'daemon', 'error_log', 'load_module', 'include', 'worker_processes', 'lock_file']);
const ANY_DROP = new Set(['ssl_certificate', 'ssl_certificate_key', 'ssl_trusted_certificate', 'ssl_client_certificate', 'ssl_dhparam', 'ssl_stapling', 'ssl_stapling_verify', 'ssl_crl', 'access_log', 'error_log', 'proxy_ssl_certificate', 'proxy_ssl_certificate_key', 'proxy_ssl_trusted_certificate', 'proxy_ssl_verify', 'proxy_ssl_name', 'proxy_ssl_server_name', 'ssl']);
const TEMP = ['client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path'];

export function renderNginx(text: string, model: BalancerModel, input: RenderInput): RenderedConf {
  let tree = braceTree(text, 'nginx.conf', ';');
  const notes: string[] = [];
  const plus = [...findAll(tree, 'sticky'), ...findAll(tree, 'health_check')][0];
  if (plus) {
    throw new LabError(
      `line ${plus.line} \`${plus.source.text.trim()}\`: \`${plus.name}\` is NGINX Plus (in open-source nginx only since 1.29.6); this machine's nginx cannot run it. Use the built-in model: serve --lb-config without --balancer nginx`,
    );
  }
  if (!tree.some((d) => d.name === 'http')) tree = [{ name: 'http', args: [], children: tree, line: 0, source: { line: 0, text: '' } }];
  // Which address is which node: the model's servers in file order.
  const addrs = new Map<string, string>();
  model.servers.forEach((s, i) => {
    const node = input.nodes[i];
    addrs.set(s.address, node ? `127.0.0.1:${node.port}` : '127.0.0.1:9');
    notes.push(`server ${s.address}${s.source ? ` (line ${s.source.line})` : ''} = ${node ? `node ${node.id} on 127.0.0.1:${node.port}` : 'no lab node (nothing listens there)'}`);
  });
  const amServer = findAll(tree, 'proxy_pass')
    .map((p) => enclosingServer(tree, p))
    .find((s) => s);
  const tls = !!amServer?.children?.some((d) => (d.name === 'listen' && d.args.includes('ssl')) || (d.name === 'ssl' && d.args[0] === 'on'));

  const rewrite = (list: Directive[], depth: string[]): Directive[] =>
    list.flatMap((d): Directive[] => {
      const at = d.line ? `line ${d.line} \`${d.source.text.trim()}\`` : d.name;
      if (depth.length === 0 && MAIN_DROP.has(d.name)) return (notes.push(`dropped ${at} (the lab runs nginx in the foreground with its own pid and logs)`), []);
      if (ANY_DROP.has(d.name)) return (notes.push(`dropped ${at}`), []);
      if (d.name === 'include' && !(existsSync(d.args[0] ?? '') && /mime\.types$/.test(d.args[0] ?? ''))) return (notes.push(`dropped ${at} (not part of the pasted file)`), []);
      if (d.name === 'server' && depth.at(-1) === 'http' && d !== amServer) return (notes.push(`dropped the server block at line ${d.line} (it does not proxy to AM)`), []);
      if (d.name === 'listen') {
        if (!amServer?.children?.includes(d)) return [];
        notes.push(`${at} → listen 127.0.0.1:${input.port}${tls ? ' ssl (lab certificate)' : ''}`);
        const first = amServer.children.find((x) => x.name === 'listen') === d;
        return first ? [directive('listen', [`127.0.0.1:${input.port}`, ...(tls ? ['ssl'] : [])]), ...(tls ? [directive('ssl_certificate', [`${input.dir}/lab.crt`]), directive('ssl_certificate_key', [`${input.dir}/lab.key`])] : [])] : [];
      }
      if (d.name === 'server' && depth.at(-1) === 'upstream') {
        const to = addrs.get(d.args[0] ?? '');
        return to ? [{ ...d, args: [to, ...d.args.slice(1).filter((a) => a !== 'resolve')] }] : [d];
      }
      if (depth.at(-1) === 'map' && d.args.length === 1 && addrs.has(d.args[0]!)) return [{ ...d, args: [addrs.get(d.args[0]!)!] }];
      if (d.name === 'proxy_pass' && d.args[0]?.startsWith('https://')) {
        notes.push(`${at} → http:// (the lab's nodes are plain HTTP)`);
        return [{ ...d, args: [d.args[0].replace(/^https:/, 'http:'), ...d.args.slice(1)] }];
      }
      if (d.children) {
        const children = rewrite(d.children, [...depth, d.name]);
        if (d.name === 'http') children.unshift(directive('access_log', ['off']), ...TEMP.map((t) => directive(t, [`${input.dir}/${t.replace('_temp_path', '')}`])));
        return [{ ...d, children }];
      }
      return [d];
    });

  const body = rewrite(tree, []);
  if (!body.some((d) => d.name === 'events')) body.unshift({ ...directive('events', []), children: [] });
  const main = [directive('daemon', ['off']), directive('worker_processes', ['1']), directive('pid', [`${input.dir}/nginx.pid`]), directive('error_log', ['stderr', 'warn'])];
  return { text: `# Rewritten by AM Session Lab from the customer's nginx.conf\n${serialize([...main, ...body], '')}`, tls, notes };
}

function directive(name: string, args: string[]): Directive {
  return { name, args, line: 0, source: { line: 0, text: '' } };
}

function enclosingServer(tree: Directive[], target: Directive): Directive | undefined {
  for (const d of tree) {
    if (!d.children) continue;
    if (d.name === 'server' && findAll(d.children, target.name).includes(target)) return d;
    const inner = enclosingServer(d.children, target);
    if (inner) return inner;
  }
  return undefined;
}

function quote(a: string): string {
  return a === '' || /[\s;{}#"'\\]/.test(a) ? `"${a.replace(/["\\]/g, (c) => `\\${c}`)}"` : a;
}

function serialize(list: Directive[], indent: string): string {
  return list
    .map((d) => {
      const head = [d.name, ...d.args.map(quote)].join(' ');
      return d.children ? `${indent}${head} {\n${serialize(d.children, indent + '    ')}${indent}}\n` : `${indent}${head};\n`;
    })
    .join('');
}

/** The lab's own policy written as an nginx.conf: round-robin, or a map on the lb cookie (nginx has no cookie read otherwise). */
export function nginxFromSettings(cfg: LabConfig, nodes: number): string {
  const ids = Array.from({ length: nodes }, (_, i) => String(i + 1).padStart(2, '0'));
  const addr = (i: number) => `10.0.0.${i + 1}:8080`;
  const backup = (i: number) => (cfg.policy === 'active-passive' && i > 0 ? ' backup' : '');
  const sticky = cfg.policy === 'sticky';
  return [
    'events {}',
    'http {',
    `    upstream am {\n${ids.map((_, i) => `        server ${addr(i)}${backup(i)};`).join('\n')}\n    }`,
    ...(sticky ? ids.map((id, i) => `    upstream am_${id} { server ${addr(i)}; }`) : []),
    ...(sticky ? [`    map $cookie_${cfg.lbCookieName} $am_node {\n        default am;\n${ids.map((id) => `        ${id} am_${id};`).join('\n')}\n    }`] : []),
    '    server {',
    '        listen 8080;',
    '        location / {',
    `            proxy_pass http://${sticky ? '$am_node' : 'am'};`,
    '            proxy_set_header Host $http_host;',
    '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    ...(cfg.redispatch ? [] : ['            proxy_next_upstream off;']),
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
}
