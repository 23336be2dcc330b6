import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { LabEvent, TraceExchange } from '../../main/contract';
import { filterExchanges, isFiltered, NO_FILTER, rowFlags, type RowFlags, type StatusFilter, type TrafficFilter } from '../lib/filters';
import { formatClockMs, formatMs, shortPath } from '../lib/format';
import { routingText } from '../lib/routing';
import { useLab, useStore } from '../state/store';
import type { TraceView } from '../state/trace';
import { ExchangeDetail } from './ExchangeDetail';
import { Button, EmptyState } from './ui';
import '../styles/grid.css';
import '../styles/traffic.css';

const ROW_H = 30;
/** Rows drawn after the view while following: one batch of a busy load run (~400 exchanges/s × 100 ms). */
const FOLLOW_AHEAD = 40;

function statusTone(status: number): string {
  if (status === 401) return 'unauth';
  if (status >= 500) return 'server';
  if (status >= 400) return 'client';
  if (status >= 300) return 'redirect';
  return 'ok';
}

/**
 * Every exchange through the balancer, virtualized: thousands of rows stay smooth. Given a `trace`
 * (an imported HAR), it browses that one instead, read-only: no following, no clearing.
 */
export function Traffic({ selectedId, onSelect, trace, label, shown = true }: { selectedId: string | null; onSelect: (id: string | null) => void; trace?: TraceView; label?: string; shown?: boolean }) {
  const store = useStore();
  const live = useLab((s) => s.trace);
  const { exchanges, byExchange, unauthorized } = trace ?? live;
  const loaded = useLab((s) => s.traceLoaded) || !!trace;
  const browsers = useLab((s) => s.snapshot?.browsers);
  const nodes = useLab((s) => s.snapshot?.nodes);
  const [filter, setFilter] = useState<TrafficFilter>(NO_FILTER);
  const [follow, setFollow] = useState(!trace);
  const flagsCache = useRef(new WeakMap<TraceExchange, { linked: readonly LabEvent[] | undefined; flags: RowFlags }>());
  const flagsOf = useCallback(
    (ex: TraceExchange) => {
      // Linked events can arrive in a later batch than their exchange (their list is then a new
      // array): recompute when they do, and otherwise keep the same flags so the row stays memoised.
      const linked = byExchange.get(ex.id);
      const cached = flagsCache.current.get(ex);
      if (cached && cached.linked === linked) return cached.flags;
      const flags = rowFlags(ex, linked);
      flagsCache.current.set(ex, { linked, flags });
      return flags;
    },
    [byExchange],
  );
  const rows = useMemo(() => filterExchanges(exchanges, filter, flagsOf), [exchanges, filter, flagsOf]);
  const scroller = useRef<HTMLDivElement>(null);
  // Not flushSync on scroll: following scrolls after each batch, and a synchronous re-render inside
  // that scroll event doubled the frame's work. While following, the rows after the view are drawn in
  // advance (a batch is up to FLUSH_GAP_MS of traffic), so the scroll never uncovers blank rows.
  const following = follow && !trace;
  const rangeExtractor = useCallback((r: Range) => defaultRangeExtractor(following ? { ...r, endIndex: r.endIndex + FOLLOW_AHEAD } : r), [following]);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 12, rangeExtractor, getItemKey: (i) => rows[i]!.seq, useFlushSync: false });
  const selectedIndex = selectedId ? rows.findIndex((r) => r.id === selectedId) : -1;
  const selected = selectedIndex >= 0 ? rows[selectedIndex]! : selectedId ? (exchanges.find((e) => e.id === selectedId) ?? null) : null;

  // Following: to the end, once per frame, in the frame's own layout (scrollToIndex on every batch
  // forced a layout mid-render, the longest tasks while traffic streams). A hidden tab cannot scroll:
  // following resumes when it is shown again.
  useEffect(() => {
    if (!shown || !follow || !rows.length) return;
    const frame = requestAnimationFrame(() => {
      const el = scroller.current;
      if (el) el.scrollTop = el.scrollHeight;
    });
    return () => cancelAnimationFrame(frame);
  }, [shown, follow, rows.length]);

  useEffect(() => {
    if (selectedIndex >= 0) v.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, v]);

  const move = (to: number) => {
    if (!rows.length) return;
    const i = Math.max(0, Math.min(rows.length - 1, to));
    setFollow(false);
    onSelect(rows[i]!.id);
  };

  const pick = useCallback(
    (id: string) => {
      setFollow(false);
      onSelect(id);
    },
    [onSelect],
  );

  const set = (patch: Partial<TrafficFilter>) => setFilter((f) => ({ ...f, ...patch }));

  return (
    <div className={`traffic${selected ? ' has-detail' : ''}`}>
      <div className="traffic-main">
        <div className="toolbar" role="toolbar" aria-label="Traffic filters">
          <label className="tool">
            <span>Browser</span>
            <select value={filter.browser} onChange={(e) => set({ browser: e.target.value })} data-testid="filter-browser">
              <option value="all">All</option>
              {browsers?.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
              <option value="none">Other clients</option>
            </select>
          </label>
          <label className="tool">
            <span>Node</span>
            <select value={filter.node} onChange={(e) => set({ node: e.target.value })} data-testid="filter-node">
              <option value="all">All</option>
              {nodes?.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.id}
                </option>
              ))}
              <option value="none">No node</option>
            </select>
          </label>
          <label className="tool">
            <span>Status</span>
            <select value={filter.status} onChange={(e) => set({ status: e.target.value as StatusFilter })} data-testid="filter-status">
              <option value="all">All</option>
              <option value="problems">Problems</option>
              <option value="401">401 only</option>
              <option value="2xx">2xx</option>
              <option value="3xx">3xx</option>
              <option value="4xx">4xx</option>
              <option value="5xx">5xx</option>
            </select>
          </label>
          <input className="tool-search" type="search" placeholder="Filter path, reason…" aria-label="Filter by path, method or routing reason" value={filter.text} onChange={(e) => set({ text: e.target.value })} />
          {isFiltered(filter) && (
            <Button size="sm" tone="ghost" onClick={() => setFilter(NO_FILTER)}>
              Reset
            </Button>
          )}
          <span className="toolbar-spacer" />
          <span className="toolbar-count" aria-live="polite">
            {isFiltered(filter) ? `${rows.length.toLocaleString('en-US')} of ${exchanges.length.toLocaleString('en-US')}` : `${exchanges.length.toLocaleString('en-US')} exchanges`}
            {unauthorized > 0 && <span className="count-401"> · {unauthorized} × 401</span>}
          </span>
          {!trace && (
            <>
              <Button size="sm" tone={follow ? 'primary' : 'default'} pressed={follow} onClick={() => setFollow((f) => !f)} title="Keep the newest row in view">
                Follow
              </Button>
              <Button
                size="sm"
                tone="ghost"
                onClick={async () => {
                  if ((await store.run('Could not clear the trace', () => store.api.clearTrace({}))) !== undefined) {
                    store.clearTraceView();
                    onSelect(null);
                  }
                }}
              >
                Clear
              </Button>
            </>
          )}
        </div>
        <div className="grid-head traffic-cols" role="row">
          <span role="columnheader" className="col-seq">
            #
          </span>
          <span role="columnheader">Lab time</span>
          <span role="columnheader">Browser</span>
          <span role="columnheader">Method</span>
          <span role="columnheader">Path</span>
          <span role="columnheader">Node</span>
          <span role="columnheader">Routing</span>
          <span role="columnheader" className="num">
            Status
          </span>
          <span role="columnheader" className="num col-time">
            Time
          </span>
        </div>
        <div
          className="grid-body"
          ref={scroller}
          role="grid"
          aria-label={label ?? 'Traffic through the balancer'}
          aria-rowcount={rows.length}
          tabIndex={0}
          data-testid={trace ? 'har-entries' : 'traffic'}
          onWheel={(e) => e.deltaY < 0 && follow && setFollow(false)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') (e.preventDefault(), move(selectedIndex + 1));
            else if (e.key === 'ArrowUp') (e.preventDefault(), move(selectedIndex < 0 ? rows.length - 1 : selectedIndex - 1));
            else if (e.key === 'Home') (e.preventDefault(), move(0));
            else if (e.key === 'End') (e.preventDefault(), move(rows.length - 1));
            else if (e.key === 'PageDown') (e.preventDefault(), move(selectedIndex + 15));
            else if (e.key === 'PageUp') (e.preventDefault(), move(selectedIndex - 15));
            else if (e.key === 'Escape') onSelect(null);
          }}
        >
          {!loaded ? (
            <EmptyState title="Loading traffic…" />
          ) : rows.length === 0 ? (
            <EmptyState icon="⇄" title={exchanges.length ? 'No exchange matches these filters' : 'No traffic yet'}>
              {exchanges.length ? 'Reset the filters to see every exchange.' : 'Create a virtual browser and log in: every request through the balancer appears here, with the node it reached and why.'}
            </EmptyState>
          ) : (
            <div style={{ height: v.getTotalSize(), position: 'relative' }}>
              {v.getVirtualItems().map((item) => {
                const ex = rows[item.index]!;
                return <TrafficRow key={item.key} ex={ex} flags={flagsOf(ex)} index={item.index} start={item.start} selected={ex.id === selectedId} browser={browserName(browsers, ex.browser)} onPick={pick} />;
              })}
            </div>
          )}
        </div>
      </div>
      {selected && <ExchangeDetail exchange={selected} linked={byExchange.get(selected.id) ?? []} onClose={() => onSelect(null)} browserName={browserName(browsers, selected.browser)} />}
    </div>
  );
}

/**
 * One exchange's row. Memoised: a batch re-renders the list, and only the rows that came into view
 * (or changed selection or flags) are rendered again, not every visible row every frame.
 */
const TrafficRow = memo(function TrafficRow({ ex, flags, index, start, selected, browser, onPick }: { ex: TraceExchange; flags: RowFlags; index: number; start: number; selected: boolean; browser: string; onPick: (id: string) => void }) {
  return (
    <div
      role="row"
      aria-rowindex={index + 1}
      aria-selected={selected}
      className={`grid-row traffic-cols${flags.unauthorized ? ' is-401' : flags.error ? ' is-error' : ''}${flags.expired ? ' is-expired' : ''}${selected ? ' is-selected' : ''}`}
      style={{ transform: `translateY(${start}px)`, height: ROW_H }}
      data-status={ex.response.status}
      data-testid="traffic-row"
      onClick={() => onPick(ex.id)}
    >
      <span className="muted col-seq">{ex.seq}</span>
      <span className="mono">{formatClockMs(ex.labStart)}</span>
      <span className="ellipsis">{browser}</span>
      <span className="mono">{ex.request.method}</span>
      <span className="mono ellipsis" title={ex.request.path}>
        {shortPath(ex.request.path)}
      </span>
      <span>{ex.routing.node ? <span className="chip">{ex.routing.node}</span> : <span className="muted">—</span>}</span>
      <span className="ellipsis" title={routingText(ex.routing)}>
        {ex.routing.redispatched && (
          <span className="flag flag-redispatch" title="Redispatched to another node">
            <svg className="icon" viewBox="0 0 12 12" aria-label="redispatched">
              <path d="M2 6a4 4 0 0 1 7-2.6M10 6a4 4 0 0 1-7 2.6M9 1v2.6H6.4M3 11V8.4h2.6" />
            </svg>{' '}
          </span>
        )}
        {routingText(ex.routing)}
      </span>
      <span className="num">
        <span className={`status status-${statusTone(ex.response.status)}`}>{ex.response.status}</span>
        {flags.expired && (
          <span className="flag flag-expired" title="A session or auth session had expired or was missing">
            <svg className="icon" viewBox="0 0 12 12" aria-label="expired">
              <circle cx="6" cy="6.5" r="4.5" />
              <path d="M6 4v2.7l1.8 1.1M4.5 1h3" />
            </svg>
          </span>
        )}
      </span>
      <span className="num muted col-time">{formatMs(ex.timings.total)}</span>
    </div>
  );
});

export function browserName(browsers: { id: string; name: string }[] | undefined, id: string | null): string {
  if (!id) return 'other client';
  if (id === 'admin') return 'amadmin console';
  return browsers?.find((b) => b.id === id)?.name ?? id;
}
