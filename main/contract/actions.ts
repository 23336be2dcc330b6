import { z } from 'zod';
import type { BrowserResponse, LoginStep } from './browser';
import { oauth2Actions, type OAuth2View } from './oauth2';
import type { LoadSummary } from './recipes';
import { ConfigPatchSchema, type LabConfig } from './settings';
import type { BackendState } from './snapshot';
import type { LabEvent, TraceExchange } from './trace';

/**
 * The one action vocabulary: everything a person (the window's buttons, a script over the API) or
 * a recipe does to the lab, named as recipe steps are. The executor, perform() in
 * main/lab/perform.ts, does an Action and returns its own exchanges. A recipe step is an Action
 * plus expectations (its actor written as a recipe user); the window's action log is the list of
 * Actions performed, with what they showed, and exports as a recipe. A new action is one entry
 * here; the compiler then points at its case in perform() and its YAML form in
 * main/lab/scenario/grammar.ts.
 */

export const NodeIdSchema = z.string().regex(/^\d{2}$/, 'a node id such as 01');
export const BrowserIdSchema = z.string().regex(/^b\d{1,9}$/, 'a virtual browser id such as b1');
const browser = BrowserIdSchema;
const realm = z.string().regex(/^\/[A-Za-z0-9_-]{0,64}$/, 'a realm such as / or /alpha').optional();
const service = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a chain or tree name').optional();
const username = z.string().min(1).max(256);
const password = z.string().max(1024);
const DAY = 86_400_000;
/** A virtual browser's own address as the balancer sees it (Linux routes all of 127/8 to the loopback). */
export const ClientIpSchema = z.string().regex(/^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/, 'a loopback address such as 127.0.0.7');
/** The origin of an app that calls AM (an SDK app). */
export const AppOriginSchema = z.url({ protocol: /^https?$/ });

const ACTIONS = [
  /** A whole login: the first call, then every callbacks step answered with the credentials. */
  z.strictObject({ action: z.literal('login'), browser, username, password, service, realm }),
  /** The first authenticate call: AM answers with callbacks, which stay on the browser's screen. */
  z.strictObject({ action: z.literal('login-start'), browser, service, realm }),
  /** Submits the callbacks on the browser's screen: the values typed, or filled from the credentials. */
  z.strictObject({
    action: z.literal('login-next'),
    browser,
    values: z.record(z.string().max(200), z.string().max(1024)).optional(),
    username: username.optional(),
    password: password.optional(),
    realm,
  }),
  /** One call with X-OpenAM-Username / X-OpenAM-Password. */
  z.strictObject({ action: z.literal('zero-page-login'), browser, username, password, service, realm }),
  /** Session calls with the browser's cookie; access is getSessionInfo, what any use of the session does. */
  z.strictObject({ action: z.enum(['validate', 'refresh', 'access', 'logout']), browser, realm }),
  /** amadmin ends a session through AM's REST API: the browser's newest, or the one with this handle. */
  z.strictObject({ action: z.literal('admin-terminate'), browser: browser.optional(), handle: z.string().min(1).max(512).optional() }),
  /** Lab time passes: the clock jumps, expiry on access and the CTS reaper follow. */
  z.strictObject({ action: z.literal('wait'), ms: z.number().int().min(1).max(366 * DAY) }),
  z.strictObject({ action: z.enum(['kill-node', 'restart-node', 'drain-node', 'undrain-node']), node: NodeIdSchema }),
  /** Settings change live (the number of nodes included). */
  z.strictObject({ action: z.literal('configure'), patch: ConfigPatchSchema }),
  /** Many logins at once through the balancer, each from a fresh virtual browser (bounded). */
  z.strictObject({
    action: z.literal('load'),
    logins: z.number().int().min(1).max(1_000_000).optional(),
    /** Or keep going this long (real time). */
    durationMs: z.number().int().min(1).max(600_000).optional(),
    concurrency: z.number().int().min(1).max(256),
    /** Virtual users taking turns (default: one per concurrent slot). */
    users: z.number().int().min(1).max(10_000).optional(),
    /** Credentials (default: the demo user). */
    username: username.optional(),
    password: password.optional(),
    service,
    /** Log each successful session out again, so a long run does not fill the CTS. */
    logout: z.boolean().optional(),
    /** After each login, get OAuth2 tokens as the SDK does (authorize, code exchange). */
    tokens: z.boolean().optional(),
    /** Longest random pause before each step after the first (a person typing); real time. */
    thinkMs: z.number().min(0).max(60_000).optional(),
  }),
  /** Reads the cluster (node states, active sessions) for a recipe's expectations. */
  z.strictObject({ action: z.literal('check') }),
  /** The browser's network from now on: its client address (127.0.0.x), the app origin calling AM (null: AM's own pages). */
  z.strictObject({
    action: z.literal('browser'),
    browser,
    ip: ClientIpSchema.optional(),
    origin: AppOriginSchema.nullable().optional(),
  }),
  /** OAuth2/OIDC as the app in the browser (the SDK) or a confidential client does it (oauth2.ts). */
  ...oauth2Actions(browser),
  /** The lab's CTS directory: one replica's slapd stopped or started (1-based), or every replica. */
  z.strictObject({ action: z.enum(['stop-cts-replica', 'start-cts-replica']), replica: z.number().int().min(1).max(4) }),
  z.strictObject({ action: z.enum(['stop-cts', 'start-cts']) }),
] as const;

export const ActionSchema = z.discriminatedUnion('action', ACTIONS).superRefine((a, ctx) => {
  if (a.action === 'admin-terminate' && (a.browser === undefined) === (a.handle === undefined)) ctx.addIssue({ code: 'custom', message: 'admin-terminate names a browser (its newest session) or a session handle, not both' });
  if (a.action === 'load' && (a.logins === undefined) === (a.durationMs === undefined)) ctx.addIssue({ code: 'custom', message: 'a load names exactly one of logins (a count) or durationMs' });
});

export type Action = z.infer<typeof ActionSchema>;
export type ActionName = Action['action'];
export type ActionOf<N extends ActionName> = Extract<Action, { action: N }>;

/** Every action name, in the order above: the recipe step keywords. */
export const ACTION_NAMES = ACTIONS.flatMap((o) => {
  const a = o.shape.action;
  return a instanceof z.ZodLiteral ? [...a.values] : [...(a as z.ZodEnum).options];
}) as ActionName[];

/** Actions that act as a user with credentials (a recipe fills them from its users: section). */
export const CREDENTIAL_ACTIONS: ReadonlySet<ActionName> = new Set(['login', 'login-next', 'zero-page-login']);

/** What an action did: its own exchanges and events, and what AM answered. */
export interface ActionResult {
  /** The action as performed: the credentials a submitted form carried, the browser whose session was ended. */
  action: Action;
  /** The exchanges it made through the balancer, in order (each login step is one). */
  exchanges: TraceExchange[];
  /** The events recorded during those exchanges. */
  events: LabEvent[];
  /** Login actions: AM's answer to each authenticate call, in order; the last is the outcome. */
  steps?: LoginStep[];
  /** validate, refresh, access, logout and the OAuth2 actions: AM's (last) answer. */
  response?: BrowserResponse;
  /** OAuth2 actions: the error AM answered, and the tokens the browser holds for the client now. */
  oauth2?: OAuth2View;
  /** configure: the settings now. */
  config?: LabConfig;
  load?: LoadSummary;
  /** check: each node as the balancer sees it, and the handles of the active CTS sessions. */
  cluster?: { nodeState: Record<string, BackendState>; activeSessions: string[] };
}
