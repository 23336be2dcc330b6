import { useEffect, useRef } from 'react';
import { countdownLevel, formatCountdown } from '../lib/format';
import { labNow, onTick, useStore } from '../state/store';

/**
 * Time left until a lab-clock deadline, ticking. It writes its own text on each tick instead of
 * re-rendering: a table of countdowns costs a few text writes a second, not a render of the table.
 */
export function Countdown({ deadline, testId }: { deadline: number | null; testId?: string }) {
  const store = useStore();
  const ref = useRef<HTMLSpanElement>(null);
  const now = labNow(store.getState());
  useEffect(() => {
    if (deadline === null) return;
    return onTick(() => {
      const el = ref.current;
      if (!el) return;
      const t = labNow(store.getState());
      const text = formatCountdown(deadline, t);
      // The text node React rendered is updated in place, so React's next render still finds it.
      const node = el.firstChild;
      if (node && node.nodeValue !== text) node.nodeValue = text;
      const cls = `countdown countdown-${countdownLevel(deadline, t)}`;
      if (el.className !== cls) el.className = cls;
    });
  }, [deadline, store]);
  if (deadline === null) return <span className="muted" title="Client-based sessions have no idle timeout">—</span>;
  return (
    <span ref={ref} className={`countdown countdown-${countdownLevel(deadline, now)}`} data-testid={testId}>
      {formatCountdown(deadline, now)}
    </span>
  );
}
