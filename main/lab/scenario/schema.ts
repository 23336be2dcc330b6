import { z } from 'zod';
import { ConfigPatchSchema, type LiveConfigPatch } from '../config';
import type { ActionName } from '../../contract/actions';
import { EVENT_TYPES, TerminationReasonSchema } from '../../contract/events';
import type { StepAction } from './grammar';

/**
 * The recipe format: a ticket written down as cluster settings, virtual users, steps and what the
 * engineer expects to observe. Pieces are zod schemas; parse.ts walks the YAML and points every
 * problem at its line and column.
 */

const TERMINATIONS = TerminationReasonSchema.options;

export const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
export const UserNameSchema = z.string().regex(NAME, 'a user name: a letter, then letters, digits, _ or - (at most 32)');

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
export function expectKeysFor(kind: ActionName): readonly (keyof Expectation)[] {
  if (kind === 'load') return LOAD_KEYS;
  if (kind === 'check') return CLUSTER_KEYS;
  if (kind === 'wait' || kind === 'configure' || kind === 'browser' || kind.endsWith('-node')) return CLUSTER_KEYS;
  return [...TRAFFIC_KEYS, ...CLUSTER_KEYS];
}

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
  users: z.record(UserNameSchema, UserSchema).optional(),
  steps: z.array(z.unknown()).min(1, 'a recipe needs at least one step'),
});

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
