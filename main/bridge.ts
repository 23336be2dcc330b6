/**
 * What both hosts share: commands go through the operation registry, and the engine's trace
 * batches and state snapshots go out to every connected window. Hosts only move these messages
 * over their transport (IPC, WebSocket, HTTP).
 */
import type { Lab } from './lab/lab';
import type { LabState, Outcome, PushMessage } from './contract';
import { dispatch } from './operations';
import { windowState } from './windowViews';

export type PushListener = (message: PushMessage) => void;

export interface BridgeOptions {
  /** Quiet period between two state pushes (real ms): a burst of commands costs one snapshot. */
  throttleMs?: number;
  /** State is also pushed this often, for changes no trace item announces (health checks). */
  heartbeatMs?: number;
}

export class LabBridge {
  private readonly listeners = new Set<PushListener>();
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly throttleMs: number;
  private pending: NodeJS.Timeout | undefined;
  private computing: Promise<void> | undefined;
  private dirty = false;
  private closed = false;

  constructor(
    readonly lab: Lab,
    opts: BridgeOptions = {},
  ) {
    this.throttleMs = opts.throttleMs ?? 150;
    this.unsubscribe = lab.subscribe((items) => {
      this.send({ type: 'trace', items });
      this.stateSoon();
    });
    this.heartbeat = setInterval(() => this.stateSoon(), opts.heartbeatMs ?? 1_000);
    this.heartbeat.unref();
  }

  /** Runs a command; whatever it changed reaches the windows in the next state push. */
  async call(name: unknown, input: unknown): Promise<Outcome<unknown>> {
    const outcome = await dispatch(this.lab, name, input, { push: (m) => this.send(m) });
    this.stateSoon();
    return outcome;
  }

  /** A new window gets the current state at once, then every push. */
  subscribe(listener: PushListener): () => void {
    this.listeners.add(listener);
    void this.state().then(
      (s) => this.listeners.has(listener) && listener({ type: 'state', ...s }),
      () => undefined,
    );
    return () => this.listeners.delete(listener);
  }

  state(): Promise<LabState> {
    return windowState(this.lab);
  }

  private send(message: PushMessage): void {
    for (const l of this.listeners) {
      try {
        l(message);
      } catch {
        // A broken window must not stop the others from getting the message.
      }
    }
  }

  private stateSoon(): void {
    if (this.closed || !this.listeners.size) return;
    if (this.computing) {
      this.dirty = true;
      return;
    }
    this.pending ??= setTimeout(() => {
      this.pending = undefined;
      this.computing = this.state()
        .then((s) => this.send({ type: 'state', ...s }))
        .catch(() => undefined)
        .finally(() => {
          this.computing = undefined;
          if (this.dirty) {
            this.dirty = false;
            this.stateSoon();
          }
        });
    }, this.throttleMs);
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    clearInterval(this.heartbeat);
    clearTimeout(this.pending);
    this.listeners.clear();
  }
}
