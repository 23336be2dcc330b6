import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { SessionPageRow, SessionSort } from '../../main/contract';
import { useLab, useStore } from '../state/store';
import { useSessionPages, type SessionQuery } from '../state/sessionPages';
import { OAuth2Grants } from './OAuth2Grants';
import { SessionGridRow, SESSION_COLUMNS } from './SessionRow';
import { useTerminate } from './terminate';
import { Button, ConfirmDialog, EmptyState, Segmented } from './ui';
import '../styles/grid.css';
import '../styles/sessions.css';

const ROW_H = 34;
type State = NonNullable<SessionQuery['state']>;

/**
 * CTS sessions as AM's admin console searches them: by user, node, owning virtual browser and
 * state, sorted by any column, thousands of rows virtualized and paged from the engine. Countdowns
 * tick in place; rows hold still while the pointer or focus is on the table.
 */
export function Sessions({ onOpenBrowser }: { onOpenBrowser?: (id: string) => void }) {
  const store = useStore();
  const nodes = useLab((s) => s.snapshot?.nodes);
  const browsers = useLab((s) => s.snapshot?.browsers);
  const sessionsKind = useLab((s) => s.snapshot?.config.sessions);
  const demoUsers = useLab((s) => s.snapshot?.users);
  const [search, setSearch] = useState('');
  const [user, setUser] = useState('');
  const [node, setNode] = useState('');
  const [browser, setBrowser] = useState('');
  const [state, setState] = useState<State>('all');
  const [sort, setSort] = useState<{ by: SessionSort; dir: 'asc' | 'desc' }>({ by: 'created', dir: 'desc' });
  const [pointer, setPointer] = useState(false);
  const [focus, setFocus] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const query = useMemo<SessionQuery>(
    () => ({ ...(user ? { user } : {}), ...(node ? { node } : {}), ...(browser ? { browser } : {}), state, sort: sort.by, dir: sort.dir }),
    [user, node, browser, state, sort],
  );
  const pages = useSessionPages(query, pointer || focus);
  const terminate = useTerminate(() => {
    setSelected(new Set());
    pages.refresh();
  });
  const demo = useMemo(() => new Set(demoUsers?.filter((u) => u.demo).map((u) => u.username)), [demoUsers]);

  // Typing searches after a pause, not on every key.
  useEffect(() => {
    const t = setTimeout(() => setUser(search.trim()), 200);
    return () => clearTimeout(t);
  }, [search]);

  const [scroller, setScroller] = useState<HTMLDivElement | null>(null);
  const v = useVirtualizer({ count: pages.total, getScrollElement: () => scroller, estimateSize: () => ROW_H, overscan: 10, getItemKey: (i) => pages.row(i)?.handle ?? `i${i}` });
  const items = v.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  useEffect(() => pages.show(first, last), [first, last, pages.total]); // eslint-disable-line react-hooks/exhaustive-deps

  const toggle = useCallback((handle: string) => setSelected((s) => (s.has(handle) ? new Set([...s].filter((h) => h !== handle)) : new Set([...s, handle]))), []);
  const { ask } = terminate;
  const terminateOne = useCallback((r: SessionPageRow) => ask([r.handle], `the session of ${r.username} on node ${r.homeNode}`), [ask]);
  const browserKey = browsers?.map((b) => `${b.id}\t${b.name}`).join('\n') ?? '';
  const browserNames = useMemo(() => new Map(browserKey ? browserKey.split('\n').map((l) => l.split('\t') as [string, string]) : []), [browserKey]);
  const selectAll = async () => {
    if (selected.size) return setSelected(new Set());
    const handles: string[] = [];
    for (let offset = 0; offset < 10_000; offset += 1000) {
      const r = await store.run('Could not select the sessions', () => store.api.sessionPage({ ...query, state: 'active', offset, limit: 1000 }));
      if (!r) return;
      handles.push(...r.rows.map((row) => row.handle));
      if (offset + 1000 >= r.total) break;
    }
    setSelected(new Set(handles));
  };
  // A column's first click: newest first for times that happened, soonest or A→Z for the rest.
  const sortBy = (by: SessionSort) => setSort((s) => ({ by, dir: s.by === by ? (s.dir === 'desc' ? 'asc' : 'desc') : by === 'created' || by === 'lastAccess' ? 'desc' : 'asc' }));
  const waiting = pages.latestTotal - pages.total;
  const filtered = !!(user || node || browser || state !== 'all');

  return (
    <div className="sessions">
      <div className="toolbar" role="toolbar" aria-label="Session search">
        <input className="tool-search" type="search" placeholder="Search by user…" aria-label="Search sessions by user" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="sessions-search" />
        <label className="tool">
          <span>Node</span>
          <select value={node} onChange={(e) => setNode(e.target.value)} aria-label="Filter sessions by node" data-testid="sessions-node">
            <option value="">All</option>
            {nodes?.map((n) => (
              <option key={n.id} value={n.id}>
                {n.id}
              </option>
            ))}
          </select>
        </label>
        <label className="tool">
          <span>Browser</span>
          <select value={browser} onChange={(e) => setBrowser(e.target.value)} aria-label="Filter sessions by virtual browser" data-testid="sessions-browser">
            <option value="">All</option>
            {browsers?.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
            <option value="none">None (a load run, a script)</option>
          </select>
        </label>
        <Segmented<State>
          label="Which sessions"
          value={state}
          onChange={setState}
          testId="sessions-state"
          options={[
            { value: 'all', label: 'All' },
            { value: 'active', label: 'Active' },
            { value: 'ended', label: 'Ended' },
          ]}
        />
        <span className="toolbar-spacer" />
        {(pointer || focus) && waiting > 0 && (
          <span className="badge badge-info" role="status" title="Rows hold still while the pointer or focus is on the table">
            {waiting.toLocaleString('en-US')} new — shown when you leave the table
          </span>
        )}
        <span className="toolbar-count" aria-live="polite" data-testid="sessions-count">
          {filtered ? `${pages.total.toLocaleString('en-US')} match · ` : ''}
          {pages.active.toLocaleString('en-US')} active · {pages.ended.toLocaleString('en-US')} ended
        </span>
        {selected.size > 0 && (
          <Button size="sm" tone="danger" disabled={terminate.busy} onClick={() => terminate.ask([...selected], `${selected.size} selected session${selected.size === 1 ? '' : 's'}`)} data-testid="terminate-selected">
            {terminate.busy ? terminate.progress : `Terminate ${selected.size.toLocaleString('en-US')}…`}
          </Button>
        )}
      </div>
      {sessionsKind === 'client' && <p className="note">Client-based sessions live in the browser's cookie, not the CTS: the monitor lists CTS sessions only, as AM's console does.</p>}
      <div className="grid-head sessions-cols" role="row">
        <span role="columnheader">
          <input type="checkbox" aria-label={selected.size ? 'Clear the selection' : 'Select every active session that matches'} checked={selected.size > 0} onChange={() => void selectAll()} data-testid="select-all" />
        </span>
        {SESSION_COLUMNS.map((c) =>
          c.sort ? (
            <span key={c.label} role="columnheader" aria-sort={sort.by === c.sort ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
              <button type="button" className="sort" onClick={() => sortBy(c.sort!)} aria-label={`Sort by ${c.label.toLowerCase()}`}>
                {c.label}
                <span className="sort-mark" aria-hidden="true">
                  {sort.by === c.sort ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                </span>
              </button>
            </span>
          ) : (
            <span key={c.label} role="columnheader">
              <span className={c.hidden ? 'sr-only' : undefined}>{c.label}</span>
            </span>
          ),
        )}
      </div>
      <div
        className="grid-body"
        ref={setScroller}
        role="grid"
        aria-label="CTS sessions"
        aria-rowcount={pages.total}
        data-testid="sessions"
        data-frozen={pointer || focus}
        onPointerEnter={() => setPointer(true)}
        onPointerLeave={() => setPointer(false)}
        onFocus={() => setFocus(true)}
        onBlur={(e) => !e.currentTarget.contains(e.relatedTarget as Node | null) && setFocus(false)}
      >
        {pages.loaded && pages.total === 0 ? (
          <EmptyState icon="◷" title={filtered ? 'No session matches' : 'No sessions in the CTS'}>
            {filtered ? 'Change the search or the filters to see more sessions.' : 'Log in from a virtual browser: the session appears here with its idle and max-time countdowns on the lab clock.'}
          </EmptyState>
        ) : (
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {items.map((item) => (
              <SessionGridRow
                key={item.key}
                index={item.index}
                top={item.start}
                height={ROW_H}
                row={pages.row(item.index)}
                demo={demo}
                browserNames={browserNames}
                selected={selected}
                onToggle={toggle}
                onOpenBrowser={onOpenBrowser}
                onTerminate={terminateOne}
              />
            ))}
          </div>
        )}
      </div>
      <OAuth2Grants />
      {terminate.asking && (
        <ConfirmDialog title={`Terminate ${terminate.asking.what}?`} confirm={terminate.asking.handles.length === 1 ? 'Terminate' : `Terminate ${terminate.asking.handles.length.toLocaleString('en-US')}`} onConfirm={terminate.confirm} onCancel={terminate.cancel} testId="confirm-terminate">
          <p>amadmin ends {terminate.asking.handles.length === 1 ? 'it' : 'each one'} through AM's REST API (logoutByHandle), as the admin console does. The browser holding a session finds out on its next request.</p>
          <p className="muted">This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
