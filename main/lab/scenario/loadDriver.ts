import { Agent } from 'undici';
import { VirtualBrowser } from '../client/browser';
import { authorize, exchangeCode, type RegisteredClient } from '../client/oauth2';
import type { LabClock } from '../clock';
import type { LoadProgress, RatePoint } from '../../contract/recipes';

/**
 * The load runner's virtual users: many logins, each from a fresh virtual browser (its own cookie
 * jar) through the balancer, timed and counted. It runs beside the balancer (on its thread with
 * isolation `process`); which node served a login is read from the trace by the lab (load.ts).
 * Everything it is given and returns is plain data.
 */
export interface DriveSpec {
  /** Browser ids are `<run>-<i>`, so the trace tells a run's exchanges apart. */
  run: string;
  logins?: number;
  durationMs?: number;
  concurrency: number;
  users: number;
  username: string;
  password: string;
  service?: string;
  realm?: string;
  logout?: boolean;
  /** After each login, get OAuth2 tokens for this client as the SDK does (authorize, code exchange). */
  client?: RegisteredClient;
  thinkMs: number;
  progressEveryMs: number;
}

/** One finished login, for the lab's node attribution and trace sample. */
export interface LoginDone {
  id: string;
  /** Requests it made (to know when the trace holds all of them); null when unknown. */
  requests: number | null;
  ok: boolean;
  sampled: boolean;
}

export interface DriveHooks {
  onProgress?(p: LoadProgress): void;
  onDone(done: LoginDone): void;
  signal?: AbortSignal;
}

export interface Driven {
  attempted: number;
  succeeded: number;
  failed: number;
  failuresByReason: Record<string, number>;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  failureRateOverTime: RatePoint[];
  elapsedMs: number;
  aborted: boolean;
}

const MAX_LATENCIES = 100_000;
const MAX_BUCKETS = 120;
const SAMPLE_FIRST = 10;
const SAMPLE_EVERY = 50;
const SAMPLE_MAX = 60;
const SAMPLE_FAILURES = 10;

/** Runs the logins against the balancer at `baseUrl` (with the context path), on the lab clock `clock`. */
export async function drive(baseUrl: string, clock: LabClock, spec: DriveSpec, hooks: DriveHooks): Promise<Driven> {
  const agent = new Agent({ connections: spec.concurrency * 2, keepAliveTimeout: 4_000 });
  const stats = { attempted: 0, succeeded: 0, failed: 0, inFlight: 0 };
  const reasons: Record<string, number> = {};
  const latencies: number[] = [];
  let latencySeen = 0;
  let latencySum = 0;
  const chart = new RateChart();
  const start = performance.now();
  let lastTick = 0;
  let sampledCount = 0;
  let failuresSampled = 0;
  let next = 0;

  const elapsed = () => performance.now() - start;
  const progress = (force = false) => {
    if (!hooks.onProgress) return;
    const now = elapsed();
    if (!force && now - lastTick < spec.progressEveryMs) return;
    lastTick = now;
    const total = spec.logins ?? null;
    const done = stats.attempted;
    hooks.onProgress({
      ...stats,
      total,
      elapsedMs: Math.round(now),
      fraction: total !== null ? done / total : Math.min(1, now / spec.durationMs!),
      failureRate: done ? stats.failed / done : 0,
    });
  };
  const more = () => !hooks.signal?.aborted && (spec.logins !== undefined ? next < spec.logins : elapsed() < spec.durationMs!);

  const attempt = async (i: number) => {
    const id = `${spec.run}-${i}`;
    const browser = new VirtualBrowser(id, `load user ${(i % spec.users) + 1}`, baseUrl, clock, agent);
    const t0 = performance.now();
    let ok = false;
    let reason = '';
    let requests: number | null = null;
    let thinking = 0;
    stats.inFlight++;
    try {
      const { outcome, steps, thoughtMs } = await browser.login(spec.username, spec.password, { service: spec.service, realm: spec.realm, thinkMs: spec.thinkMs });
      thinking = thoughtMs;
      requests = steps.length;
      ok = outcome.kind === 'success';
      if (outcome.kind === 'failure') reason = `${outcome.status} ${typeof outcome.body.message === 'string' ? outcome.body.message : 'failure'}`;
      if (outcome.kind === 'callbacks') reason = 'still asking for callbacks after 10 steps';
      if (ok && spec.client) {
        // TokenManager.getTokens after the journey: the authorize redirect, then the code exchange.
        let got = await authorize(browser, spec.client);
        requests++;
        if (got.code) {
          got = await exchangeCode(browser, spec.client);
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
    if (ok && spec.logout) {
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
    const sampled = i < SAMPLE_FIRST || (i % SAMPLE_EVERY === 0 && sampledCount < SAMPLE_MAX) || (!ok && failuresSampled < SAMPLE_FAILURES);
    if (sampled) sampledCount++;
    if (sampled && !ok) failuresSampled++;
    hooks.onDone({ id, requests, ok, sampled });
    progress();
  };

  try {
    progress(true);
    await Promise.all(
      Array.from({ length: spec.concurrency }, async () => {
        while (more()) await attempt(next++);
      }),
    );
  } finally {
    await agent.close().catch(() => undefined);
  }
  const elapsedMs = elapsed();
  progress(true);
  const sorted = latencies.sort((a, b) => a - b);
  const pct = (p: number) => (sorted.length ? round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!) : 0);
  return {
    attempted: stats.attempted,
    succeeded: stats.succeeded,
    failed: stats.failed,
    failuresByReason: reasons,
    latency: { p50: pct(50), p90: pct(90), p99: pct(99), max: round(sorted.at(-1) ?? 0), mean: round(latencySeen ? latencySum / latencySeen : 0) },
    failureRateOverTime: chart.points(),
    elapsedMs: round(elapsedMs),
    aborted: !!hooks.signal?.aborted,
  };
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
