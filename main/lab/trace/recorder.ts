import type { LabClock } from '../clock';
import { Ring } from './ring';
import { eventText } from '../../contract/events';
import { keepBody, type KeptBody } from './keepBody';
import type { EmitEvent, LabEvent, LabEventType, TraceExchange, TraceItem } from './types';

// Where a body's cut is made lives apart, so the balancer's thread keeps bodies without the recorder's event texts.
export { keepBody, truncationMarker, type KeptBody } from './keepBody';

export type TraceListener = (batch: TraceItem[]) => void;

/** An event recorded elsewhere (an AM node process, the balancer's thread), stamped there. */
export interface StampedEvent {
  type: LabEventType;
  node: string | null;
  exchangeId: string | null;
  data: unknown;
  labTime: number;
  realTime: number;
}

/** An item recorded on the balancer's thread, on its way to the trace: an exchange with its action tag, or a stamped event. */
export type Shipped = { exchange: Omit<TraceExchange, 'seq' | 'kind'>; tag: string | null } | { event: StampedEvent };

/** What the balancer records into: the trace itself, or (on its own thread) an outbox to it. */
export interface TraceSink {
  keepBody(body: Buffer): KeptBody;
  recordExchange(ex: Omit<TraceExchange, 'seq' | 'kind'>, tag: string | null): void;
  emit: EmitEvent;
}

/** How much the trace keeps: items per ring, bytes in all, and bytes of any one body. */
export interface TraceLimits {
  capacity: number;
  budgetBytes: number;
  bodyBytes: number;
}

/** Most items collected for one watched action, and most in-flight exchanges whose events are held. */
const WATCH_LIMIT = 10_000;
const IN_FLIGHT_LIMIT = 1_024;

/**
 * Records every exchange and cluster event in bounded rings and hands them to subscribers in
 * batches (one flush per tick), so a burst of traffic costs one UI update, not thousands. The rings
 * are bounded in items and, together, in bytes: past the budget the oldest items go first, so
 * sustained large bodies cannot grow the process (each body is also capped, see keepBody).
 */
export class TraceRecorder implements TraceSink {
  private seq = 0;
  private readonly exchangeRing: Ring<TraceExchange>;
  private readonly eventRing: Ring<LabEvent>;
  private readonly listeners = new Set<TraceListener>();
  private pending: TraceItem[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private bytes = 0;
  /** Action tags being collected (watch/take) → the exchanges and events their requests made. */
  private readonly watched = new Map<string, TraceItem[]>();
  /** While an action is watched: events of exchanges not recorded yet (a node emits before the balancer records). */
  private readonly inFlight = new Map<string, LabEvent[]>();
  /** While an action is watched: the tag of each exchange recorded, for events that arrive after it (a node in its own process). */
  private readonly recordedTags = new Map<string, string>();
  private tags = 0;

  constructor(
    private readonly clock: LabClock,
    private limits: TraceLimits,
    private readonly flushMs = 25,
  ) {
    this.exchangeRing = new Ring(limits.capacity);
    this.eventRing = new Ring(limits.capacity);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** The part of a request or response body the trace keeps. */
  keepBody(body: Buffer): KeptBody {
    return keepBody(body, this.limits.bodyBytes);
  }

  /** Records an exchange; `tag` is the action tag its request carried (see watch). */
  recordExchange(ex: Omit<TraceExchange, 'seq' | 'kind'>, tag: string | null = null): TraceExchange {
    const item: TraceExchange = { kind: 'exchange', seq: this.nextSeq(), ...ex };
    this.keep(this.exchangeRing, item, exchangeBytes(item));
    this.queue(item);
    if (this.watched.size) {
      const events = this.inFlight.get(item.id) ?? [];
      this.inFlight.delete(item.id);
      const mine = tag === null ? undefined : this.watched.get(tag);
      if (mine && mine.length < WATCH_LIMIT) {
        mine.push(...events, item);
        this.recordedTags.set(item.id, tag!);
        if (this.recordedTags.size > IN_FLIGHT_LIMIT) this.recordedTags.delete(this.recordedTags.keys().next().value!);
      }
    }
    return item;
  }

  /**
   * Starts collecting what the requests of one action make: the executor runs the action under the
   * returned tag (virtual browsers put it in their User-Agent) and takes its exchanges and their
   * events afterwards — directly, with no scan of the trace, whatever else was recorded meanwhile.
   */
  watch(): string {
    const tag = `a${++this.tags}`;
    this.watched.set(tag, []);
    return tag;
  }

  /** What the requests tagged `tag` recorded, in order; the tag is forgotten. */
  take(tag: string): { exchanges: TraceExchange[]; events: LabEvent[] } {
    const items = this.watched.get(tag) ?? [];
    this.watched.delete(tag);
    if (!this.watched.size) {
      this.inFlight.clear();
      this.recordedTags.clear();
    }
    items.sort((a, b) => a.seq - b.seq);
    return { exchanges: items.filter((i): i is TraceExchange => i.kind === 'exchange'), events: items.filter((i): i is LabEvent => i.kind === 'event') };
  }

  readonly emit: EmitEvent = (type, fields) => {
    this.recordEvent({ type, node: fields.node ?? null, exchangeId: fields.exchangeId ?? null, data: fields.data, labTime: this.clock.now(), realTime: Date.now() });
  };

  /** Records an event with the times it was stamped with where it happened. */
  recordEvent(e: StampedEvent): void {
    const item = {
      kind: 'event',
      seq: this.nextSeq(),
      type: e.type,
      labTime: e.labTime,
      realTime: e.realTime,
      node: e.node,
      exchangeId: e.exchangeId,
      message: eventText(e.type, e.data as never, e.node),
      data: e.data,
    } as LabEvent;
    this.keep(this.eventRing, item, eventBytes(item));
    this.queue(item);
    if (this.watched.size && item.exchangeId) {
      const tag = this.recordedTags.get(item.exchangeId);
      const mine = tag === undefined ? undefined : this.watched.get(tag);
      if (mine) {
        if (mine.length < WATCH_LIMIT) mine.push(item);
        return;
      }
      const list = this.inFlight.get(item.exchangeId);
      if (list) list.push(item);
      else if (this.inFlight.size < IN_FLIGHT_LIMIT) this.inFlight.set(item.exchangeId, [item]);
    }
  }

  /** Adds an item, then lets the oldest items (exchanges or events, whichever is older) go until the trace fits its budget. */
  private keep<T extends TraceItem>(ring: Ring<T>, item: T, size: number): void {
    const evicted = ring.push(item);
    this.bytes += size - (evicted ? itemBytes(evicted) : 0);
    this.fit();
  }

  private fit(): void {
    while (this.bytes > this.limits.budgetBytes && this.exchangeRing.length + this.eventRing.length > 1) {
      const x = this.exchangeRing.first();
      const e = this.eventRing.first();
      const oldest = !e || (x && x.seq < e.seq) ? this.exchangeRing.shift() : this.eventRing.shift();
      this.bytes -= itemBytes(oldest!);
    }
  }

  /** Records what the balancer's thread sent (in order), and counts what it had to drop. */
  recordShipped(items: Shipped[], dropped = 0): void {
    for (const i of items) {
      if ('exchange' in i) this.recordExchange(i.exchange, i.tag);
      else this.recordEvent(i.event);
    }
    this.exchangeRing.dropped += dropped;
  }

  exchanges(): TraceExchange[] {
    return this.exchangeRing.toArray();
  }

  events(): LabEvent[] {
    return this.eventRing.toArray();
  }

  /** Exchanges and events merged in the order they happened. */
  items(): TraceItem[] {
    return [...this.exchanges(), ...this.events()].sort((a, b) => a.seq - b.seq);
  }

  /**
   * New limits, live (traceCapacity, traceBudgetBytes, traceBodyBytes): the newest exchanges and
   * events stay; bodies recorded from now on are cut at the new size.
   */
  setLimits(limits: TraceLimits): void {
    this.limits = limits;
    for (const gone of [...this.exchangeRing.resize(limits.capacity), ...this.eventRing.resize(limits.capacity)]) this.bytes -= itemBytes(gone);
    this.fit();
  }

  stats() {
    return {
      exchanges: this.exchangeRing.length,
      events: this.eventRing.length,
      droppedExchanges: this.exchangeRing.dropped,
      droppedEvents: this.eventRing.dropped,
      capacity: this.exchangeRing.capacity,
      /** Estimated bytes the trace holds, and its budget. */
      bytes: this.bytes,
      budgetBytes: this.limits.budgetBytes,
    };
  }

  clear(): void {
    this.exchangeRing.clear();
    this.eventRing.clear();
    this.bytes = 0;
  }

  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Deliver anything queued now (used before shutdown and by tests that need the last batch). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    for (const l of this.listeners) l(batch);
  }

  private queue(item: TraceItem): void {
    if (!this.listeners.size) return;
    this.pending.push(item);
    // A listener that stalls must not make memory grow: keep at most one ring's worth queued.
    if (this.pending.length > this.exchangeRing.capacity) this.pending.splice(0, this.pending.length - this.exchangeRing.capacity);
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.flushMs);
  }
}

/** Bytes the trace holds on to for an item: its strings (one byte per character, as V8 stores ASCII) plus object overhead. */
const OBJECT = 64;
const headerBytes = (hs: readonly [string, string][]) => hs.reduce((n, [k, v]) => n + OBJECT + k.length + v.length, 0);
const exchangeBytes = (x: TraceExchange) =>
  8 * OBJECT + x.request.url.length + x.request.path.length + x.request.body.length + x.response.body.length + x.routing.reason.length + headerBytes(x.request.headers) + headerBytes(x.response.headers) + x.routing.attempts.length * OBJECT;
const eventBytes = (e: LabEvent) => 2 * OBJECT + e.message.length + JSON.stringify(e.data).length;
const itemBytes = (i: TraceItem) => (i.kind === 'exchange' ? exchangeBytes(i) : eventBytes(i));
