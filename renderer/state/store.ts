/**
 * The window's state: what the engine pushed, applied once per animation frame (a burst of
 * traffic costs one render) and, while traffic streams, at most every FLUSH_GAP_MS, plus
 * connection status and notices. Components read it through useLab(selector).
 */
import { useSyncExternalStore } from 'react';
import type { CookieView, LabInfo, LoadProgress, PushMessage, RecipeProgressView, SessionRow, TraceItem, WindowSnapshot } from '../../main/contract';
import { applyRecipeProgress, type RecipeRunState } from './recipeRun';
import { CommandError, type ConnectionStatus, type LabConnection } from '../api/client';
import { EMPTY_TRACE, addItems, emptyTrace, type TraceView } from './trace';

/** The window keeps as much trace as the engine's default ring. */
export const TRACE_CAP = 20_000;

/**
 * Least time between two applies. Each apply re-renders the streaming lists and lays the page out
 * again: at one per frame a load run kept the main thread busy most of every frame, and on a machine
 * whose cores the lab's own load takes, those frames were the window's long tasks. Ten a second still
 * reads as live; a lone push (a click's answer) is applied at the next frame as before.
 */
export const FLUSH_GAP_MS = 100;

export interface Notice {
  id: number;
  tone: 'error' | 'info';
  title: string;
  message: string;
}

export interface ViewState {
  status: ConnectionStatus;
  statusDetail?: string;
  host: 'electron' | 'web';
  snapshot: WindowSnapshot | null;
  /** Real time (this machine) when the snapshot arrived: the clock is extrapolated from it. */
  snapshotAt: number;
  jars: Record<string, CookieView[]>;
  /** Each virtual browser's newest session as the lab has it now. */
  browserSessions: Record<string, SessionRow | null>;
  info: LabInfo | null;
  trace: TraceView;
  traceLoaded: boolean;
  notices: Notice[];
  /** The recipe run in this lab, live from its progress pushes (null before the first run). */
  recipeRun: RecipeRunState | null;
  /** Progress of the load run going on in this lab, if any. */
  loadProgress: LoadProgress | null;
}

type Listener = () => void;

export class LabStore {
  private state: ViewState;
  private readonly listeners = new Set<Listener>();
  private pendingItems: TraceItem[] = [];
  private pendingState: Extract<PushMessage, { type: 'state' }> | undefined;
  private pendingRecipe: RecipeProgressView[] = [];
  private pendingLoad: LoadProgress | undefined;
  private scheduled = false;
  private lastFlush = -Infinity;
  private noticeSeq = 0;
  private fetching: Promise<void> | undefined;

  constructor(readonly conn: LabConnection) {
    this.state = { status: 'connecting', host: conn.kind, snapshot: null, snapshotAt: 0, jars: {}, browserSessions: {}, info: null, trace: EMPTY_TRACE, traceLoaded: false, notices: [], recipeRun: null, loadProgress: null };
    conn.onPush((m) => this.onPush(m));
    conn.onStatus((status, detail) => {
      this.set({ status, statusDetail: detail });
      if (status === 'open') void this.load();
    });
  }

  get api() {
    return this.conn.api;
  }

  getState = (): ViewState => this.state;

  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  private set(patch: Partial<ViewState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  /** Initial load and reconnects: whatever happened since the last item we hold. */
  private load(): Promise<void> {
    this.fetching ??= (async () => {
      try {
        const [info, items] = await Promise.all([this.api.info({}), this.api.trace({ after: this.state.trace.lastSeq, limit: TRACE_CAP })]);
        this.pendingItems.push(...items);
        this.set({ info });
        this.flush();
        this.set({ traceLoaded: true });
      } catch (e) {
        this.notify('error', 'Could not load the trace', (e as Error).message);
      } finally {
        this.fetching = undefined;
      }
    })();
    return this.fetching;
  }

  private onPush(m: PushMessage): void {
    if (m.type === 'trace') this.pendingItems.push(...m.items);
    else if (m.type === 'state') this.pendingState = m;
    else if (m.type === 'resync') void this.load();
    else if (m.type === 'recipe') this.pendingRecipe.push(m.progress);
    else if (m.type === 'load') this.pendingLoad = m.progress;
    // Bounded even if frames stop (hidden tab): never hold more than the window would keep.
    if (this.pendingItems.length > TRACE_CAP * 2) this.pendingItems.splice(0, this.pendingItems.length - TRACE_CAP * 2);
    this.schedule();
  }

  /** At most one flush per animation frame and per FLUSH_GAP_MS; a hidden window still flushes on a timer floor. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      if (!this.scheduled) return;
      this.flush();
    };
    const wait = Math.max(0, this.lastFlush + FLUSH_GAP_MS - performance.now());
    if (typeof document !== 'undefined' && document.visibilityState === 'visible' && typeof requestAnimationFrame === 'function') {
      // The frame is asked for when the gap is over; a window (or test page) gone by then just runs.
      if (wait > 0) setTimeout(() => (typeof requestAnimationFrame === 'function' ? requestAnimationFrame(run) : run()), wait);
      else requestAnimationFrame(run);
      setTimeout(run, wait + 250);
    } else setTimeout(run, wait + 250);
  }

  flush(): void {
    this.scheduled = false;
    this.lastFlush = performance.now();
    const patch: Partial<ViewState> = {};
    if (this.pendingItems.length) {
      patch.trace = addItems(this.state.trace, this.pendingItems, TRACE_CAP);
      this.pendingItems = [];
    }
    if (this.pendingState) {
      patch.snapshot = this.pendingState.snapshot;
      patch.jars = this.pendingState.jars;
      patch.browserSessions = this.pendingState.browserSessions;
      patch.snapshotAt = Date.now();
      this.pendingState = undefined;
    }
    if (this.pendingLoad) {
      patch.loadProgress = this.pendingLoad;
      this.pendingLoad = undefined;
    }
    if (this.pendingRecipe.length) {
      patch.recipeRun = this.pendingRecipe.reduce(applyRecipeProgress, this.state.recipeRun);
      this.pendingRecipe = [];
    }
    if (Object.keys(patch).length) this.set(patch);
  }

  clearTraceView(): void {
    this.set({ trace: emptyTrace(this.state.trace.lastSeq) });
  }

  notify(tone: Notice['tone'], title: string, message: string): void {
    const notice = { id: ++this.noticeSeq, tone, title, message };
    this.set({ notices: [...this.state.notices.slice(-4), notice] });
    setTimeout(() => this.dismiss(notice.id), tone === 'error' ? 9000 : 4000);
  }

  dismiss(id: number): void {
    this.set({ notices: this.state.notices.filter((n) => n.id !== id) });
  }

  /** Runs a command for a button: a refusal becomes a notice, never an unhandled rejection. */
  async run<T>(title: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      this.notify('error', title, e instanceof CommandError ? e.message : `${(e as Error).message}`);
      return undefined;
    }
  }
}

let current: LabStore | undefined;

export function setStore(s: LabStore): void {
  current = s;
}

export function useStore(): LabStore {
  if (!current) throw new Error('LabStore not set');
  return current;
}

export function useLab<T>(select: (s: ViewState) => T): T {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}

/** Lab time now, extrapolated from the last snapshot on this machine's clock. */
export function labNow(s: Pick<ViewState, 'snapshot' | 'snapshotAt'>, realNow = Date.now()): number {
  const c = s.snapshot?.clock;
  if (!c) return realNow;
  return c.paused ? c.now : c.now + (realNow - s.snapshotAt) * c.speed;
}

const tickListeners = new Set<() => void>();
let tick = 0;
let tickTimer: ReturnType<typeof setInterval> | undefined;

/**
 * Five times a second while anyone listens. A countdown cell writes its own text from here
 * (onTick) instead of re-rendering its table; the header clock re-renders (useLabNow).
 */
export function onTick(l: () => void): () => void {
  tickListeners.add(l);
  tickTimer ??= setInterval(() => {
    tick++;
    for (const t of tickListeners) t();
  }, 200);
  return () => {
    tickListeners.delete(l);
    if (!tickListeners.size && tickTimer) {
      clearInterval(tickTimer);
      tickTimer = undefined;
    }
  };
}

/** Lab time that re-renders the caller five times a second: countdowns and the header clock. */
export function useLabNow(): number {
  useSyncExternalStore(onTick, () => tick);
  const snapshot = useLab((s) => s.snapshot);
  const snapshotAt = useLab((s) => s.snapshotAt);
  return labNow({ snapshot, snapshotAt });
}
