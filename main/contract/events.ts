import { z } from 'zod';

/**
 * Every cluster event, once: the facts it records (`data`, typed per event type) and the sentence
 * the trace, the window and the CLI show for it. The sentence is rendered from the data when the
 * event is recorded and never parsed back: a reader that needs a fact reads the data. Recipes'
 * `events:` expectations and HAR files (`_events`) use these type names, so a type is never
 * renamed. A new event is one entry in EVENTS (its data schema and its sentence); the compiler
 * then shows every emitter and reader that must know it.
 */

const nodeId = z.string().max(64);
const Storage = z.enum(['memory', 'cts', 'client']);
export const TerminationReasonSchema = z.enum(['logout', 'admin', 'max-time', 'idle']);
export type TerminationReason = z.infer<typeof TerminationReasonSchema>;
const NodeState = z.enum(['up', 'down', 'drained']);

/** Why a node could not continue a login: the lookup that missed (AM error 110 follows). */
export const AuthSessionMissSchema = z.enum(['not-in-memory', 'not-in-cts', 'cts-unreachable', 'unknown-authid', 'unreadable-journey', 'expired', 'authid-expired']);
export type AuthSessionMiss = z.infer<typeof AuthSessionMissSchema>;
const AuthSessionMissed = z.object({
  authSession: z.string().nullable(),
  createdOn: z.string().max(64).nullable(),
  lookedUpOn: z.string().max(64),
  storage: z.enum(['memory', 'cts', 'client']).nullable(),
  cause: AuthSessionMissSchema,
  /** The directory server the node read, when the CTS has several. */
  ctsServer: z.string().nullable().optional(),
  /** The directory's error, for cts-unreachable. */
  error: z.string().optional(),
});
/** What the node found, in words: "the CTS (ldap://127.0.0.1:1389) holds no auth session for this authId". */
export function authSessionMissText(d: Pick<z.infer<typeof AuthSessionMissed>, 'cause' | 'ctsServer' | 'error'>): string {
  const cts = d.ctsServer ? `the CTS (${d.ctsServer})` : 'the CTS';
  switch (d.cause) {
    case 'not-in-memory':
      return 'no auth session for this authId in its memory';
    case 'not-in-cts':
      return `${cts} holds no auth session for this authId`;
    case 'cts-unreachable':
      return `${cts} could not be reached${d.error ? ` (${d.error})` : ''}`;
    case 'unknown-authid':
      return 'the authId names no auth session';
    case 'unreadable-journey':
      return 'the client-side journey state could not be decrypted';
    case 'expired':
      return 'the auth session passed its max duration';
    case 'authid-expired':
      return 'the authId JWT expired';
  }
}
/** Misses that are an expiry (the journey ran out of time), not a lookup on the wrong node. */
export const EXPIRED_MISSES: ReadonlySet<AuthSessionMiss> = new Set(['expired', 'authid-expired']);

/** Why a login failed. */
export const LoginFailureSchema = z.enum(['credentials', 'step', 'locked', 'role']);
const LOGIN_FAILURE: Record<z.infer<typeof LoginFailureSchema>, string> = {
  credentials: 'wrong user name or password',
  step: 'the second factor was not confirmed',
  locked: 'the account is locked',
  role: 'the user does not hold the role',
};

/** Why a session token was refused on access (AM's reasons, as the node resolved them). */
export const DeadSessionSchema = z.enum(['malformed', 'unknown', 'forged', 'denylisted', 'expired', 'cts-unavailable', ...TerminationReasonSchema.options]);

/** Each reason in words, for the sentences (an imported HAR may carry any of them). */
export const DEAD_SESSION_WORDS: Record<z.infer<typeof DeadSessionSchema>, string> = {
  malformed: 'the token is malformed',
  unknown: 'no such session in the CTS',
  forged: 'the token does not match the session it names',
  denylisted: 'it is on the logout denylist',
  expired: 'it had expired',
  'cts-unavailable': 'the CTS could not be reached',
  logout: 'it was logged out',
  admin: 'an administrator terminated it',
  'max-time': 'it reached its max session time',
  idle: 'it passed its max idle time',
};

/** A session as recorded when it ended (what the admin list and the diagnosis show of it). */
const EndedSession = z.object({
  handle: z.string(),
  username: z.string(),
  realm: z.string(),
  kind: z.enum(['cts', 'client']),
  homeNode: nodeId,
  createdAt: z.number(),
  latestAccessTime: z.number(),
  maxSessionTime: z.number(),
  maxIdleTime: z.number(),
  maxIdleExpiration: z.number().nullable(),
  maxSessionExpiration: z.number(),
});

/** A node's state change: by the operator (kill, restart) or as the balancer's health check saw it. */
const NodeStateChange = z.discriminatedUnion('by', [
  z.object({ by: z.literal('operator'), port: z.number().int().optional(), pid: z.number().int().optional() }),
  z.object({ by: z.literal('balancer'), from: NodeState, to: NodeState }),
]);

type Text<S extends z.ZodType> = (data: z.infer<S>, node: string | null) => string;
const event = <S extends z.ZodType>(data: S, text: Text<S>) => ({ data, text });

const where = (storage: z.infer<typeof Storage>, node: string) => ({ memory: `node ${node} memory`, cts: 'the CTS', client: 'the authId (client-side JWT)' })[storage];
const ENDED: Record<TerminationReason, (s: z.infer<typeof EndedSession>) => string> = {
  logout: () => 'logged out',
  admin: () => 'terminated by an administrator',
  'max-time': (s) => `reached its max session time (${s.maxSessionTime} min)`,
  idle: (s) => `was idle longer than its max idle time (${s.maxIdleTime} min)`,
};

type Cause = { kind: 'quota'; action: string; limit: number } | { kind: 'upgrade' };
const caused = (c: Cause) => (c.kind === 'quota' ? `destroyed by the session quota (${c.action}, limit ${c.limit})` : 'replaced by the upgraded session');

/** "31 min", "90 s", "500 ms". */
export function durationText(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

export const EVENTS = {
  /** `ctsServer`: the directory server it was written to, when the CTS has several. */
  'auth-session-created': event(
    z.object({ authSession: z.string(), service: z.string(), kind: z.enum(['chain', 'tree']), storage: Storage, createdOn: nodeId, ctsServer: z.string().nullable().optional() }),
    (d) => `Auth session started on node ${d.createdOn} (${d.kind} ${d.service}), kept in ${where(d.storage, d.createdOn)}`,
  ),
  'auth-session-missed': event(
    AuthSessionMissed,
    (d) => `Node ${d.lookedUpOn}: ${authSessionMissText(d)}${d.createdOn && d.createdOn !== d.lookedUpOn ? ` (it was created on node ${d.createdOn})` : ''} → 401 Session has timed out`,
  ),
  'auth-session-expired': event(
    z.object({ authSession: z.string(), createdOn: nodeId, ageMs: z.number() }),
    (d) => `Auth session started on node ${d.createdOn} expired after ${Math.round(d.ageMs / 1000)} s`,
  ),
  /** A login completed (`upgrade`: it replaced the caller's session), or a caller with a valid session was handed it back (`existing`). */
  'login-succeeded': event(
    z.union([
      z.object({ user: z.string(), service: z.string(), kind: z.enum(['chain', 'tree']), authSession: z.string().nullable(), createdOn: nodeId, upgrade: z.boolean() }),
      z.object({ user: z.string(), existing: z.literal(true), handle: z.string() }),
    ]),
    (d, node) =>
      'existing' in d ? `${d.user} already has a valid session: node ${node} returned it without a new login` : `${d.user} authenticated on node ${node} (${d.kind} ${d.service})${d.upgrade ? ', upgrading the existing session' : ''}`,
  ),
  'login-failed': event(z.object({ user: z.string(), service: z.string(), authSession: z.string().nullable(), reason: LoginFailureSchema }), (d, node) => `Login failed for "${d.user}" on node ${node}: ${LOGIN_FAILURE[d.reason]}`),
  'session-created': event(
    z.object({ handle: z.string(), user: z.string(), realm: z.string(), kind: z.enum(['cts', 'client']), maxSessionTime: z.number(), maxIdleTime: z.number() }),
    (d, node) => `Session created for ${d.user} on node ${node} (${d.kind === 'cts' ? 'CTS-based' : 'client-based'})`,
  ),
  /** A session ended; `cause` when AM destroyed it itself (its session quota, a session upgrade). */
  'session-terminated': event(
    z.object({
      handle: z.string(),
      user: z.string(),
      reason: TerminationReasonSchema,
      detectedBy: z.enum(['request', 'access', 'reaper']),
      kind: z.enum(['cts', 'client']),
      homeNode: nodeId,
      session: EndedSession,
      cause: z.discriminatedUnion('kind', [z.object({ kind: z.literal('quota'), action: z.string(), limit: z.number() }), z.object({ kind: z.literal('upgrade') })]).optional(),
    }),
    (d, node) => `Session of ${d.user} ${d.cause ? caused(d.cause) : ENDED[d.reason](d.session)}${d.detectedBy === 'reaper' ? ' — removed by the CTS reaper' : d.detectedBy === 'access' ? ` — seen on access at node ${node}` : ''}`,
  ),
  /** A node told the browser to drop its session (and sticky) cookie. */
  'cookie-invalidated': event(z.object({ why: DeadSessionSchema, sessionCookie: z.string(), lbCookie: z.string().optional() }), (d, node) =>
    d.why === 'logout' ? `Node ${node} invalidated the ${d.sessionCookie}${d.lbCookie ? ` and ${d.lbCookie}` : ''} cookies of the logged-out session` : `Node ${node} cleared the ${d.sessionCookie} cookie: ${DEAD_SESSION_WORDS[d.why]}`,
  ),
  /** A node found the session a request presented dead (the response itself says only "not valid"). */
  'session-rejected': event(z.object({ why: DeadSessionSchema }), (d, node) => `Node ${node} refused the presented session: ${DEAD_SESSION_WORDS[d.why]}`),
  /** A virtual browser refused a Set-Cookie, as Chromium would; `reason` is in DevTools' words. */
  'cookie-blocked': event(z.object({ browser: z.string(), browserName: z.string(), cookie: z.string(), reason: z.string(), url: z.string() }), (d) => `Browser ${d.browserName} refused Set-Cookie ${d.cookie}: ${d.reason}`),
  'oauth2-code-issued': event(
    z.object({ clientId: z.string(), user: z.string(), scope: z.array(z.string()), pkce: z.string().nullable(), lifetime: z.number() }),
    (d, node) => `Node ${node}: authorization code for ${d.user} → ${d.clientId} (in the CTS for ${d.lifetime} s)`,
  ),
  'oauth2-tokens-issued': event(
    z.object({ grantType: z.string(), clientId: z.string(), tokens: z.array(z.string()), mode: z.enum(['stateful', 'client-side']) }),
    (d, node) => `Node ${node}: ${d.grantType} grant for ${d.clientId} → ${d.tokens.join(', ')}`,
  ),
  'oauth2-token-revoked': event(
    z.object({ clientId: z.string(), tokenName: z.enum(['access_token', 'refresh_token']), user: z.string(), revoked: z.number() }),
    (d, node) => `Node ${node}: ${d.clientId} revoked ${d.tokenName === 'refresh_token' ? `a refresh token and its grant (${d.revoked} tokens)` : 'an access token'} of ${d.user}`,
  ),
  /** An OAuth2 endpoint refused a request: its OAuth2 error code and description. */
  'oauth2-request-rejected': event(
    z.object({ endpoint: z.string(), error: z.string(), status: z.number().optional(), clientId: z.string().optional(), description: z.string().optional() }),
    (d, node) =>
      d.error === 'session-gone'
        ? `Node ${node}: ${d.endpoint} found the session already gone`
        : `Node ${node}: ${d.endpoint}${d.clientId ? ` for ${d.clientId}` : ''} → ${d.status ? `${d.status} ` : ''}${d.error}${d.description ? ` (${d.description})` : ''}`,
  ),
  'node-up': event(NodeStateChange, (d, node) =>
    d.by === 'operator' ? `Node ${node} started${d.port ? ` on port ${d.port}` : ''}${d.pid ? ` (process ${d.pid})` : ''}` : `Balancer: node ${node} is up`,
  ),
  'node-down': event(NodeStateChange, (d, node) => (d.by === 'operator' ? `Node ${node} was killed: its in-memory auth sessions are gone` : `Balancer: node ${node} is down`)),
  /** A node's process ended without the lab asking (kill -9 from a shell, a crash): the lab, which started it, sees it go. */
  'node-process-ended': event(
    z.object({ pid: z.number().int(), signal: z.string().nullable(), code: z.number().int().nullable() }),
    (d, node) => `Node ${node}'s process (${d.pid}) ended ${d.signal ? `by ${d.signal}` : `with exit code ${d.code}`}: its in-memory auth sessions are gone`,
  ),
  'node-drained': event(NodeStateChange, (_d, node) => `Balancer: node ${node} is drained`),
  'node-undrained': event(NodeStateChange, (_d, node) => `Balancer: node ${node} is up`),
  'node-added': event(z.object({}), (_d, node) => `Node ${node} joined the cluster`),
  'node-removed': event(z.object({}), (_d, node) => `Node ${node} left the cluster`),
  /** The balancer sent a request elsewhere than its sticky (or active) node; `reason` is its log line. */
  redispatch: event(z.object({ reason: z.string(), from: nodeId.nullable() }), (d) => `Balancer: ${d.reason}`),
  /** A setting changed live; `lbCookieName` with a policy change, `product` with a balancer file. */
  'config-changed': event(z.object({ key: z.string(), from: z.unknown(), to: z.unknown(), lbCookieName: z.string().optional(), product: z.string().optional() }), (d) => {
    if (d.key === 'policy') return d.to === 'sticky' ? `Stickiness turned on (sticky on ${d.lbCookieName ?? 'amlbcookie'})` : d.from === 'sticky' ? `Stickiness turned off (policy ${String(d.to)})` : `Balancer policy ${String(d.from)} → ${String(d.to)}`;
    if (d.key === 'lbConfig') return d.to === null ? "Balancer: the lab's own policy again" : `Balancer: routes as the customer's configuration (${d.product ?? ''})`;
    if (d.key === 'https') return d.to ? 'Balancer speaks HTTPS (lab CA)' : 'Balancer speaks plain HTTP';
    if (d.key === 'maxSessionTime' || d.key === 'maxIdleTime' || d.key === 'maxCachingTime') return `${d.key} ${String(d.from)} → ${String(d.to)} min (applies to sessions created from now on, as in AM)`;
    return `${d.key}: ${JSON.stringify(d.from)} → ${JSON.stringify(d.to)}`;
  }),
  'clock-changed': event(z.union([z.object({ advancedBy: z.number() }), z.object({ speed: z.number() }), z.object({ paused: z.boolean() })]), (d) =>
    'advancedBy' in d ? `Lab clock advanced by ${durationText(d.advancedBy)}` : 'speed' in d ? `Lab clock runs at ${d.speed}×` : d.paused ? 'Lab clock paused' : 'Lab clock resumed',
  ),
  /** A replica of the lab's directory went down (an operator stopped it, or its slapd exited on its own) or came back; or the reaper reached the CTS again. */
  'cts-down': event(
    z.discriminatedUnion('by', [z.object({ by: z.literal('operator'), replica: z.number().int(), url: z.string() }), z.object({ by: z.literal('exited'), replica: z.number().int(), url: z.string(), how: z.string() })]),
    (d) => (d.by === 'operator' ? `CTS replica ${d.replica} (${d.url}) stopped` : `CTS replica ${d.replica} (${d.url}) exited on its own (${d.how}): the lab did not stop it`),
  ),
  'cts-up': event(
    z.discriminatedUnion('by', [z.object({ by: z.literal('operator'), replica: z.number().int(), url: z.string() }), z.object({ by: z.literal('reaper') })]),
    (d) => (d.by === 'operator' ? `CTS replica ${d.replica} (${d.url}) started; replication catches it up` : 'The CTS answers the reaper again'),
  ),
  /** No directory server answered: a node's CTS call (`during` says which; 'login' for a login step, which answers 500), or the reaper. */
  'cts-unreachable': event(z.union([z.object({ by: z.literal('reaper'), why: z.string() }), z.object({ during: z.string(), why: z.string() })]), (d, node) =>
    'by' in d
      ? `The CTS reaper could not reach the directory: ${d.why}`
      : d.during === 'login'
        ? `Node ${node} could not reach the CTS during a login step: ${d.why} → 500`
        : `Node ${node} could not reach the CTS ${d.during}: ${d.why}`,
  ),
  'bad-request': event(z.object({ status: z.number().int(), reason: z.string() }), (d, node) => (d.status >= 500 ? `Node ${node} failed a request: ${d.reason}` : `Node ${node} rejected a request: ${d.status} ${d.reason}`)),
};

export type LabEventType = keyof typeof EVENTS;
export const EVENT_TYPES = Object.keys(EVENTS) as [LabEventType, ...LabEventType[]];
export type EventData<T extends LabEventType> = z.infer<(typeof EVENTS)[T]['data']>;

interface EventBase<T extends LabEventType> {
  kind: 'event';
  seq: number;
  type: T;
  labTime: number;
  realTime: number;
  node: string | null;
  /** The balancer exchange during which it happened, when there was one. */
  exchangeId: string | null;
  /** The sentence for people, rendered from `data` when recorded (eventText). */
  message: string;
  data: EventData<T>;
}

/** A recorded cluster event, discriminated by `type`: `data` is typed for each type. */
export type LabEvent = { [T in LabEventType]: EventBase<T> }[LabEventType];
export type LabEventOf<T extends LabEventType> = Extract<LabEvent, { type: T }>;

/** The sentence of an event, from its data. */
export function eventText<T extends LabEventType>(type: T, data: EventData<T>, node: string | null): string {
  return (EVENTS[type].text as Text<z.ZodType>)(data, node);
}

/** A recorded event as a HAR file carries it: checked field by field when a HAR is imported. */
export const LabEventSchema = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map((type) =>
    z.object({
      type: z.literal(type),
      seq: z.number().int().catch(-1),
      labTime: z.number().catch(0),
      realTime: z.number().optional(),
      node: z.string().max(64).nullable().catch(null),
      exchangeId: z.string().max(200).nullable().catch(null),
      message: z.string().max(2000).optional(),
      data: EVENTS[type].data,
    }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);
