import { join } from 'node:path';
import { ROOT } from './procs';

// The bench's knobs. Defaults are what `npm run bench` commits; the env overrides are for quick tries.
const num = (name: string, def: number) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};

// Short runs: on a shared 2-core machine many short, paired, quiet runs beat a few long ones.
export const SECONDS = num('BENCH_SECONDS', 2);
/** Quiet rounds wanted in the headline (sticky) row; the other rows want at least 3. */
export const ROUNDS = num('BENCH_ROUNDS', 6);
export const SIDE_ROUNDS = Math.max(3, Math.ceil(ROUNDS / 2));
export const CONNECTIONS = num('BENCH_CONNECTIONS', 32);
export const STARTUP_RUNS = num('BENCH_STARTUP_RUNS', 10);
/** Warm-up per target in the headline row: long enough to fill the lab's 20,000-exchange trace ring. */
export const WARMUP = 2;
export const OUT = process.env.BENCH_OUT ?? join(ROOT, 'bench', 'results.json');

/** Logins the load runner makes through the web host in all; RSS is read before and after. */
export const LOGINS = num('BENCH_RUNNER_LOGINS', 100_000);
/** Logins per load run (each one POST /api/perform); the logins/s figure is the median run's. */
export const LOGINS_PER_RUN = Math.min(LOGINS, num('BENCH_RUNNER_LOGINS_PER_RUN', 10_000));
export const LOGIN_CONCURRENCY = num('BENCH_LOGIN_CONCURRENCY', 32);

// The targets of issue 13 ("The lab on every core").
export const TARGET_RATIO = 0.5;
/** The lab balancer's p99 at most this many times HAProxy's. */
export const TARGET_P99_FACTOR = 3;
export const TARGET_LOGINS_PER_S = 2_000;
export const TARGET_STARTUP_MS = 300;

/** A round during which other processes took more than this share of all cores is replaced. */
export const BUSY = 0.1;
/** Longest wait for a quiet moment before a round. */
export const QUIET_WAIT_MS = 3_000;
/** Time for each row's rounds, including waits for quiet moments and replaced busy rounds. */
// The light-backend rows run five targets: the lab balancer alone and with --processes 2, HAProxy twice, the Node floor.
export const ROW_BUDGET_MS = {
  sticky: 5 * SECONDS * ROUNDS * 1.9 * 1000,
  noCookie: 5 * SECONDS * SIDE_ROUNDS * 1.5 * 1000,
  endToEnd: 2 * SECONDS * SIDE_ROUNDS * 1.5 * 1000,
};
/** Past this the watchdog stops everything: a hung child must never keep the bench alive. */
/** The window row: a 2,000-login run in Chromium and the Sessions tab (about a minute on a busy machine). */
export const WINDOW_BUDGET_MS = 180_000;
export const TOTAL_BUDGET_MS =
  ROW_BUDGET_MS.sticky + 2 * ROW_BUDGET_MS.noCookie + ROW_BUDGET_MS.endToEnd + WINDOW_BUDGET_MS + (8 * SECONDS + 11 + STARTUP_RUNS * 8 + 60) * 1000 + (LOGINS / 200) * 1000 + 60_000;
