import { LabError } from '../labError';
import type { EmitEvent } from '../trace/types';
import type { CtsBackend } from './backend';

/**
 * Faults of the CTS directory, each one an event: an operator stops or starts one of the lab's
 * replicas or all of them, and the reaper notices when no directory server answers it (and when
 * one does again). What the nodes answer meanwhile emerges from their own CTS calls.
 */
export class CtsFaults {
  private reachable = true;

  constructor(
    private readonly backend: CtsBackend,
    private readonly emit: EmitEvent,
  ) {
    // A replica that dies on its own is down for the nodes just the same.
    if (backend.directory) backend.directory.onReplicaExit = (replica, url, how) => this.emit('cts-down', { data: { replica, url, by: 'exited', how } });
  }

  private directory() {
    const d = this.backend.directory;
    if (!d) throw new LabError(`The lab runs no CTS directory of its own (${this.backend.kind} CTS); start it with --cts ldap`);
    return d;
  }

  /** Stopping a stopped replica (or starting a running one) does nothing and says nothing. */
  async stopReplica(replica: number): Promise<void> {
    const d = this.directory();
    if (!d.replicaRunning(replica)) return;
    await d.stopReplica(replica);
    const url = d.urls[replica - 1];
    this.emit('cts-down', { data: { replica, url, by: 'operator' } });
  }

  async startReplica(replica: number): Promise<void> {
    const d = this.directory();
    if (d.replicaRunning(replica)) return;
    await d.startReplica(replica);
    const url = d.urls[replica - 1];
    this.emit('cts-up', { data: { replica, url, by: 'operator' } });
  }

  async stopAll(): Promise<void> {
    for (const r of this.directory().replicas()) await this.stopReplica(r.replica);
  }

  async startAll(): Promise<void> {
    for (const r of this.directory().replicas()) await this.startReplica(r.replica);
  }

  /** AM's reaper logs a failed run and tries again next period; the lab reports the change once. */
  reaperReached(reachable: boolean, why?: string): void {
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    if (reachable) this.emit('cts-up', { data: { by: 'reaper' } });
    else this.emit('cts-unreachable', { data: { by: 'reaper', why: why ?? 'no directory server answered' } });
  }
}
