import { z } from 'zod';
import { ConfigPatchSchema, type LiveConfigPatch } from '../config';
import { SERVICE_NAMES } from '../am/services';
import { EVENT_TYPES, TerminationReasonSchema } from '../../contract/events';

/**
 * The recipe format: a ticket written down as cluster settings, virtual users, steps and what the
 * engineer expects to observe. Pieces are zod schemas; parse.ts walks the YAML and points every
 * problem at its line and column.
 */

export const ACTIONS = [
  'login',
  'login-start',
  'login-next',
  'zero-page-login',
  'validate',
  'refresh',
  'access',
  'logout',
  'admin-terminate',
  'wait',
  'advance',
  'kill-node',
  'restart-node',
  'drain-node',
  'undrain-node',
  'configure',
  'load',
  'check',
  // issue 11: a user's browser changes network (client IP) or is called from an app (origin); port to the Action union.
  'browser',
] as const;
export type ActionName = (typeof ACTIONS)[number];

const TERMINATIONS = TerminationReasonSchema.options;

export const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const userName = z.string().regex(NAME, 'a user name: a letter, then letters, digits, _ or - (at most 32)');

/** A node id as AM names servers: "01", "02"… A bare YAML 1 or "1" means "01". */
export const NodeIdSchema = z
  .union([z.string(), z.number().int()])
  .transform((v) => (typeof v === 'number' || /^\d$/.test(v) ? String(v).padStart(2, '0') : v))
  .pipe(z.string().regex(/^0[1-9]$/, 'a node id such as "01" (quote it in YAML)'));

/** "31m", "90s", "1h30m", "500ms" → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const s = text.replace(/\s+/g, '');
  if (!s) return undefined;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|min|s|m|h|d)/g)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0].length;
  }
  return consumed === s.length ? Math.round(total) : undefined;
}

export function formatMs(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (rest >= size && (rest % size === 0 || unit !== 's' || parts.length)) {
      const n = Math.floor(rest / size);
      if (n) parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  if (rest) parts.push(`${rest}ms`);
  return parts.join('') || '0s';
}

export const DurationSchema = z.string({ error: 'a duration such as 31m, 90s, 1h30m or 500ms' }).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration; write e.g. 31m, 90s, 1h30m or 500ms` });
    return z.NEVER;
  }
  return ms;
});

/** A value to compare with: itself, or a range / negation / list / substring. */
function matcher<T extends z.ZodType>(base: T) {
  return z.union([
    base,
    z.strictObject({
      min: z.number().optional(),
      max: z.number().optional(),
      not: base.optional(),
      oneOf: z.array(base).min(1).optional(),
      contains: z.string().optional(),
    }),
  ]);
}
export type Matcher = unknown;

export const CookieFateSchema = z.enum(['set', 'cleared', 'kept', 'absent']);
export type CookieFate = z.infer<typeof CookieFateSchema>;

const count = matcher(z.number().int().min(0));

/** Expectations on one step. Which keys a step may use depends on its action (see EXPECT_KEYS). */
export const ExpectationSchema = z.strictObject({
  status: matcher(z.number().int()).optional(),
  message: matcher(z.string()).optional(),
  outcome: z.enum(['callbacks', 'success', 'failure']).optional(),
  valid: z.boolean().optional(),
  node: matcher(NodeIdSchema).optional(),
  sameNode: z.boolean().optional(),
  redispatched: z.boolean().optional(),
  routing: matcher(z.string()).optional(),
  cookies: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a cookie name'), CookieFateSchema).optional(),
  events: z.partialRecord(z.enum(EVENT_TYPES), count).optional(),
  terminated: z.enum([...TERMINATIONS, 'none']).optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  activeSessions: count.optional(),
  nodeState: z.record(z.string(), z.enum(['up', 'down', 'drained'])).optional(),
  attempted: count.optional(),
  succeeded: count.optional(),
  failed: count.optional(),
  failureRate: matcher(z.number().min(0).max(1)).optional(),
  failuresByReason: z.record(z.string(), count).optional(),
  sameNodeFailures: count.optional(),
});
export type Expectation = z.infer<typeof ExpectationSchema>;

const TRAFFIC_KEYS = ['status', 'message', 'outcome', 'valid', 'node', 'sameNode', 'redispatched', 'routing', 'cookies', 'events', 'terminated', 'body'] as const;
const LOAD_KEYS = ['attempted', 'succeeded', 'failed', 'failureRate', 'failuresByReason', 'sameNodeFailures', 'events'] as const;
const CLUSTER_KEYS = ['activeSessions', 'nodeState', 'events', 'terminated'] as const;

/** Which expectation keys make sense after which action. */
export function expectKeysFor(kind: StepKind): readonly (keyof Expectation)[] {
  if (kind === 'load') return LOAD_KEYS;
  if (kind === 'check') return CLUSTER_KEYS;
  if (kind === 'wait' || kind === 'configure' || kind === 'browser' || kind.endsWith('-node')) return CLUSTER_KEYS;
  return [...TRAFFIC_KEYS, ...CLUSTER_KEYS];
}

const serviceOpts = { service: z.enum(SERVICE_NAMES).optional(), realm: z.enum(['/', '/alpha']).optional() };
const byUser = <S extends z.ZodRawShape>(shape: S) =>
  z.preprocess((v) => (typeof v === 'string' ? { user: v } : v), z.strictObject({ user: userName, ...shape }));

export const LoadSpecSchema = z
  .strictObject({
    /** Number of logins to attempt. */
    logins: z.number().int().min(1).max(1_000_000).optional(),
    /** Or run for this long (real time). */
    duration: DurationSchema.optional(),
    concurrency: z.number().int().min(1).max(256).default(4),
    /** Virtual users taking turns (default: one per concurrent slot). */
    users: z.number().int().min(1).max(10_000).optional(),
    /** Credentials from the recipe's users (default: the demo user). */
    as: userName.optional(),
    service: z.enum(SERVICE_NAMES).optional(),
    /** Log each successful session out again, so a long run does not pile sessions up in the CTS. */
    logout: z.boolean().default(false),
    /** Longest random pause before each step after the first (a person typing); real time. */
    think: DurationSchema.default(5),
  })
  .refine((s) => (s.logins === undefined) !== (s.duration === undefined), { message: 'a load step needs exactly one of logins (a count) or duration' })
  .refine((s) => s.duration === undefined || s.duration <= 600_000, { message: 'a load duration is at most 10m (real time)' })
  .refine((s) => s.think <= 60_000, { message: 'think is at most 1m' });
export type LoadSpecInput = z.input<typeof LoadSpecSchema>;

/** Each action's argument. */
export const ACTION_ARGS = {
  login: byUser(serviceOpts),
  'login-start': byUser(serviceOpts),
  'login-next': byUser({ realm: serviceOpts.realm }),
  'zero-page-login': byUser({ realm: serviceOpts.realm }),
  validate: byUser({ realm: serviceOpts.realm }),
  refresh: byUser({ realm: serviceOpts.realm }),
  access: byUser({ realm: serviceOpts.realm }),
  logout: byUser({ realm: serviceOpts.realm }),
  'admin-terminate': byUser({}),
  wait: DurationSchema,
  advance: DurationSchema,
  'kill-node': NodeIdSchema,
  'restart-node': NodeIdSchema,
  'drain-node': NodeIdSchema,
  'undrain-node': NodeIdSchema,
  configure: ConfigPatchSchema,
  load: LoadSpecSchema,
  check: z.union([z.null(), z.strictObject({})]),
  browser: byUser({
    /** The address the balancer sees from now on (127.0.0.x: Linux routes all of 127/8 to the loopback). */
    ip: z
      .string()
      .regex(/^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/, 'a loopback address such as 127.0.0.7')
      .optional(),
    /** The origin of the app that calls AM from now on (an SDK app); null: AM's own pages. */
    origin: z.url({ protocol: /^https?$/ }).nullable().optional(),
  }),
} satisfies Record<ActionName, z.ZodType>;

export const UserSchema = z
  .strictObject({ username: z.string().min(1).optional(), password: z.string().optional() })
  .nullable()
  .transform((u) => ({ username: u?.username ?? 'demo', password: u?.password ?? 'Ch4ng31t' }));

export const RecipeTopSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a recipe name: lower-case letters, digits and -')
    .optional(),
  title: z.string().min(1).max(200).optional(),
  description: z.string({ error: 'a recipe needs a description: what ticket it reproduces, in words a customer can read' }).min(1),
  cluster: ConfigPatchSchema.optional(),
  variants: z.record(z.string().regex(NAME, 'a variant name: a letter, then letters, digits, _ or -'), ConfigPatchSchema).optional(),
  users: z.record(userName, UserSchema).optional(),
  steps: z.array(z.unknown()).min(1, 'a recipe needs at least one step'),
});

export type StepKind = Exclude<ActionName, 'advance'>;

export type StepAction =
  | { kind: 'login' | 'login-start'; user: string; service?: string; realm?: string }
  | { kind: 'login-next' | 'zero-page-login' | 'validate' | 'refresh' | 'access' | 'logout'; user: string; realm?: string }
  | { kind: 'admin-terminate'; user: string }
  | { kind: 'wait'; ms: number }
  | { kind: 'kill-node' | 'restart-node' | 'drain-node' | 'undrain-node'; node: string }
  | { kind: 'configure'; patch: LiveConfigPatch }
  | { kind: 'load'; load: LoadSpec }
  | { kind: 'check' }
  | { kind: 'browser'; user: string; ip?: string; origin?: string | null };

export interface LoadSpec {
  logins?: number;
  durationMs?: number;
  concurrency: number;
  users?: number;
  as?: string;
  service?: string;
  logout: boolean;
  thinkMs: number;
}

export interface RecipeStep {
  index: number;
  /** 1-based line of the step in its file. */
  line: number;
  label: string;
  note?: string;
  action: StepAction;
  /** Expectations by variant; '*' applies to every run. */
  expect: Record<string, Expectation>;
}

export interface RecipeUser {
  username: string;
  password: string;
}

export interface Recipe {
  name: string;
  title: string;
  description: string;
  /** File path or "<text>" — where line numbers point. */
  source: string;
  cluster: LiveConfigPatch;
  variants: Record<string, LiveConfigPatch>;
  users: Record<string, RecipeUser>;
  steps: RecipeStep[];
}

/** Words for a step, as the window and the CLI table show it. */
export function stepLabel(a: StepAction): string {
  switch (a.kind) {
    case 'wait':
      return `wait ${formatMs(a.ms)}`;
    case 'kill-node':
    case 'restart-node':
    case 'drain-node':
    case 'undrain-node':
      return `${a.kind.replace('-node', '')} node ${a.node}`;
    case 'configure':
      return `configure ${Object.entries(a.patch)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ')}`;
    case 'load':
      return `load ${a.load.logins !== undefined ? `${a.load.logins} logins` : `for ${formatMs(a.load.durationMs!)}`} × ${a.load.concurrency} concurrent`;
    case 'check':
      return 'check the cluster';
    case 'browser': {
      const what = [a.ip && `client IP ${a.ip}`, a.origin !== undefined && (a.origin ? `called from ${a.origin}` : "AM's own pages")].filter(Boolean);
      return `${a.user}'s browser: ${what.join(', ') || 'unchanged'}`;
    }
    default: {
      const extra = 'service' in a && a.service ? ` (${a.service})` : '';
      return `${a.kind} ${a.user}${extra}`;
    }
  }
}
