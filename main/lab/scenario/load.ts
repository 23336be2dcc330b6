import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import { VirtualBrowser } from '../client/browser';
import { authorize, exchangeCode, registeredClient } from '../client/oauth2';
import { DEMO_USER } from '../config';
import type { Lab } from '../lab';
import type { LoadProgress, LoadSummary, RatePoint } from '../../contract/recipes';
import type { LabEvent, TraceExchange, TraceItem } from '../trace/types';

export type { LoadProgress, RatePoint };

export interface LoadResult extends LoadSummary {
  /** Trace items of a sample of the logins (first ones, every n-th, first failures), for HAR. */
  sampleItems: TraceItem[];
}

export interface LoadOptions {
  /** Number of logins to attempt (`count` is the same), or… */
  logins?: number;
  count?: number;
  /** …keep going for this long (real milliseconds). */
  durationMs?: number;
  /** Logins in flight at once. */
  concurrency: number;
  /** Virtual users taking turns (default: one per concurrent slot). */
  users?: number;
  username?: string;
  password?: string;
  service?: string;
  realm?: string;
  /** Log each successful session out again (keeps the CTS small in long runs). */
  logout?: boolean;
  /** After each login, get OAuth2 tokens as the SDK does (authorize, code exchange) for the public client. */
  tokens?: boolean;
  /**
   * Upper bound of a random pause (real ms) before each step after the first, like a person typing.
   * Independent users interleave at random at the balancer; without it the workers of one process
   * move in lockstep, and strict round-robin turns into a fixed pattern: every login
   * fails when concurrency is not a multiple of the node count, almost none when it is.
   */
  thinkMs?: number;
  signal?: AbortSignal;
  /** Least real time between two progress ticks (default 100 ms). */
  progressEveryMs?: number;
}

/** Default think time: enough jitter that concurrent users interleave at random (5 ms measured enough). */
export const DEFAULT_THINK_MS = 5;
const MAX_LATENCIES = 100_000;
const MAX_BUCKETS = 120;
const SAMPLE_FIRST = 10;
const SAMPLE_EVERY = 50;
const SAMPLE_MAX = 60;
const SAMPLE_FAILURES = 10;
const EVENT_MEMORY = 4096;

interface Attempt {
  requests: number | null;
  ok: boolean;
  sampled: boolean;
}

/**
 * Runs many logins against a running lab, each from a fresh virtual browser through the balancer,
 * and reports what came back. Nothing here decides an outcome: a login fails when AM answered a
 * failure, and the node attribution is read from the balancer's trace.
 */
export async function runLoad(lab: Lab, options: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadResult> {
  if (options.count !== undefined && options.logins !== undefined && options.count !== options.logins) throw new RangeError('count and logins are the same setting; give one');
  const opts: LoadOptions = { ...options, logins: options.logins ?? options.count };
  if ((opts.logins === undefined) === (opts.durationMs === undefined)) throw new RangeError('a load run needs exactly one of logins or durationMs');
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1 || opts.concurrency > 256) throw new RangeError('concurrency must be 1…256');
  if (opts.logins !== undefined && !(Number.isInteger(opts.logins) && opts.logins >= 1 && opts.logins <= 1_000_000)) throw new RangeError('logins must be 1…1000000');
  if (opts.durationMs !== undefined && !(opts.durationMs > 0 && opts.durationMs <= 600_000)) throw new RangeError('durationMs must be 1…600000');
  if (opts.thinkMs !== undefined && !(opts.thinkMs >= 0 && opts.thinkMs <= 60_000)) throw new RangeError('thinkMs must be 0…60000');

  const run = `load${randomBytes(3).toString('hex')}`;
  const users = opts.users ?? opts.concurrency;
  const username = opts.username ?? DEMO_USER.username;
  const password = opts.password ?? DEMO_USER.password;
  const agent = new Agent({ connections: opts.concurrency * 2, keepAliveTimeout: 4_000 });
  const client = opts.tokens ? registeredClient(lab.config, undefined) : undefined;
  const tracker = new TraceTracker(`${run}-`);
  const unsubscribe = lab.subscribe((batch) => tracker.take(batch));

  const stats = { attempted: 0, succeeded: 0, failed: 0, inFlight: 0 };
  const reasons: Record<string, number> = {};
  const latencies: number[] = [];
  let latencySeen = 0;
  let latencySum = 0;
  const chart = new RateChart();
  const start = performance.now();
  let lastTick = 0;
  let failuresSampled = 0;
  let next = 0;

  const elapsed = () => performance.now() - start;
  const progress = (force = false) => {
    if (!onProgress) return;
    const now = elapsed();
    if (!force && now - lastTick < (opts.progressEveryMs ?? 100)) return;
    lastTick = now;
    const total = opts.logins ?? null;
    const done = stats.attempted;
    onProgress({
      ...stats,
      attempted: done,
      total,
      elapsedMs: Math.round(now),
      fraction: total !== null ? done / total : Math.min(1, now / opts.durationMs!),
      failureRate: done ? stats.failed / done : 0,
    });
  };
  const more = () => !opts.signal?.aborted && (opts.logins !== undefined ? next < opts.logins : elapsed() < opts.durationMs!);

  const attempt = async (i: number) => {
    const id = `${run}-${i}`;
    const browser = new VirtualBrowser(id, `load user ${(i % users) + 1}`, lab.balancerUrl, lab.clock, agent);
    const t0 = performance.now();
    let ok = false;
    let reason = '';
    let requests: number | null = null;
    let thinking = 0;
    stats.inFlight++;
    try {
      const { outcome, steps, thoughtMs } = await browser.login(username, password, { service: opts.service, realm: opts.realm, thinkMs: opts.thinkMs ?? DEFAULT_THINK_MS });
      thinking = thoughtMs;
      requests = steps.length;
      ok = outcome.kind === 'success';
      if (outcome.kind === 'failure') reason = `${outcome.status} ${typeof outcome.body.message === 'string' ? outcome.body.message : 'failure'}`;
      if (outcome.kind === 'callbacks') reason = 'still asking for callbacks after 10 steps';
      if (ok && client) {
        // TokenManager.getTokens after the journey: the authorize redirect, then the code exchange.
        let got = await authorize(browser, client);
        requests++;
        if (got.code) {
          got = await exchangeCode(browser, client);
          requests++;
        }
        ok = got.response.status === 200 && !got.error;
        if (!ok) reason = `OAuth2 ${got.response.status} ${got.error ?? 'no code'}`;
      }
    } catch (e) {
      reason = `error: ${(e as { code?: string }).code ?? (e as Error).message}`;
    }
    const ms = performance.now() - t0 - thinking;
    stats.inFlight--;
    if (ok && opts.logout) {
      try {
        await browser.logout();
        requests = (requests ?? 0) + 1;
      } catch {
        requests = null; // the logout's exchange may or may not be in the trace
      }
    }
    stats.attempted++;
    if (ok) stats.succeeded++;
    else {
      stats.failed++;
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    latencySum += ms;
    latencySeen++;
    if (latencies.length < MAX_LATENCIES) latencies.push(ms);
    else {
      const j = Math.floor(Math.random() * latencySeen);
      if (j < MAX_LATENCIES) latencies[j] = ms;
    }
    chart.add(performance.now() - start, !ok);
    const sampled = i < SAMPLE_FIRST || (i % SAMPLE_EVERY === 0 && tracker.sampledCount < SAMPLE_MAX) || (!ok && failuresSampled < SAMPLE_FAILURES);
    if (sampled && !ok) failuresSampled++;
    tracker.done(id, { requests, ok, sampled });
    progress();
  };

  try {
    progress(true);
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (more()) await attempt(next++);
      }),
    );
  } finally {
    lab.recorder.flush();
    unsubscribe();
    tracker.finish();
    await agent.close().catch(() => undefined);
  }
  const elapsedMs = elapsed();
  progress(true);
  const sorted = latencies.sort((a, b) => a - b);
  const pct = (p: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!) : 0);
  const cfg = lab.config;
  return {
    attempted: stats.attempted,
    succeeded: stats.succeeded,
    failed: stats.failed,
    failureRate: stats.attempted ? stats.failed / stats.attempted : 0,
    failuresByReason: reasons,
    byNode: tracker.byNode,
    routing: tracker.routing,
    latency: { p50: pct(50), p90: pct(90), p99: pct(99), max: round(sorted.at(-1) ?? 0), mean: round(latencySeen ? latencySum / latencySeen : 0) },
    failureRateOverTime: chart.points(),
    loginsPerSecond: elapsedMs > 0 ? (stats.attempted / elapsedMs) * 1000 : 0,
    elapsedMs: round(elapsedMs),
    concurrency: opts.concurrency,
    users,
    settings: { policy: cfg.policy, auth: cfg.auth, authSessions: cfg.authSessions, nodes: lab.nodes.length },
    aborted: !!opts.signal?.aborted,
    sampleItems: tracker.samples.sort((a, b) => a.seq - b.seq),
  };
}

/**
 * Matches each login (one fresh browser id) with the exchanges the balancer recorded for it. Trace
 * batches arrive a little after the login finished, so both sides wait for each other here.
 */
class TraceTracker {
  readonly byNode: Record<string, { succeeded: number; failed: number }> = {};
  readonly routing = { sameNodeLogins: 0, crossNodeLogins: 0, sameNodeFailures: 0, crossNodeFailures: 0 };
  readonly samples: TraceItem[] = [];
  sampledCount = 0;
  private readonly exchanges = new Map<string, TraceExchange[]>();
  private readonly attempts = new Map<string, Attempt>();
  private readonly events = new Map<string, LabEvent[]>();

  constructor(private readonly prefix: string) {}

  take(batch: TraceItem[]): void {
    const touched = new Set<string>();
    for (const item of batch) {
      if (item.kind === 'event') {
        if (!item.exchangeId) continue;
        const list = this.events.get(item.exchangeId) ?? [];
        list.push(item);
        this.events.set(item.exchangeId, list);
        if (this.events.size > EVENT_MEMORY) this.events.delete(this.events.keys().next().value!);
        continue;
      }
      if (!item.browser?.startsWith(this.prefix)) continue;
      const list = this.exchanges.get(item.browser) ?? [];
      list.push(item);
      this.exchanges.set(item.browser, list);
      touched.add(item.browser);
    }
    for (const id of touched) this.settle(id, false);
  }

  done(id: string, a: Attempt): void {
    if (a.sampled) this.sampledCount++;
    this.attempts.set(id, a);
    this.settle(id, false);
  }

  /** After the last flush: whatever arrived is all there is. */
  finish(): void {
    for (const id of [...this.attempts.keys()]) this.settle(id, true);
  }

  private settle(id: string, final: boolean): void {
    const a = this.attempts.get(id);
    if (!a) return;
    const xs = this.exchanges.get(id) ?? [];
    if (!final && (a.requests === null || xs.length < a.requests)) return;
    this.attempts.delete(id);
    this.exchanges.delete(id);
    const steps = xs.filter((x) => !isLogout(x));
    const node = steps.at(-1)?.routing.node ?? 'unknown';
    const row = (this.byNode[node] ??= { succeeded: 0, failed: 0 });
    if (a.ok) row.succeeded++;
    else row.failed++;
    if (steps.length) {
      const same = new Set(steps.map((x) => x.routing.node)).size === 1;
      if (same) this.routing.sameNodeLogins++;
      else this.routing.crossNodeLogins++;
      if (!a.ok) {
        if (same) this.routing.sameNodeFailures++;
        else this.routing.crossNodeFailures++;
      }
    }
    if (a.sampled) {
      for (const x of xs) {
        this.samples.push(...(this.events.get(x.id) ?? []), x);
        this.events.delete(x.id);
      }
    }
  }
}

function isLogout(x: TraceExchange | undefined): boolean {
  return !!x && x.request.path.includes('_action=logout');
}

/** Failure rate over real time, in at most MAX_BUCKETS buckets (widths double as the run grows). */
class RateChart {
  private width = 100;
  private buckets: { attempted: number; failed: number }[] = [];

  add(atMs: number, failed: boolean): void {
    let i = Math.floor(atMs / this.width);
    while (i >= MAX_BUCKETS) {
      const merged: { attempted: number; failed: number }[] = [];
      for (let j = 0; j < this.buckets.length; j += 2) {
        const a = this.buckets[j] ?? { attempted: 0, failed: 0 };
        const b = this.buckets[j + 1] ?? { attempted: 0, failed: 0 };
        merged.push({ attempted: a.attempted + b.attempted, failed: a.failed + b.failed });
      }
      this.buckets = merged;
      this.width *= 2;
      i = Math.floor(atMs / this.width);
    }
    while (this.buckets.length <= i) this.buckets.push({ attempted: 0, failed: 0 });
    const b = this.buckets[i]!;
    b.attempted++;
    if (failed) b.failed++;
  }

  points(): RatePoint[] {
    return this.buckets.map((b, i) => ({ atMs: i * this.width, widthMs: this.width, attempted: b.attempted, failed: b.failed, rate: b.attempted ? b.failed / b.attempted : 0 }));
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
