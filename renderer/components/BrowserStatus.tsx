import type { SessionRow } from '../../main/contract';
import { browserState } from '../lib/browserState';
import { MINUTE, formatClock } from '../lib/format';
import { labNow, useLab, useLabNow, useStore } from '../state/store';
import { Countdown } from './Countdown';
import { Button } from './ui';

/**
 * The browser's session as it stands: what its last request learned, what the lab knows happened
 * since (the CTS ended it), the countdowns of a live session and the cookies the jar still holds.
 */
export function BrowserStatus({ browser }: { browser: string }) {
  const last = useLab((s) => s.trace.lastByBrowser.get(browser));
  const linked = useLab((s) => (last ? s.trace.byExchange.get(last.id) : undefined));
  const session = useLab((s) => s.browserSessions[browser] ?? null);
  const jar = useLab((s) => s.jars[browser]);
  const sessionCookie = useLab((s) => s.snapshot?.config.sessionCookieName ?? 'iPlanetDirectoryPro');
  const lbCookie = useLab((s) => s.snapshot?.config.lbCookieName ?? 'amlbcookie');
  // Re-read on state pushes and every second: a session passes its idle limit with nobody asking.
  const now = Math.floor(useLabNow() / 1000) * 1000;
  const st = browserState({ last, linked: linked ?? [], session, jar, sessionCookie, lbCookie, now });
  const live = session?.status === 'active' && (st.kind === 'valid' || st.kind === 'expired');
  return (
    <div className={`browser-status tone-${st.tone}`} role="status" aria-live="polite" data-testid="browser-state" data-state={st.kind}>
      <div className="browser-status-head">
        <span className="browser-status-dot" aria-hidden="true" />
        <strong>{st.headline}</strong>
      </div>
      {st.since && <div className="small">{st.since}</div>}
      <div className="small muted">
        {st.last && <span>Last request: {st.last} · </span>}
        <span data-testid="browser-cookies">{st.cookies}</span>
      </div>
      {live && session && (
        <div className="small muted browser-status-left">
          idle left <Countdown deadline={session.maxIdleExpiration} /> · max left <Countdown deadline={session.maxSessionExpiration} /> · session on node {session.homeNode}
        </div>
      )}
    </div>
  );
}

/**
 * Idles this browser past its own session's max idle time (fixed when the session was created,
 * whatever the setting says now): the lab clock jumps to one second past that deadline and no
 * request is sent, so the browser learns of it only on its next one.
 */
export function IdleButton({ session }: { session: SessionRow | null }) {
  const store = useStore();
  const deadline = session?.status === 'active' ? session.maxIdleExpiration : null;
  const now = useLab((s) => Math.floor(labNow(s) / 1000) * 1000);
  const minutes = deadline !== null ? Math.max(1, Math.ceil((deadline - now) / MINUTE)) : null;
  const idle = () =>
    store.run('Could not advance the clock', async () => {
      const left = deadline! - labNow(store.getState());
      return store.api.perform({ action: 'wait', ms: Math.max(1, Math.ceil(left)) + 1000 });
    });
  return (
    <Button
      size="sm"
      disabled={deadline === null}
      title={
        deadline === null
          ? session?.status === 'active'
            ? 'Client-based sessions have no idle timeout'
            : 'No live CTS session in this browser'
          : `Jump the lab clock to just past this session's own max idle time (${formatClock(deadline)}), without using the session. No request is sent: the browser finds out on its next one.`
      }
      onClick={idle}
      data-testid="idle"
    >
      {minutes === null ? 'Idle past its limit' : `Idle past its limit (${minutes} min)`}
    </Button>
  );
}
