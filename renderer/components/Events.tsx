import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useMemo, useRef, useState } from 'react';
import type { LabEvent } from '../../main/contract';
import { eventSeverity, matchesEventFilter, type EventFilter } from '../lib/filters';
import { formatClock } from '../lib/format';
import { useLab } from '../state/store';
import { EmptyState, Segmented } from './ui';
import '../styles/events.css';

const ROW_H = 62;

/** The cluster's own account of what happened, newest first; an event tied to a request opens it. */
export function EventsPanel({ onOpenExchange }: { onOpenExchange: (exchangeId: string) => void }) {
  const events = useLab((s) => s.trace.events);
  const loaded = useLab((s) => s.traceLoaded);
  const [filter, setFilter] = useState<EventFilter>('all');
  const shown = useMemo(() => {
    const out: LabEvent[] = [];
    for (let i = events.length - 1; i >= 0; i--) if (matchesEventFilter(events[i]!, filter)) out.push(events[i]!);
    return out;
  }, [events, filter]);
  const scroller = useRef<HTMLDivElement>(null);
  // Rows of one height (the message clamped to two lines, whole in its tooltip): measuring each row
  // as events stream in forced a layout per row per frame, the window's longest tasks under load.
  // Not flushSync on scroll, as in Traffic: a scroll re-renders the rows in a task of its own.
  const v = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 8, getItemKey: (i) => shown[i]!.seq, useFlushSync: false });

  return (
    <section className="panel events" aria-labelledby="events-title">
      <div className="panel-head">
        <h2 id="events-title" className="panel-title">
          Events <span className="panel-count">{events.length.toLocaleString('en-US')}</span>
        </h2>
        <Segmented<EventFilter>
          label="Which events"
          value={filter}
          onChange={setFilter}
          options={[
            { value: 'all', label: 'All' },
            { value: 'problems', label: 'Problems' },
            { value: 'sessions', label: 'Sessions' },
            { value: 'cluster', label: 'Cluster' },
            { value: 'config', label: 'Settings' },
          ]}
        />
      </div>
      <div className="events-list" ref={scroller} role="log" aria-live="polite" aria-label="Cluster events, newest first" data-testid="events" tabIndex={0}>
        {!loaded ? (
          <EmptyState title="Loading events…" />
        ) : shown.length === 0 ? (
          <EmptyState icon="◎" title={events.length ? 'No events match this filter' : 'No cluster events yet'}>
            {events.length ? 'Choose All to see every event.' : 'Log in from a virtual browser or change a setting: node misses, expiries and config changes appear here.'}
          </EmptyState>
        ) : (
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {v.getVirtualItems().map((row) => (
              <EventRow key={row.key} e={shown[row.index]!} fromEnd={shown.length - 1 - row.index} onOpenExchange={onOpenExchange} />
            ))}
          </div>
        )}
      </div>
    </section>
  );
}

/**
 * One event, placed from the list's end: new events arrive at the top and push every row down, and
 * rows placed from the top all changed position (and re-rendered) with each batch. From the end, a
 * drawn row keeps its props and, memoised, is not rendered again.
 */
const EventRow = memo(function EventRow({ e, fromEnd, onOpenExchange }: { e: LabEvent; fromEnd: number; onOpenExchange: (exchangeId: string) => void }) {
  const sev = eventSeverity(e);
  const open = e.exchangeId ? () => onOpenExchange(e.exchangeId!) : undefined;
  return (
    <div
      className={`event event-${sev}${open ? ' is-link' : ''}`}
      style={{ transform: `translateY(${-fromEnd * ROW_H}px)`, height: ROW_H }}
      data-type={e.type}
      role={open ? 'button' : undefined}
      tabIndex={open ? 0 : undefined}
      title={open ? 'Show the request this happened in' : undefined}
      onClick={open}
      onKeyDown={(k) => open && (k.key === 'Enter' || k.key === ' ') && (k.preventDefault(), open())}
    >
      <span className="event-dot" aria-hidden="true" />
      <div className="event-body">
        <div className="event-meta">
          <time>{formatClock(e.labTime)}</time>
          <span className="event-type">{e.type.replace(/-/g, ' ')}</span>
          {e.node && <span className="chip">node {e.node}</span>}
          {open && <span className="event-link" aria-hidden="true">↗</span>}
        </div>
        <div className="event-message" title={e.message}>
          {e.message}
        </div>
      </div>
    </div>
  );
});
