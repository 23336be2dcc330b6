import { memo } from 'react';
import type { SessionPageRow, SessionSort } from '../../main/contract';
import { formatClock, formatDateTime, middleEllipsis } from '../lib/format';
import { Countdown } from './Countdown';
import { Badge } from './ui';

/** Why a session ended, as the sessions monitor and a browser's card say it. */
export const ENDED: Record<string, { text: string; tone: 'neutral' | 'info' | 'warn' }> = {
  logout: { text: 'logged out', tone: 'neutral' },
  admin: { text: 'terminated by admin', tone: 'info' },
  'max-time': { text: 'max session time', tone: 'warn' },
  idle: { text: 'max idle time', tone: 'warn' },
};

export const SESSION_COLUMNS: { label: string; sort?: SessionSort; hidden?: boolean }[] = [
  { label: 'User', sort: 'user' },
  { label: 'Node', sort: 'node' },
  { label: 'Browser', sort: 'browser' },
  { label: 'Created', sort: 'created' },
  { label: 'Last access', sort: 'lastAccess' },
  { label: 'Idle left', sort: 'idle' },
  { label: 'Max left', sort: 'maxTime' },
  { label: 'Status', sort: 'status' },
  { label: 'Handle' },
  { label: 'Actions', hidden: true },
];

interface Props {
  index: number;
  top: number;
  height: number;
  row: SessionPageRow | undefined;
  demo: ReadonlySet<string>;
  browserNames: ReadonlyMap<string, string>;
  selected: ReadonlySet<string>;
  onToggle: (handle: string) => void;
  onOpenBrowser?: (id: string) => void;
  onTerminate: (row: SessionPageRow) => void;
}

/** One session: re-rendered only when its own data or selection changes, never for a tick. */
export const SessionGridRow = memo(function SessionGridRow({ index, top, height, row: r, demo, browserNames, selected, onToggle, onOpenBrowser, onTerminate }: Props) {
  const style = { transform: `translateY(${top}px)`, height };
  if (!r)
    return (
      <div role="row" aria-rowindex={index + 1} className="grid-row sessions-cols is-loading-row" style={style}>
        <span role="gridcell" className="muted">
          …
        </span>
      </div>
    );
  const active = r.status === 'active';
  const owner = r.browser && browserNames.has(r.browser) ? { id: r.browser, name: browserNames.get(r.browser)! } : undefined;
  const ended = ENDED[r.reason ?? ''];
  return (
    <div role="row" aria-rowindex={index + 1} aria-selected={selected.has(r.handle)} className={`grid-row sessions-cols${active ? '' : ' is-ended'}${selected.has(r.handle) ? ' is-selected' : ''}`} style={style} data-testid="session-row" data-status={r.status} data-reason={r.reason ?? ''} data-handle={r.handle}>
      <span role="gridcell">{active && <input type="checkbox" checked={selected.has(r.handle)} onChange={() => onToggle(r.handle)} aria-label={`Select the session of ${r.username} on node ${r.homeNode}`} />}</span>
      <span role="gridcell" className="ellipsis" title={r.realm !== '/' ? `${r.username} (realm ${r.realm})` : r.username}>
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
      </span>
      <span role="gridcell">
        <span className="chip">{r.homeNode}</span>
      </span>
      <span role="gridcell" className="ellipsis">
        {owner && onOpenBrowser ? (
          <button type="button" className="link" onClick={() => onOpenBrowser(owner.id)} title={`Show ${owner.name} (${owner.id})`} data-testid="session-browser">
            {owner.name}
          </button>
        ) : r.browser ? (
          <span className="muted" title="Its virtual browser was closed">
            {r.browser}
          </span>
        ) : (
          <span className="muted" title="A load run, a script or an SDK app: not one of this window's virtual browsers">
            —
          </span>
        )}
      </span>
      <span role="gridcell" className="mono small" title={formatDateTime(r.createdAt)}>
        {formatClock(r.createdAt)}
      </span>
      <span role="gridcell" className="mono small" title={formatDateTime(r.latestAccessTime)}>
        {formatClock(r.latestAccessTime)}
      </span>
      <span role="gridcell">{active ? <Countdown deadline={r.maxIdleExpiration} testId="idle-left" /> : <span className="muted">—</span>}</span>
      <span role="gridcell">{active ? <Countdown deadline={r.maxSessionExpiration} testId="max-left" /> : <span className="muted">—</span>}</span>
      <span role="gridcell" className="ellipsis">
        {active ? (
          <Badge tone="ok">active</Badge>
        ) : (
          <span title={r.endedAt ? `ended ${formatDateTime(r.endedAt)}` : undefined}>
            <Badge tone={ended?.tone ?? 'neutral'}>{ended?.text ?? 'ended'}</Badge>
            {r.endedAt && <span className="muted small"> {formatClock(r.endedAt)}</span>}
          </span>
        )}
      </span>
      <span role="gridcell" className="mono muted small ellipsis" title={r.handle}>
        {middleEllipsis(r.handle, 6)}
      </span>
      <span role="gridcell">
        {active && (
          <button type="button" className="btn btn-danger btn-sm" onClick={() => onTerminate(r)} aria-label={`Terminate the session of ${r.username} on node ${r.homeNode}`}>
            Terminate
          </button>
        )}
      </span>
    </div>
  );
});
