import { readFileSync } from 'node:fs';
import { livePids } from './procs';

/**
 * How busy the machine was with work that is not the bench's: /proc/stat for the whole machine,
 * /proc/<pid>/stat for this process and its children. Other sessions on a shared 2-core box
 * can halve a proxy's req/s, so every run reports the share of CPU taken by others.
 */
export interface CpuSnapshot {
  total: number;
  busy: number;
  ours: number;
}

export function cpuSnapshot(pids: number[]): CpuSnapshot | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = f[3]! + f[4]!;
    let ours = 0;
    for (const pid of pids) ours += procTicks(pid);
    return { total, busy: total - idle, ours };
  } catch {
    return undefined;
  }
}

function procTicks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: utime, stime (14, 15) and the same for the
    // children it has reaped (16, 17), so a wrk run that ended between two looks still counts as ours.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
  } catch {
    return 0;
  }
}

/** Share of the whole machine's CPU time (all cores) used by other processes between a and b. */
export function foreignShare(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): number | null {
  if (!a || !b || b.total <= a.total) return null;
  const foreign = b.busy - a.busy - (b.ours - a.ours);
  return Math.max(0, foreign / (b.total - a.total));
}

/**
 * Waits (in 250 ms looks, at most maxMs) until other processes use at most `share` of the CPU,
 * so a measurement starts in a quiet moment. Returns the last share seen (null off Linux).
 */
export async function waitForQuiet(share: number, maxMs: number): Promise<number | null> {
  const until = Date.now() + maxMs;
  for (;;) {
    const a = cpuSnapshot(livePids());
    await new Promise((r) => setTimeout(r, 250));
    const seen = foreignShare(a, cpuSnapshot(livePids()));
    if (seen === null || seen <= share || Date.now() >= until) return seen;
  }
}
