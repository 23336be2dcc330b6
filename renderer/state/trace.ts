/**
 * The window's copy of the trace: exchanges and events in seq order, bounded like the engine's
 * ring, with indexes kept as items arrive so no component scans 20,000 items per frame: the events
 * of each exchange, each browser's newest exchange, the newest failure and the 401 count.
 */
import type { LabEvent, TraceExchange, TraceItem } from '../../main/contract';

export interface TraceView {
  exchanges: TraceExchange[];
  events: LabEvent[];
  /** Events recorded during an exchange, by exchange id. */
  byExchange: ReadonlyMap<string, LabEvent[]>;
  /** Each virtual browser's newest exchange (what its card's last request learned). */
  lastByBrowser: ReadonlyMap<string, TraceExchange>;
  /** Seq of the newest 4xx/5xx exchange (0: none), for the Traffic tab's alert. */
  lastFailureSeq: number;
  /** 401 answers among the exchanges held. */
  unauthorized: number;
  lastSeq: number;
  /** Items the window let go of to stay within its cap. */
  dropped: number;
}

export const EMPTY_TRACE: TraceView = emptyTrace();

export function emptyTrace(lastSeq = 0): TraceView {
  return { exchanges: [], events: [], byExchange: new Map(), lastByBrowser: new Map(), lastFailureSeq: 0, unauthorized: 0, lastSeq, dropped: 0 };
}

/** Items must stay in seq order; a late batch (initial fetch after pushes) is merged, not appended. */
function mergeSorted<T extends TraceItem>(a: T[], b: T[]): T[] {
  if (!b.length) return a;
  if (!a.length || b[0]!.seq > a[a.length - 1]!.seq) return a.concat(b);
  const seen = new Set(a.map((x) => x.seq));
  return a.concat(b.filter((x) => !seen.has(x.seq))).sort((x, y) => x.seq - y.seq);
}

/**
 * Adds a batch (any order, duplicates ignored) and keeps at most `cap` exchanges and `cap` events.
 * The arrays are new each time (components compare them); the indexes are updated in place, since
 * copying a 20,000-entry map every frame is what made a busy window stutter.
 */
export function addItems(view: TraceView, items: readonly TraceItem[], cap: number): TraceView {
  if (!items.length) return view;
  const newEx: TraceExchange[] = [];
  const newEv: LabEvent[] = [];
  let lastSeq = view.lastSeq;
  const sorted = items.length > 1 && items.some((it, i) => i > 0 && it.seq < items[i - 1]!.seq) ? [...items].sort((x, y) => x.seq - y.seq) : items;
  for (const it of sorted) {
    if (it.kind === 'exchange') newEx.push(it);
    else newEv.push(it);
    if (it.seq > lastSeq) lastSeq = it.seq;
  }
  let exchanges = mergeSorted(view.exchanges, newEx);
  let events = mergeSorted(view.events, newEv);
  let { dropped, unauthorized, lastFailureSeq } = view;
  // The shared empty view is never written to: the first batch gets indexes of its own.
  const byExchange = view === EMPTY_TRACE ? new Map<string, LabEvent[]>() : (view.byExchange as Map<string, LabEvent[]>);
  const lastByBrowser = view === EMPTY_TRACE ? new Map<string, TraceExchange>() : (view.lastByBrowser as Map<string, TraceExchange>);
  for (const ex of newEx) {
    if (ex.response.status === 401) unauthorized++;
    if (ex.response.status >= 400 && ex.seq > lastFailureSeq) lastFailureSeq = ex.seq;
    if (ex.browser && (lastByBrowser.get(ex.browser)?.seq ?? 0) < ex.seq) lastByBrowser.set(ex.browser, ex);
  }
  if (exchanges.length > cap) {
    const gone = exchanges.slice(0, exchanges.length - cap);
    for (const ex of gone) {
      byExchange.delete(ex.id);
      if (ex.response.status === 401) unauthorized--;
    }
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
  return { exchanges, events, byExchange, lastByBrowser, lastFailureSeq, unauthorized, lastSeq, dropped };
}

/** A trace that is not the lab's (an imported HAR, a recipe run's own lab), indexed the same way. */
export function traceOf(items: readonly TraceItem[]): TraceView {
  return addItems(EMPTY_TRACE, items, Math.max(1, items.length));
}
