import autocannon, { type Options, type Result } from 'autocannon';

export interface LoadSpec {
  /** Path (with query) requested on every target. */
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** When set, every response body must equal it (autocannon counts the others as mismatches). */
  expectBody?: string;
  connections: number;
  /** Seconds. */
  duration: number;
}

export interface LoadSample {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Mean latency (ms, fractional): autocannon's percentiles have 1 ms resolution. */
  mean: number;
  non2xx: number;
  mismatches: number;
  errors: number;
  timeouts: number;
}

/** One autocannon run against 127.0.0.1 (programmatic, in this process). */
export function load(baseUrl: string, spec: LoadSpec): Promise<LoadSample> {
  const opts: Options = {
    url: baseUrl + spec.path,
    method: spec.method,
    headers: spec.headers,
    connections: spec.connections,
    duration: spec.duration,
    timeout: 10,
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    ...(spec.expectBody !== undefined ? { expectBody: spec.expectBody } : {}),
  };
  return new Promise((resolve, reject) => {
    autocannon(opts, (err: Error | null, r: Result) => {
      if (err) return reject(err);
      resolve({
        // Completed requests over the run's measured length (autocannon's per-second average
        // would weigh a partial last second like a full one).
        rps: r.duration > 0 ? r.requests.total / r.duration : 0,
        p50: r.latency.p50,
        p99: r.latency.p99,
        mean: r.latency.average,
        requests: r.requests.total,
        non2xx: r.non2xx,
        mismatches: r.mismatches,
        errors: r.errors,
        timeouts: r.timeouts,
      });
    });
  });
}
