/**
 * The sessions monitor's rows, a page at a time: the engine filters and sorts (a lab after a load
 * run holds thousands of sessions), the window asks only for the pages in view and refreshes them
 * when the lab's state moves on. While the view is frozen (the pointer or focus is on the table),
 * the rows on screen keep their order: they are refreshed in place by handle, and new matches are
 * only counted.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CommandInput, SessionPageRow } from '../../main/contract';
import { useLab, useStore } from './store';

export type SessionQuery = Omit<CommandInput<'sessionPage'>, 'offset' | 'limit' | 'handles'>;

export const PAGE = 100;
/** Refetch at most this often while state pushes stream in (a load run pushes several a second). */
const REFRESH_MS = 1000;

export interface SessionPages {
  /** Matching rows when the view was last allowed to move (the grid's row count). */
  total: number;
  /** Matching rows now: more than `total` while frozen means new sessions are waiting. */
  latestTotal: number;
  active: number;
  ended: number;
  loaded: boolean;
  row(index: number): SessionPageRow | undefined;
  /** The rows in view changed: fetch the pages they need. */
  show(first: number, last: number): void;
  /** Refresh now (after a termination), whatever the throttle. */
  refresh(): void;
}

export function useSessionPages(query: SessionQuery, frozen: boolean): SessionPages {
  const store = useStore();
  const stateAt = useLab((s) => s.snapshotAt);
  const pages = useRef(new Map<number, SessionPageRow[]>());
  const range = useRef<[number, number]>([0, 0]);
  const generation = useRef(0);
  const lastFetch = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const [counts, setCounts] = useState({ total: 0, latestTotal: 0, active: 0, ended: 0, loaded: false });
  const [, rerender] = useState(0);
  const key = JSON.stringify(query);
  const frozenRef = useRef(frozen);
  frozenRef.current = frozen;

  const fetchPage = useCallback(
    async (index: number, gen: number) => {
      const r = await store.api.sessionPage({ ...query, offset: index * PAGE, limit: PAGE }).catch(() => undefined);
      if (!r || gen !== generation.current) return;
      pages.current.set(index, r.rows);
      setCounts((c) => ({ total: frozenRef.current && c.loaded ? c.total : r.total, latestTotal: r.total, active: r.active, ended: r.ended, loaded: true }));
      rerender((n) => n + 1);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [store, key],
  );

  /** The rows on screen, refreshed where they stand (a frozen view). */
  const refreshInPlace = useCallback(async () => {
    const gen = generation.current;
    const held = [...pages.current.entries()];
    const handles = held.flatMap(([, rows]) => rows.map((r) => r.handle)).slice(0, 1000);
    if (!handles.length) return;
    const r = await store.api.sessionPage({ ...query, handles }).catch(() => undefined);
    if (!r || gen !== generation.current) return;
    const fresh = new Map(r.rows.map((row) => [row.handle, row]));
    for (const [index, rows] of held) pages.current.set(index, rows.map((row) => fresh.get(row.handle) ?? { ...row, status: 'ended' as const }));
    const all = await store.api.sessionPage({ ...query, offset: 0, limit: 1 }).catch(() => undefined);
    if (all && gen === generation.current) setCounts((c) => ({ ...c, latestTotal: all.total, active: all.active, ended: all.ended }));
    rerender((n) => n + 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [store, key]);

  const refreshVisible = useCallback(() => {
    lastFetch.current = Date.now();
    if (frozenRef.current) return void refreshInPlace();
    const [first, last] = range.current;
    const gen = generation.current;
    const wanted = new Set<number>();
    for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last) / PAGE); p++) wanted.add(p);
    // Pages out of view are dropped: they are fetched fresh when scrolled back to.
    for (const p of pages.current.keys()) if (!wanted.has(p)) pages.current.delete(p);
    for (const p of wanted) void fetchPage(p, gen);
  }, [fetchPage, refreshInPlace]);

  // A new query starts over from its first page.
  useEffect(() => {
    generation.current++;
    pages.current.clear();
    setCounts((c) => ({ ...c, loaded: false }));
    range.current = [0, 0];
    refreshVisible();
  }, [key, refreshVisible]);

  // The lab moved on: refresh what is in view, at most once a second.
  useEffect(() => {
    const wait = lastFetch.current + REFRESH_MS - Date.now();
    if (wait <= 0) return refreshVisible();
    clearTimeout(timer.current);
    timer.current = setTimeout(refreshVisible, wait);
  }, [stateAt, refreshVisible]);
  useEffect(() => () => clearTimeout(timer.current), []);

  // Unfrozen: the waiting changes (order, new rows) come in at once.
  useEffect(() => {
    if (!frozen) refreshVisible();
  }, [frozen, refreshVisible]);

  return {
    ...counts,
    row: (i) => pages.current.get(Math.floor(i / PAGE))?.[i % PAGE],
    show: (first, last) => {
      const before = range.current;
      range.current = [first, last];
      if (Math.floor(before[0] / PAGE) === Math.floor(first / PAGE) && Math.floor(before[1] / PAGE) === Math.floor(last / PAGE)) return;
      const gen = generation.current;
      for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) if (!pages.current.has(p)) void fetchPage(p, gen);
    },
    refresh: refreshVisible,
  };
}
