import type { LabClock } from '../clock';
import type { LabConfig } from '../config';
import { keepBody, type KeptBody } from '../trace/keepBody';
import type { Shipped, TraceSink } from '../trace/recorder';
import type { EmitEvent, TraceExchange } from '../trace/types';

/** Most items held back while the lab has not taken the previous batches (the oldest go first). */
const HOLD = 20_000;
const BATCH = 512;
const EVERY_MS = 10;
/** Batches sent and not yet recorded by the lab, at most. */
const IN_FLIGHT = 4;

/**
 * The trace as the balancer's thread records into it: exchanges and events are stamped here and
 * sent to the lab's trace (where they get their place in the sequence) every few milliseconds, in
 * batches. Bounded: while the lab is behind, at most HOLD items wait, the oldest dropped first.
 */
export class TraceOutbox implements TraceSink {
  private pending: Shipped[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending = 0;
  /** Items dropped because the lab's thread fell behind, since the last batch. */
  private dropped = 0;

  constructor(
    private readonly cfg: () => LabConfig,
    private readonly clock: LabClock,
    /** Resolves once the lab has recorded the batch. */
    private readonly send: (batch: Shipped[], dropped: number) => Promise<unknown>,
  ) {}

  keepBody(body: Buffer): KeptBody {
    return keepBody(body, this.cfg().traceBodyBytes);
  }

  recordExchange(exchange: Omit<TraceExchange, 'seq' | 'kind'>, tag: string | null): void {
    this.push({ exchange, tag });
  }

  readonly emit: EmitEvent = (type, fields) => {
    this.push({ event: { type, node: fields.node ?? null, exchangeId: fields.exchangeId ?? null, data: fields.data, labTime: this.clock.now(), realTime: Date.now() } });
  };

  private push(item: Shipped): void {
    this.pending.push(item);
    if (this.pending.length > HOLD) {
      const gone = this.pending.length - HOLD;
      this.pending.splice(0, gone);
      this.dropped += gone;
    }
    if (this.pending.length >= BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), EVERY_MS);
  }

  /**
   * Sends what is held (unless IN_FLIGHT batches are still on their way; `now` sends regardless):
   * the lab records it before it answers anything asked after this.
   */
  flush(now = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length || (!now && this.sending >= IN_FLIGHT)) return;
    const batch = this.pending;
    const dropped = this.dropped;
    this.pending = [];
    this.dropped = 0;
    this.sending++;
    void this.send(batch, dropped)
      .catch(() => undefined)
      .finally(() => {
        this.sending--;
        if (this.pending.length) this.flush();
      });
  }
}
