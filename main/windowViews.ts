/**
 * What the window is pushed and what its sessions monitor pages through. A lab after a load run
 * holds thousands of sessions: the pushed state carries their counts only, and the monitor asks
 * for the rows it shows (filtered and sorted here, a page at a time).
 */
import type { LabState, ParsedInput, SessionPage, SessionPageRow, SessionRow } from './contract';
import type { Lab } from './lab/lab';

/** The state every window gets: the snapshot without its session list, the jars, each browser's newest session. */
export async function windowState(lab: Lab): Promise<LabState> {
  const { sessions, ...snapshot } = await lab.snapshot();
  const byHandle = new Map(sessions.map((s) => [s.handle, s]));
  const jars: LabState['jars'] = {};
  const browserSessions: LabState['browserSessions'] = {};
  for (const b of lab.browsers.values()) {
    jars[b.id] = await b.cookies();
    const newest = b.sessionHandles.at(-1);
    browserSessions[b.id] = (newest && byHandle.get(newest)) || null;
  }
  const active = sessions.reduce((n, s) => n + (s.status === 'active' ? 1 : 0), 0);
  return { snapshot: { ...snapshot, sessionCounts: { active, ended: sessions.length - active } }, jars, browserSessions };
}

type Query = ParsedInput<'sessionPage'>;

export async function sessionPage(lab: Lab, q: Query): Promise<SessionPage> {
  const owners = new Map<string, string>();
  for (const b of lab.browsers.values()) for (const h of b.sessionHandles) owners.set(h, b.id);
  const all: SessionPageRow[] = (await lab.sessionRows()).map((s) => ({ ...s, browser: owners.get(s.handle) ?? null }));
  const active = all.reduce((n, s) => n + (s.status === 'active' ? 1 : 0), 0);
  const counts = { active, ended: all.length - active };
  if (q.handles) {
    const byHandle = new Map(all.map((s) => [s.handle, s]));
    const rows = q.handles.flatMap((h) => byHandle.get(h) ?? []);
    return { rows, total: rows.length, offset: 0, ...counts };
  }
  const matching = all.filter(matcher(q)).sort(order(q));
  return { rows: matching.slice(q.offset, q.offset + q.limit), total: matching.length, offset: q.offset, ...counts };
}

function matcher(q: Query): (s: SessionPageRow) => boolean {
  const user = q.user?.toLowerCase();
  return (s) =>
    (!user || s.username.toLowerCase().includes(user)) &&
    (!q.node || s.homeNode === q.node) &&
    (!q.browser || (q.browser === 'none' ? s.browser === null : s.browser === q.browser)) &&
    (q.state === 'all' || s.status === q.state);
}

/** The column's order, then the newest first, then the handle: equal rows never swap between two pages. */
function order(q: Query): (a: SessionPageRow, b: SessionPageRow) => number {
  const key = KEYS[q.sort];
  const dir = q.dir === 'asc' ? 1 : -1;
  return (a, b) => dir * compare(key(a), key(b)) || b.createdAt - a.createdAt || (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0);
}

/** A session without an idle limit (client-based) or ended sorts after every deadline. */
const KEYS: Record<Query['sort'], (s: SessionPageRow) => string | number> = {
  created: (s) => s.createdAt,
  user: (s) => s.username.toLowerCase(),
  node: (s) => s.homeNode,
  browser: (s) => (s.browser ? `b${s.browser.slice(1).padStart(9, '0')}` : '~'),
  lastAccess: (s) => s.latestAccessTime,
  idle: (s) => (s.status === 'active' ? (s.maxIdleExpiration ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER),
  maxTime: (s) => (s.status === 'active' ? s.maxSessionExpiration : Number.MAX_SAFE_INTEGER),
  status: (s: SessionRow) => (s.status === 'active' ? 'active' : `ended ${s.reason ?? ''}`),
};

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
