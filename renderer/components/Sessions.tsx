import { useState } from 'react';
import type { SessionRow } from '../../main/contract';
import { countdownLevel, formatCountdown, formatDateTime, middleEllipsis } from '../lib/format';
import { useLab, useLabNow, useStore } from '../state/store';
import { OAuth2Grants } from './OAuth2Grants';
import { Badge, Button, EmptyState, Segmented } from './ui';
import '../styles/grid.css';
import '../styles/sessions.css';

const REASONS: Record<string, string> = { logout: 'logged out', admin: 'terminated by admin', 'max-time': 'max session time', idle: 'max idle time' };

function Countdown({ deadline, now, testId }: { deadline: number | null; now: number; testId?: string }) {
  if (deadline === null) return <span className="muted" title="Client-based sessions have no idle timeout">—</span>;
  return (
    <span className={`countdown countdown-${countdownLevel(deadline, now)}`} data-testid={testId}>
      {formatCountdown(deadline, now)}
    </span>
  );
}

/** CTS sessions as AM's admin console lists them, counting down on the lab clock. */
export function Sessions() {
  const store = useStore();
  const rows = useLab((s) => s.snapshot?.sessions);
  const users = useLab((s) => s.snapshot?.users);
  const sessionsKind = useLab((s) => s.snapshot?.config.sessions);
  const now = useLabNow();
  const [show, setShow] = useState<'all' | 'active'>('all');
  if (!rows) return <EmptyState title="Loading sessions…" />;
  const active = rows.filter((r) => r.status === 'active').length;
  const shown = show === 'active' ? rows.filter((r) => r.status === 'active') : rows;
  const demo = new Set(users?.filter((u) => u.demo).map((u) => u.username));
  const terminate = (r: SessionRow) => store.run(`Could not terminate the session of ${r.username}`, () => store.api.perform({ action: 'admin-terminate', handle: r.handle }));

  return (
    <div className="sessions">
      <div className="toolbar">
        <Segmented<'all' | 'active'>
          label="Which sessions"
          value={show}
          onChange={setShow}
          options={[
            { value: 'all', label: 'Active and ended' },
            { value: 'active', label: 'Active only' },
          ]}
        />
        <span className="toolbar-spacer" />
        <span className="toolbar-count">
          {active} active · {rows.length - active} ended
        </span>
      </div>
      {sessionsKind === 'client' && <p className="note">Client-based sessions live in the browser's cookie, not the CTS: the monitor lists CTS sessions only, as AM's console does.</p>}
      {shown.length === 0 ? (
        <EmptyState icon="◷" title={rows.length ? 'No active sessions' : 'No sessions in the CTS'}>
          {rows.length ? 'Ended sessions stay listed with their reason: choose “Active and ended”.' : 'Log in from a virtual browser: the session appears here with its idle and max-time countdowns on the lab clock.'}
        </EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="grid-table sessions-table" aria-label="CTS sessions" data-testid="sessions">
            <thead>
              <tr>
                <th>User</th>
                <th>Node</th>
                <th>Created</th>
                <th>Last access</th>
                <th>Idle left</th>
                <th>Max left</th>
                <th>Status</th>
                <th>Handle</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.handle} className={r.status === 'ended' ? 'is-ended' : ''} data-testid="session-row" data-status={r.status} data-reason={r.reason ?? ''}>
                  <td>
                    {r.username}
                    {demo.has(r.username) && (
                      <>
                        {' '}
                        <Badge tone="warn" title="demo credentials — lab only">
                          lab only
                        </Badge>
                      </>
                    )}
                    {r.realm !== '/' && <span className="muted small"> {r.realm}</span>}
                  </td>
                  <td>
                    <span className="chip">{r.homeNode}</span>
                  </td>
                  <td>{formatDateTime(r.createdAt)}</td>
                  <td>{formatDateTime(r.latestAccessTime)}</td>
                  <td>{r.status === 'active' ? <Countdown deadline={r.maxIdleExpiration} now={now} testId="idle-left" /> : <span className="muted">—</span>}</td>
                  <td>{r.status === 'active' ? <Countdown deadline={r.maxSessionExpiration} now={now} /> : <span className="muted">—</span>}</td>
                  <td>
                    {r.status === 'active' ? (
                      <Badge tone="ok">active</Badge>
                    ) : (
                      <span title={r.endedAt ? `ended ${formatDateTime(r.endedAt)}` : undefined}>
                        <Badge tone={r.reason === 'logout' ? 'neutral' : r.reason === 'admin' ? 'info' : 'warn'}>{REASONS[r.reason ?? ''] ?? 'ended'}</Badge>
                        {r.endedAt && <span className="muted small"> {formatDateTime(r.endedAt)}</span>}
                      </span>
                    )}
                  </td>
                  <td className="mono muted" title={r.handle}>
                    {middleEllipsis(r.handle, 6)}
                  </td>
                  <td>
                    {r.status === 'active' && (
                      <Button size="sm" tone="danger" onClick={() => terminate(r)} aria-label={`Terminate the session of ${r.username} on node ${r.homeNode}`}>
                        Terminate
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <OAuth2Grants />
    </div>
  );
}
