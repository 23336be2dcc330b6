import { useState } from 'react';
import { MINUTE, formatClock, formatDay, formatDuration, formatSpeed } from '../lib/format';
import { useLab, useLabNow, useStore } from '../state/store';
import { Badge, Button, Segmented } from './ui';
import type { Theme } from './theme';
import '../styles/header.css';

const SPEEDS = [1, 60, 3600] as const;
const ADVANCES = [1, 5, 31, 121] as const;

/** The lab clock: always visible, because every expiry in the lab reads it. */
export function ClockControls() {
  const store = useStore();
  const clock = useLab((s) => s.snapshot?.clock);
  const now = useLabNow();
  const [custom, setCustom] = useState('');
  if (!clock) return <div className="clock is-loading" aria-busy="true" />;
  const ahead = now - Date.now();
  const speed = SPEEDS.find((s) => s === clock.speed);
  const advance = (min: number) => store.run('Could not advance the clock', () => store.api.perform({ action: 'wait', ms: Math.round(min * MINUTE) }));
  return (
    <div className="clock" role="group" aria-label="Lab clock">
      <div className="clock-face" data-testid="lab-clock">
        <div className="clock-top">
          <span className="clock-label">Lab time</span>
          <span className="clock-day">{formatDay(now)}</span>
        </div>
        <div className="clock-bottom">
          <time className="clock-time" aria-live="off">
            {formatClock(now)}
          </time>
          {Math.abs(ahead) >= 60_000 && (
            <span className="clock-ahead" title="How far the lab clock is from this computer's clock">
              {ahead > 0 ? '+' : ''}
              {formatDuration(Math.round(ahead / 60_000) * 60_000)}
            </span>
          )}
        </div>
      </div>
      <div className="clock-controls">
        <Button
          size="sm"
          tone={clock.paused ? 'primary' : 'default'}
          onClick={() => store.run('Could not change the clock', () => store.api.pauseClock({ paused: !clock.paused }))}
          aria-label={clock.paused ? 'Resume the lab clock' : 'Pause the lab clock'}
          data-testid="clock-pause"
        >
          {clock.paused ? '▶ Resume' : '❚❚ Pause'}
        </Button>
        <Segmented
          label="Clock speed"
          value={speed ? String(speed) : 'other'}
          options={SPEEDS.map((s) => ({ value: String(s), label: formatSpeed(s), title: s === 1 ? 'Real time' : `${s} lab seconds per real second` }))}
          onChange={(v) => void store.run('Could not change the clock speed', () => store.api.setClockSpeed({ speed: Number(v) }))}
          testId="clock-speed"
        />
        {clock.paused && <Badge tone="warn">paused</Badge>}
        {!speed && <Badge tone="info">{formatSpeed(clock.speed)}</Badge>}
        <div className="clock-advance" role="group" aria-label="Advance the lab clock">
          <span className="clock-advance-label">Advance</span>
          {ADVANCES.map((m) => (
            <Button key={m} size="sm" onClick={() => advance(m)} title={`Jump the lab clock ${m} minutes ahead`} data-testid={`advance-${m}`}>
              +{m} min
            </Button>
          ))}
          <form
            className="clock-custom"
            onSubmit={(e) => {
              e.preventDefault();
              const min = Number(custom);
              if (!Number.isFinite(min) || min <= 0) return store.notify('error', 'Advance by…', 'Enter a number of minutes greater than 0');
              void advance(min).then(() => setCustom(''));
            }}
          >
            <input type="number" min="0" step="any" inputMode="decimal" placeholder="min" aria-label="Advance by this many minutes" value={custom} onChange={(e) => setCustom(e.target.value)} />
            <Button size="sm" type="submit" aria-label="Advance by the minutes entered">
              Go
            </Button>
          </form>
        </div>
      </div>
    </div>
  );
}

export function Header({ theme, onTheme }: { theme: Theme; onTheme: () => void }) {
  const status = useLab((s) => s.status);
  const host = useLab((s) => s.host);
  const balancer = useLab((s) => s.snapshot?.balancer);
  return (
    <header className="header">
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
          <rect x="1" y="1" width="30" height="30" rx="7" className="brand-bg" />
          <circle cx="16" cy="9" r="3.2" className="brand-dot" />
          <circle cx="8" cy="23" r="3.2" className="brand-dot" />
          <circle cx="16" cy="23" r="3.2" className="brand-dot" />
          <circle cx="24" cy="23" r="3.2" className="brand-dot" />
          <path d="M16 12v8M14 11.5l-5 9M18 11.5l5 9" className="brand-line" />
        </svg>
        <div>
          <div className="brand-name">AM Session Lab</div>
          <div className="brand-sub">
            {balancer ? (
              <>
                balancer <code>{balancer}</code>
              </>
            ) : (
              'starting…'
            )}
          </div>
        </div>
      </div>
      <ClockControls />
      <div className="header-end">
        <span className={`conn conn-${status}`} role="status" title={host === 'electron' ? 'Desktop app' : 'Browser host'}>
          <span className="conn-dot" aria-hidden="true" />
          {status === 'open' ? (host === 'electron' ? 'Connected' : 'Live') : status === 'unauthorized' ? 'Not authorised' : status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
        </span>
        <Button tone="ghost" size="sm" onClick={onTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} title="Light / dark theme">
          {theme === 'dark' ? '☀' : '☾'}
        </Button>
      </div>
    </header>
  );
}
