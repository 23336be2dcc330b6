/** Recipes and load runs as the window and the CLI report them. */

export interface LoadProgress {
  attempted: number;
  succeeded: number;
  failed: number;
  inFlight: number;
  /** Logins planned (count runs) or null (duration runs). */
  total: number | null;
  elapsedMs: number;
  /** 0…1, by count or by time. */
  fraction: number;
  failureRate: number;
}

export interface RatePoint {
  /** Real milliseconds since the start of the run (start of the bucket). */
  atMs: number;
  widthMs: number;
  attempted: number;
  failed: number;
  rate: number;
}

/** A load run's numbers (the engine adds a trace sample for HAR export). */
export interface LoadSummary {
  attempted: number;
  succeeded: number;
  failed: number;
  failureRate: number;
  /** e.g. { "401 Session has timed out": 640 } */
  failuresByReason: Record<string, number>;
  /** By the node that answered the login's last step. */
  byNode: Record<string, { succeeded: number; failed: number }>;
  /** Whether a login's steps all reached one node: what round-robin decides for a chain. */
  routing: { sameNodeLogins: number; crossNodeLogins: number; sameNodeFailures: number; crossNodeFailures: number };
  /** Real milliseconds per login, as the virtual user waited for AM (think time left out). */
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  failureRateOverTime: RatePoint[];
  loginsPerSecond: number;
  elapsedMs: number;
  concurrency: number;
  users: number;
  settings: { policy: string; auth: string; authSessions: string; nodes: number };
  aborted: boolean;
}

export interface CompareCell {
  status: 'passed' | 'failed' | 'error' | 'skipped';
  summary: string;
  httpStatus: number | null;
  message: string | null;
  node: string | null;
}

export interface CompareRow {
  index: number;
  line: number;
  label: string;
  note?: string;
  a: CompareCell;
  b: CompareCell;
  /** The two sides saw a different outcome (status, message or node). */
  differs: boolean;
}

export interface ExpectationResult {
  /** 0-based step index and the step's line in the recipe. */
  step: number;
  line: number;
  /** e.g. `step 3 (line 21) login-next alice: HTTP status` */
  description: string;
  passed: boolean;
  expected: string;
  observed: string;
  /** One sentence naming the expectation and what was observed (for failures). */
  message: string;
}
