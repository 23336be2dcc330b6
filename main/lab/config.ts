import { z } from 'zod';

/**
 * Lab configuration, in AM's vocabulary. Everything here can change live through Lab.configure(),
 * except `contextPath` and the number of nodes, which rebuild the cluster.
 */
const cookieName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a cookie name: letters, digits, _ . - only');
const minutes = (def: number) => z.number().positive().max(525_600).default(def);

export const UserSchema = z.object({
  password: z.string().min(1),
  admin: z.boolean().default(false),
  /** Shown next to the user in the UI: demo accounts are lab-only. */
  demo: z.boolean().default(false),
});

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
  /** Redispatch a sticky request whose node is down (HAProxy's `option redispatch`). */
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
  /** Chain auth-in-progress lifetime (com.iplanet.am.session.invalidsessionmaxtime). */
  chainAuthTimeout: minutes(3),
  /** Client-based session denylist on logout (poll 10 s in AM). */
  denylist: z.boolean().default(true),
  denylistPollSeconds: z.number().min(0).max(3600).default(10),
  /** latestAccessTime is written at most this often (AM: 60 s). */
  latestAccessUpdateSeconds: z.number().min(0).max(3600).default(60),
  /** AM version profile: 6.5 (no HttpOnly, no CSRF filter), 7 (HttpOnly, CSRF filter), 8 (HttpOnly, tokenId "" on success). */
  profile: z.enum(['6.5', '7', '8']).default('7'),
  contextPath: z.string().regex(/^\/[A-Za-z0-9_-]+$/).default('/am'),
  /** Origins allowed for cross-origin browser clients (CORS with credentials). */
  corsOrigins: z.array(z.string().url()).default([]),
  users: z.record(z.string().min(1), UserSchema).default({}),
  /** Largest request body a node or the balancer accepts (bytes). */
  maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** Upstream timeout of the balancer (real milliseconds). */
  upstreamTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
  /** Trace ring-buffer capacity (exchanges; events keep the same cap). */
  traceCapacity: z.number().int().min(10).max(1_000_000).default(20_000),
});

export type LabConfig = z.infer<typeof LabConfigSchema>;
export type LabConfigInput = z.input<typeof LabConfigSchema>;
export type UserRecord = z.infer<typeof UserSchema>;

/** Settings that can be applied to a running lab without rebuilding the cluster. */
export const LiveConfigSchema = LabConfigSchema.omit({ contextPath: true, users: true }).partial();
export type LiveConfigPatch = z.infer<typeof LiveConfigSchema>;

export const DEMO_USER = { username: 'demo', password: 'Ch4ng31t' } as const;

export function parseConfig(input: LabConfigInput = {}): LabConfig {
  return LabConfigSchema.parse(input);
}

export function serverId(index: number): string {
  return String(index + 1).padStart(2, '0');
}
