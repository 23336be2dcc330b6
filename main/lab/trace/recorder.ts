import type { LabClock } from '../clock';
import { Ring } from './ring';
import type { EmitEvent, LabEvent, TraceExchange, TraceItem } from './types';

export type TraceListener = (batch: TraceItem[]) => void;

/**
 * Records every exchange and cluster event in bounded rings and hands them to subscribers in
 * batches (one flush per tick), so a burst of traffic costs one UI update, not thousands.
 */
export class TraceRecorder {
  private seq = 0;
  private readonly exchangeRing: Ring<TraceExchange>;
  private readonly eventRing: Ring<LabEvent>;
  private readonly listeners = new Set<TraceListener>();
  private pending: TraceItem[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: LabClock,
    capacity: number,
    private readonly flushMs = 25,
  ) {
    this.exchangeRing = new Ring(capacity);
    this.eventRing = new Ring(capacity);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  recordExchange(ex: Omit<TraceExchange, 'seq' | 'kind'>): TraceExchange {
    const item: TraceExchange = { kind: 'exchange', seq: this.nextSeq(), ...ex };
    this.exchangeRing.push(item);
    this.queue(item);
    return item;
  }

  readonly emit: EmitEvent = (type, message, fields = {}) => {
    const item: LabEvent = {
      kind: 'event',
      seq: this.nextSeq(),
      type,
      labTime: this.clock.now(),
      realTime: Date.now(),
      node: fields.node ?? null,
      exchangeId: fields.exchangeId ?? null,
      message,
      data: fields.data ?? {},
    };
    this.eventRing.push(item);
    this.queue(item);
  };

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

  stats() {
    return {
      exchanges: this.exchangeRing.length,
      events: this.eventRing.length,
      droppedExchanges: this.exchangeRing.dropped,
      droppedEvents: this.eventRing.dropped,
      capacity: this.exchangeRing.capacity,
    };
  }

  clear(): void {
    this.exchangeRing.clear();
    this.eventRing.clear();
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
