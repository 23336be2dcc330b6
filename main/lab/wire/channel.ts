import { CtsUnavailableError } from '../cts/store';
import { LabError } from '../labError';

/**
 * What carries messages between the lab and one of its processes or threads: a child process's IPC
 * channel, an Electron utility process, a worker thread, or the parent as seen from inside them.
 * Messages are structured-clone data.
 */
export interface Link {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** The handlers one side offers the other: a name, one argument, an answer (or a promise of one). */
export type Handlers = Record<string, (arg: never) => unknown>;

type Packet = { q: number; m: string; a: unknown } | { r: number; v?: unknown; e?: { name: string; message: string } } | { n: string; a: unknown };

/** Errors whose kind matters on the other side (an operator mistake, a CTS that did not answer) keep their class. */
const ERRORS: Record<string, new (message: string) => Error> = { LabError, CtsUnavailableError, RangeError };

/** The name the other side rebuilds the error from: its class's, since a LabError's own name is just "Error". */
function kindOf(e: unknown): string {
  return Object.entries(ERRORS).find(([, E]) => e instanceof E)?.[0] ?? (e as Error)?.name ?? 'Error';
}

/** Sent when the other side is gone (its process ended, the thread stopped). */
export class ChannelClosedError extends Error {
  constructor(what: string) {
    super(`${what} is gone`);
    this.name = 'ChannelClosedError';
  }
}

/**
 * Calls and notifications over a Link. Everything sent during one turn of the event loop goes as
 * one message (an array of packets), so a node answering thousands of requests a second sends a
 * few hundred messages, not tens of thousands; packets keep their order, so a notification sent
 * before an answer arrives before it.
 */
export class Channel {
  private queue: Packet[] = [];
  private scheduled = false;
  private nextId = 0;
  private closed = false;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(
    private readonly link: Link,
    private readonly handlers: Handlers,
    /** Who the other side is, for the error when it is gone ("node 02's process"). */
    private readonly peer: string,
  ) {
    link.onMessage((m) => {
      if (Array.isArray(m)) for (const p of m as Packet[]) this.receive(p);
    });
  }

  call<T>(method: string, arg?: unknown): Promise<T> {
    if (this.closed) return Promise.reject(new ChannelClosedError(this.peer));
    const q = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(q, { resolve: resolve as (v: unknown) => void, reject });
      this.push({ q, m: method, a: arg });
    });
  }

  notify(method: string, arg?: unknown): void {
    if (!this.closed) this.push({ n: method, a: arg });
  }

  /** Sends what is queued now rather than at the end of this turn. */
  flush(): void {
    this.scheduled = false;
    if (!this.queue.length || this.closed) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.link.send(batch);
    } catch {
      // The other side went away while we were writing: its exit is reported where the link ends.
    }
  }

  /** The other side is gone: calls waiting for an answer fail, later ones fail at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    for (const p of this.pending.values()) p.reject(new ChannelClosedError(this.peer));
    this.pending.clear();
  }

  private push(p: Packet): void {
    this.queue.push(p);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private receive(p: Packet): void {
    if ('r' in p) {
      const waiting = this.pending.get(p.r);
      this.pending.delete(p.r);
      if (!waiting) return;
      if (p.e) {
        const E = ERRORS[p.e.name];
        const err = E ? new E(p.e.message) : new Error(p.e.message);
        if (!E) err.name = p.e.name;
        waiting.reject(err);
      } else waiting.resolve(p.v);
      return;
    }
    const method = 'q' in p ? p.m : p.n;
    const handler = this.handlers[method] as ((a: unknown) => unknown) | undefined;
    let out: unknown;
    try {
      if (!handler) throw new Error(`${this.peer} asked for ${method}, which this side does not offer`);
      out = handler(p.a);
    } catch (e) {
      out = Promise.reject(e);
    }
    if (!('q' in p)) {
      if (out instanceof Promise) out.catch(() => undefined);
      return;
    }
    const q = p.q;
    if (!(out instanceof Promise)) return this.push({ r: q, v: out });
    out.then(
      (v) => this.push({ r: q, v }),
      (e: unknown) => this.push({ r: q, e: { name: kindOf(e), message: (e as Error)?.message ?? String(e) } }),
    );
  }
}
