/** Formatting for the window: lab times, durations, countdowns, sizes. Pure, so unit-tested. */

const SECOND = 1000;
export const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * One Intl formatter per style and time zone: building one costs far more than formatting with it,
 * and a table of thousands of times asked for a new one per cell (the window's longest tasks).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(style: 'clock' | 'day' | 'date', timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${style} ${timeZone ?? ''}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      style === 'clock' ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false } : style === 'day' ? { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' } : { day: 'numeric', month: 'short' };
    f = new Intl.DateTimeFormat('en-GB', { ...options, timeZone });
    formatters.set(key, f);
  }
  return f;
}

/** Wall-clock time of a lab instant, 24 h, e.g. 14:03:21. */
export function formatClock(ms: number, timeZone?: string): string {
  return formatter('clock', timeZone).format(ms);
}

/** Clock time with milliseconds, for the traffic table. */
export function formatClockMs(ms: number, timeZone?: string): string {
  return `${formatClock(ms, timeZone)}.${String(Math.floor(((ms % 1000) + 1000) % 1000)).padStart(3, '0')}`;
}

/** Day of a lab instant, e.g. Mon 23 Nov 2026. */
export function formatDay(ms: number, timeZone?: string): string {
  return formatter('day', timeZone).format(ms);
}

/** Date and time for cookie expiries and session columns, e.g. 23 Nov 14:03:21. */
export function formatDateTime(ms: number, timeZone?: string): string {
  return `${formatter('date', timeZone).format(ms)} ${formatClock(ms, timeZone)}`;
}

/** A length of time in words: 45 s, 31 min, 2 h 1 min, 3 d 4 h. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '−' : '';
  if (abs < SECOND) return `${sign}${Math.round(abs)} ms`;
  if (abs < MINUTE) return `${sign}${Math.floor(abs / SECOND)} s`;
  if (abs < HOUR) {
    const m = Math.floor(abs / MINUTE);
    const s = Math.floor((abs % MINUTE) / SECOND);
    return s ? `${sign}${m} min ${s} s` : `${sign}${m} min`;
  }
  if (abs < DAY) {
    const h = Math.floor(abs / HOUR);
    const m = Math.floor((abs % HOUR) / MINUTE);
    return m ? `${sign}${h} h ${m} min` : `${sign}${h} h`;
  }
  const d = Math.floor(abs / DAY);
  const h = Math.floor((abs % DAY) / HOUR);
  return h ? `${sign}${d} d ${h} h` : `${sign}${d} d`;
}

/**
 * Time left until a lab deadline, as a ticking countdown: 29:59, 1:59:59, 2 d 03:00:00.
 * null when there is no deadline (client-based sessions have no idle timeout).
 */
export function formatCountdown(deadline: number | null, now: number): string {
  if (deadline === null) return '—';
  const left = deadline - now;
  if (left <= 0) return 'expired';
  const total = Math.ceil(left / SECOND);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d) return `${d} d ${pad(h)}:${pad(m)}:${pad(s)}`;
  if (h) return `${h}:${pad(m)}:${pad(s)}`;
  return `${m}:${pad(s)}`;
}

/** How urgent a countdown is: lets the monitor colour the last minutes. */
export function countdownLevel(deadline: number | null, now: number): 'none' | 'ok' | 'soon' | 'expired' {
  if (deadline === null) return 'none';
  const left = deadline - now;
  if (left <= 0) return 'expired';
  return left <= 5 * MINUTE ? 'soon' : 'ok';
}

/** Real milliseconds of a measured timing: 0.4 ms, 12 ms, 1.2 s. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Clock speed as the header shows it: 1×, 60×, 3600×, 0.5×. */
export function formatSpeed(speed: number): string {
  return `${Number.isInteger(speed) ? speed : speed.toFixed(2).replace(/0+$/, '')}×`;
}

/** Long opaque values (tokens, handles) shortened around an ellipsis for tables. */
export function middleEllipsis(s: string, keep = 10): string {
  return s.length <= keep * 2 + 1 ? s : `${s.slice(0, keep)}…${s.slice(-keep)}`;
}

/** A body as text to show: JSON pretty-printed, anything else as is. */
export function prettyBody(text: string): string {
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

/** Path without the realm prefix noise, for the narrow table column. */
export function shortPath(path: string): string {
  return path.replace(/^\/am\/json\/realms\/root\//, '/…/');
}
