import type { CookieView } from '../../main/contract';
import { formatCountdown, formatDateTime } from '../lib/format';
import { useLab, useLabNow } from '../state/store';
import { EmptyState } from './ui';
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

export function Cookies() {
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
        </section>
      ))}
    </div>
  );
}
