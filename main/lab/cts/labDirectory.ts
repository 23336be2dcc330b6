import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../labError';
import { ReplicationLink } from './replicationLink';
import { findSlapd, SlapdInstance } from './slapd';
import { CTS_BIND_DN, CTS_ROOT_SUFFIX } from './slapdConfig';
import type { ReplicaState } from '../../contract/snapshot';

export type { ReplicaState } from '../../contract/snapshot';

/**
 * The lab's own CTS directory: `replicas` slapd servers on 127.0.0.1 in one temp directory, each
 * a provider and a consumer of every other (multi-provider syncrepl, refreshAndPersist) through a
 * ReplicationLink that holds every change for the replication delay. Everything it started goes
 * when the lab stops, when the process exits, and (through a watchdog shell that notices its
 * stdin close) when the process is killed outright.
 */
export class LabDirectory {
  /** One per process: a standalone server is then the same for every lab, and copied (slapd.ts). */
  readonly password = PASSWORD;
  readonly bindDn = CTS_BIND_DN;
  readonly rootSuffix = CTS_ROOT_SUFFIX;
  /** Real milliseconds the last start took (slapadd of every replica + slapd accepting connections). */
  startMs = 0;
  private readonly instances: SlapdInstance[] = [];
  private readonly links: ReplicationLink[] = [];
  private watchdog: ChildProcess | undefined;
  private root = '';
  /** Told when a replica's slapd exits without the lab stopping it. */
  onReplicaExit?: (replica: number, url: string, how: string) => void;

  private constructor(private readonly delayMs: () => number) {}

  static async start(replicas: number, delayMs: () => number): Promise<LabDirectory> {
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 4) throw new LabError('The number of CTS replicas must be between 1 and 4');
    const install = findSlapd();
    const d = new LabDirectory(delayMs);
    const t0 = Date.now();
    d.root = await mkdtemp(join(tmpdir(), 'session-lab-cts-'));
    live.add(d);
    d.watchdog = spawn('/bin/sh', ['-c', 'read _; for f in "$1"/r*/slapd.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; sleep 1; rm -rf "$1"', 'sh', d.root], { stdio: ['pipe', 'ignore', 'ignore'] });
    d.watchdog.unref();
    (d.watchdog.stdin as unknown as { unref?: () => void }).unref?.();
    try {
      const ports = await freePorts(replicas);
      // links[i][j]: replica i pulls replica j's changes through it.
      const into: string[][] = ports.map(() => []);
      for (let i = 0; i < replicas; i++) {
        for (let j = 0; j < replicas; j++) {
          if (i === j) continue;
          const link = new ReplicationLink(ports[j]!, delayMs);
          await link.start();
          d.links.push(link);
          into[i]!.push(link.url);
        }
      }
      const made = await Promise.all(ports.map((port, i) => SlapdInstance.create(install, port, join(d.root, `r${i + 1}`), { serverId: i + 1, providers: into[i]!, password: d.password })));
      d.instances.push(...made);
      made.forEach((s, i) => (s.onUnexpectedExit = (how) => d.onReplicaExit?.(i + 1, s.url, how)));
      await Promise.all(made.map((s) => s.start()));
    } catch (e) {
      await d.stop();
      throw e;
    }
    d.startMs = Date.now() - t0;
    return d;
  }

  get urls(): string[] {
    return this.instances.map((s) => s.url);
  }

  replicas(): ReplicaState[] {
    return this.instances.map((s, i) => ({ replica: i + 1, url: s.url, running: s.running, ...(s.pid ? { pid: s.pid } : {}) }));
  }

  get replicationDelayMs(): number {
    return this.delayMs();
  }

  private instance(replica: number): SlapdInstance {
    const s = this.instances[replica - 1];
    if (!s) throw new LabError(`There is no CTS replica ${replica}; replicas are 1 to ${this.instances.length}`);
    return s;
  }

  replicaRunning(replica: number): boolean {
    return this.instance(replica).running;
  }

  /** Stops one replica's slapd (its data stays on disk, as a stopped DS keeps its database). */
  async stopReplica(replica: number): Promise<void> {
    await this.instance(replica).stop();
  }

  /** Starts it again on the same port; replication catches it up with what it missed. */
  async startReplica(replica: number): Promise<void> {
    await this.instance(replica).start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((l) => l.stop()));
    // Its files are deleted next, so nothing needs writing out.
    await Promise.all(this.instances.map((s) => s.stop(true)));
    this.watchdog?.stdin?.end();
    live.delete(this);
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }

  /** Synchronous cleanup for the process's exit. */
  killNow(): void {
    for (const s of this.instances) s.killNow();
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }
}

const PASSWORD = randomBytes(18).toString('base64url');
const live = new Set<LabDirectory>();
process.once('exit', () => live.forEach((d) => d.killNow()));

/** Distinct free ports, each held until all are found so two replicas never get the same one. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
