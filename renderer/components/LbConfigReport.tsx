/**
 * A balancer configuration as `lb check` reads it: what it routes by, its findings in the
 * diagnosis style (what in the file, what AM does, what the browser does, the ticket, the fix) and
 * which lab node plays each of its servers.
 */
import type { LbConfigView, LbFinding } from '../../main/contract';
import { Badge } from './ui';

const SEVERITY: Record<LbFinding['severity'], { tone: 'error' | 'warn' | 'info'; text: string }> = {
  error: { tone: 'error', text: 'breaks logins' },
  warning: { tone: 'warn', text: 'breaks when…' },
  info: { tone: 'info', text: 'worth knowing' },
};

function Finding({ f }: { f: LbFinding }) {
  const s = SEVERITY[f.severity];
  return (
    <li className={`lb-finding lb-finding-${f.severity}`} data-testid={`lb-finding-${f.id}`}>
      <div className="lb-finding-head">
        <Badge tone={s.tone}>{s.text}</Badge>
        <span className="lb-finding-title">{f.title}</span>
        <span className="lb-finding-line muted">{f.line === null ? "the product's default" : `line ${f.line}`}</span>
      </div>
      <table className="kv">
        <tbody>
          <tr>
            <th scope="row">In the file</th>
            <td>{f.file}</td>
          </tr>
          <tr>
            <th scope="row">AM</th>
            <td>{f.am}</td>
          </tr>
          <tr>
            <th scope="row">The browser</th>
            <td>{f.browser}</td>
          </tr>
          <tr>
            <th scope="row">Ticket</th>
            <td>{f.ticket}</td>
          </tr>
          <tr className="lb-fix">
            <th scope="row">Fix</th>
            <td>{f.fix}</td>
          </tr>
        </tbody>
      </table>
    </li>
  );
}

export function LbConfigReport({ view }: { view: LbConfigView }) {
  const breaking = view.findings.filter((f) => f.severity === 'error').length;
  return (
    <div className="lb-report" data-testid="lb-report">
      <div className="lb-verdict" role="status">
        <Badge tone={breaking ? 'error' : 'ok'}>{breaking ? `${breaking} ${breaking === 1 ? 'finding breaks' : 'findings break'} logins` : 'no finding breaks a login'}</Badge>
        <span className="lb-mechanism">{view.mechanism}</span>
        <span className="muted">
          {view.product} · {view.backend}
        </span>
      </div>
      {view.findings.length > 0 && (
        <ul className="lb-findings" aria-label="Findings">
          {view.findings.map((f, i) => (
            <Finding key={`${f.id}-${i}`} f={f} />
          ))}
        </ul>
      )}
      <h3 className="lb-subtitle">Servers on the lab's nodes (in order)</h3>
      <table className="grid-table" data-testid="lb-servers">
        <thead>
          <tr>
            <th>Server in the file</th>
            <th>Cookie value</th>
            <th>Lab node</th>
          </tr>
        </thead>
        <tbody>
          {view.servers.map((s) => (
            <tr key={s.server}>
              <td className="mono">
                {s.server}
                {s.backup && <Badge>backup</Badge>}
              </td>
              <td className="mono">{s.cookie ?? <span className="muted">—</span>}</td>
              <td className="mono">{s.node ?? <span className="muted">none: the lab has fewer nodes</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {view.notes.length > 0 && (
        <>
          <h3 className="lb-subtitle">Read and not modelled</h3>
          <ul className="lb-notes">
            {view.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
