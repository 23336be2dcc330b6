import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { LabConfig } from '../../config';
import { LabError } from '../../labError';
import type { TlsIdentity } from '../proxy';
import type { Router } from '../router';
import { FrontRouter } from './front';
import { renderFor, type Rendered } from './render';

/**
 * The machine's real HAProxy or nginx as a child process in front of the lab's nodes. The lab's own
 * proxy stays in front of it as a recorder (TLS to the browsers when --https, each browser's own
 * client address kept), so every exchange is still in the trace; the node that answered is told by
 * the node itself. Settings that change the routing regenerate the config and reload gracefully
 * (HAProxy `-sf`, nginx `-s reload`). Temp files live in a private directory removed on stop.
 */
export interface ExternalBalancer {
  readonly router: Router;
  reload(cfg: LabConfig, nodes: { id: string; port: number }[]): Promise<void>;
  /** The rewrite, in words: listen address, which server is which node, what was dropped. */
  describe(): string[];
  stop(): Promise<void>;
}

export interface ExternalOptions {
  cfg: LabConfig;
  nodes: { id: string; port: number }[];
  tls: () => Promise<TlsIdentity>;
  /** The node that answered an exchange, as the node reports it (it may arrive just after the answer). */
  servedBy: (exchangeId: string) => Promise<string | undefined>;
}

const PACKAGES = { haproxy: 'haproxy', nginx: 'nginx-light' } as const;

/** The binary: SESSION_LAB_HAPROXY / SESSION_LAB_NGINX when set, else on PATH or in the sbin directories Debian installs it to. */
export function findBinary(kind: 'haproxy' | 'nginx'): string | undefined {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const override = process.env[`SESSION_LAB_${kind.toUpperCase()}`];
  if (override) return executable(override) ? override : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  return dirs.map((d) => join(d, kind)).find(executable);
}

export async function startExternal(kind: 'haproxy' | 'nginx', opts: ExternalOptions): Promise<ExternalBalancer> {
  const bin = findBinary(kind);
  if (!bin) throw new LabError(`--balancer ${kind}: ${kind} is not installed (or SESSION_LAB_${kind.toUpperCase()} does not name it). Install the Debian package: sudo apt-get install ${PACKAGES[kind]}`);
  const version = versionOf(kind, bin);
  const dir = mkdtempSync(join(tmpdir(), `session-lab-${kind}-`));
  const port = await freePort();
  let rendered: Rendered | undefined;
  let child: ChildProcess | undefined;
  let generation = 0;
  const front = new FrontRouter(kind, version, port, opts.servedBy);

  const prepare = async (cfg: LabConfig, nodes: { id: string; port: number }[]) => {
    const r = renderFor(kind, { cfg, nodes, port, dir });
    const tls = r.tls ? await opts.tls() : undefined;
    if (tls) writeFileSync(join(dir, 'lab.pem'), `${tls.cert}\n${tls.key}\n`, { mode: 0o600 });
    if (tls) writeFileSync(join(dir, 'lab.crt'), tls.cert, { mode: 0o600 });
    if (tls) writeFileSync(join(dir, 'lab.key'), tls.key, { mode: 0o600 });
    const file = join(dir, kind === 'haproxy' ? `haproxy-${++generation}.cfg` : 'nginx.conf');
    writeFileSync(file, r.text, { mode: 0o600 });
    const check = kind === 'haproxy' ? spawnSync(bin, ['-c', '-f', file], { encoding: 'utf8' }) : spawnSync(bin, ['-t', '-q', '-p', dir, '-e', 'stderr', '-c', file], { encoding: 'utf8' });
    if (check.status !== 0) throw new LabError(`${kind} refused the rewritten configuration (${file}):\n${tail(check.stderr || check.stdout)}`);
    return { r, file };
  };

  const launch = async (file: string, extra: string[] = []) => {
    const args = kind === 'haproxy' ? ['-f', file, '-db', ...extra] : ['-p', dir, '-e', 'stderr', '-c', file];
    const p = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
    const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
    const ready = await Promise.race([waitForPort(port, 5_000), exited.then(() => false)]);
    if (!ready) {
      p.kill('SIGKILL');
      throw new LabError(`${kind} did not start listening on 127.0.0.1:${port}:\n${tail(stderr)}`);
    }
    return p;
  };

  // If the lab's process ends without stopping the lab (a test worker torn down), the child goes with it.
  const orphanGuard = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', orphanGuard);
  try {
    const first = await prepare(opts.cfg, opts.nodes);
    rendered = first.r;
    child = await launch(first.file);
    front.configure(rendered);
  } catch (e) {
    process.off('exit', orphanGuard);
    orphanGuard();
    throw e;
  }

  /** The new configuration takes over: requests in flight finish, none reach the old process as it stops. */
  const swap = async (file: string) => {
    // Connections held by the recorder would keep the old process (or workers) serving: let them go first.
    const draining = front.dropConnections();
    if (kind === 'haproxy') {
      const old = child!;
      const gone = new Promise<void>((r) => (old.exitCode !== null ? r() : old.once('exit', () => r())));
      child = await launch(file, ['-x', join(dir, 'admin.sock'), '-sf', String(old.pid)]);
      await Promise.race([gone, sleep(5_000).then(() => old.kill('SIGTERM'))]);
    } else {
      const before = workers(child!.pid!);
      const r = spawnSync(bin, ['-p', dir, '-e', 'stderr', '-c', file, '-s', 'reload'], { encoding: 'utf8' });
      if (r.status !== 0) throw new LabError(`nginx -s reload failed:\n${tail(r.stderr)}`);
      await waitFor(() => !workers(child!.pid!).some((w) => before.includes(w)) && workers(child!.pid!).length > 0, 5_000);
    }
    await draining;
  };

  return {
    router: front,
    async reload(cfg, nodes) {
      const next = await prepare(cfg, nodes);
      await front.hold(swap(next.file));
      rendered = next.r;
      front.configure(rendered);
    },
    describe: () => [`${kind === 'haproxy' ? 'HAProxy' : 'nginx'} ${version} (${bin}) on 127.0.0.1:${port}, config in ${dir}`, ...(rendered?.notes ?? [])],
    async stop() {
      process.off('exit', orphanGuard);
      await front.dropConnections(true);
      const p = child;
      if (p && p.exitCode === null) {
        const done = new Promise<void>((r) => p.once('exit', () => r()));
        p.kill('SIGTERM');
        await Promise.race([done, sleep(3_000).then(() => p.kill('SIGKILL'))]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function versionOf(kind: 'haproxy' | 'nginx', bin: string): string {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  const text = `${r.stdout}${r.stderr}`;
  return (kind === 'haproxy' ? /HAProxy version (\S+)/ : /nginx\/(\S+)/).exec(text)?.[1]?.replace(/-.*$/, '') ?? '?';
}

/** The worker processes of an nginx master (Linux /proc), to know when a reload has taken over. */
function workers(master: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === master) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function waitForPort(port: number, ms: number): Promise<boolean> {
  return waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port });
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      }),
    ms,
  );
}

async function waitFor(test: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await test()) return true;
    await sleep(25);
  }
  return false;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
const tail = (s: string) => s.trim().split('\n').slice(-8).join('\n');
