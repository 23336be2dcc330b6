import { describe, expect, it } from 'vitest';
import { countdownLevel, formatBytes, formatClock, formatClockMs, formatCountdown, formatDateTime, formatDuration, formatMs, formatSpeed, middleEllipsis, prettyBody, shortPath } from '../../renderer/lib/format';

const T = Date.UTC(2026, 10, 23, 14, 3, 21, 45);
const MIN = 60_000;

describe('window formatting (renderer/lib/format.ts)', () => {
  it('shows lab instants as 24 h clock times and dates', () => {
    expect(formatClock(T, 'UTC')).toBe('14:03:21');
    expect(formatClockMs(T, 'UTC')).toBe('14:03:21.045');
    expect(formatDateTime(T, 'UTC')).toBe('23 Nov 14:03:21');
  });

  it('says lengths of time in words', () => {
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(31 * MIN)).toBe('31 min');
    expect(formatDuration(31 * MIN + 5_000)).toBe('31 min 5 s');
    expect(formatDuration(121 * MIN)).toBe('2 h 1 min');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
    expect(formatDuration(-5 * MIN)).toBe('−5 min');
  });

  it('counts down to a deadline on the lab clock, rounding up so 0:00 is never shown while alive', () => {
    expect(formatCountdown(T + 30 * MIN, T)).toBe('30:00');
    expect(formatCountdown(T + 30 * MIN, T + 1)).toBe('30:00');
    expect(formatCountdown(T + 30 * MIN, T + 1000)).toBe('29:59');
    expect(formatCountdown(T + 1, T)).toBe('0:01');
    expect(formatCountdown(T + 2 * 3_600_000 + 5_000, T)).toBe('2:00:05');
    expect(formatCountdown(T + 26 * 3_600_000, T)).toBe('1 d 02:00:00');
    expect(formatCountdown(T, T)).toBe('expired');
    expect(formatCountdown(T - 1, T)).toBe('expired');
    expect(formatCountdown(null, T)).toBe('—');
  });

  it('colours the last five minutes of a countdown', () => {
    expect(countdownLevel(null, T)).toBe('none');
    expect(countdownLevel(T + 30 * MIN, T)).toBe('ok');
    expect(countdownLevel(T + 5 * MIN, T)).toBe('soon');
    expect(countdownLevel(T, T)).toBe('expired');
  });

  it('formats measured timings, sizes and speeds', () => {
    expect(formatMs(0.42)).toBe('0.4 ms');
    expect(formatMs(12.4)).toBe('12 ms');
    expect(formatMs(1234)).toBe('1.23 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
    expect(formatSpeed(3600)).toBe('3600×');
    expect(formatSpeed(0.5)).toBe('0.5×');
  });

  it('shortens tokens and realm paths, pretty-prints JSON bodies and leaves other text alone', () => {
    expect(middleEllipsis('AQIC5wM2LY4SfczKnYbZ4nT0.*AAJTSQACMDE.*', 6)).toBe('AQIC5w…CMDE.*');
    expect(middleEllipsis('short', 6)).toBe('short');
    expect(shortPath('/am/json/realms/root/authenticate')).toBe('/…/authenticate');
    expect(prettyBody('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyBody('{not json')).toBe('{not json');
    expect(prettyBody('<img src=x onerror=alert(1)>')).toBe('<img src=x onerror=alert(1)>');
  });
});
