import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, stopChild, type Child } from './procs';

export const HAPROXY = '/usr/sbin/haproxy';

export interface HaproxyOptions {
  /** Threads; undefined keeps HAProxy's default (one per CPU the process may run on). */
  nbthread?: number;
  backends: { id: string; port: number }[];
}

export interface RunningHaproxy {
  url: string;
  port: number;
  dir: string;
  config: string;
  child: Child;
  stop(): Promise<void>;
}

// Temp dirs still on disk; removed on exit too, so an interrupted bench leaves nothing behind.
const dirs = new Set<string>();
process.once('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function haproxyVersion(): string {
  try {
    return /version (\S+)/.exec(execFileSync(HAPROXY, ['-v'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/**
 * The config a support engineer would put in front of AM: HTTP mode, round-robin, persistence on
 * the amlbcookie that AM itself sets (cookie without insert/rewrite: HAProxy only reads it and
 * matches it to `cookie 01` etc.), redispatch, TCP health checks, and explicit timeouts.
 */
export function haproxyConfig(port: number, opts: HaproxyOptions, pidfile: string): string {
  return [
    'global',
    opts.nbthread ? `  nbthread ${opts.nbthread}` : '  # nbthread: HAProxy default (one thread per CPU)',
    `  pidfile ${pidfile}`,
    '  maxconn 4096',
    '',
    'defaults',
    '  mode http',
    '  option redispatch',
    '  retries 3',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 15s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 5s',
    '',
    'frontend am',
    `  bind 127.0.0.1:${port}`,
    '  default_backend am_nodes',
    '',
    'backend am_nodes',
    '  balance roundrobin',
    '  cookie amlbcookie',
    ...opts.backends.map((b) => `  server s${b.id} 127.0.0.1:${b.port} cookie ${b.id} check`),
    '',
  ].join('\n');
}

/** Starts HAProxy in the foreground as our child (config and pidfile in a temp dir); resolves once it accepts connections. */
export async function startHaproxy(name: string, opts: HaproxyOptions): Promise<RunningHaproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'lab-bench-haproxy-'));
  dirs.add(dir);
  const port = await freePort();
  const cfgPath = join(dir, 'haproxy.cfg');
  const pidfile = join(dir, 'haproxy.pid');
  const config = haproxyConfig(port, opts, pidfile);
  await writeFile(cfgPath, config);
  execFileSync(HAPROXY, ['-c', '-q', '-f', cfgPath]);
  // -db: stay in the foreground, so the pid we hold is HAProxy's own and SIGTERM stops it.
  const child = startChild(name, HAPROXY, ['-db', '-f', cfgPath]);
  await writeFile(pidfile, `${child.pid}\n`);
  await waitListening(port, child);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    config,
    child,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

/** A loopback port nobody holds right now (HAProxy binds it itself a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number, child: Child, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`${child.name} exited: ${child.stderr.join(' | ')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${child.name} did not listen on ${port} in ${timeoutMs} ms`);
}
