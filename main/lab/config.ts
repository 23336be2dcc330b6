import { z } from 'zod';

/**
 * Lab configuration, in AM's vocabulary. Everything here can change live through Lab.configure(),
 * except `contextPath` and the number of nodes, which rebuild the cluster.
 */
const cookieName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a cookie name: letters, digits, _ . - only');
const minutes = (def: number) => z.number().positive().max(525_600).default(def);

export const DEMO_USER = { username: 'demo', password: 'Ch4ng31t' } as const;
/** A lab-only agent profile, as an AM install's sample web agent. */
export const DEMO_AGENT = { name: 'webagent', password: 'Ch4ng31t' } as const;

export const UserSchema = z.object({
  password: z.string().min(1),
  admin: z.boolean().default(false),
  /** Shown next to the user in the UI: demo accounts are lab-only. */
  demo: z.boolean().default(false),
});

/** Realms the emulated AM serves (the root realm and one sub-realm, as AM 7 platform deployments have). */
export const REALMS = ['/', '/alpha'] as const;
export type Realm = (typeof REALMS)[number];

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
const seconds = (def: number) => z.number().int().positive().max(31_536_000).default(def);

export const PolicySchema = z.enum(['round-robin', 'sticky', 'active-passive']);
export type Policy = z.infer<typeof PolicySchema>;

export const LabConfigSchema = z.object({
  /** Number of AM nodes (server ids 01, 02, …). */
  nodes: z.number().int().min(1).max(9).default(3),
  /** Balancer policy: round-robin ignores amlbcookie; sticky routes on it; active-passive sends all to the first live node. */
  policy: PolicySchema.default('round-robin'),
  /** Name of the sticky load-balancing cookie (com.iplanet.am.lbcookie.name). */
  lbCookieName: cookieName.default('amlbcookie'),
  /** Session cookie name (com.iplanet.am.cookie.name). */
  sessionCookieName: cookieName.default('iPlanetDirectoryPro'),
  /**
   * Redispatch a sticky request whose node fails before the balancer knows it is down (HAProxy's
   * `option redispatch`); off, that request gets 503. A node marked down keeps nobody, either way.
   */
  redispatch: z.boolean().default(true),
  /** Authentication: module-based chains (auth sessions in node memory) or trees. */
  auth: z.enum(['chain', 'tree']).default('chain'),
  /** Where tree auth sessions live: node memory, the CTS, or client-side in the authId JWT. Chains always use memory. */
  authSessions: z.enum(['memory', 'cts', 'client']).default('memory'),
  /** Authenticated sessions: CTS-based (server-side) or client-based (signed JWT in the cookie). */
  sessions: z.enum(['cts', 'client']).default('cts'),
  maxSessionTime: minutes(120),
  maxIdleTime: minutes(30),
  maxCachingTime: minutes(3),
  /** Tree journey max duration (authenticationSessionsMaxDuration). */
  journeyMaxDuration: minutes(5),
  /** Chain login page timeout: the DataStore module's callback timeout="120" (checkLoginTimeout), in seconds. */
  chainAuthTimeoutSeconds: seconds(120),
  /** Client-based session denylist on logout (poll 10 s in AM). */
  denylist: z.boolean().default(true),
  denylistPollSeconds: z.number().min(0).max(3600).default(10),
  /** Session Property Whitelist Service: the properties REST clients may read and set (AM's default: AMCtxId). */
  sessionPropertyAllowlist: z.array(z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/)).max(100).default(() => ['AMCtxId']),
  /** latestAccessTime is written at most this often (AM: 60 s). */
  latestAccessUpdateSeconds: z.number().min(0).max(3600).default(60),
  /**
   * AM version profile: 6.5 (no CSRF filter), 7 (CSRF filter; HttpOnly opt-in, as AM 7.0–7.4),
   * 7.5 and 8 (HttpOnly session cookie by default, tokenId "" on success).
   */
  profile: z.enum(['6.5', '7', '7.5', '8']).default('7'),
  /** com.sun.identity.cookie.httponly; null = the profile's default (off before 7.5, on from 7.5). */
  httpOnly: z.boolean().nullable().default(null),
  /** The site the servers belong to (its id goes in SI, the server id in S1); null = servers without a site. */
  siteId: z
    .string()
    .regex(/^\d{2}$/)
    .nullable()
    .default('10'),
  /** com.sun.identity.server.fqdnMap: host names accepted besides the servers' own (127.0.0.1); anything else is 400. */
  fqdnMap: z.record(z.string().min(1).max(253), z.string().min(1).max(253)).default(() => ({ localhost: 'localhost' })),
  /** Validation Service success/failure URL allowlist (goto, gotoOnFail); empty = any relative or http(s) URL. */
  gotoAllowlist: z.array(z.string().min(1).max(2048)).max(100).default([]),
  /**
   * Account lockout (Core authentication: Login Failure Lockout Mode). memory = counted in each
   * server's own memory (ISAccountLockout.loginFailHash), persistent = counted where every server sees it.
   */
  lockoutMode: z.enum(['off', 'memory', 'persistent']).default('off'),
  lockoutThreshold: z.number().int().min(1).max(100).default(5),
  lockoutDuration: minutes(5),
  /** Session service: Enable Quota Constraints, Active User Sessions and the exhaustion action (CTS sessions only). */
  sessionQuotaEnabled: z.boolean().default(false),
  sessionQuotaLimit: z.number().int().min(1).max(1000).default(5),
  sessionQuotaAction: z.enum(['DENY_ACCESS', 'DESTROY_NEXT_EXPIRING', 'DESTROY_OLDEST', 'DESTROY_ALL']).default('DESTROY_NEXT_EXPIRING'),
  /** Per realm, as AM's OAuth2 provider: tokens in the CTS (stateful) or signed JWTs (client-side). */
  oauth2Tokens: z.object({ '/': TokenModeSchema.default('stateful'), '/alpha': TokenModeSchema.default('stateful') }).default(() => ({ '/': 'stateful' as const, '/alpha': 'stateful' as const })),
  /** OAuth2 provider lifetimes (OAuth2Provider.xml defaults), in seconds. */
  oauth2CodeLifetime: seconds(120),
  oauth2AccessTokenLifetime: seconds(3600),
  oauth2RefreshTokenLifetime: seconds(604_800),
  oauth2IdTokenLifetime: seconds(3600),
  oauth2Clients: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/), OAuth2ClientSchema)
    .default(() => z.record(z.string(), OAuth2ClientSchema).parse(DEFAULT_OAUTH2_CLIENTS)),
  contextPath: z.string().regex(/^\/[A-Za-z0-9_-]+$/).default('/am'),
  /** Origins allowed for cross-origin browser clients (CORS with credentials). */
  corsOrigins: z.array(z.string().url()).default([]),
  users: z.record(z.string().min(1), UserSchema).default({}),
  /** Agent profiles (web and Java agents), which log in with authIndexType=module&authIndexValue=Application. */
  agents: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), z.object({ password: z.string().min(1) })).default(() => ({ [DEMO_AGENT.name]: { password: DEMO_AGENT.password } })),
  /** Largest request body a node or the balancer accepts (bytes). */
  maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /**
   * Time a client has to send its request headers, and its whole request, to the balancer or a node
   * (real ms); then 408 and close, like HAProxy's `timeout http-request`. Applied when a server starts.
   */
  headersTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** Upstream timeout of the balancer (real milliseconds). */
  upstreamTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
  /** Trace ring-buffer capacity (exchanges; events keep the same cap). */
  traceCapacity: z.number().int().min(10).max(1_000_000).default(20_000),
  /** Bytes the whole trace may hold (exchanges and events); past it the oldest items go first. */
  traceBudgetBytes: z.number().int().min(1024 * 1024).max(4 * 1024 * 1024 * 1024).default(128 * 1024 * 1024),
  /** Bytes of any one request or response body the trace keeps; the rest is cut, with a marker. */
  traceBodyBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024),
  /**
   * The CTS token store: `embedded` (in the lab process), `ldap` (OpenLDAP slapd servers the lab
   * runs, with AM's CTS schema), or an existing directory `ldap://host:port[,ldap://host:port…]`.
   */
  cts: z
    .string()
    .regex(/^(embedded|ldap|ldaps?:\/\/[^\s,/]+(,ldaps?:\/\/[^\s,/]+)*)$/, 'embedded, ldap, or ldap://host:port')
    .default('embedded'),
  /** Replicas of the lab's directory (multi-provider replication between them). */
  ctsReplicas: z.number().int().min(1).max(4).default(1),
  /** How long a change takes to reach the other replicas (real milliseconds). */
  ctsReplicationDelayMs: z.number().int().min(0).max(600_000).default(0),
  /** CTS affinity (org.forgerock.services.cts.store.affinity.enabled): each token's operations go to one replica. */
  ctsAffinity: z.boolean().default(false),
  /** Bind DN and password for an existing directory (the lab's own directory makes its own). */
  ctsBindDn: z.string().min(1).optional(),
  ctsPassword: z.string().min(1).optional(),
  /** Where an existing directory keeps tokens (org.forgerock.services.cts.store.root.suffix). */
  ctsRootSuffix: z.string().min(1).optional(),
  /**
   * A customer's balancer configuration (haproxy.cfg, nginx.conf, ingress-nginx Ingress YAML, ALB
   * target-group attributes JSON, F5 tmsh output): the balancer then routes as that file does, its
   * servers mapped to the nodes in order. Null: the lab's own policy (policy, lbCookieName, redispatch).
   */
  lbConfig: z.string().max(256 * 1024).nullable().default(null),
  /** The balancer speaks HTTPS with a certificate from a lab CA made at runtime (the virtual browsers trust it). */
  https: z.boolean().default(false),
  /**
   * The host name the virtual browsers use for AM (the customer's, e.g. am.example.com); the lab
   * resolves it to its balancer. Cookie Domain and Secure rules apply to this name: 127.0.0.1 and
   * localhost are exempt from Secure, as in Chromium.
   */
  publicHost: z
    .string()
    .regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'a host name such as am.example.com')
    .default('127.0.0.1'),
  /** Which balancer fronts the nodes: the lab's own, or the machine's real HAProxy or nginx as a child process (set at start). */
  balancer: z.enum(['built-in', 'haproxy', 'nginx']).default('built-in'),
});

export type LabConfig = z.infer<typeof LabConfigSchema>;
export type LabConfigInput = z.input<typeof LabConfigSchema>;
export type UserRecord = z.infer<typeof UserSchema>;

/**
 * Settings of the machine, not of the ticket: a recipe neither writes nor resets them, and a window
 * action never records them as a step.
 */
export const MACHINE_SETTINGS: ReadonlySet<string> = new Set(['users', 'contextPath', 'corsOrigins', 'maxBodyBytes', 'upstreamTimeoutMs', 'headersTimeoutMs', 'requestTimeoutMs', 'traceCapacity', 'traceBudgetBytes', 'traceBodyBytes', 'cts', 'ctsBindDn', 'ctsPassword', 'ctsRootSuffix'] satisfies (keyof LabConfig)[]);

/**
 * Settings that can be applied to a running lab without rebuilding the cluster. The CTS store and
 * AM's connection settings to it are fixed at start (AM reads them at startup); the replication
 * delay is the directory's network, so it changes live. The balancer product is chosen at start.
 */
export const LiveConfigSchema = LabConfigSchema.omit({
  contextPath: true,
  users: true,
  agents: true,
  cts: true,
  ctsReplicas: true,
  ctsAffinity: true,
  ctsBindDn: true,
  ctsPassword: true,
  ctsRootSuffix: true,
  balancer: true,
}).partial();
export type LiveConfigPatch = z.infer<typeof LiveConfigSchema>;

export function parseConfig(input: LabConfigInput = {}): LabConfig {
  return LabConfigSchema.parse(input);
}

/** HttpOnly on the session cookie: the explicit setting, else the profile's default. */
export function cookieHttpOnly(cfg: LabConfig): boolean {
  return cfg.httpOnly ?? (cfg.profile === '7.5' || cfg.profile === '8');
}

/** What the trace keeps, from the lab's settings. */
export function traceLimits(cfg: Pick<LabConfig, 'traceCapacity' | 'traceBudgetBytes' | 'traceBodyBytes'>) {
  return { capacity: cfg.traceCapacity, budgetBytes: cfg.traceBudgetBytes, bodyBytes: cfg.traceBodyBytes };
}

export function serverId(index: number): string {
  return String(index + 1).padStart(2, '0');
}
