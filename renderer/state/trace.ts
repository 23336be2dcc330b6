/**
 * The window's copy of the trace: exchanges and events in seq order, bounded like the engine's
 * ring, with the events of each exchange indexed for highlighting and the detail pane.
 */
import type { LabEvent, TraceExchange, TraceItem } from '../../main/contract';

export interface TraceView {
  exchanges: TraceExchange[];
  events: LabEvent[];
  /** Events recorded during an exchange, by exchange id. */
  byExchange: ReadonlyMap<string, LabEvent[]>;
  lastSeq: number;
  /** Items the window let go of to stay within its cap. */
  dropped: number;
}

export const EMPTY_TRACE: TraceView = { exchanges: [], events: [], byExchange: new Map(), lastSeq: 0, dropped: 0 };

/** Items must stay in seq order; a late batch (initial fetch after pushes) is merged, not appended. */
function mergeSorted<T extends TraceItem>(a: T[], b: T[]): T[] {
  if (!b.length) return a;
  if (!a.length || b[0]!.seq > a[a.length - 1]!.seq) return a.concat(b);
  const seen = new Set(a.map((x) => x.seq));
  return a.concat(b.filter((x) => !seen.has(x.seq))).sort((x, y) => x.seq - y.seq);
}

/** Adds a batch (any order, duplicates ignored) and keeps at most `cap` exchanges and `cap` events. */
export function addItems(view: TraceView, items: readonly TraceItem[], cap: number): TraceView {
  if (!items.length) return view;
  const newEx: TraceExchange[] = [];
  const newEv: LabEvent[] = [];
  let lastSeq = view.lastSeq;
  for (const it of [...items].sort((x, y) => x.seq - y.seq)) {
    if (it.kind === 'exchange') newEx.push(it);
    else newEv.push(it);
    if (it.seq > lastSeq) lastSeq = it.seq;
  }
  let exchanges = mergeSorted(view.exchanges, newEx);
  let events = mergeSorted(view.events, newEv);
  let dropped = view.dropped;
  const byExchange = new Map(view.byExchange);
  if (exchanges.length > cap) {
    const gone = exchanges.slice(0, exchanges.length - cap);
    for (const ex of gone) byExchange.delete(ex.id);
    dropped += gone.length;
    exchanges = exchanges.slice(exchanges.length - cap);
  }
  if (events.length > cap) {
    dropped += events.length - cap;
    events = events.slice(events.length - cap);
  }
  for (const e of newEv) {
    if (!e.exchangeId) continue;
    const list = byExchange.get(e.exchangeId);
    if (list?.some((x) => x.seq === e.seq)) continue;
    byExchange.set(e.exchangeId, list ? [...list, e] : [e]);
  }
  return { exchanges, events, byExchange, lastSeq, dropped };
}
