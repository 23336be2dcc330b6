import { useMemo } from 'react';
import type { CookieView } from '../../main/contract';
import { cookieHistory } from '../lib/cookieHistory';
import { formatClock, formatCountdown, formatDateTime, middleEllipsis, shortPath } from '../lib/format';
import { labNow, useLab, useLabNow, useStore } from '../state/store';
import { Badge, EmptyState } from './ui';
import '../styles/cookies.css';

function Check({ on }: { on: boolean }) {
  return on ? <span aria-label="yes">✓</span> : <span className="muted" aria-label="no" />;
}

/** The header of a cookie table, DevTools order; a jar also shows each cookie's domain and size. */
export function CookieColumns({ jar = false }: { jar?: boolean }) {
  return (
    <thead>
      <tr>
        <th>Name</th>
        <th>Value</th>
        {jar && <th>Domain</th>}
        <th>Path</th>
        <th>Expires (lab clock)</th>
        {jar && <th>Size</th>}
        <th>HttpOnly</th>
        <th>Secure</th>
        <th>SameSite</th>
      </tr>
    </thead>
  );
}

/** One jar, DevTools style; expiry is judged on the lab clock, like the jar itself does. */
export function CookieTable({ cookies, now, label }: { cookies: CookieView[]; now: number; label: string }) {
  return (
    <table className="grid-table cookies-table" aria-label={label}>
      <CookieColumns jar />
      <tbody>
        {cookies.length === 0 ? (
          <tr>
            <td colSpan={9} className="muted center">
              This jar is empty.
            </td>
          </tr>
        ) : (
          cookies.map((c) => (
            <tr key={`${c.domain}|${c.path}|${c.name}`} data-testid={`cookie-${c.name}`}>
              <td className="mono">{c.name}</td>
              <td className="mono wrap cookie-value" title={c.value}>
                {c.value}
              </td>
              <td className="mono">{c.domain}</td>
              <td className="mono">{c.path}</td>
              <td>
                {c.expires === null ? (
                  'Session'
                ) : (
                  <>
                    {formatDateTime(c.expires)} <span className="muted">({formatCountdown(c.expires, now)})</span>
                  </>
                )}
              </td>
              <td className="num">{c.name.length + c.value.length}</td>
              <td className="center">
                <Check on={c.httpOnly} />
              </td>
              <td className="center">
                <Check on={c.secure} />
              </td>
              <td>{c.sameSite === 'none' ? <span className="muted">not set</span> : c.sameSite}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

const CHANGE_TONE = { set: 'ok', changed: 'info', refreshed: 'neutral', removed: 'warn', expired: 'warn', refused: 'error' } as const;

/** What happened to this browser's cookies, and by which response: newest last. */
function CookieHistory({ browser, name, onOpenExchange }: { browser: string; name: string; onOpenExchange: (id: string) => void }) {
  const store = useStore();
  const newest = useLab((s) => s.trace.lastByBrowser.get(browser));
  const minute = Math.floor(useLabNow() / 60_000);
  const rows = useMemo(() => {
    const { exchanges, events } = store.getState().trace;
    const mine = exchanges.filter((e) => e.browser === browser);
    const refused = events.filter((e) => e.type === 'cookie-blocked' && e.data.browser === browser);
    return cookieHistory(mine, refused, labNow(store.getState()));
  }, [store, browser, newest, minute]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <details className="cookie-history" data-testid={`cookie-history-${browser}`}>
      <summary className="small">
        History <span className="muted">({rows.length} change{rows.length === 1 ? '' : 's'})</span>
      </summary>
      {rows.length === 0 ? (
        <p className="muted small">No response has set a cookie in this browser yet.</p>
      ) : (
        <table className="grid-table" aria-label={`Cookie history of ${name}`}>
          <thead>
            <tr>
              <th>Lab time</th>
              <th>Cookie</th>
              <th>Change</th>
              <th>Value</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} data-change={r.change}>
                <td className="mono small">{formatClock(r.at)}</td>
                <td className="mono">{r.name}</td>
                <td>
                  <Badge tone={CHANGE_TONE[r.change]}>{r.change}</Badge> <span className="muted small">{r.detail}</span>
                </td>
                <td className="mono wrap cookie-value" title={r.value}>
                  {r.value ? middleEllipsis(r.value, 10) : <span className="muted">—</span>}
                </td>
                <td>
                  {r.exchange ? (
                    <button type="button" className="link small" onClick={() => onOpenExchange(r.exchange!.id)} title="Show this response in Traffic">
                      #{r.exchange.seq} {r.exchange.request.method} {shortPath(r.exchange.request.path.split('?')[0] ?? '')} → {r.exchange.response.status}
                    </button>
                  ) : (
                    <span className="muted small">{r.change === 'refused' ? 'the browser' : 'the lab clock'}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

export function Cookies({ onOpenExchange }: { onOpenExchange: (id: string) => void }) {
  const browsers = useLab((s) => s.snapshot?.browsers);
  const jars = useLab((s) => s.jars);
  const now = useLabNow();
  if (!browsers) return <EmptyState title="Loading…" />;
  if (!browsers.length)
    return (
      <EmptyState icon="◔" title="No cookie jars yet">
        Each virtual browser keeps its own jar. Create one in Browsers and log in to see iPlanetDirectoryPro and amlbcookie arrive.
      </EmptyState>
    );
  return (
    <div className="jars" data-testid="cookie-jars">
      {browsers.map((b) => (
        <section key={b.id} className="jar" aria-labelledby={`jar-${b.id}`} data-testid={`jar-${b.id}`}>
          <h3 id={`jar-${b.id}`} className="jar-title">
            {b.name} <span className="muted small">({b.id})</span>
          </h3>
          <CookieTable cookies={jars[b.id] ?? []} now={now} label={`Cookies of ${b.name}`} />
          <CookieHistory browser={b.id} name={b.name} onOpenExchange={onOpenExchange} />
        </section>
      ))}
    </div>
  );
}
