import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { LabError } from '../labError';
import { baseEntriesLdif, configLdif, type SlapdInstanceConfig } from './slapdConfig';

/** OpenLDAP as Debian ships it (package `slapd`): binaries in /usr/sbin, schemas and modules beside. */
export interface SlapdInstall {
  slapd: string;
  slapadd: string;
  schemaDir: string;
  modulePath: string;
}

const DEBIAN = { schemaDir: '/etc/ldap/schema', modulePath: '/usr/lib/ldap' };

/** Finds slapd and slapadd (also in /usr/sbin, often not on a user's PATH) or says which package to install. */
export function findSlapd(env: NodeJS.ProcessEnv = process.env, sbin = ['/usr/sbin', '/usr/local/sbin', '/sbin']): SlapdInstall {
  const dirs = [...(env.PATH ?? '').split(delimiter), ...sbin].filter(Boolean);
  const find = (name: string) => dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  const slapd = find('slapd');
  const slapadd = find('slapadd');
  if (!slapd || !slapadd || !existsSync(join(DEBIAN.schemaDir, 'core.ldif'))) {
    const missing = !slapd ? 'slapd' : !slapadd ? 'slapadd' : `${DEBIAN.schemaDir}/core.ldif`;
    throw new LabError(`--cts ldap runs OpenLDAP, and ${missing} was not found: install the Debian package slapd (apt-get install slapd ldap-utils), or point --cts at an existing directory (ldap://host:port)`);
  }
  return { slapd, slapadd, ...DEBIAN };
}

/**
 * One slapd: its cn=config and database in `dir`, listening on 127.0.0.1:`port` in the
 * foreground (`-d 0`) as a child of the lab. The port stays the same across stop and start, so
 * replication links and AM's connection strings keep pointing at it.
 */
export class SlapdInstance {
  private child: ChildProcess | undefined;
  private stderr = '';
  /** The slapd that started and that nobody here is stopping: its exit is news. */
  private watched: ChildProcess | undefined;
  /** Told when slapd exits without the lab stopping it (killed from outside, crashed). */
  onUnexpectedExit?: (how: string) => void;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly install: SlapdInstall,
  ) {}

  get url(): string {
    return `ldap://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  /**
   * Writes the config (slapadd -n 0) and the CTS DIT (slapadd -n 1) into `dir`. A server that
   * replicates with none is the same every time, so it is copied from one made earlier.
   */
  static async create(install: SlapdInstall, port: number, dir: string, cfg: Omit<SlapdInstanceConfig, 'schemaDir' | 'modulePath'>): Promise<SlapdInstance> {
    if (cfg.providers.length) await bootstrap(install, dir, cfg);
    else await writeFiles(dir, await standalone(install, cfg));
    return new SlapdInstance(dir, port, install);
  }

  /** Starts slapd and resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.running) return;
    this.stderr = '';
    // slapd sizes its connection table by the open-file limit: at a typical 20,000+ that alone takes
    // ~150 ms per start; a lab's CTS needs a few dozen connections. `exec` keeps slapd's pid.
    const args = ['-F', join(this.dir, 'slapd.d'), '-h', `${this.url}/`, '-d', '0'];
    const child = spawn('/bin/sh', ['-c', 'ulimit -n 1024 2>/dev/null; exec "$0" "$@"', this.install.slapd, ...args], { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-2000)));
    child.unref();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new LabError(`slapd on port ${this.port} exited at start (${signal ?? `code ${code}`}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`))),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (!(await Promise.race([accepts(this.port), exited]))) {
      if (Date.now() > deadline) {
        await this.stop();
        throw new LabError(`slapd on port ${this.port} did not accept connections within 10 s`);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    this.watched = child;
    child.once('exit', (code, signal) => {
      if (this.watched !== child) return;
      this.watched = undefined;
      this.onUnexpectedExit?.(signal ?? `exit code ${code}`);
    });
  }

  /** SIGTERM (slapd writes its database and exits), SIGKILL after 5 s; `discard`: SIGKILL at once. */
  async stop(discard = false): Promise<void> {
    const child = this.child;
    this.watched = undefined;
    if (!child || !this.running) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(discard ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }

  /** For exit handlers: no waiting. */
  killNow(): void {
    this.watched = undefined;
    if (this.running) this.child!.kill('SIGKILL');
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function bootstrap(install: SlapdInstall, dir: string, cfg: Omit<SlapdInstanceConfig, 'schemaDir' | 'modulePath'>): Promise<void> {
  await mkdir(join(dir, 'slapd.d'), { recursive: true });
  await mkdir(join(dir, 'db'), { recursive: true });
  await writeFile(join(dir, 'config.ldif'), configLdif({ ...cfg, schemaDir: install.schemaDir, modulePath: install.modulePath }), { mode: 0o600 });
  await writeFile(join(dir, 'base.ldif'), baseEntriesLdif(cfg.password), { mode: 0o600 });
  await run(install.slapadd, ['-n', '0', '-F', 'slapd.d', '-l', 'config.ldif'], dir);
  await run(install.slapadd, ['-n', '1', '-F', 'slapd.d', '-l', 'base.ldif'], dir);
}

/** A bootstrapped standalone server's files (about 150 KB), made once per password and kept in memory. */
const standalones = new Map<string, Promise<Map<string, Buffer>>>();

function standalone(install: SlapdInstall, cfg: Omit<SlapdInstanceConfig, 'schemaDir' | 'modulePath'>): Promise<Map<string, Buffer>> {
  const key = `${cfg.serverId}:${cfg.password}`;
  let files = standalones.get(key);
  if (!files) {
    files = (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'session-lab-cts-'));
      try {
        await bootstrap(install, dir, cfg);
        const out = new Map<string, Buffer>();
        for (const rel of await readdir(dir, { recursive: true, withFileTypes: true })) {
          if (!rel.isFile()) continue;
          const path = join(rel.parentPath, rel.name);
          out.set(path.slice(dir.length + 1), await readFile(path));
        }
        return out;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    files.catch(() => standalones.delete(key));
    standalones.set(key, files);
  }
  return files;
}

async function writeFiles(dir: string, files: Map<string, Buffer>): Promise<void> {
  await mkdir(join(dir, 'db'), { recursive: true });
  for (const [rel, content] of files) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), content, { mode: 0o600 });
  }
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new LabError(`${cmd} ${args.slice(0, 2).join(' ')} failed (code ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}`))));
  });
}
