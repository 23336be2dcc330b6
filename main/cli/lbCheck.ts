import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { algorithmText, persistenceText } from '../lab/lbconfig/describe';
import { AM_DEFAULTS, type AmSide, type LbFinding } from '../lab/lbconfig/finding';
import { checkModel } from '../lab/lbconfig/findings';
import { LbConfigError, PRODUCT_NAMES, type BalancerModel } from '../lab/lbconfig/model';
import { MAX_CONFIG_BYTES, readBalancerConfig } from '../lab/lbconfig/read';
import type { Io } from './har';

/**
 * `session-lab lb check FILE`: reads a customer's balancer configuration (haproxy.cfg, nginx.conf,
 * an ingress-nginx Ingress, ALB target-group attributes, F5 tmsh output — told apart by content)
 * and says what in it breaks AM logins. Exit 0: nothing predicts a broken login; 1: something does
 * (an error finding); 2: the file cannot be read (the message names the line).
 */
export interface CheckOptions {
  json?: boolean;
  contextPath: string;
  amCookie: string;
  sessionCookie: string;
}

const processIo: Io = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

export async function runLbCheck(file: string, o: Partial<CheckOptions> = {}, io: Io = processIo): Promise<number> {
  const am: AmSide = { contextPath: o.contextPath ?? AM_DEFAULTS.contextPath, lbCookie: o.amCookie ?? AM_DEFAULTS.lbCookie, sessionCookie: o.sessionCookie ?? AM_DEFAULTS.sessionCookie };
  let model: BalancerModel;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new LbConfigError(file, null, 'not a file');
    if (st.size > MAX_CONFIG_BYTES) throw new LbConfigError(file, null, `larger than ${MAX_CONFIG_BYTES / 1024} KB: paste the backend that fronts AM`);
    model = readBalancerConfig(await readFile(file, 'utf8'), basename(file));
  } catch (e) {
    const msg = e instanceof LbConfigError ? e.message : `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`;
    io.err(`session-lab: ${msg}\n`);
    return 2;
  }
  const findings = checkModel(model, am);
  const errors = findings.filter((f) => f.severity === 'error').length;
  if (o.json) io.out(JSON.stringify({ model, findings }, null, 2) + '\n');
  else io.out(report(model, findings));
  return errors ? 1 : 0;
}

export function report(m: BalancerModel, findings: LbFinding[]): string {
  const lines: string[] = [];
  lines.push(`${m.file}: ${PRODUCT_NAMES[m.product]}${m.backend ? `, ${m.product === 'nginx' ? 'upstream' : m.product === 'aws-alb' ? 'target group' : m.product === 'f5' ? 'pool' : 'backend'} ${m.backend}` : ''}`);
  if (m.servers.length) {
    lines.push(`  servers (the lab maps them to its nodes in this order):`);
    m.servers.forEach((s, i) => lines.push(`    ${String(i + 1).padStart(2, '0')}  ${s.name}${s.name === s.address ? '' : ` ${s.address}`}${s.cookie !== undefined ? `  cookie ${s.cookie}` : ''}${s.backup ? '  backup' : ''}`));
  } else lines.push(`  servers: not in the file (${m.product === 'ingress-nginx' ? "the Service's pods" : m.product === 'aws-alb' ? 'the registered targets' : 'the pool members'} = the lab's nodes)`);
  const alg = algorithmText(m.algorithm);
  lines.push(`  routing: ${m.persistence.length ? `${m.persistence.map(persistenceText).join(', ')}, then ${alg}` : m.algorithm.kind === 'hash' ? alg : `${alg}, no persistence`}`);
  const h = m.health;
  lines.push(`  health check: ${h.kind === 'http' ? `${h.method} ${h.path}` : h.kind === 'passive' ? 'passive (failed requests)' : h.kind}; redispatch ${m.redispatch.enabled ? 'on' : 'off'}; front ${m.listener.tls ? 'HTTPS' : 'HTTP'}${m.listener.hosts.length ? ` for ${m.listener.hosts.join(', ')}` : ''}`);
  for (const n of m.notes) lines.push(`  note${n.source ? ` (line ${n.source.line})` : ''}: ${n.text}`);
  lines.push('');
  for (const f of findings) {
    const mark = f.severity === 'error' ? '✗ error  ' : f.severity === 'warning' ? '! warning' : '· info   ';
    lines.push(`${mark} ${f.line ? `line ${f.line}: ` : ''}${f.title}`);
    lines.push(`    In the file:  ${f.file}`);
    lines.push(`    AM:           ${f.am}`);
    lines.push(`    The browser:  ${f.browser}`);
    lines.push(`    Ticket:       ${f.ticket}`);
    lines.push(`    Fix:          ${f.fix}`);
    lines.push('');
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  lines.push(
    errors
      ? `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}: logins will break as configured.`
      : warnings
        ? `No error; ${warnings} warning${warnings === 1 ? '' : 's'}: logins work as configured, except under the conditions named.`
        : 'Nothing in this configuration breaks AM logins.',
  );
  lines.push(`Run it: session-lab serve --lb-config ${m.file}`);
  return lines.join('\n') + '\n';
}
