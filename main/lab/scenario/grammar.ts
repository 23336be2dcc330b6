import { z } from 'zod';
import { ACTION_NAMES, AppOriginSchema, BrowserIdSchema, ClientIpSchema, CREDENTIAL_ACTIONS, type Action, type ActionName } from '../../contract/actions';
import { oauth2Actions, type OAuth2ActionName } from '../../contract/oauth2';
import { ConfigPatchSchema } from '../config';
import { SERVICE_NAMES } from '../am/services';
import { DurationSchema, NodeIdSchema, UserNameSchema, formatMs } from './units';

/**
 * A recipe step's action, both ways: the YAML a person writes (`login: alice`, `wait: 31m`,
 * `kill-node: "01"`) read into the contract's Action, and an Action written back as that YAML
 * (an exported recipe). In a recipe the actor is a user of its users: section; the runner gives
 * each user a virtual browser and fills in the credentials (bindStep), the action log does the
 * reverse (recipeStep). Reading and writing sit side by side so they cannot drift.
 */

/** Fields of an Action that say who acts; a recipe writes a user instead (credentials under users:). */
type ActorFields = 'browser' | 'username' | 'password' | 'values' | 'handle';

/** An Action as a recipe step holds it: its actor a recipe user, a load's credentials a user too. */
export type StepAction = Action extends infer A
  ? A extends { action: 'load' }
    ? Omit<A, 'username' | 'password'> & { as?: string }
    : 'browser' extends keyof A
      ? Omit<A, ActorFields> & { user: string }
      : A
  : never;

/** The step keywords: every action, and `advance` (another word for wait). */
export const STEP_KEYWORDS = [...ACTION_NAMES, 'advance'] as const;
export type StepKeyword = ActionName | 'advance';

const service = z.enum(SERVICE_NAMES).optional();
const realm = z.enum(['/', '/alpha']).optional();
/** `login: alice` is short for `login: { user: alice }`. */
const byUser = <S extends z.ZodRawShape>(shape: S) => z.preprocess((v) => (typeof v === 'string' ? { user: v } : v), z.strictObject({ user: UserNameSchema, ...shape }));
const onNode = NodeIdSchema.transform((node) => ({ node }));
/** `stop-cts-replica: 1` names a replica of the lab's CTS directory. */
const onReplica = z.number().int().min(1).max(4).transform((replica) => ({ replica }));
/** A step with no argument: `check:` or `check: {}`. */
const bare = z.union([z.null(), z.strictObject({})]).transform(() => ({}));
const wait = DurationSchema.transform((ms) => ({ ms }));

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
    as: UserNameSchema.optional(),
    service,
    /** Log each successful session out again, so a long run does not pile sessions up in the CTS. */
    logout: z.boolean().default(false),
    /** After each login, get OAuth2 tokens as the SDK does (authorize with PKCE, code exchange). */
    tokens: z.boolean().optional(),
    /** Longest random pause before each step after the first (a person typing); real time. */
    think: DurationSchema.default(5),
  })
  .refine((s) => (s.logins === undefined) !== (s.duration === undefined), { message: 'a load step needs exactly one of logins (a count) or duration' })
  .refine((s) => s.duration === undefined || s.duration <= 600_000, { message: 'a load duration is at most 10m (real time)' })
  .refine((s) => s.think <= 60_000, { message: 'think is at most 1m' })
  .transform(({ duration, think, ...l }) => ({ ...l, ...(duration !== undefined ? { durationMs: duration } : {}), thinkMs: think }));

/** The OAuth2 steps: their action's own fields, the browser written as a user (`userinfo: alice`). */
const OAUTH2_STEPS = Object.fromEntries(
  oauth2Actions(BrowserIdSchema).map(({ shape: { action, browser: _, ...fields } }) => [action.value, byUser(fields as z.ZodRawShape)]),
) as unknown as Record<OAuth2ActionName, z.ZodType>;

/** Each keyword's YAML argument, read into the step's action (without its name). */
export const STEP_ARGS = {
  login: byUser({ service, realm }),
  'login-start': byUser({ service, realm }),
  'login-next': byUser({ realm }),
  'zero-page-login': byUser({ service, realm }),
  validate: byUser({ realm }),
  refresh: byUser({ realm }),
  access: byUser({ realm }),
  logout: byUser({ realm }),
  'admin-terminate': byUser({}),
  wait,
  advance: wait,
  'kill-node': onNode,
  'restart-node': onNode,
  'drain-node': onNode,
  'undrain-node': onNode,
  configure: ConfigPatchSchema.transform((patch) => ({ patch })),
  load: LoadSpecSchema,
  check: bare,
  browser: byUser({
    /** The address the balancer sees from now on. */
    ip: ClientIpSchema.optional(),
    /** The origin of the app that calls AM from now on; null: AM's own pages. */
    origin: AppOriginSchema.nullable().optional(),
  }),
  ...OAUTH2_STEPS,
  'stop-cts-replica': onReplica,
  'start-cts-replica': onReplica,
  'stop-cts': bare,
  'start-cts': bare,
} satisfies Record<StepKeyword, z.ZodType>;

/** The step's action from its keyword and its (checked) argument. */
export function stepAction(keyword: StepKeyword, arg: object): StepAction {
  return { action: keyword === 'advance' ? 'wait' : keyword, ...arg } as StepAction;
}

/** The YAML of a step's action: `{ login: alice }`, `{ wait: 31m }`, … (what STEP_ARGS reads back). */
export function stepYaml(a: StepAction): Record<string, unknown> {
  switch (a.action) {
    case 'wait':
      return { wait: formatMs(a.ms) };
    case 'kill-node':
    case 'restart-node':
    case 'drain-node':
    case 'undrain-node':
      return { [a.action]: a.node };
    case 'configure':
      return { configure: Object.fromEntries(Object.entries(a.patch).filter(([, v]) => v !== undefined)) };
    case 'check':
    case 'stop-cts':
    case 'start-cts':
      return { [a.action]: null };
    case 'stop-cts-replica':
    case 'start-cts-replica':
      return { [a.action]: a.replica };
    case 'load': {
      const { action: _, durationMs, thinkMs, ...rest } = a;
      return { load: { ...rest, ...(durationMs !== undefined ? { duration: formatMs(durationMs) } : {}), ...(thinkMs !== undefined ? { think: formatMs(thinkMs) } : {}) } };
    }
    default: {
      const { action, user, ...extra } = a;
      if ('realm' in extra && (extra.realm === '/' || extra.realm === undefined)) delete extra.realm;
      if ('service' in extra && extra.service === undefined) delete extra.service;
      return { [action]: Object.keys(extra).length ? { user, ...extra } : user };
    }
  }
}

/** Words for a step, as the window and the CLI table show it. */
export function stepLabel(a: StepAction): string {
  switch (a.action) {
    case 'wait':
      return `wait ${formatMs(a.ms)}`;
    case 'kill-node':
    case 'restart-node':
    case 'drain-node':
    case 'undrain-node':
      return `${a.action.replace('-node', '')} node ${a.node}`;
    case 'configure':
      return `configure ${Object.entries(a.patch)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ')}`;
    case 'load':
      return `load ${a.logins !== undefined ? `${a.logins} logins` : `for ${formatMs(a.durationMs!)}`}${a.tokens ? ' with OAuth2 tokens' : ''} × ${a.concurrency} concurrent`;
    case 'check':
      return 'check the cluster';
    case 'stop-cts':
    case 'start-cts':
      return `${a.action === 'stop-cts' ? 'stop' : 'start'} the whole CTS directory`;
    case 'stop-cts-replica':
    case 'start-cts-replica':
      return `${a.action === 'stop-cts-replica' ? 'stop' : 'start'} CTS replica ${a.replica}`;
    case 'browser': {
      const what = [a.ip && `client IP ${a.ip}`, a.origin !== undefined && (a.origin ? `called from ${a.origin}` : "AM's own pages")].filter(Boolean);
      return `${a.user}'s browser: ${what.join(', ') || 'unchanged'}`;
    }
    default: {
      const f = a as Partial<Record<'service' | 'client' | 'prompt' | 'token', string>>;
      const details = [f.service, f.client && `client ${f.client}`, f.prompt && `prompt=${f.prompt}`, f.token && `${f.token} token`].filter(Boolean);
      return `${a.action} ${a.user}${details.length ? ` (${details.join(', ')})` : ''}`;
    }
  }
}

export interface Actor {
  browser: string;
  username: string;
  password: string;
}

/** The Action a step performs: its user's browser acts, with that user's credentials where it logs in. */
export function bindStep(a: StepAction, actor: (user: string) => Actor): Action {
  if (a.action === 'load') {
    const { as, ...rest } = a;
    const u = as ? actor(as) : undefined;
    return { ...rest, ...(u ? { username: u.username, password: u.password } : {}) };
  }
  if (!('user' in a)) return a;
  const { user, ...rest } = a;
  const u = actor(user);
  return { ...rest, browser: u.browser, ...(CREDENTIAL_ACTIONS.has(a.action) ? { username: u.username, password: u.password } : {}) } as Action;
}

export interface Credentials {
  username: string;
  password: string;
}

/** How the action log names recipe users: after the browser that acted, or after the credentials a load used. */
export interface UserNames {
  ofBrowser(browser: string, creds?: Credentials): string;
  withCredentials(creds: Credentials): string;
}

/**
 * An Action as a recipe step: its browser becomes the user it plays, a load's credentials the user
 * who has them (the names also keep the credentials). Undefined when it cannot be written: an
 * admin termination of a session no browser of the lab created.
 */
export function recipeStep(a: Action, names: UserNames): StepAction | undefined {
  if (a.action === 'load') {
    const { username, password, ...rest } = a;
    return username !== undefined && password !== undefined ? { ...rest, as: names.withCredentials({ username, password }) } : rest;
  }
  const acting = 'browser' in a ? a.browser : undefined;
  if (acting === undefined) return a.action === 'admin-terminate' ? undefined : (a as StepAction);
  const { browser, username, password, values: _v, handle: _h, ...rest } = a as Action & Partial<Record<ActorFields, unknown>> & { browser: string };
  const creds = typeof username === 'string' && typeof password === 'string' ? { username, password } : undefined;
  return { ...rest, user: names.ofBrowser(browser, creds) } as StepAction;
}
