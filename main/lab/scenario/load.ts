import { randomBytes } from 'node:crypto';
import { registeredClient } from '../client/oauth2';
import { DEMO_USER } from '../config';
import type { Lab } from '../lab';
import type { LoadProgress, LoadSummary, RatePoint } from '../../contract/recipes';
import type { LabEvent, TraceExchange, TraceItem } from '../trace/types';
import type { Driven, DriveSpec, LoginDone } from './loadDriver';

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
const EVENT_MEMORY = 4096;

/**
 * Runs many logins against a running lab, each from a fresh virtual browser through the balancer,
 * and reports what came back. Nothing here decides an outcome: a login fails when AM answered a
 * failure, and the node attribution is read from the balancer's trace. The virtual users run
 * beside the balancer (loadDriver.ts); the attribution is made here, from the lab's trace.
 */
export async function runLoad(lab: Lab, options: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadResult> {
  if (options.count !== undefined && options.logins !== undefined && options.count !== options.logins) throw new RangeError('count and logins are the same setting; give one');
  const opts: LoadOptions = { ...options, logins: options.logins ?? options.count };
  if ((opts.logins === undefined) === (opts.durationMs === undefined)) throw new RangeError('a load run needs exactly one of logins or durationMs');
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1 || opts.concurrency > 256) throw new RangeError('concurrency must be 1…256');
  if (opts.logins !== undefined && !(Number.isInteger(opts.logins) && opts.logins >= 1 && opts.logins <= 1_000_000)) throw new RangeError('logins must be 1…1000000');
  if (opts.durationMs !== undefined && !(opts.durationMs > 0 && opts.durationMs <= 600_000)) throw new RangeError('durationMs must be 1…600000');
  if (opts.thinkMs !== undefined && !(opts.thinkMs >= 0 && opts.thinkMs <= 60_000)) throw new RangeError('thinkMs must be 0…60000');

  const spec: DriveSpec = {
    run: `load${randomBytes(3).toString('hex')}`,
    logins: opts.logins,
    durationMs: opts.durationMs,
    concurrency: opts.concurrency,
    users: opts.users ?? opts.concurrency,
    username: opts.username ?? DEMO_USER.username,
    password: opts.password ?? DEMO_USER.password,
    service: opts.service,
    realm: opts.realm,
    logout: opts.logout,
    // Checked here, before any login: a lab without a public client says so at once.
    client: opts.tokens ? registeredClient(lab.config, undefined) : undefined,
    thinkMs: opts.thinkMs ?? DEFAULT_THINK_MS,
    progressEveryMs: opts.progressEveryMs ?? 100,
  };
  const tracker = new TraceTracker(`${spec.run}-`);
  const unsubscribe = lab.subscribe((batch) => tracker.take(batch));
  let driven: Driven;
  try {
    driven = await lab.balancer.drive(spec, { onProgress, onDone: (d) => tracker.done(d.id, d), signal: opts.signal });
  } finally {
    await lab.settle();
    unsubscribe();
    tracker.finish();
  }
  const cfg = lab.config;
  return {
    ...driven,
    failureRate: driven.attempted ? driven.failed / driven.attempted : 0,
    byNode: tracker.byNode,
    routing: tracker.routing,
    loginsPerSecond: driven.elapsedMs > 0 ? (driven.attempted / driven.elapsedMs) * 1000 : 0,
    concurrency: spec.concurrency,
    users: spec.users,
    settings: { policy: cfg.policy, auth: cfg.auth, authSessions: cfg.authSessions, nodes: lab.nodes.length },
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
  private readonly exchanges = new Map<string, TraceExchange[]>();
  private readonly attempts = new Map<string, LoginDone>();
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

  done(id: string, a: LoginDone): void {
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
