import { cpuSnapshot, foreignShare, waitForQuiet } from './cpu';
import { load, type LoadSample, type LoadSpec } from './load';
import { livePids } from './procs';
import { median, round } from './stats';

export interface Target {
  key: string;
  label: string;
  /** Origin the load goes to, e.g. http://127.0.0.1:4321 */
  url: string;
}

export interface Summary {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
}

export interface Run extends LoadSample {
  round: number;
  /** Share of the machine's CPU used by processes outside the bench during this run (null off Linux). */
  foreignCpu: number | null;
}

export interface TargetResult {
  key: string;
  label: string;
  /** The runs the medians are taken from (one per kept round). */
  runs: Run[];
  median: Summary;
}

export interface Ratio {
  of: string;
  to: string;
  /** Median req/s of `of` over median req/s of `to`. */
  ofMedians: number;
  /** The same ratio taken inside each round (same minute, same machine noise), then the median. */
  perRoundMedian: number;
  perRound: number[];
}

export interface RowResult {
  name: string;
  request: string;
  targets: TargetResult[];
  ratios: Ratio[];
  order: string[][];
  /** Rounds left out of the medians because other processes were busy during them, with every run. */
  discarded: { round: number; foreignCpu: number; runs: Record<string, Run> }[];
  /** True when too few quiet rounds were found and the medians include busy rounds. */
  noisy: boolean;
  /** Median share of CPU other processes took during the kept rounds. */
  foreignCpu: number | null;
  /** A single run without any proxy, to show what the load generator and backend can do at most. */
  reference?: Run & { label: string };
  problems: string[];
}

export interface CompareOptions {
  /** Quiet rounds wanted (at least this many rounds are run in any case). */
  rounds: number;
  /** Time for the rounds, waits included; extra rounds replacing busy ones start only within it. */
  budgetMs: number;
  /** Longest wait for a quiet moment before each round. */
  quietWaitMs: number;
  /** A round is busy when, in any of its runs, other processes took more than this share of the CPU. */
  busyShare: number;
  warmupSeconds: number;
  ratios: [string, string][];
  /** Checks after each measured run (e.g. where the requests were routed); returns problems found. */
  check?: (target: Target, sample: LoadSample, before: unknown) => Promise<string[]>;
  /** Captured before each measured run and handed to `check`. */
  before?: () => Promise<unknown>;
  log?: (line: string) => void;
}

interface Round {
  index: number;
  runs: Map<string, Run>;
  busiest: number;
}

/**
 * Runs the same load against each target, round after round, reversing the order every other
 * round (A B C, C B A, A B C) so drift falls on every target alike. This machine is shared, so
 * each round starts after a (bounded) wait for a quiet moment, and a round during which other
 * processes still took a real share of the CPU is set aside as a whole (never one target alone,
 * never by its result) and replaced while the row's time budget lasts.
 */
export async function compare(name: string, request: string, targets: Target[], spec: LoadSpec, opts: CompareOptions): Promise<RowResult> {
  const log = opts.log ?? (() => undefined);
  const problems: string[] = [];
  // Warm-up (JIT, connection pools, the trace ring filling up); not recorded.
  for (const t of targets) await load(t.url, { ...spec, duration: opts.warmupSeconds });
  const order: string[][] = [];
  const rounds: Round[] = [];
  const quiet = () => rounds.filter((r) => r.busiest <= opts.busyShare).length;
  const deadline = Date.now() + opts.budgetMs;
  for (let r = 0; quiet() < opts.rounds && (r < opts.rounds || Date.now() < deadline); r++) {
    if (r >= opts.rounds) log(`  ${name} · an extra round, replacing a busy one`);
    await waitForQuiet(opts.busyShare, Math.min(opts.quietWaitMs, Math.max(0, deadline - Date.now())));
    const seq = r % 2 ? [...targets].reverse() : targets;
    order.push(seq.map((t) => t.key));
    const round_: Round = { index: r + 1, runs: new Map(), busiest: 0 };
    for (const t of seq) {
      const before = await opts.before?.();
      const c0 = cpuSnapshot(livePids());
      const sample = await load(t.url, spec);
      const foreignCpu = foreignShare(c0, cpuSnapshot(livePids()));
      const s: Run = { ...sample, rps: round(sample.rps), mean: round(sample.mean, 3), round: r + 1, foreignCpu: foreignCpu === null ? null : round(foreignCpu, 3) };
      round_.runs.set(t.key, s);
      round_.busiest = Math.max(round_.busiest, foreignCpu ?? 0);
      const busy = foreignCpu === null ? '' : `  other processes ${Math.round(foreignCpu * 100)} % CPU`;
      log(`  ${name} · round ${r + 1} · ${t.label.padEnd(40)} ${String(Math.round(s.rps)).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms${busy}`);
      const bad: string[] = [];
      if (s.non2xx) bad.push(`${s.non2xx} non-2xx answers`);
      if (s.errors) bad.push(`${s.errors} errors`);
      if (s.timeouts) bad.push(`${s.timeouts} timeouts`);
      if (s.mismatches) bad.push(`${s.mismatches} bodies not as expected`);
      if (opts.check) bad.push(...(await opts.check(t, s, before)));
      for (const b of bad) problems.push(`${t.label}, round ${r + 1}: ${b}`);
    }
    rounds.push(round_);
  }
  // Medians from the quiet rounds when there are enough of them (at least 3); otherwise from all, flagged.
  const quietRounds = rounds.filter((r) => r.busiest <= opts.busyShare);
  const noisy = quietRounds.length < Math.min(3, opts.rounds);
  const kept = noisy ? rounds : quietRounds;
  const discarded = noisy ? [] : rounds.filter((r) => r.busiest > opts.busyShare).map((r) => ({ round: r.index, foreignCpu: round(r.busiest, 3), runs: Object.fromEntries(r.runs) }));

  const results: TargetResult[] = targets.map((t) => {
    const rs = kept.map((r) => r.runs.get(t.key)!);
    return {
      key: t.key,
      label: t.label,
      runs: rs,
      median: {
        rps: round(median(rs.map((s) => s.rps))),
        p50: median(rs.map((s) => s.p50)),
        p99: median(rs.map((s) => s.p99)),
        mean: round(median(rs.map((s) => s.mean)), 3),
      },
    };
  });
  const byKey = new Map(results.map((r) => [r.key, r]));
  const ratios = opts.ratios
    .filter(([a, b]) => byKey.has(a) && byKey.has(b))
    .map(([a, b]) => {
      const A = byKey.get(a)!;
      const B = byKey.get(b)!;
      const perRound = A.runs.map((s, i) => round(s.rps / B.runs[i]!.rps, 3));
      return { of: a, to: b, ofMedians: round(A.median.rps / B.median.rps, 3), perRoundMedian: round(median(perRound), 3), perRound };
    });
  const foreign = kept.flatMap((r) => [...r.runs.values()]).map((s) => s.foreignCpu).filter((v): v is number => v !== null);
  return { name, request, targets: results, ratios, order, discarded, noisy, foreignCpu: foreign.length ? round(median(foreign), 3) : null, problems };
}
