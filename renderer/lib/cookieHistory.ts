/**
 * A virtual browser's cookie history, DevTools-style but over time: every Set-Cookie its responses
 * carried (set, changed, refreshed with the same value, removed), the cookies it refused, and the
 * expiries that passed on the lab clock since — each tied to the response that did it.
 */
import type { LabEvent, TraceExchange } from '../../main/contract';
import { setCookieRows } from './cookies';

export type CookieChange = 'set' | 'changed' | 'refreshed' | 'removed' | 'expired' | 'refused';

export interface CookieHistoryRow {
  at: number;
  name: string;
  change: CookieChange;
  value: string;
  /** The response that set or removed it (null for an expiry, which no response announces). */
  exchange: TraceExchange | null;
  detail: string;
}

export function cookieHistory(exchanges: readonly TraceExchange[], events: readonly LabEvent[], now: number): CookieHistoryRow[] {
  const rows: CookieHistoryRow[] = [];
  const held = new Map<string, { value: string; expiresAt: number | null }>();
  for (const ex of exchanges) {
    for (const c of setCookieRows(ex.response.headers, ex.labEnd)) {
      const before = held.get(c.name);
      if (c.removes) {
        rows.push({ at: ex.labEnd, name: c.name, change: 'removed', value: c.value, exchange: ex, detail: c.value === 'LOGOUT' ? 'set to LOGOUT with an expiry in the past' : 'expiry in the past' });
        held.delete(c.name);
        continue;
      }
      const change: CookieChange = !before ? 'set' : before.value === c.value ? 'refreshed' : 'changed';
      rows.push({ at: ex.labEnd, name: c.name, change, value: c.value, exchange: ex, detail: c.expiresAt === null ? 'session cookie' : `expires ${c.expirySource}` });
      held.set(c.name, { value: c.value, expiresAt: c.expiresAt });
    }
  }
  for (const e of events) {
    if (e.type !== 'cookie-blocked') continue;
    rows.push({ at: e.labTime, name: e.data.cookie, change: 'refused', value: '', exchange: null, detail: e.data.reason });
  }
  // Expiries that have passed since, on the lab clock.
  for (const [name, c] of held) if (c.expiresAt !== null && c.expiresAt <= now) rows.push({ at: c.expiresAt, name, change: 'expired', value: c.value, exchange: null, detail: 'its expiry passed on the lab clock' });
  return rows.sort((a, b) => a.at - b.at);
}
