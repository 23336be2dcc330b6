import { z } from 'zod';
import { CookieNameSchema, RecipeSettingsSchema, type RecipeSettings } from '../../contract/settings';
import type { ActionName } from '../../contract/actions';
import { EVENT_TYPES, TerminationReasonSchema } from '../../contract/events';
import type { StepAction } from './grammar';
import { NAME, NodeIdSchema, UserNameSchema } from './units';

/**
 * The recipe format: a ticket written down as cluster settings, virtual users, steps and what the
 * engineer expects to observe. Pieces are zod schemas; parse.ts walks the YAML and points every
 * problem at its line and column.
 */

const TERMINATIONS = TerminationReasonSchema.options;

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

export const CookieFateSchema = z.enum(['set', 'blocked', 'cleared', 'kept', 'absent']);
export type CookieFate = z.infer<typeof CookieFateSchema>;

const count = matcher(z.number().int().min(0));

/** Expectations on one step. Which keys a step may use depends on its action (see EXPECT_KEYS). */
export const ExpectationSchema = z.strictObject({
  status: matcher(z.number().int()).optional(),
  message: matcher(z.string()).optional(),
  /** OAuth2: the error code AM answered (invalid_grant, interaction_required, …). */
  error: matcher(z.string()).optional(),
  /** OAuth2: exactly what the answer handed over (code, access_token, refresh_token, id_token), any order. */
  tokens: z.array(z.enum(['code', 'access_token', 'refresh_token', 'id_token'])).optional(),
  outcome: z.enum(['callbacks', 'success', 'failure']).optional(),
  valid: z.boolean().optional(),
  node: matcher(NodeIdSchema).optional(),
  sameNode: z.boolean().optional(),
  redispatched: z.boolean().optional(),
  routing: matcher(z.string()).optional(),
  cookies: z.record(CookieNameSchema, CookieFateSchema).optional(),
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

const TRAFFIC_KEYS = ['status', 'message', 'error', 'tokens', 'outcome', 'valid', 'node', 'sameNode', 'redispatched', 'routing', 'cookies', 'events', 'terminated', 'body'] as const;
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
  cluster: RecipeSettingsSchema.optional(),
  variants: z.record(z.string().regex(NAME, 'a variant name: a letter, then letters, digits, _ or -'), RecipeSettingsSchema).optional(),
  users: z.record(UserNameSchema, UserSchema).optional(),
  steps: z.array(z.unknown()).min(1, 'a recipe needs at least one step'),
});

export interface RecipeStep {
  index: number;
  /** 1-based line of the step in its file. */
  line: number;
  label: string;
  /** Shown with the step; by variant when the step reads differently in each (`note: { broken: …, fixed: … }`). */
  note?: string;
  notes?: Record<string, string>;
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
  cluster: RecipeSettings;
  variants: Record<string, RecipeSettings>;
  users: Record<string, RecipeUser>;
  steps: RecipeStep[];
}

/** The step's note as one variant's run shows it. */
export function stepNote(step: Pick<RecipeStep, 'note' | 'notes'>, variant: string | null): string | undefined {
  return (variant !== null ? step.notes?.[variant] : undefined) ?? step.note;
}
