import { z } from 'zod';
import { DEMO_AGENT, REALMS } from './names';

export { REALMS, type Realm } from './names';

/**
 * Every setting of the lab, once, in AM's vocabulary: its schema (type, limits, choices, default)
 * and what the CLI and the window say about it. The engine parses its configuration with
 * LabConfigSchema, `serve`/`web`/`balance` generate their flags from SETTINGS, the window takes its
 * limits and choices from the same schemas, and recipes and the window's configure command accept
 * ConfigPatchSchema. A new setting is one entry here (plus the engine code that reads it).
 */

export type SettingScope =
  /** Part of the reproduction: written into exported recipes, reset by a recipe run in the window. */
  | 'ticket'
  /** The machine the lab runs on (limits, trace size, CORS): never written into a recipe. */
  | 'machine';

export interface SettingMeta {
  /** One line for the CLI help and the window. */
  help: string;
  scope: SettingScope;
  /** Changes on a running lab through configure (each with a test proving it); otherwise fixed at start. */
  live: boolean;
  /** The CLI flag when it is not the key in kebab-case (`cookie` for lbCookieName); false: no flag. */
  flag?: string | false;
  /** Written into an exported recipe even at its default, so a reader sees the topology. */
  always?: boolean;
  /** Unit shown after the value (CLI help, window). */
  unit?: string;
}

type Setting<S extends z.ZodType, M extends SettingMeta> = M & { schema: S };

const setting = <S extends z.ZodType, const M extends SettingMeta>(schema: S, meta: M): Setting<S, M> => ({ schema, ...meta });

/** A cookie name as AM and the balancers accept it. */
export const CookieNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a cookie name: letters, digits, _ . - only (at most 64)');
/** Longest AM time setting: a year, in minutes. */
export const MAX_MINUTES = 525_600;
const minutes = (def: number) => z.number().positive().max(MAX_MINUTES).default(def);
const seconds = (def: number) => z.number().min(0).max(3600).default(def);
/** Lifetimes in whole seconds (up to a year). */
const lifetime = (def: number) => z.number().int().positive().max(31_536_000).default(def);

export const PolicySchema = z.enum(['round-robin', 'sticky', 'active-passive']);
export type Policy = z.infer<typeof PolicySchema>;

export const UserSchema = z.object({
  password: z.string().min(1),
  admin: z.boolean().default(false),
  /** Shown next to the user in the UI: demo accounts are lab-only. */
  demo: z.boolean().default(false),
});
export type UserRecord = z.infer<typeof UserSchema>;


/**
 * An OAuth 2.0 client as registered in a realm's agents (OpenAM OAuth2Provider.xml client profile).
 * Consent is implied for the lab's clients (isConsentImplied), so authorize never asks.
 */
export const OAuth2ClientSchema = z.object({
  realm: z.enum(REALMS).default('/'),
  /** Public clients (SPA/SDK) are not authenticated; confidential ones send their secret. */
  type: z.enum(['public', 'confidential']),
  secret: z.string().min(1).max(256).optional(),
  redirectUris: z.array(z.string().url()).min(1).max(20),
  postLogoutRedirectUris: z.array(z.string().url()).max(20).default([]),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/)).min(1).max(50).default(['openid', 'profile', 'email']),
});
export type OAuth2Client = z.infer<typeof OAuth2ClientSchema>;

/** The lab's two clients: a public one for SPA/SDK use and a confidential one (AM docs' myClient). */
export const DEFAULT_OAUTH2_CLIENTS: Record<string, z.input<typeof OAuth2ClientSchema>> = {
  sdkPublicClient: { type: 'public', redirectUris: ['https://localhost:8443/callback.html'], postLogoutRedirectUris: ['https://localhost:8443/'] },
  myClient: { type: 'confidential', secret: 'forgerock', redirectUris: ['https://www.example.com:443/callback'] },
};

const TokenModeSchema = z.enum(['stateful', 'client-side']);

export const SETTINGS = {
  nodes: setting(z.number().int().min(1).max(9).default(3), { help: 'number of AM nodes (server ids 01, 02, …)', scope: 'ticket', live: true, always: true }),
  policy: setting(PolicySchema.default('round-robin'), {
    help: 'balancer policy: round-robin ignores amlbcookie, sticky routes on it, active-passive sends all to the first live node',
    scope: 'ticket',
    live: true,
    always: true,
  }),
  lbCookieName: setting(CookieNameSchema.default('amlbcookie'), { help: 'name of the sticky load-balancing cookie (com.iplanet.am.lbcookie.name)', scope: 'ticket', live: true, flag: 'cookie' }),
  sessionCookieName: setting(CookieNameSchema.default('iPlanetDirectoryPro'), { help: 'session cookie name (com.iplanet.am.cookie.name)', scope: 'ticket', live: true }),
  redispatch: setting(z.boolean().default(true), {
    help: "redispatch a sticky request whose node fails before the balancer knows it is down (HAProxy's option redispatch); off, that request gets 503",
    scope: 'ticket',
    live: true,
  }),
  auth: setting(z.enum(['chain', 'tree']).default('chain'), { help: 'authentication: module-based chains (auth sessions in node memory) or trees', scope: 'ticket', live: true, always: true }),
  authSessions: setting(z.enum(['memory', 'cts', 'client']).default('memory'), {
    help: 'where tree auth sessions live: node memory, the CTS, or client-side in the authId JWT (chains always use memory)',
    scope: 'ticket',
    live: true,
    always: true,
  }),
  sessions: setting(z.enum(['cts', 'client']).default('cts'), { help: 'authenticated sessions: CTS-based (server-side) or client-based (signed JWT in the cookie)', scope: 'ticket', live: true, always: true }),
  maxSessionTime: setting(minutes(120), { help: 'max session time, for sessions created from then on', scope: 'ticket', live: true, unit: 'min' }),
  maxIdleTime: setting(minutes(30), { help: 'max idle time, for sessions created from then on', scope: 'ticket', live: true, unit: 'min' }),
  maxCachingTime: setting(minutes(3), { help: 'max caching time agents may cache session info, for sessions created from then on', scope: 'ticket', live: true, unit: 'min' }),
  journeyMaxDuration: setting(minutes(5), { help: 'tree journey max duration (authenticationSessionsMaxDuration)', scope: 'ticket', live: true, unit: 'min' }),
  chainAuthTimeoutSeconds: setting(lifetime(120), { help: "chain login page timeout: the DataStore module's callback timeout (checkLoginTimeout)", scope: 'ticket', live: true, flag: 'chain-auth-timeout', unit: 's' }),
  denylist: setting(z.boolean().default(true), { help: 'client-based sessions: deny-list a logged-out token', scope: 'ticket', live: true }),
  denylistPollSeconds: setting(seconds(10), { help: 'how long another node may still accept a deny-listed token (AM polls the CTS every 10 s)', scope: 'ticket', live: true, unit: 's' }),
  sessionPropertyAllowlist: setting(z.array(z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'a session property name')).max(100).default(() => ['AMCtxId']), {
    help: 'Session Property Whitelist Service: the properties REST clients may read and set (repeatable)',
    scope: 'ticket',
    live: true,
    flag: 'session-property',
  }),
  latestAccessUpdateSeconds: setting(seconds(60), { help: 'latestAccessTime is written at most this often (AM: 60 s)', scope: 'ticket', live: true, unit: 's' }),
  profile: setting(z.enum(['6.5', '7', '7.5', '8']).default('7'), {
    help: 'AM version profile: 6.5 (no CSRF filter), 7 (CSRF filter; HttpOnly opt-in, as AM 7.0–7.4), 7.5 and 8 (HttpOnly by default, tokenId "" on success)',
    scope: 'ticket',
    live: true,
  }),
  httpOnly: setting(z.boolean().nullable().default(null), { help: "com.sun.identity.cookie.httponly (default: the profile's: off before 7.5, on from 7.5)", scope: 'ticket', live: true, flag: false }),
  siteId: setting(
    z
      .string()
      .regex(/^\d{2}$/, 'a site id such as 10')
      .nullable()
      .default('10'),
    { help: 'the site the servers belong to (its id goes in SI, the server id in S1); none: servers without a site', scope: 'ticket', live: true, flag: false },
  ),
  fqdnMap: setting(z.record(z.string().min(1).max(253), z.string().min(1).max(253)).default(() => ({ localhost: 'localhost' })), {
    help: "com.sun.identity.server.fqdnMap: host names accepted besides the servers' own (127.0.0.1); anything else is 400",
    scope: 'ticket',
    live: true,
    flag: false,
  }),
  gotoAllowlist: setting(z.array(z.string().min(1).max(2048)).max(100).default([]), {
    help: 'Validation Service success/failure URL allowlist for goto and gotoOnFail (repeatable; none: any relative or http(s) URL)',
    scope: 'ticket',
    live: true,
    flag: 'goto-allow',
  }),
  lockoutMode: setting(z.enum(['off', 'memory', 'persistent']).default('off'), {
    help: "account lockout: counted in each server's memory (ISAccountLockout.loginFailHash) or where every server sees it",
    scope: 'ticket',
    live: true,
  }),
  lockoutThreshold: setting(z.number().int().min(1).max(100).default(5), { help: 'failed logins before the account is locked', scope: 'ticket', live: true }),
  lockoutDuration: setting(minutes(5), { help: 'how long a locked account stays locked', scope: 'ticket', live: true, unit: 'min' }),
  sessionQuotaEnabled: setting(z.boolean().default(false), { help: 'session quota constraints (CTS sessions only)', scope: 'ticket', live: true, flag: 'session-quota' }),
  sessionQuotaLimit: setting(z.number().int().min(1).max(1000).default(5), { help: 'active sessions a user may have', scope: 'ticket', live: true }),
  sessionQuotaAction: setting(z.enum(['DENY_ACCESS', 'DESTROY_NEXT_EXPIRING', 'DESTROY_OLDEST', 'DESTROY_ALL']).default('DESTROY_NEXT_EXPIRING'), {
    help: 'what a login past the quota does',
    scope: 'ticket',
    live: true,
  }),
  oauth2Tokens: setting(
    z.object({ '/': TokenModeSchema.default('stateful'), '/alpha': TokenModeSchema.default('stateful') }).default(() => ({ '/': 'stateful' as const, '/alpha': 'stateful' as const })),
    { help: "per realm, as AM's OAuth2 provider: tokens in the CTS (stateful) or signed JWTs (client-side)", scope: 'ticket', live: true, flag: false },
  ),
  oauth2CodeLifetime: setting(lifetime(120), { help: 'OAuth2 authorization code lifetime', scope: 'ticket', live: true, unit: 's' }),
  oauth2AccessTokenLifetime: setting(lifetime(3600), { help: 'OAuth2 access token lifetime', scope: 'ticket', live: true, unit: 's' }),
  oauth2RefreshTokenLifetime: setting(lifetime(604_800), { help: 'OAuth2 refresh token lifetime', scope: 'ticket', live: true, unit: 's' }),
  oauth2IdTokenLifetime: setting(lifetime(3600), { help: 'OpenID Connect ID token lifetime', scope: 'ticket', live: true, unit: 's' }),
  oauth2Clients: setting(
    z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/), OAuth2ClientSchema).default(() => z.record(z.string(), OAuth2ClientSchema).parse(DEFAULT_OAUTH2_CLIENTS)),
    { help: 'OAuth2 clients, by client id', scope: 'ticket', live: true, flag: false },
  ),
  contextPath: setting(z.string().regex(/^\/[A-Za-z0-9_-]+$/, 'a context path such as /am').default('/am'), { help: 'context path AM is served under', scope: 'machine', live: false }),
  corsOrigins: setting(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin like http://localhost:3000')).max(50).default([]), {
    help: 'allow a cross-origin browser client, CORS with credentials (repeatable)',
    scope: 'machine',
    live: true,
    flag: 'cors-origin',
  }),
  users: setting(z.record(z.string().min(1), UserSchema).default({}), { help: 'extra users', scope: 'machine', live: false, flag: false }),
  agents: setting(z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), z.object({ password: z.string().min(1) })).default(() => ({ [DEMO_AGENT.name]: { password: DEMO_AGENT.password } })), {
    help: 'agent profiles (web and Java agents), which log in with authIndexType=module&authIndexValue=Application',
    scope: 'ticket',
    live: false,
    flag: false,
  }),
  maxBodyBytes: setting(z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024), { help: 'largest request body a node or the balancer accepts', scope: 'machine', live: true, unit: 'bytes' }),
  headersTimeoutMs: setting(z.number().int().min(100).max(600_000).default(10_000), {
    help: "time a client has to send its request headers to the balancer or a node, then 408 (HAProxy's timeout http-request); applied when a server starts",
    scope: 'machine',
    live: false,
    flag: 'headers-timeout',
    unit: 'ms',
  }),
  requestTimeoutMs: setting(z.number().int().min(100).max(3_600_000).default(30_000), {
    help: 'time a client has to send its whole request, then 408; applied when a server starts',
    scope: 'machine',
    live: false,
    flag: 'request-timeout',
    unit: 'ms',
  }),
  upstreamTimeoutMs: setting(z.number().int().min(100).max(600_000).default(15_000), { help: "how long the balancer waits for a node's answer (real time)", scope: 'machine', live: true, flag: 'upstream-timeout', unit: 'ms' }),
  traceCapacity: setting(z.number().int().min(10).max(1_000_000).default(20_000), { help: 'exchanges the trace keeps (events keep the same cap); the oldest are dropped', scope: 'machine', live: true }),
  traceBudgetBytes: setting(z.number().int().min(1024 * 1024).max(4 * 1024 * 1024 * 1024).default(128 * 1024 * 1024), {
    help: 'bytes the whole trace may hold (exchanges and events); past it the oldest items go first',
    scope: 'machine',
    live: true,
    flag: 'trace-budget',
    unit: 'bytes',
  }),
  traceBodyBytes: setting(z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024), {
    help: 'bytes of any one request or response body the trace keeps; the rest is cut, with a marker',
    scope: 'machine',
    live: true,
    flag: 'trace-body',
    unit: 'bytes',
  }),
  cts: setting(
    z
      .string()
      .regex(/^(embedded|ldap|ldaps?:\/\/[^\s,/]+(,ldaps?:\/\/[^\s,/]+)*)$/, 'embedded, ldap, or ldap://host:port')
      .default('embedded'),
    { help: 'the CTS token store: embedded (in the lab), ldap (OpenLDAP slapd replicas the lab runs), or an existing directory ldap://host:port[,…] (env SESSION_LAB_CTS)', scope: 'machine', live: false },
  ),
  ctsReplicas: setting(z.number().int().min(1).max(4).default(1), { help: "replicas of the lab's directory (multi-provider replication between them)", scope: 'ticket', live: false }),
  ctsReplicationDelayMs: setting(z.number().int().min(0).max(600_000).default(0), {
    help: "how long a change takes to reach the other replicas of the lab's directory (real time)",
    scope: 'ticket',
    live: true,
    flag: 'cts-replication-delay',
    unit: 'ms',
  }),
  ctsAffinity: setting(z.boolean().default(false), { help: "CTS affinity (org.forgerock.services.cts.store.affinity.enabled): each token's operations go to one replica", scope: 'ticket', live: false }),
  ctsBindDn: setting(z.string().min(1).optional(), { help: 'bind DN for an existing directory (env SESSION_LAB_CTS_BIND_DN)', scope: 'machine', live: false }),
  ctsPassword: setting(z.string().min(1).optional(), { help: 'password for an existing directory (env SESSION_LAB_CTS_PASSWORD)', scope: 'machine', live: false }),
  ctsRootSuffix: setting(z.string().min(1).optional(), { help: 'where an existing directory keeps tokens (org.forgerock.services.cts.store.root.suffix)', scope: 'machine', live: false }),
  lbConfig: setting(z.string().max(256 * 1024).nullable().default(null), {
    help: "a customer's balancer configuration (haproxy.cfg, nginx.conf, Ingress YAML, ALB attributes JSON, F5 tmsh output): the balancer routes as that file does",
    scope: 'ticket',
    live: true,
    flag: false,
  }),
  https: setting(z.boolean().default(false), { help: 'the balancer speaks HTTPS with a certificate from a lab CA made at runtime (the virtual browsers trust it)', scope: 'ticket', live: true }),
  publicHost: setting(
    z
      .string()
      .regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'a host name such as am.example.com')
      .default('127.0.0.1'),
    { help: "the host name the virtual browsers use for AM (the customer's, e.g. am.example.com); cookie Domain and Secure rules apply to it", scope: 'ticket', live: true },
  ),
  isolation: setting(z.enum(['process', 'in-process']).default('process'), {
    help: "process: each AM node is its own OS process (a kill is a SIGKILL) and the balancer and load runner run on a thread of their own; in-process: all in the lab's thread, the fastest start (tests) (env SESSION_LAB_ISOLATION)",
    scope: 'machine',
    live: false,
  }),
  ctsLatencyMs: setting(z.number().int().min(0).max(10_000).default(0), {
    help: 'added to every call a node makes to the CTS, embedded or a directory (real time), to show a slow CTS',
    scope: 'ticket',
    live: true,
    flag: 'cts-latency',
    unit: 'ms',
  }),
  balancer: setting(z.enum(['built-in', 'haproxy', 'nginx']).default('built-in'), {
    help: "which balancer fronts the nodes: the lab's own, or the machine's real HAProxy or nginx as a child process (set at start)",
    scope: 'ticket',
    live: false,
  }),
};

export type SettingKey = keyof typeof SETTINGS;
type Shape = { [K in SettingKey]: (typeof SETTINGS)[K]['schema'] };

function shape(): Shape {
  return Object.fromEntries(Object.entries(SETTINGS).map(([k, s]) => [k, s.schema])) as Shape;
}

export const LabConfigSchema = z.object(shape());
export type LabConfig = z.infer<typeof LabConfigSchema>;
export type LabConfigInput = z.input<typeof LabConfigSchema>;

const keysWhere = (pred: (s: SettingMeta) => boolean) => (Object.keys(SETTINGS) as SettingKey[]).filter((k) => pred(settingMeta(k)));
/** Settings a running lab changes through configure. */
export const LIVE_SETTINGS = keysWhere((s) => s.live);
/** Settings of the machine: never written into a recipe, left alone by a recipe run in the window. */
export const MACHINE_SETTINGS: ReadonlySet<string> = new Set(keysWhere((s) => s.scope === 'machine'));
/** Settings an exported recipe always writes, so its reader sees the topology. */
export const TOPOLOGY_SETTINGS: ReadonlySet<string> = new Set(keysWhere((s) => !!s.always));

type LiveKey = { [K in SettingKey]: (typeof SETTINGS)[K]['live'] extends true ? K : never }[SettingKey];
/** A live settings change: only the keys sent, no defaults filled in. */
export type LiveConfigPatch = Partial<Pick<LabConfig, LiveKey>>;

/**
 * The one schema of a settings change, at every boundary: the window's configure, a recipe's
 * cluster/variants/configure. Strict (an unknown key is an error) and without defaults (an omitted
 * key stays omitted).
 */
export const ConfigPatchSchema = z.strictObject(
  Object.fromEntries(LIVE_SETTINGS.map((k) => [k, (SETTINGS[k].schema as unknown as z.ZodDefault<z.ZodType>).unwrap().optional()])),
) as unknown as z.ZodType<LiveConfigPatch, LiveConfigPatch>;

/**
 * Settings fixed when a lab starts that a recipe may still name (its runner starts the lab with
 * them): the lab's own CTS directory — `cts: ldap`, not an existing directory's URL, which is the
 * machine's — its replicas and affinity, and which balancer runs.
 */
export const RECIPE_START_SETTINGS = ['cts', 'ctsReplicas', 'ctsAffinity', 'balancer'] as const;
export type RecipeStartKey = (typeof RECIPE_START_SETTINGS)[number];
export type RecipeSettings = LiveConfigPatch & Partial<Pick<LabConfig, RecipeStartKey>>;

/** A recipe's cluster and variants: the live settings, and the start settings above. */
export const RecipeSettingsSchema = z.strictObject({
  ...(ConfigPatchSchema as unknown as z.ZodObject).shape,
  cts: z.enum(['embedded', 'ldap'], { error: "embedded, or ldap (the lab's own directory; an existing one is the machine's: SESSION_LAB_CTS)" }).optional(),
  ctsReplicas: settingValueSchema('ctsReplicas').optional(),
  ctsAffinity: settingValueSchema('ctsAffinity').optional(),
  balancer: settingValueSchema('balancer').optional(),
}) as unknown as z.ZodType<RecipeSettings, RecipeSettings>;

/** What the CLI and the window say about a setting. */
export function settingMeta(key: SettingKey): SettingMeta {
  return SETTINGS[key] as SettingMeta;
}

/** The schema of one setting without its default (or optionality), to check a single value (a flag, a field). */
export function settingValueSchema(key: SettingKey): z.ZodType {
  return (SETTINGS[key].schema as unknown as z.ZodDefault<z.ZodType> | z.ZodOptional<z.ZodType>).unwrap();
}

interface Limits {
  type?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

/** Type, choices and limits of a setting (of one item, for a list), as JSON Schema says them. */
export function settingLimits(key: SettingKey): Limits {
  const schema = settingValueSchema(key);
  const one = schema instanceof z.ZodArray ? (schema.element as z.ZodType) : schema;
  return z.toJSONSchema(one, { unrepresentable: 'any' }) as Limits;
}

/** "a whole number from 1 to 9", "a number above 0, up to 525600". */
function rangeText(l: Limits): string {
  const what = l.type === 'integer' ? 'a whole number' : 'a number';
  if (l.exclusiveMinimum !== undefined) return `${what} above ${l.exclusiveMinimum}${l.maximum !== undefined ? `, up to ${l.maximum}` : ''}`;
  if (l.minimum !== undefined) return `${what} from ${l.minimum}${l.maximum !== undefined ? ` to ${l.maximum}` : ''}`;
  return l.maximum !== undefined ? `${what} up to ${l.maximum}` : what;
}

const BYTE_UNITS: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** A number as people type it; sizes in bytes may say KiB, MiB or GiB (`128MiB`). */
function number(text: string, bytes: boolean): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? '';
  if (!m || (unit && !bytes) || !(unit in BYTE_UNITS)) return NaN;
  return Math.round(Number(m[1]) * BYTE_UNITS[unit]!);
}

/**
 * A setting's value from text (a CLI flag, a field of the window), or what it must be, in the same
 * words everywhere. A list setting (corsOrigins) parses one item.
 */
export function parseSettingText(key: SettingKey, text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const limits = settingLimits(key);
  const numeric = limits.type === 'integer' || limits.type === 'number';
  const schema = settingValueSchema(key);
  const one = schema instanceof z.ZodArray ? (schema.element as z.ZodType) : schema;
  const r = one.safeParse(numeric ? number(text, settingMeta(key).unit === 'bytes') : text);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, problem: numeric ? `expected ${rangeText(limits)}` : r.error.issues[0]!.message };
}
